/** Unit tests (table-driven, no Docker) for listeners.ts. */
import { describe, expect, test } from "vitest";
import type { LabError } from "../errors.ts";
import { checkListenersAfterStep, listenerProblems, listenersMissingFrom, listeningPorts } from "./listeners.ts";

describe("listeningPorts", () => {
  test.each([
    { name: "dual-stack sockets", out: "udp UNCONN 0 0 *:5353 *:*\ntcp LISTEN 0 9 *:80 *:*\ntcp LISTEN 0 5 *:8080 *:*\n", tcp: [80, 8080], udp: [5353] },
    { name: "per-family sockets", out: "tcp LISTEN 0 5 0.0.0.0:3000 0.0.0.0:*\ntcp LISTEN 0 5 [::]:3000 [::]:*\n", tcp: [3000], udp: [] },
    { name: "a bound address", out: "tcp LISTEN 0 5 127.0.0.1:8080 0.0.0.0:*\n", tcp: [8080], udp: [] },
    { name: "nothing", out: "", tcp: [], udp: [] },
    { name: "garbage lines", out: "Netid State\nwhatever\n", tcp: [], udp: [] },
  ])("$name", ({ out, tcp, udp }) => {
    const got = listeningPorts(out);
    expect([...got.tcp].sort((a, b) => a - b)).toEqual(tcp);
    expect([...got.udp]).toEqual(udp);
  });
});

describe("listenersMissingFrom", () => {
  const listen = [{ protocol: "tcp", port: 8080 }, { protocol: "udp", port: 53 }] as const;
  test.each([
    ["both listen", "tcp LISTEN 0 4096 0.0.0.0:8080 0.0.0.0:*\nudp UNCONN 0 0 0.0.0.0:53 0.0.0.0:*\n", []],
    ["the TCP one gone (a UDP socket on its port is no TCP listener)", "udp UNCONN 0 0 0.0.0.0:8080 0.0.0.0:*\nudp UNCONN 0 0 [::]:53 [::]:*\n", ["tcp/8080"]],
    ["nothing read", "", ["tcp/8080", "udp/53"]],
  ])("%s", (_what, ss, want) => {
    expect(listenersMissingFrom([...listen], ss).map((l) => `${l.protocol}/${l.port}`)).toEqual(want);
  });
});

describe("listenerProblems", () => {
  const tcp = (port: number) => ({ protocol: "tcp" as const, port });
  const udp = (port: number) => ({ protocol: "udp" as const, port });
  const http = (port: number) => ({ protocol: "http" as const, port });
  // As LISTENER_STATE_SCRIPT prints them: `ss -H -ltunp`, an empty line, `PID STATE` of each process named (ps prints the same).
  const SOCKETS = [
    `udp UNCONN 0      0      127.0.0.1:53   0.0.0.0:* users:(("fwspec-udp-echo",pid=9,fd=5))`,
    `udp UNCONN 0      0              *:53         *:* users:(("fwspec-udp-echo",pid=9,fd=3))`,
    `tcp LISTEN 0      128            *:8080       *:* users:(("fwspec-tcp-echo",pid=8,fd=3))`,
    `tcp LISTEN 0      5              *:3000       *:* users:(("busybox",pid=12,fd=3),("busybox",pid=13,fd=3))`,
  ].join("\n");
  const ps = (states: Record<number, string>) => Object.entries(states).map(([p, s]) => `${String(p).padStart(7)} ${s}`).join("\n");
  test.each([
    ["every listener running", [tcp(8080), udp(53), http(3000)], ps({ 1: "Ss", 8: "S", 9: "S", 12: "S", 13: "S" }), []],
    ["a TCP server killed: no socket", [tcp(8080), tcp(9090)], ps({ 1: "Ss", 8: "S" }), ["tcp/9090: no socket listens on it any more"]],
    ["a UDP server stopped (SIGSTOP): the socket stays", [udp(53)], ps({ 1: "Ss", 9: "Ts" }), ["udp/53: its server is stopped (process 9 in state Ts)"]],
    ["one of two processes on a socket stopped: still answers", [http(3000)], ps({ 12: "T", 13: "S" }), []],
    ["both stopped (t: stopped by a tracer too)", [http(3000)], ps({ 12: "T", 13: "t" }), ["http/3000: its server is stopped (process 12, 13 in state T, t)"]],
    ["a UDP port declared but only TCP listens there", [udp(8080)], ps({ 8: "S" }), ["udp/8080: no socket listens on it any more"]],
    ["no process list: not called stopped", [tcp(8080)], "", []],
  ])("%s", (_what, listen, processes, want) => {
    expect(listenerProblems(listen, `${SOCKETS}\n\n${processes}\n`)).toEqual(want);
  });
});

describe("checkListenersAfterStep", () => {
  test("a stopped server is the step's error, its hint a command a person types (tester 39b: it printed this check's own script)", async () => {
    const host = {
      name: "server",
      spec: { listen: [{ protocol: "udp" as const, port: 53 }] },
      run: async (command: readonly string[]) => ({ command, exitCode: 0, stdout: `udp UNCONN 0 0 *:53 *:* users:(("fwspec-udp-echo",pid=9,fd=3))\n\n      9 T\n`, stderr: "", durationMs: 1 }),
      repro: (argv: readonly string[]) => `docker exec c ${argv.join(" ")}`,
    };
    const error = await checkListenersAfterStep(host as never).then(() => undefined, (e: unknown) => e as LabError);
    expect(error?.message).toMatch(/^after this step, listener\(s\) of server no longer answer: udp\/53: its server is stopped/);
    expect(error?.hint).toMatch(/see: docker exec c ss -ltnup$/);
  });

  // Tester 39b: a process an earlier step left in the background ended a listener; the next step on that host took the blame.
  test.each([
    { earlier: false, says: /^after this step, listener\(s\) of server no longer answer: udp\/53/ },
    { earlier: true, says: /^after this step, listener\(s\) of server no longer answer \(ended by this step's command, or by a process an earlier step of this scenario left running on server\): udp\/53/ },
  ])("commands of the scenario ran before this step: $earlier", async ({ earlier, says }) => {
    const host = {
      name: "server",
      spec: { listen: [{ protocol: "udp" as const, port: 53 }] },
      run: async (command: readonly string[]) => ({ command, exitCode: 0, stdout: `udp UNCONN 0 0 *:53 *:* users:(("fwspec-udp-echo",pid=9,fd=3))\n\n      9 T\n`, stderr: "", durationMs: 1 }),
      repro: (argv: readonly string[]) => `docker exec c ${argv.join(" ")}`,
    };
    const error = await checkListenersAfterStep(host as never, { earlier }).then(() => undefined, (e: unknown) => e as LabError);
    expect(error?.message).toMatch(says);
  });
});
