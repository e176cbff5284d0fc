/** Unit tests (no Docker) for withSweepDecisions: each swept port's deciding rule from the step's trace, grouped; large ranges and untraced ports keep the counters and say so. */
import { describe, expect, test } from "vitest";
import type { RunningLab } from "../lab/types.ts";
import type { Decision, ExpectationResult } from "../model/results.ts";
import type { PlannedProbe } from "../plan/plan.ts";
import type { StepTraces } from "../probes/trace-step.ts";
import { expectationFailure } from "../report/failure.ts";
import { locatedDecision, ruleCandidates } from "../rules/origin.ts";
import { parseSave } from "../rules/saved.ts";
import { sentOnHosts, withCountedOrigins, withSweepDecisions } from "./sweep.ts";

const DROP: Decision = { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "policy DROP", action: "drop", policy: true, source: "trace" };
const SSH: Decision = { ...DROP, rule: "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", action: "accept", policy: false, handle: 7 };
const lab = (backend: "nft" | "legacy") => ({ host: () => ({ spec: { firewall: true, backend } }) }) as unknown as RunningLab;
const planned = (first: number, last: number) => ({
  expectation: { sweep: { first, last, except: [22] } }, family: "ipv4", watch: ["server"],
  spec: { from: "outside", to: { kind: "host", host: "server" }, port: first, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 },
}) as unknown as PlannedProbe;
const result = (first: number, last: number, broken: number[] = []): ExpectationResult => ({
  kind: "expectation", text: `outside -> server:${first}-${last} dropped except 22`, line: 9, from: "outside", to: "server", port: first, protocol: "tcp", family: "ipv4",
  expected: "dropped", actual: "dropped", status: broken.length > 0 ? "failed" : "passed", reason: "r", address: "198.18.0.2", decidedBy: [],
  evidence: { command: "nmap", exitCode: 0, stdout: "", stderr: "", durationMs: 9 },
  sweep: {
    ports: `${first}-${last} except 22`, summary: "s", counts: { dropped: last - first + 1 }, notes: ["1 batch(es) of nmap"], command: "nmap",
    broken: broken.map((port) => ({ port, status: "failed" as const, expected: "dropped", observed: "open", answer: "syn-ack", evidence: "SYN-ACK", rules: [], repro: "nmap" })),
  },
});
const traces = (seen: (port: number) => Decision | undefined, sport: number[] = []): StepTraces => ({
  decisionFor: (spec, _address, role, from) => {
    sport.push(from ?? -1);
    return role === "sweep" ? seen(spec.port) : undefined;
  },
  named: new Map(),
});

describe("withSweepDecisions", () => {
  test("every port traced: grouped by rule (most ports first), on each broken port, in the failure text", () => {
    const from: number[] = [];
    const r = withSweepDecisions(result(20, 30, [22]), planned(20, 30), traces((p) => (p === 22 ? SSH : DROP), from), lab("nft"), 30911);
    expect(from.every((p) => p === 30911)).toBe(true);
    expect(r.sweep?.attribution).toBe("trace");
    expect(r.sweep?.decided).toEqual([
      { ports: "20-21,23-30", count: 10, decided: "server ipv4 filter INPUT policy DROP (took its first packet; nftables trace)" },
      { ports: "22", count: 1, decided: "server ipv4 filter INPUT: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT [handle 7] (took its first packet; nftables trace)" },
    ]);
    expect(r.sweep?.broken[0]?.decided).toContain("--dport 22 -j ACCEPT");
    const text = expectationFailure(r, "");
    expect(text).toContain("decided: ports 20-21,23-30: server ipv4 filter INPUT policy DROP");
    expect(text).toContain("decided: server ipv4 filter INPUT: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT");
  });
  test("each port's decision located as the session locates an observation's: the line that wrote it, on the groups and the broken ports", () => {
    const rules = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    const candidates = ruleCandidates([{ kind: "apply", host: "server", sources: [{ kind: "restore", family: "ipv4", path: "/repo/firewall/rules.v4", content: rules }], location: { file: "/repo/scenarios/s.yaml", line: 5, column: 3 } }]);
    const asked: Decision[] = [];
    const locate = (d: Decision) => (asked.push(d), locatedDecision(d, candidates, "/repo/scenarios/s.yaml"));
    // Each port's trace steps are its own; the ports one rule took are located once.
    const r = withSweepDecisions(result(20, 30, [22]), planned(20, 30), traces((p) => ({ ...(p === 22 ? SSH : DROP), steps: [`port ${p}`] })), lab("nft"), 30911, { locate });
    expect(asked.map((d) => d.rule)).toEqual(["policy DROP", SSH.rule]);
    const origin = (line: number) => ({ file: "/repo/firewall/rules.v4", line, shown: "../firewall/rules.v4" });
    expect(r.sweep?.decided).toEqual([
      { ports: "20-21,23-30", count: 10, decided: "server ipv4 filter INPUT policy DROP, written at ../firewall/rules.v4:2 (took its first packet; nftables trace)", origin: origin(2) },
      { ports: "22", count: 1, decided: "server ipv4 filter INPUT: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT [handle 7], written at ../firewall/rules.v4:3 (took its first packet; nftables trace)", origin: origin(3) },
    ]);
    expect(r.sweep?.broken[0]).toMatchObject({ port: 22, decided: expect.stringContaining("written at ../firewall/rules.v4:3"), origin: origin(3) });
    expect(expectationFailure(r, "")).toContain("decided: server ipv4 filter INPUT: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT [handle 7], written at ../firewall/rules.v4:3");
  });
  test("ports the trace did not see: the counters' rules, and the notes say how many", () => {
    const r = withSweepDecisions(result(20, 30), planned(20, 30), traces((p) => (p < 25 ? DROP : undefined)), lab("nft"), 30909);
    expect(r.sweep?.attribution).toBe("counters");
    expect(r.sweep?.notes).toContain("6 of 11 port(s) left no trace: their rules are the counters' around their batch");
  });
  test("more than 4096 ports: not traced, and said so", () => {
    const asked: number[] = [];
    const r = withSweepDecisions(result(1, 65535), planned(1, 65535), traces(() => DROP, asked), lab("nft"), 30909);
    expect(asked).toEqual([]);
    expect(r.sweep?.attribution).toBe("counters");
    expect(r.sweep?.notes.at(-1)).toBe("65535 ports are more than the 4096 a sweep traces: each port's rules are the counters' around its batch");
  });
  // Tester 44f: an nft router (traced) in front of an iptables-legacy server (no trace there).
  test("a legacy firewall host beyond the traced one: ports the trace let through are its counters', not the trace's accept; the others the trace's", () => {
    const hosts: Record<string, { spec: { firewall: boolean; backend: string } }> = { gw: { spec: { firewall: true, backend: "nft" } }, server: { spec: { firewall: true, backend: "legacy" } }, outside: { spec: { firewall: false, backend: "nft" } } };
    const routed = { host: (h: string) => hosts[h] } as unknown as RunningLab;
    const p = { ...planned(20, 30), watch: ["outside", "gw", "server"] } as PlannedProbe;
    const forward = (rule: string, action: Decision["action"]): Decision => ({ ...DROP, host: "gw", table: "inet fw", path: ["forward"], rule, action, policy: false });
    const r = withSweepDecisions(result(20, 30, [22, 25]), p, traces((port) => (port < 25 ? forward("tcp dport 20-24 accept", "accept") : forward("policy drop", "drop"))), routed, 30911);
    expect(r.sweep?.decided).toEqual([{ ports: "25-30", count: 6, decided: "gw ipv4 inet fw forward: policy drop (took its first packet; nftables trace)" }]);
    expect(r.sweep?.broken.find((b) => b.port === 22)?.decided).toBeUndefined();
    expect(r.sweep?.broken.find((b) => b.port === 25)?.decided).toContain("policy drop");
    expect(r.sweep?.attribution).toBe("counters");
    expect(r.sweep?.notes.slice(-2)).toEqual([
      "5 of 11 port(s) (20-24): let through where the trace saw, on to server, where no trace follows them (iptables-legacy, or sent there by a DNAT): their rules are the counters' around their batch",
      "the other 6 port(s)' deciding rule from an nftables trace of the sweep's packets",
    ]);
    // Every port let through.
    const all = withSweepDecisions(result(20, 30), p, traces(() => forward("tcp dport 20-30 accept", "accept")), routed, 30911);
    expect(all.sweep?.decided).toEqual([]);
    expect(all.sweep?.notes.at(-1)).toBe("every port: let through where the trace saw, on to server, where no trace follows them (iptables-legacy, or sent there by a DNAT): their rules are the counters' around their batch");
    // A legacy prober before a traced target: the target's accept decides (the prober let the packet out already).
    const prober: Record<string, { spec: { firewall: boolean; backend: string } }> = { outside: { spec: { firewall: true, backend: "legacy" } }, server: { spec: { firewall: true, backend: "nft" } } };
    const target = withSweepDecisions(result(20, 30), { ...planned(20, 30), watch: ["outside", "server"] } as PlannedProbe, traces(() => SSH), { host: (h: string) => prober[h] } as unknown as RunningLab, 30911);
    expect(target.sweep?.attribution).toBe("trace");
    expect(target.sweep?.decided?.map((g) => g.ports)).toEqual(["20-30"]);
  });
  // Tester 44f: `-A OUTPUT -p tcp --sport 9030:9039 --tcp-flags RST RST -j DROP` took the answers of ports INPUT accepted or REJECTed.
  test("a port that got no answer though the trace let its first packet in or rejected it: not the first packet's rule", () => {
    const reject: Decision = { ...SSH, rule: "-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with tcp-reset", action: "reject", handle: 8 };
    // 26 refused; 27 a UDP soft error's "dropped" (answered, reviewer): not silent.
    const answered = new Set([26, 27]);
    const r = withSweepDecisions(result(20, 30), planned(20, 30), traces((p) => (p === 22 ? SSH : p >= 25 && p <= 27 ? reject : DROP)), lab("nft"), 30911, { silentOf: (port) => !answered.has(port) });
    expect(r.sweep?.decided?.map((g) => g.ports)).toEqual(["20-21,23-24,28-30", "26-27"]);
    expect(r.sweep?.attribution).toBe("counters");
    expect(r.sweep?.notes.slice(-2)).toEqual([
      "2 of 11 port(s) (22,25): no answer came, though the trace shows the first packet let in or rejected: what took the answer (or a later packet) is not in a trace of first packets; their rules are the counters' around their batch",
      "the other 9 port(s)' deciding rule from an nftables trace of the sweep's packets",
    ]);
  });
  // Tester 45a: a router's DNAT sent the swept ports on to a server; the trace there looks for the address it was sent to.
  test("ports a DNAT the trace shows sent on to another lab host: not decided by the router's accept", () => {
    const hosts: Record<string, { spec: { firewall: boolean; backend: string } }> = { gw: { spec: { firewall: true, backend: "nft" } }, outside: { spec: { firewall: false, backend: "nft" } } };
    const routed = { host: (h: string) => hosts[h] } as unknown as RunningLab;
    const p = { ...planned(20, 30), watch: ["outside", "gw"], spec: { ...planned(20, 30).spec, to: { kind: "host", host: "gw" } } } as PlannedProbe;
    const dnat: Decision = { ...SSH, host: "gw", table: "inet fw", path: ["forward"], rule: "tcp dport 20-30 accept", rewrites: ["inet fw prerouting: tcp dport 20-30 dnat ip to 198.18.9.10 [handle 4]"] };
    const owners: Record<string, string> = { "198.18.9.10": "server" };
    const r = withSweepDecisions(result(20, 30), p, traces(() => dnat), routed, 30911, { ownerOf: (a) => owners[a] });
    expect(r.sweep?.decided).toEqual([]);
    expect(r.sweep?.notes.at(-1)).toBe("every port: let through where the trace saw, on to server, where no trace follows them (iptables-legacy, or sent there by a DNAT): their rules are the counters' around their batch");
    // A DNAT to the router's own address (or one no lab host holds) sends nothing on: the trace decides.
    expect(withSweepDecisions(result(20, 30), p, traces(() => dnat), routed, 30911, { ownerOf: () => "gw" }).sweep?.attribution).toBe("trace");
  });
  test("a legacy host: counters", () => {
    expect(withSweepDecisions(result(20, 30), planned(20, 30), traces(() => DROP), lab("legacy"), 30909).sweep?.attribution).toBe("counters");
  });
});

describe("withCountedOrigins", () => {
  const rules = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 25 -j REJECT\n-A INPUT -p tcp --dport 23 -j DROP\nCOMMIT\n";
  const candidates = ruleCandidates([{ kind: "apply", host: "server", sources: [{ kind: "restore", family: "ipv4", path: "/repo/firewall/rules.v4", content: rules }], location: { file: "/repo/scenarios/s.yaml", line: 5, column: 3 } }]);
  const locate = (d: Decision) => locatedDecision(d, candidates, "/repo/scenarios/s.yaml");
  const REJECT25 = "server: ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with icmp-port-unreachable";
  const POLICY = "server: ipv4 filter INPUT policy DROP";
  const DROP23 = "server: ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 23 -j DROP";
  const OTHER = "server: ipv4 filter INPUT #3 -A INPUT -p tcp -m tcp --dport 9 -j DROP";
  const origin = (line: number) => ({ file: "/repo/firewall/rules.v4", line, shown: "../firewall/rules.v4" });
  const swept = (counted: readonly string[], over = {}) => {
    const r = result(20, 30, [25]);
    return { ...r, sweep: { ...r.sweep!, broken: r.sweep!.broken.map((b) => ({ ...b, rules: counted, ...over })) } };
  };
  test.each([
    // [what, the broken port's counted rules, its rules after, its origin]
    ["one rule counted it: that rule's line, on the rule and the port", [REJECT25], [`${REJECT25} (../firewall/rules.v4:3)`], origin(3)],
    ["the chain's policy", [POLICY], [`${POLICY} (../firewall/rules.v4:2)`], origin(2)],
    ["one of two rules: each rule's own line, none for the port", [POLICY, DROP23], [`${POLICY} (../firewall/rules.v4:2)`, `${DROP23} (../firewall/rules.v4:4)`], undefined],
    ["a rule no applied line wrote: as it was", [OTHER], [OTHER], undefined],
    ["no rule counted it", [], [], undefined],
  ] as const)("%s", (_what, counted, after, expected) => {
    const b = withCountedOrigins(swept(counted), locate).sweep!.broken[0]!;
    expect(b.rules).toEqual(after);
    expect(b.origin).toEqual(expected);
  });
  test("a port the trace decided keeps the trace's origin", () => {
    const b = withCountedOrigins(swept([REJECT25], { origin: origin(9) }), locate).sweep!.broken[0]!;
    expect(b.origin).toEqual(origin(9));
  });

  test("a broken port's single re-probe: the rule that took its packet, with its line, in the failure text too", () => {
    const taken: Decision = { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 23 -j DROP", action: "drop", policy: false, source: "counters" };
    const single = { verdict: "dropped" as const, reason: "r", command: "docker exec x nc", counted: ["ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 23 -j DROP (+1 packets)"], decision: taken };
    const r = withCountedOrigins(swept([], { single }), locate);
    const b = r.sweep!.broken[0]!;
    expect(b.single?.decision?.origin).toEqual(origin(4));
    expect(expectationFailure(r, "")).toContain("single probe decided: server ipv4 filter INPUT: -A INPUT -p tcp -m tcp --dport 23 -j DROP, written at ../firewall/rules.v4:4");
  });
});

// Reviewer: a sweep of a router read every firewall host off the path, DNAT or not (their hidden tables made the kernel's resets "cannot tell").
describe("sentOnHosts: the hosts off the path a sweep reads", () => {
  const nat = (...rules: string[]) => parseSave(["*nat", ":PREROUTING ACCEPT [0:0]", ...rules.map((r) => `[0:0] ${r}`), "COMMIT", "*filter", ":INPUT ACCEPT [0:0]", "COMMIT", ""].join("\n"), "ipv4");
  const owners: Record<string, string> = { "198.18.9.10": "server", "198.18.9.11": "db" };
  const ownerOf = (a: string) => owners[a];
  test.each<[string, ReturnType<typeof nat>, string[]]>([
    ["no DNAT on the path: none", nat(), []],
    ["a DNAT to one of them: that one", nat("-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.18.9.10:8080"), ["server"]],
    ["a DNAT whose target is not read (NETMAP): every one", nat("-A PREROUTING -d 198.18.8.0/24 -j NETMAP --to 198.18.9.0/24"), ["server", "db"]],
  ])("%s", (_what, ruleset, want) => {
    expect(sentOnHosts([ruleset], ["server", "db"], ownerOf)).toEqual(want);
  });
});
