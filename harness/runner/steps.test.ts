/** The step loop's pure part: each expectation's deciding rule gets the line that wrote it, from the apply steps that ran before. */
import { describe, expect, test } from "vitest";
import type { CheckResult, ExpectationResult } from "../model/results.ts";
import type { ApplyStep } from "../scenario/model.ts";
import { withRuleOrigins } from "./steps.ts";

const SCENARIO = "/repo/scenarios/s.yaml";
const applied: ApplyStep = {
  kind: "apply", host: "server", location: { file: SCENARIO, line: 6, column: 5 },
  sources: [{ kind: "restore", family: "ipv4", path: "/repo/firewall/rules.v4", content: "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n" }],
};
const result = (rule?: string): ExpectationResult => ({
  kind: "expectation", from: "client", to: "server", port: 22, protocol: "tcp", family: "ipv4", expected: "dropped", actual: "open", status: "failed",
  text: "client -> server:22 dropped", line: 9, reason: "connected", address: "198.18.0.2", decidedBy: [],
  evidence: { command: "docker exec x nc 198.18.0.2 22", exitCode: 0, stdout: "", stderr: "", durationMs: 5 },
  ...(rule ? { decision: { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule, action: "accept", policy: false, source: "trace" } } : {}),
});
const originOf = (r: CheckResult) => (r.kind === "expectation" ? r.decision?.origin : undefined);

describe("the deciding rule's line in the step loop", () => {
  test.each([
    ["a rule the applied file wrote", [applied], result("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"), { file: "/repo/firewall/rules.v4", line: 2, shown: "../firewall/rules.v4" }],
    ["no apply step before the probe", [], result("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"), undefined],
    ["a rule no applied line wrote (the host's own)", [applied], result("-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT"), undefined],
    ["no decision", [applied], result(), undefined],
  ] as const)("%s", (_what, steps, r, expected) => {
    const [out] = withRuleOrigins([r], steps, SCENARIO);
    expect(originOf(out!)).toEqual(expected);
  });
});
