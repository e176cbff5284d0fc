/**
 * `fwspec-probe` answered by fwspec-agent itself (docker/fwspec-agent-probe.pl)
 * keeps docker/fwspec-probe's contract: each case runs both through the agent,
 * once as `fwspec-probe` (answered by the agent) and once as the script's own
 * path (an ordinary command), and must get the same replies. This machine's
 * perl and bash, no Docker; the only packets are UDP datagrams to loopback.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { AgentReply } from "./agent.ts";
import { noneLeft, type Running, startAgent } from "./agent-script-kit.ts";

const SCRIPT_PROBE = fileURLToPath(new URL("../../docker/fwspec-probe", import.meta.url));
/** The SYN-SENT case needs its own network namespace with an nft rule: root, unshare and nft on this machine. */
const canDropInNetns = process.getuid?.() === 0 && ["unshare", "nft", "ip"].every((tool) => spawnSync("sh", ["-c", 'command -v "$1"', "sh", tool]).status === 0);
/**
 * Every other case in a network namespace of its own too where it can be: a probe reports the ICMP errors its
 * namespace received while it ran, and other test runs on this machine send datagrams to loopback's closed ports.
 */
const OWN_NETNS = process.getuid?.() === 0 && ["unshare", "ip"].every((tool) => spawnSync("sh", ["-c", 'command -v "$1"', "sh", tool]).status === 0) ? { netns: "ip link set lo up" } : {};
const DROP_PORT_9 = [
  "ip link set lo up",
  "nft add table inet fwspec_test",
  "nft add chain inet fwspec_test in '{ type filter hook input priority 0; }'",
  "nft add rule inet fwspec_test in tcp dport 9 drop",
].join(" && ");
const DROP_SYNACK_FROM_9 = [
  "ip link set lo up",
  "nft add table inet fwspec_test",
  "nft add chain inet fwspec_test out '{ type filter hook output priority 0; }'",
  "nft add rule inet fwspec_test out tcp sport 9 drop",
].join(" && ");
/** This machine's `ip`, by its path: a test's set-up runs it before its own `ip` comes first on the agent's PATH. */
const IP = spawnSync("sh", ["-c", "command -v ip"], { encoding: "utf8" }).stdout.trim();
/** A link whose far end answers nothing (a veth pair, no address at the other end): 198.18.99.2's ARP goes unanswered. */
const UNANSWERED_PEER = [`${IP} link set lo up`, `${IP} link add fwv0 type veth peer name fwv1`, `${IP} addr add 198.18.99.1/24 dev fwv0`, `${IP} link set fwv0 up`, `${IP} link set fwv1 up`];
const USAGE = "usage: fwspec-probe start <id> <grace-ms>[,4|,6] <argv…> | wait <id> [<max-ms>] | stop <id> [tcp <address> <port>] | half-open <address> [<port>]\n";

/** What a case compares: the reply without the agent's byte counts. */
function seen(r: AgentReply) {
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
}

/** Sends probe requests one after another (as the harness does) and gives each reply. */
function prober(agent: Running, probe: string) {
  let next = 1;
  return async (...args: string[]) => {
    const id = next++;
    agent.send(id, [probe, ...args]);
    return seen(await agent.reply(id));
  };
}

const both = [
  { how: "answered by the agent", probe: "fwspec-probe" },
  { how: "the script through the agent", probe: SCRIPT_PROBE },
] as const;

describe.each(both)("fwspec-probe $how", ({ probe }) => {
  const unique = () => `fwspec-probe-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

  it("a tool that ends within the grace: its stdout, stderr and exit status, nothing added", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run("start", "p1", "5000", "sh", "-c", "printf out; printf err >&2; exit 3")).toEqual({ exitCode: 3, stdout: "out", stderr: "err", timedOut: false });
    // Its result was given: the probe is gone.
    expect(await run("wait", "p1")).toEqual({ exitCode: 196, stdout: "", stderr: "fwspec-probe: no probe p1\n", timedOut: false });
  });

  it("one still running at the end of the grace is pending; a bounded wait says pending again; stop kills it and everything in its group", async () => {
    const mark = unique();
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run("start", "p2", "50", "bash", "-c", '(exec -a "$1" sleep 600) & exec -a "$1" sleep 601', "tool", mark)).toEqual({ exitCode: 199, stdout: "fwspec-probe: pending\n", stderr: "", timedOut: false });
    expect(await run("wait", "p2", "30")).toEqual({ exitCode: 199, stdout: "fwspec-probe: pending\n", stderr: "", timedOut: false });
    expect(await run("stop", "p2")).toEqual({ exitCode: 198, stdout: "fwspec-probe: stopped\n", stderr: "", timedOut: false });
    await noneLeft(mark);
    expect(await run("stop", "p2")).toEqual({ exitCode: 196, stdout: "", stderr: "fwspec-probe: no probe p2\n", timedOut: false });
  });

  it("a stopped tool's stderr so far comes with the stop, ended by a newline", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect((await run("start", "p3", "100", "sh", "-c", "printf half >&2; sleep 600")).exitCode).toBe(199);
    expect(await run("stop", "p3")).toEqual({ exitCode: 198, stdout: "fwspec-probe: stopped\n", stderr: "half\n", timedOut: false });
  });

  it("an unbounded wait gives the result when the tool ends; a bounded one too", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect((await run("start", "p4", "20", "sh", "-c", "sleep 0.3; echo done")).exitCode).toBe(199);
    expect(await run("wait", "p4")).toEqual({ exitCode: 0, stdout: "done\n", stderr: "", timedOut: false });
    expect((await run("start", "p5", "20", "sh", "-c", "sleep 0.2; echo over; exit 1")).exitCode).toBe(199);
    expect((await run("wait", "p5", "2000")).exitCode).toBe(1);
  });

  it.skipIf(!canDropInNetns)("stop tcp of a connection still in SYN-SENT (its SYN dropped) kills the tool", async () => {
    // In a network namespace of its own: loopback up, an input rule dropping SYNs to port 9 (nothing leaves it).
    const run = prober(startAgent([], { netns: DROP_PORT_9 }), probe);
    expect(await run("start", "s1", "50", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9")).toEqual({ exitCode: 199, stdout: "fwspec-probe: pending\n", stderr: "", timedOut: false });
    expect(await run("stop", "s1", "tcp", "127.0.0.1", "9")).toEqual({ exitCode: 198, stdout: "fwspec-probe: stopped\n", stderr: "", timedOut: false });
  });

  it.skipIf(!canDropInNetns)("stop tcp of a connection waiting for its next hop's address (ARP unanswered) notes the neighbour unresolved", async () => {
    const run = prober(startAgent([], { netns: UNANSWERED_PEER.join(" && ") }), probe);
    expect((await run("start", "n1", "50", "bash", "-c", "exec 3<>/dev/tcp/198.18.99.2/9")).exitCode).toBe(199);
    expect(await run("stop", "n1", "tcp", "198.18.99.2", "9")).toEqual({ exitCode: 198, stdout: "fwspec-probe: stopped\n", stderr: "fwspec-probe: neighbour 198.18.99.2 unresolved (INCOMPLETE)\n", timedOut: false });
  });

  it.skipIf(!canDropInNetns)("half-open ends the SYN-RECV sockets a peer left (their SYN-ACK dropped), of both families and an IPv4 peer's on a dual-stack socket; none: nothing, exit 0", async () => {
    // In a network namespace of its own: a dual-stack listener on port 9 whose SYN-ACKs an output rule drops.
    const agent = startAgent([], { netns: DROP_SYNACK_FROM_9 });
    const run = prober(agent, probe);
    let id = 1000;
    const command = async (...argv: string[]) => {
      agent.send(++id, argv, "", 10);
      return seen(await agent.reply(id));
    };
    expect((await run("start", "l1", "20", "perl", "-MIO::Socket::IP", "-e", 'my $s = IO::Socket::IP->new(LocalHost => "::", LocalPort => 9, Listen => 16, ReuseAddr => 1, V6Only => 0) or die "listen: $@"; sleep 600')).exitCode).toBe(199);
    expect((await command("sh", "-c", 'until ss -Hltn "( sport = :9 )" | grep -q .; do sleep 0.02; done')).exitCode).toBe(0);
    for (const [client, address] of [["c4", "127.0.0.1"], ["c6", "::1"]] as const) {
      expect((await run("start", client, "50", "bash", "-c", `exec 3<>/dev/tcp/${address}/9`)).exitCode).toBe(199);
      // Its SYN arrived (a loaded machine may start bash after the grace): the listener holds the connection half-open.
      expect((await command("sh", "-c", `until ss -Htn state syn-recv "( sport = :9 )" | grep -qF "${address}"; do sleep 0.02; done`)).exitCode).toBe(0);
      // The client gone (no more SYNs from it), the listener still holds its connection half-open.
      expect((await run("stop", client)).exitCode).toBe(198);
    }
    expect(await run("half-open", "127.0.0.1", "8")).toEqual({ exitCode: 0, stdout: "", stderr: "", timedOut: false });
    const ended4 = await run("half-open", "127.0.0.1", "9");
    expect(ended4).toMatchObject({ exitCode: 0, stderr: "" });
    expect(ended4.stdout).toContain("127.0.0.1");
    expect(await run("half-open", "127.0.0.1", "9")).toEqual({ exitCode: 0, stdout: "", stderr: "", timedOut: false });
    const ended6 = await run("half-open", "::1");
    expect(ended6).toMatchObject({ exitCode: 0, stderr: "" });
    expect(ended6.stdout).toContain("::1");
    expect(await run("half-open", "::1")).toEqual({ exitCode: 0, stdout: "", stderr: "", timedOut: false });
    expect((await run("stop", "l1")).exitCode).toBe(198);
  });

  it("half-open with a word that is no address or port: usage (2)", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run("half-open", "127.0.0.1", "nine")).toEqual({ exitCode: 2, stdout: "", stderr: USAGE, timedOut: false });
    expect(await run("half-open", "server", "9")).toEqual({ exitCode: 2, stdout: "", stderr: USAGE, timedOut: false });
    // Hex letters alone are a name ss would look up, not an address.
    expect(await run("half-open", "cafe")).toEqual({ exitCode: 2, stdout: "", stderr: USAGE, timedOut: false });
  });

  it("a tool that cannot be started: 127, said as the script's shell says it", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run("start", "m1", "5000", "fwspec-no-such-tool")).toEqual({ exitCode: 127, stdout: "", stderr: "fwspec-probe: 1: fwspec-no-such-tool: not found\n", timedOut: false });
  });

  it("stop tcp of a connection that is not in SYN-SENT lets the tool run to its end", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect((await run("start", "p7", "20", "sh", "-c", "sleep 0.3; echo answered")).exitCode).toBe(199);
    expect(await run("stop", "p7", "tcp", "127.0.0.1", "9")).toEqual({ exitCode: 0, stdout: "answered\n", stderr: "", timedOut: false });
  });

  it("an ICMP destination unreachable of the probe's family ends the grace; the result notes it", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    // A datagram to a closed loopback port is answered by an ICMP port unreachable.
    const started = await run("start", "p8", "60000,4", "bash", "-c", "echo x > /dev/udp/127.0.0.1/9; sleep 600");
    expect(started).toEqual({ exitCode: 199, stdout: "fwspec-probe: pending\n", stderr: "", timedOut: false });
    const stopped = await run("stop", "p8");
    expect(stopped).toMatchObject({ exitCode: 198, stdout: "fwspec-probe: stopped\n" });
    expect(stopped.stderr).toMatch(/^fwspec-probe: icmp destination unreachable received: ipv4 \+[1-9][0-9]*, ipv6 \+[0-9]+\n$/);
  }, 20_000);

  it.each([
    { name: "no id", args: ["start"] },
    { name: "an id with a space", args: ["start", "a b", "10", "true"] },
    { name: "a grace that is not a number", args: ["start", "p9", "soon", "true"] },
    { name: "a family other than 4 or 6", args: ["start", "p9", "10,5", "true"] },
    { name: "no tool", args: ["start", "p9", "10"] },
    { name: "an unknown request", args: ["frob", "p9"] },
  ])("refuses $name with its usage (exit 2)", async ({ args }) => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run(...args)).toEqual({ exitCode: 2, stdout: "", stderr: USAGE, timedOut: false });
  });

  // The harness bounds every tool with `timeout -k 1 N` (probes/command.ts): the agent does what coreutils does.
  it("a tool past its `timeout -k 1 N` gets TERM (exit 124); one that ignores it a KILL a second later (137); one that ends in time its own status", async () => {
    const mark = unique();
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run("start", "t1", "5000", "timeout", "-k", "1", "1", "bash", "-c", 'exec -a "$1" sleep 30', "tool", mark)).toEqual({ exitCode: 124, stdout: "", stderr: "", timedOut: false });
    // (The script's bash says `Killed` of a timeout that KILLed itself to pass the status on; the agent's has no shell.)
    expect(await run("start", "t2", "5000", "timeout", "-k", "1", "1", "bash", "-c", 'trap "" TERM; printf held; exec -a "$1" sleep 30', "tool", mark)).toMatchObject({ exitCode: 137, stdout: "held", stderr: expect.stringMatching(/^(Killed\n)?$/), timedOut: false });
    expect(await run("start", "t3", "5000", "timeout", "-k", "1", "5", "sh", "-c", "printf done; exit 3")).toEqual({ exitCode: 3, stdout: "done", stderr: "", timedOut: false });
    await noneLeft(mark);
  });

  it("a stop between a `timeout -k 1 N`'s TERM and its KILL stops the tool (198), as with coreutils", async () => {
    const mark = unique();
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run("start", "t4", "50", "timeout", "-k", "1", "1", "bash", "-c", 'trap "" TERM; exec -a "$1" sleep 30', "tool", mark)).toEqual({ exitCode: 199, stdout: "fwspec-probe: pending\n", stderr: "", timedOut: false });
    // Past the TERM (1 s), before the KILL (2 s).
    expect(await run("wait", "t4", "1400")).toEqual({ exitCode: 199, stdout: "fwspec-probe: pending\n", stderr: "", timedOut: false });
    expect(await run("stop", "t4")).toMatchObject({ exitCode: 198, stdout: "fwspec-probe: stopped\n" });
    await noneLeft(mark);
  });

  it("wait and stop of a probe never started: exit 196", async () => {
    const run = prober(startAgent([], OWN_NETNS), probe);
    expect(await run("wait", "nope", "10")).toEqual({ exitCode: 196, stdout: "", stderr: "fwspec-probe: no probe nope\n", timedOut: false });
    expect(await run("stop", "nope", "tcp", "127.0.0.1", "9")).toEqual({ exitCode: 196, stdout: "", stderr: "fwspec-probe: no probe nope\n", timedOut: false });
  });
});

describe("fwspec-probe answered by the agent", () => {
  it("runs the tool as the agent's own child (no bash, setsid or sh between them)", async () => {
    const agent = startAgent([], OWN_NETNS);
    agent.send(1, ["fwspec-probe", "start", "c1", "5000", "sh", "-c", "cat /proc/$PPID/comm"]);
    expect(await agent.reply(1)).toMatchObject({ exitCode: 0, stdout: "perl\n" });
  });

  it("a `timeout -k 1 N` before the tool is done by the agent: the tool is its own child, no timeout process", async () => {
    const agent = startAgent([], OWN_NETNS);
    agent.send(1, ["fwspec-probe", "start", "c2", "5000", "timeout", "-k", "1", "5", "sh", "-c", "cat /proc/$PPID/comm"]);
    expect(await agent.reply(1)).toMatchObject({ exitCode: 0, stdout: "perl\n" });
    // Anything else stays the tool's own argv (a `timeout` it runs keeps its group).
    agent.send(2, ["fwspec-probe", "start", "c3", "5000", "timeout", "5", "sh", "-c", "cat /proc/$PPID/comm"]);
    expect(await agent.reply(2)).toMatchObject({ exitCode: 0, stdout: "timeout\n" });
  });

  it("at the end of stdin a pending probe's tool and its group are KILLed", async () => {
    const agent = startAgent([], OWN_NETNS);
    const mark = `fwspec-probe-eof-${process.pid}-${Date.now()}`;
    agent.send(1, ["fwspec-probe", "start", "e1", "20", "bash", "-c", '(exec -a "$1" sleep 600) & exec -a "$1" sleep 601', "tool", mark]);
    expect(await agent.reply(1)).toMatchObject({ exitCode: 199 });
    agent.child.stdin.end();
    expect(await agent.exited).toBe(0);
    await noneLeft(mark);
  });

  it("a request waiting on a probe that another request stopped is answered: no such probe (196)", async () => {
    const agent = startAgent([], OWN_NETNS);
    agent.send(1, ["fwspec-probe", "start", "w1", "20", "sleep", "600"]);
    expect(await agent.reply(1)).toMatchObject({ exitCode: 199 });
    agent.send(2, ["fwspec-probe", "wait", "w1"]);
    agent.send(3, ["fwspec-probe", "wait", "w1", "60000"]);
    agent.send(4, ["fwspec-probe", "stop", "w1"]);
    expect(await agent.reply(4)).toMatchObject({ exitCode: 198, stdout: "fwspec-probe: stopped\n" });
    for (const id of [2, 3]) expect(await agent.reply(id)).toMatchObject({ exitCode: 196, stderr: "fwspec-probe: no probe w1\n" });
  });

  it("a start under the id of a probe still held replaces it: the old tool is killed, its end never counts for the new one", async () => {
    const agent = startAgent([], OWN_NETNS);
    const mark = `fwspec-probe-reuse-${process.pid}-${Date.now()}`;
    agent.send(1, ["fwspec-probe", "start", "r1", "20", "bash", "-c", 'exec -a "$1" sleep 600', "tool", mark]);
    expect(await agent.reply(1)).toMatchObject({ exitCode: 199 });
    agent.send(2, ["fwspec-probe", "start", "r1", "5000", "sh", "-c", "sleep 0.2; echo second"]);
    expect(await agent.reply(2)).toMatchObject({ exitCode: 0, stdout: "second\n", stderr: "" });
    await noneLeft(mark);
  });
});

// Two `ip` runs per stopped probe were about 3 ms of a lab host's CPU each time (docs/performance.md, session 40).
it.skipIf(!canDropInNetns)("the agent looks for an unresolved next hop with `ip` only when the neighbour table holds an unresolved entry", async () => {
  const bin = mkdtempSync(join(tmpdir(), "fwspec-ip-log-"));
  try {
    const log = join(bin, "ip.log");
    writeFileSync(join(bin, "ip"), `#!/bin/sh\necho "$*" >> ${log}\nexec ${IP} "$@"\n`);
    chmodSync(join(bin, "ip"), 0o755);
    const setUp = [...UNANSWERED_PEER, "nft add table inet fwspec_test", "nft add chain inet fwspec_test in '{ type filter hook input priority 0; }'", "nft add rule inet fwspec_test in tcp dport 9 drop"];
    const run = prober(startAgent([], { netns: setUp.join(" && "), path: `${bin}:${process.env["PATH"] ?? ""}` }), "fwspec-probe");
    // Loopback's SYN dropped: no neighbour involved, none unresolved.
    expect((await run("start", "r1", "50", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9")).exitCode).toBe(199);
    expect(await run("stop", "r1", "tcp", "127.0.0.1", "9")).toEqual({ exitCode: 198, stdout: "fwspec-probe: stopped\n", stderr: "", timedOut: false });
    expect(existsSync(log)).toBe(false);
    // 198.18.99.2's ARP unanswered: its entry is INCOMPLETE, so the route and the entry are asked for.
    expect((await run("start", "r2", "50", "bash", "-c", "exec 3<>/dev/tcp/198.18.99.2/9")).exitCode).toBe(199);
    expect((await run("stop", "r2", "tcp", "198.18.99.2", "9")).stderr).toBe("fwspec-probe: neighbour 198.18.99.2 unresolved (INCOMPLETE)\n");
    expect(readFileSync(log, "utf8").split("\n").filter(Boolean)).toEqual(["-o route get 198.18.99.2", "neigh show to 198.18.99.2", "neigh flush to 198.18.99.2"]);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

// The agent reads addresses without Perl's Socket (about 1.5 MB more in every fork of it): its parser must say what inet_pton says.
describe("the agent's address reading (address_bytes) against inet_pton", () => {
  const cases = [
    "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.04", " 1.2.3.4", "1.2.3.4\n", "",
    "::", "::1", "1::", "1::2", "2001:db8::1", "2001:db8:0:0:0:0:0:1", "2001:db8:0:0:0:0:0:0:1", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", ":1", "1:", ":::", "1:::2", "1::2::3", "12345::", "g::", "FFFF::ffff", "fe80::1%eth0",
    "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3", "::ffff:01.2.3.4", "::ffff:1.2.3.4:5", "1.2.3.4::",
  ];
  const compare = `require $ARGV[0]; use Socket qw(inet_pton AF_INET AF_INET6);
    shift @ARGV;
    for my $c (@ARGV) {
      my $want = inet_pton($c =~ /:/ ? AF_INET6 : AF_INET, $c);
      my $got = FwspecProbe::address_bytes($c);
      print join(" ", map { defined $_ ? unpack("H*", $_) : "none" } $want, $got), "\\n";
    }`;
  const lines = spawnSync("perl", ["-e", compare, fileURLToPath(new URL("../../docker/fwspec-agent-probe.pl", import.meta.url)), ...cases], { encoding: "utf8" }).stdout.split("\n");
  it.each(cases.map((c, i) => ({ address: JSON.stringify(c), line: lines[i] ?? "" })))("$address", ({ line }) => {
    const [want, got] = line.split(" ");
    expect(want).toBeDefined();
    expect(got).toBe(want);
  });
});

it("the agent answers probe requests without Perl's Socket or POSIX in its memory (each would make every fork of it dearer)", async () => {
  const agent = startAgent();
  const run = prober(agent, "fwspec-probe");
  expect(await run("half-open", "127.0.0.1", "9")).toMatchObject({ exitCode: 0 });
  expect((await run("start", "x1", "5000", "true")).exitCode).toBe(0);
  const maps = readFileSync(`/proc/${agent.child.pid}/maps`, "utf8");
  expect(maps).toContain("Time/HiRes");
  expect(maps).not.toMatch(/\/(Socket|POSIX)\.so/);
});
