/** Unit tests (table-driven, pure) for greeting.ts: a connection fwspec's listener never greeted. */
import { describe, expect, test } from "vitest";
import type { ProbeSpec } from "../model/types.ts";
import { servesListener, ungreeted } from "./greeting.ts";
import type { ProbeResult } from "./probe.ts";

const spec: ProbeSpec = { from: "client", to: { kind: "host", host: "server" }, port: 22, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 };
const result = (over: Partial<ProbeResult> & { stdout?: string; durationMs?: number }): ProbeResult => ({
  spec, address: "198.18.0.3", verdict: "open", reason: "connection succeeded",
  evidence: { command: "nc", argv: [], exitCode: 0, stdout: over.stdout ?? "", stderr: "Connection to 198.18.0.3 22 port [tcp/ssh] succeeded!\n", durationMs: over.durationMs ?? 2006 },
  ...over,
});
const ANSWER = { host: "server", port: 22, peer: "198.18.0.2", peerPort: 40000 };

describe("ungreeted", () => {
  test.each<[string, ProbeResult, boolean, string]>([
    ["connected, silent for the whole timeout, on a port fwspec serves: dropped", result({}), true, "dropped"],
    ["greeted: open", result({ stdout: "fwspec server 22 198.18.0.2 40000\n", durationMs: 4, answer: ANSWER }), true, "open"],
    ["a port fwspec does not serve (a service of a run step): open", result({}), false, "open"],
    ["something else answered (data, no identity line): open", result({ stdout: "SSH-2.0-OpenSSH\n" }), true, "open"],
    ["closed before the timeout without a greeting (another service took it): open", result({ durationMs: 40 }), true, "open"],
    ["already dropped: unchanged", result({ verdict: "dropped", reason: "no answer within 2 s" }), true, "dropped"],
    ["UDP: not a TCP greeting", result({ spec: { ...spec, protocol: "udp" } }), true, "open"],
  ])("%s", (_, r, served, want) => expect(ungreeted(r, served).verdict).toBe(want));

  test("the reason says what was seen and what it means", () => {
    const r = ungreeted(result({}), true);
    expect(r.reason).toBe("connected (its SYN was answered), but the listener on port 22 sent nothing and the connection stayed open for the whole 2 s: fwspec's listener greets every connection it accepts, so the handshake's last ACK, or what followed it, was dropped on the way and no data passes");
    expect(r.evidence).toEqual(result({}).evidence);
    expect(r.halfOpen).toBe(true);
  });
});

describe("servesListener", () => {
  const listen = [{ protocol: "tcp", port: 22 }, { protocol: "http", port: 80 }, { protocol: "udp", port: 53 }] as const;
  test.each<[string, number, boolean]>([
    ["a TCP listener on the port", 22, true],
    ["an HTTP listener: no greeting on a bare TCP connection", 80, false],
    ["a UDP listener", 53, false],
    ["no listener", 8080, false],
  ])("%s", (_, port, want) => expect(servesListener(listen, port)).toBe(want));
});
