/** Unit tests (pure) for judgeExpectation's parity observation: the other family's verdict, and the rule that decided it with the line that wrote it. */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { Verdict } from "../model/types.ts";
import type { Observation } from "../probes/observe.ts";
import type { Expectation } from "../scenario/model.ts";
import { judgeExpectation } from "./expectation.ts";

const expectation = { text: "client -> server:8080 open", location: { file: "/repo/scenarios/s.yaml", line: 10, column: 7 }, from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", expected: "open" } as unknown as Expectation;
const ORIGIN = { file: "/repo/firewall/rules.v6", line: 3, shown: "../firewall/rules.v6" };
const DROP6: Decision = { host: "server", family: "ipv6", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", action: "drop", policy: false, source: "trace", handle: 2, origin: ORIGIN };

const observation = (family: "ipv4" | "ipv6", verdict: Verdict, decision?: Decision): Observation => ({
  result: {
    spec: { from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family, timeoutSeconds: 2 },
    address: family === "ipv4" ? "198.18.0.2" : "2001:db8::2", verdict, reason: verdict,
    evidence: { command: `nc ${family}`, argv: [], exitCode: 0, stdout: "", stderr: "", durationMs: 5 },
  },
  decidedBy: [],
  ...(decision ? { decision } : {}),
});

describe("the parity observation", () => {
  test.each([
    // [what, the other family's observation, the parity observation's decision]
    ["the rule that decided the other family's probe, with the line that wrote it", observation("ipv6", "dropped", DROP6), DROP6],
    ["no rule named: no decision", observation("ipv6", "dropped"), undefined],
  ] as const)("%s", (_what, other, decision) => {
    const r = judgeExpectation(expectation, "ipv4", observation("ipv4", "open"), other);
    expect(r.parity).toMatchObject({ family: "ipv6", verdict: "dropped", differs: true, command: "nc ipv6" });
    expect(r.parity?.decision).toEqual(decision);
  });
});

describe("a probe whose packet never left its host (next hop unresolved)", () => {
  const NOTE = "fwspec-probe: neighbour 2001:db8::2 unresolved (INCOMPLETE)\n";
  const unsent = (o: Observation): Observation => ({ ...o, result: { ...o.result, evidence: { ...o.result.evidence, stderr: NOTE, stoppedEarly: "stopped after 110 ms: a DROP rule on server counted its packet" } } });
  const POLICY6: Decision = { ...DROP6, rule: "policy DROP", policy: true, path: ["INPUT"], source: "counters" };

  test("no rule is named as taking it; the reason, meaning and ended lines say the neighbour was not found", () => {
    const r = judgeExpectation(expectation, "ipv6", unsent(observation("ipv6", "dropped", POLICY6)));
    expect({ decision: r.decision, status: r.status }).toEqual({ decision: undefined, status: "failed" });
    expect(r.reason).toBe("no answer after 5 ms: client had no link-layer address for 2001:db8::2 (its neighbour entry INCOMPLETE), so the probe's packet never left it");
    expect(r.explanation).toContain("Its first packet never left client: client could not learn the link-layer address of 2001:db8::2 (its neighbour entry INCOMPLETE); IPv6 neighbour discovery is ICMPv6: the host asked must accept neighbour solicitations (type 135)");
    expect(r.explanation).toContain("`-p ipv6-icmp --icmpv6-type 135 -j ACCEPT` and 136");
    expect(r.evidence.stoppedEarly).toBe("stopped after 5 ms: client could not resolve 2001:db8::2 (neighbour entry INCOMPLETE), so its first packet never left it; rules that counted meanwhile took those lookups, not the probe");
  });

  test("as the parity probe: its decision is not claimed either", () => {
    const r = judgeExpectation(expectation, "ipv4", observation("ipv4", "open"), unsent(observation("ipv6", "dropped", POLICY6)));
    expect(r.parity?.decision).toBeUndefined();
    expect(r.parity?.reason).toMatch(/had no link-layer address for 2001:db8::2/);
  });

  test("held by the router on its path: the packet got as far as the router, and no further", () => {
    const atRouter = (o: Observation): Observation => ({ ...o, result: { ...o.result, address: "2001:db8:5::3", evidence: { ...o.result.evidence, stderr: "fwspec-probe: neighbour 2001:db8:5::3 unresolved (INCOMPLETE) at gw\n", stoppedEarly: "stopped after 110 ms: a DROP rule on server counted its packet" } } });
    const r = judgeExpectation(expectation, "ipv6", atRouter(observation("ipv6", "dropped", POLICY6)));
    expect(r.decision).toBeUndefined();
    expect(r.reason).toBe("no answer after 5 ms: gw (the router on its path) had no link-layer address for 2001:db8:5::3 (its neighbour entry INCOMPLETE), so the probe's packet went no further than gw");
    expect(r.explanation).toContain("Its first packet reached gw (the router on its path) and went no further: gw could not learn the link-layer address of 2001:db8:5::3 (its neighbour entry INCOMPLETE); IPv6 neighbour discovery is ICMPv6");
    expect(r.evidence.stoppedEarly).toBe("stopped after 5 ms: gw (the router on its path) could not resolve 2001:db8:5::3 (neighbour entry INCOMPLETE), so its first packet went no further than gw; rules beyond it that counted meanwhile took gw's lookups, not the probe");
  });

  test("held by the target on its way back (its rules took the prober's advertisements): reached it, its answer never left", () => {
    const back = (o: Observation): Observation => ({ ...o, result: { ...o.result, address: "2001:db8:4::3", evidence: { ...o.result.evidence, stderr: "fwspec-probe: neighbour 2001:db8:4::2 unresolved (INCOMPLETE) at server replying\n", stoppedEarly: "stopped after 110 ms: the INPUT policy DROP on server counted its packet" } } });
    const r = judgeExpectation(expectation, "ipv6", back(observation("ipv6", "dropped", POLICY6)));
    expect(r.decision).toBeUndefined();
    expect(r.reason).toBe("no answer after 5 ms: server (its target) had no link-layer address for 2001:db8:4::2 on its way back to client (its neighbour entry INCOMPLETE), so its answer never left server");
    expect(r.explanation).toContain("Its first packet reached server, whose answer never left: server could not learn the link-layer address of 2001:db8:4::2 on its way back to client (its neighbour entry INCOMPLETE); IPv6 neighbour discovery is ICMPv6");
    expect(r.explanation).not.toMatch(/lost on its way back|policy DROP|chains its reply crosses/);
    expect(r.evidence.stoppedEarly).toBe("stopped after 5 ms: server (its target) could not resolve 2001:db8:4::2 on its way back (neighbour entry INCOMPLETE), so its answer never left server; rules that counted meanwhile took server's lookups, not the probe");
  });

  test("without the note the decision stands", () => {
    expect(judgeExpectation(expectation, "ipv6", observation("ipv6", "dropped", POLICY6)).decision).toEqual(POLICY6);
  });
});

describe("a native nftables drop counted while no rule was named (a legacy host with a native table)", () => {
  const counted = (target: string) => ({ ...observation("ipv4", "dropped"), decidedBy: [{ host: "server", packets: 1, rule: { family: "ipv4", table: "inet native", chain: "input", position: 2, packets: 1, bytes: 60, text: 'tcp dport 8081 counter drop comment "native drop 8081" # handle 2', target, comment: null, handle: 2, counts: true } }] }) as unknown as Observation;
  test.each([
    ["a counted native drop: said, not 'nothing counted'", "DROP", /no rule fwspec could attribute took its first packet: a native nftables drop or reject rule counted packets meanwhile/],
    ["a counted native accept only: nothing able to take it counted", "ACCEPT", /no rule able to take its first packet counted it/],
  ])("%s", (_, target, said) => {
    const r = judgeExpectation(expectation, "ipv4", counted(target));
    expect(r.explanation).toMatch(said);
    expect(r.explanation).not.toMatch(target === "DROP" ? /no rule able to take its first packet counted it/ : /could attribute/);
  });
});

describe("the ended line of a probe stopped early", () => {
  const stopped = (o: Observation): Observation => ({ ...o, result: { ...o.result, evidence: { ...o.result.evidence, stoppedEarly: "stopped after 5 ms, before its 2 s timeout: a DROP rule on gw counted its packet, and no answer had come" } } });
  const FWD = { host: "gw", family: "ipv4", table: "filter", path: ["FORWARD"], rule: "-A FORWARD -i lan0 -o wan0 -j DROP", action: "drop", policy: false, source: "counters" } as const;
  test.each([
    ["a DROP that took the answer on its way back", { ...FWD, answer: true }, "stopped after 5 ms: a DROP rule (gw FORWARD: -A FORWARD -i lan0 -o wan0 -j DROP) took the answer on its way back and none had come"],
    ["a policy that took the answer", { ...FWD, rule: "policy DROP", policy: true, answer: true }, "stopped after 5 ms: the FORWARD policy DROP on gw took the answer on its way back and none had come"],
    ["a DROP that took the SYN", FWD, "stopped after 5 ms: a DROP rule took its SYN and no answer had come"],
  ] as const)("%s", (_, decision, line) => {
    expect(judgeExpectation(expectation, "ipv4", stopped(observation("ipv4", "dropped", decision as Decision))).evidence.stoppedEarly).toBe(line);
  });
});

describe("a connection fwspec's listener never greeted (probes/greeting.ts)", () => {
  const ACCEPT4: Decision = { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT", action: "accept", policy: false, source: "trace", handle: 3 };
  const halfOpen = (o: Observation): Observation => ({ ...o, result: { ...o.result, halfOpen: true } });

  test.each([
    ["the SYN's ACCEPT named", ACCEPT4, "its SYN was let through by"],
    ["no firewall host watched", undefined, "; no firewall host is on its path"],
  ] as const)("the meaning says the SYN was answered and the rest dropped, not that no answer came: %s", (_, decision, tail) => {
    const r = judgeExpectation(expectation, "ipv4", halfOpen(observation("ipv4", "dropped", decision)));
    expect(r.explanation).toContain("Its SYN was answered, but the server never accepted the connection: the handshake's last ACK, or what followed it, was dropped on the way");
    expect(r.explanation).toContain(tail);
    expect(r.explanation).not.toMatch(/no answer came back/i);
  });
});

test("a result says when no firewall host was on its path (record and diff say so rather than a chain policy: tester 42a)", () => {
  const watched = (o: Observation): Observation => ({ ...o, watched: true });
  expect(judgeExpectation(expectation, "ipv4", observation("ipv4", "open")).unwatched).toBe(true);
  expect(judgeExpectation(expectation, "ipv4", watched(observation("ipv4", "open"))).unwatched).toBeUndefined();
});

test("a chain policy that counted the probe is named with its host, as counted rules are (tester 44b: a router's and a backend's policies read alike)", () => {
  const o: Observation = { ...observation("ipv4", "open"), policies: [{ family: "ipv4", table: "filter", chain: "INPUT", policy: "ACCEPT", packets: 5, host: "nas" }, { family: "ipv4", table: "nat", chain: "POSTROUTING", policy: "ACCEPT", packets: 1 }] };
  expect(judgeExpectation(expectation, "ipv4", o).decidedBy).toEqual(["nas: ipv4 filter INPUT policy ACCEPT (+5 packets)", "ipv4 nat POSTROUTING policy ACCEPT (+1 packets)"]);
});
