/** Unit tests (pure) for withTraceDecision: the trace names the first packet's rule; an answer the counters saw taken stays the decision. */
import { expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { ProbeSpec } from "../model/types.ts";
import { type StepTraces, withTraceDecision } from "./trace-step.ts";

const spec: ProbeSpec = { from: "client", to: { kind: "host", host: "server" }, port: 5002, protocol: "udp", family: "ipv4", timeoutSeconds: 2 };
const decision = (over: Partial<Decision>): Decision => ({ host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "policy ACCEPT", action: "accept", policy: true, source: "trace", ...over });
const traces = (d: Decision | undefined): StepTraces => ({ decisionFor: () => d, named: new Map() });
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
  ["a policy the counters found taking the answer", decision({ host: "client", path: ["INPUT"], rule: "policy DROP", action: "drop", policy: true, source: "counters", answer: true }), {}],
  ["one the counters already named so stays as it is", { ...ANSWER }, { answer: true }],
])("the trace let the first packet through, the probe got nothing: %s", (_what, counted, marked) => {
  expect(withTraceDecision(observation(counted), traces(decision({}))).decision).toEqual({ ...counted, ...marked });
});

test("a chain policy the counters saw count (neighbour discovery too) does not outweigh the trace", () => {
  const policy = decision({ path: ["INPUT"], rule: "policy DROP", action: "drop", policy: true, source: "counters" });
  expect(withTraceDecision(observation(policy), traces(decision({}))).decision).toEqual(decision({}));
});

test("a probe that got an answer: the trace decides, whatever the counters saw on the way back", () => {
  expect(withTraceDecision(observation(ANSWER, "open"), traces(decision({}))).decision).toEqual(decision({}));
});
