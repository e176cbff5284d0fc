import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { Observation } from "../probes/observe.ts";
import { parseSave } from "../rules/saved.ts";
import { withBatchCounters } from "./lane-batch.ts";

const save = (accept: number, drop: number, policy: number) => `*filter
:INPUT DROP [${policy}:${policy * 60}]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
[${accept}:${accept * 60}] -A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT
[${drop}:${drop * 60}] -A INPUT -p tcp -m tcp --dport 8081 -j DROP
COMMIT
`;
const readings = { before: new Map([["server", parseSave(save(1, 1, 1), "ipv4")]]), after: new Map([["server", parseSave(save(4, 2, 3), "ipv4")]]) };
const observation = (decision?: Partial<Decision>): Observation => ({
  result: { spec: { from: "client", to: { kind: "host", host: "server" }, port: 8081, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, address: "198.18.0.3", verdict: "dropped", reason: "", evidence: { command: "", argv: [], exitCode: null, stdout: "", stderr: "", durationMs: 1 } },
  decidedBy: [],
  policies: [],
  ...(decision ? { decision: { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8081 -j DROP", action: "drop", policy: false, source: "trace", ...decision } } : {}),
});

describe("withBatchCounters: the deciding rule's movement over the batch", () => {
  test.each<[string, Partial<Decision> | undefined, string[], string[]]>([
    ["the trace's rule", {}, ["-A INPUT -p tcp -m tcp --dport 8081 -j DROP +1"], []],
    ["another rule the trace named", { rule: "-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT", action: "accept" }, ["-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT +3"], []],
    ["the chain policy", { rule: "policy DROP", policy: true }, [], ["INPUT DROP +2"]],
    ["a rule on another host", { host: "client" }, [], []],
    ["a decision from counters (not the trace)", { source: "counters" }, [], []],
    ["a rule no reading has", { rule: "-A INPUT -j REJECT" }, [], []],
    ["no decision", undefined, [], []],
  ])("%s", (_, decision, rules, policies) => {
    const o = withBatchCounters(observation(decision), readings);
    expect(o.decidedBy.map((d) => `${d.rule.text} +${d.packets}`)).toEqual(rules);
    expect((o.policies ?? []).map((p) => `${p.chain} ${p.policy} +${p.packets}`)).toEqual(policies);
  });
});
