/** Unit tests (pure) for withTraceDecision: the trace names the first packet's rule; an answer the counters saw taken stays the decision. */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { ProbeSpec } from "../model/types.ts";
import { withTraceDecision } from "./trace-decision.ts";
import type { StepTraces } from "./trace-step.ts";

const spec: ProbeSpec = { from: "client", to: { kind: "host", host: "server" }, port: 5002, protocol: "udp", family: "ipv4", timeoutSeconds: 2 };
const decision = (over: Partial<Decision>): Decision => ({ host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "policy ACCEPT", action: "accept", policy: true, source: "trace", ...over });
/** The step's trace: its decision, and the hosts it read (every host of these tests unless said: nft-based, armed). */
const traces = (d: Decision | undefined, read = ["client", "router", "gw", "server", "backend", "other"]): StepTraces => ({ decisionFor: () => d, named: new Map(read.map((h) => [h, { keys: new Set<string>(), complete: true }])) });
const observation = (d?: Decision, verdict = "dropped") => ({ result: { spec, address: "198.18.0.2", verdict }, ...(d ? { decision: d } : {}) });

const ANSWER = decision({ path: ["OUTPUT"], rule: "-A OUTPUT -p udp -m udp --sport 5002 -j DROP", action: "drop", policy: false, source: "counters", answer: true });
const FIRST_DROP = decision({ rule: "-A INPUT -p udp -m udp --dport 5002 -j DROP", action: "drop", policy: false });

test.each([
  ["the first packet let in (trace), its answer taken in OUTPUT (counters): the answer's rule decides", ANSWER, decision({}), ANSWER],
  ["the trace saw the first packet dropped: the trace decides", ANSWER, FIRST_DROP, FIRST_DROP],
  ["no answer taken: the trace decides", decision({ source: "counters" }), decision({}), decision({})],
  ["no trace: the counters' decision stays", ANSWER, undefined, ANSWER],
])("%s", (_what, counted, traced, want) => {
  expect(withTraceDecision(observation(counted), traces(traced)).decision).toEqual(want);
});

test.each([
  // A tester's router: a DNAT sent the SYN on; `-A FORWARD -p tcp --sport 8080 -j DROP` took the backend's SYN-ACK, which
  // the counters alone read as taking the first packet (ports are not compared: NAT rewrites them).
  ["a DROP rule the counters named while the trace let the first packet through took its answer", decision({ host: "router", path: ["FORWARD"], rule: "-A FORWARD -p tcp -m tcp --sport 8080 -j DROP", action: "drop", policy: false, source: "counters" }), { answer: true }],
  // The target's INPUT: not the answer's way; a rate limit that took a resent SYN, say.
  ["a DROP rule in the target's input chain took a later packet going the first's way", decision({ rule: "-A INPUT -p udp -m udp --dport 5002 -m limit --limit 1/min -j DROP", action: "drop", policy: false, source: "counters" }), { later: true }],
  ["a DROP rule in the prober's input chain took the answer", decision({ host: "client", rule: "-A INPUT -p udp -m udp --sport 5002 -j DROP", action: "drop", policy: false, source: "counters" }), { answer: true }],
  // Tester 45a: a router's rule for the probe's destination port sees only packets going the first packet's way.
  ["a router's DROP naming the probe's port as destination took a later packet (its last ACK), not the answer", decision({ host: "router", path: ["FORWARD"], rule: "-A FORWARD -p udp -m udp --dport 5002 -j DROP", action: "drop", policy: false, source: "counters" }), { later: true }],
  ["a policy the counters found taking the answer", decision({ host: "client", path: ["INPUT"], rule: "policy DROP", action: "drop", policy: true, source: "counters", answer: true }), {}],
  ["one the counters already named so stays as it is", { ...ANSWER }, { answer: true }],
])("the trace let the first packet through, the probe got nothing: %s", (_what, counted, marked) => {
  expect(withTraceDecision(observation(counted), traces(decision({}))).decision).toEqual({ ...counted, ...marked });
});

test("the trace saw a REJECT take the first packet and nothing came back: the DROP the counters saw take the answer decides; an answer that came, the REJECT (tester 42a)", () => {
  const rejected = decision({ rule: "-A INPUT -p udp -m udp --dport 5002 -j REJECT", action: "reject", policy: false });
  const outputPolicy = decision({ path: ["OUTPUT"], rule: "policy DROP", action: "drop", policy: true, source: "counters", answer: true });
  expect(withTraceDecision(observation(outputPolicy), traces(rejected)).decision).toEqual(outputPolicy);
  expect(withTraceDecision(observation(outputPolicy, "refused"), traces(rejected)).decision).toEqual(rejected);
  // A drop the counters read as taking the first packet (not the answer): the trace's REJECT stays.
  expect(withTraceDecision(observation(FIRST_DROP), traces(rejected)).decision).toEqual(rejected);
  // A REJECT on a router: a drop on the target, which its answer never crossed, is not what took it (reviewer).
  const onRouter = { ...rejected, host: "gw", path: ["FORWARD"] };
  expect(withTraceDecision(observation(outputPolicy), traces(onRouter)).decision).toEqual(onRouter);
  expect(withTraceDecision(observation({ ...outputPolicy, host: "client", path: ["INPUT"] }), traces(onRouter)).decision).toMatchObject({ host: "client", answer: true });
});

// Tester 44f: an nft router (traced) let the probe through to an iptables-legacy server (no trace there).
describe("a firewall host no trace sees, beyond the trace's accept", () => {
  const forward = decision({ host: "gw", table: "inet fw", path: ["forward"], rule: "tcp dport 7000-7019 accept", policy: false });
  const untraced = ["client", "gw"];
  const serverRule = (rule: string, action: Decision["action"], over: Partial<Decision> = {}) => decision({ rule, action, policy: false, source: "counters", ...over });

  test.each([
    ["its REJECT took a refused probe's first packet", serverRule("-A INPUT -p tcp -m tcp --dport 7012 -j REJECT", "reject"), "refused", {}],
    ["its DROP took a dropped probe's first packet (not 'a later packet')", serverRule("-A INPUT -p tcp -m tcp --dport 7016 -j DROP", "drop"), "dropped", {}],
    ["its INPUT policy DROP took it", serverRule("policy DROP", "drop", { policy: true }), "dropped", {}],
    ["its output chain took the answer", serverRule("-A OUTPUT -p tcp -m tcp --sport 7016 -j DROP", "drop", { path: ["OUTPUT"] }), "dropped", { answer: true }],
    ["the prober's input chain (legacy too) took the answer", serverRule("-A INPUT -p tcp -m tcp --sport 7016 -j DROP", "drop", { host: "client" }), "dropped", { answer: true }],
  ])("%s: that rule decides", (_what, counted, verdict, marked) => {
    expect(withTraceDecision(observation(counted, verdict), traces(forward, untraced)).decision).toEqual({ ...counted, ...marked });
  });

  test("its REJECT took the first packet and the answer never came (a router without counters dropped it): the REJECT, not 'a later packet' (tester 45a)", () => {
    const reject = serverRule("-A INPUT -p tcp -m tcp --dport 7010:7014 -j REJECT --reject-with icmp-port-unreachable", "reject");
    expect(withTraceDecision(observation(reject, "dropped"), traces(forward, untraced)).decision).toEqual(reject);
  });

  test("a legacy prober's OUTPUT before the traced router: its count is not the first packet's (the trace saw it arrive)", () => {
    const out = serverRule("policy DROP", "drop", { host: "client", path: ["OUTPUT"], policy: true });
    // The trace decides (no counted rule for its first packet beyond it), not the prober's count.
    expect(withTraceDecision(observation(out, "dropped"), traces(forward, ["gw"])).decision).toEqual(forward);
  });

  test("a rule that does not fit what the prober got, or a host the trace read: the trace's decision stays", () => {
    const drop = serverRule("-A INPUT -p tcp -m tcp --dport 7012 -j DROP", "drop");
    expect(withTraceDecision(observation(drop, "refused"), traces(forward, untraced)).decision).toEqual(forward);
    expect(withTraceDecision(observation(drop, "open"), traces(forward, untraced)).decision).toEqual(forward);
    const reject = serverRule("-A INPUT -p tcp -m tcp --dport 7012 -j REJECT", "reject");
    expect(withTraceDecision(observation(reject, "refused"), traces(forward)).decision).toEqual(forward);
  });
});

test("a chain policy the counters saw count (neighbour discovery too) does not outweigh the trace", () => {
  const policy = decision({ path: ["INPUT"], rule: "policy DROP", action: "drop", policy: true, source: "counters" });
  expect(withTraceDecision(observation(policy), traces(decision({}))).decision).toEqual(decision({}));
});

test("a probe that got an answer: the trace decides, whatever the counters saw on the way back", () => {
  expect(withTraceDecision(observation(ANSWER, "open"), traces(decision({}))).decision).toEqual(decision({}));
});

// Tester 41b: a router's DNAT sent the probe on to a firewall host off its path.
describe("a DNAT the trace shows sending the probe on to another host", () => {
  const DNAT = 'inet gw prerouting: meta nfproto ipv4 tcp dport 8085 dnat ip to 198.18.51.10:85 [handle 15]';
  const let_ = decision({ host: "router", table: "inet gw", path: ["forward"], rule: "ct status dnat accept", rewrites: [DNAT] });
  const reject = decision({ host: "backend", rule: "-A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset", action: "reject", policy: false, source: "counters", sentOn: true });
  const owners: Record<string, string> = { "198.18.50.2": "router", "198.18.51.2": "router", "198.18.51.10": "backend", "198.18.51.11": "other" };
  const ownerOf = (a: string) => owners[a];
  const beyond = (ds: Decision[], verdict = "refused") => ({ ...observation(undefined, verdict), beyondDnat: ds });

  test("the host it sent the probe to took it: its rule decides, with the router's rewrites", () => {
    expect(withTraceDecision(beyond([reject]), traces(let_), false, ownerOf).decision).toEqual({ ...reject, rewrites: [DNAT] });
  });

  test("another host's unrelated count first does not hide it (reviewer)", () => {
    expect(withTraceDecision(beyond([{ ...reject, host: "other", rule: "-A INPUT -p tcp -m tcp --dport 9999 -j REJECT" }, reject]), traces(let_), false, ownerOf).decision).toEqual({ ...reject, rewrites: [DNAT] });
  });

  test("a host the DNAT did not send it to: the trace decides, and says where it was sent on to", () => {
    expect(withTraceDecision(beyond([{ ...reject, host: "other" }]), traces(let_), false, ownerOf).decision).toEqual({ ...let_, sentOnTo: "198.18.51.10:85" });
  });

  test("a rule that does not fit what the client saw (a DROP for an open or refused probe) never decides (reviewer)", () => {
    const drop = { ...reject, rule: "-A INPUT -p tcp -m tcp --dport 22 -j DROP", action: "drop" as const };
    expect(withTraceDecision(beyond([drop], "open"), traces(let_), false, ownerOf).decision).toEqual({ ...let_, sentOnTo: "198.18.51.10:85" });
    expect(withTraceDecision(beyond([drop], "refused"), traces(let_), false, ownerOf).decision).toEqual({ ...let_, sentOnTo: "198.18.51.10:85" });
    expect(withTraceDecision(beyond([drop], "dropped"), traces(let_), false, ownerOf).decision).toEqual({ ...drop, rewrites: [DNAT] });
  });

  test("its answer taken on the way back through the router's forward chain (a counted drop): that rule decides a dropped probe", () => {
    const answer = decision({ host: "router", table: "inet gw", path: ["forward"], rule: 'iifname "lan" tcp sport 87 counter drop', action: "drop", policy: false, source: "counters", answer: true });
    expect(withTraceDecision(beyond([answer], "dropped"), traces(let_), false, ownerOf).decision).toEqual(answer);
    // Not sent on (no DNAT in the trace): the trace decides.
    expect(withTraceDecision(beyond([answer], "dropped"), traces({ ...let_, rewrites: [] }), false, ownerOf).decision).toEqual({ ...let_, rewrites: [] });
  });

  test("an answer candidate on a host the DNAT did not send it to never decides (reviewer)", () => {
    const otherDrop = decision({ host: "other", path: ["OUTPUT"], rule: "policy DROP", action: "drop", policy: true, source: "counters", answer: true, sentOn: true });
    expect(withTraceDecision(beyond([otherDrop], "dropped"), traces(let_), false, ownerOf).decision).toEqual({ ...let_, sentOnTo: "198.18.51.10:85" });
  });

  test("the counters that moved where the DNAT sent it become the probe's (reviewer: mutate and coverage read them)", () => {
    const hit = { host: "backend", rule: { family: "ipv4", table: "filter", chain: "INPUT", position: 1, packets: 1, bytes: 60, text: "-A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset", target: "REJECT", comment: null }, packets: 1, bytes: 60 } as const;
    const o = { ...beyond([reject]), decidedBy: [], policies: [], beyondMoved: [{ host: "backend", decidedBy: [hit], policies: [] }, { host: "other", decidedBy: [{ ...hit, host: "other" }], policies: [] }] };
    expect(withTraceDecision(o, traces(let_), false, ownerOf).decidedBy).toEqual([hit]);
  });

  test("a host whose counters the observation has already (a watched backend: only its policies moved) is not added twice (tester 44b)", () => {
    const policy = { family: "ipv4", table: "filter", chain: "INPUT", policy: "ACCEPT", packets: 5, host: "backend" } as const;
    const o = { ...beyond([], "open"), decidedBy: [], policies: [policy], beyondMoved: [{ host: "backend", decidedBy: [], policies: [policy] }] };
    expect(withTraceDecision(o, traces(let_), false, ownerOf).policies).toEqual([policy]);
  });

  test.each([
    ["one of the router's own", "198.18.51.2"],
    ["one no lab host holds (a command added it, or loopback)", "127.0.0.1"],
  ])("a DNAT to an address that is %s sends nothing on (reviewer)", (_what, address) => {
    const own = { ...let_, rewrites: [`ip nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 8085 -j DNAT --to-destination ${address}:85 [handle 4]`] };
    expect(withTraceDecision(beyond([{ ...reject, host: "backend" }]), traces(own), false, ownerOf).decision).toEqual(own);
  });
});
