/** Unit tests (table-driven, no Docker) for verdict.ts. */
import { describe, expect, it } from "vitest";
import type { Comparison } from "../scenario/model.ts";
import { compare, explainMismatch, judgeVerdict } from "./verdict.ts";

describe("judgeVerdict", () => {
  it.each([
    ["open", "open", "passed"],
    ["blocked", "dropped", "passed"],
    ["blocked", "refused", "passed"],
    ["blocked", "unreachable", "passed"],
    ["blocked", "open", "failed"],
    ["dropped", "refused", "failed"],
    ["open", "error", "error"],
    ["blocked", "error", "error"],
  ] as const)("expected %s, observed %s → %s", (expected, actual, status) => {
    expect(judgeVerdict(expected, actual)).toBe(status);
  });
});

describe("compare", () => {
  const c = (op: Comparison["op"], value: number): Comparison => ({ op, value, text: `${op} ${value}` });
  it.each([
    [c(">=", 1), 1, true],
    [c(">=", 1), 0, false],
    [c(">", 0), 0, false],
    [c("==", 0), 0, true],
    [c("!=", 0), 2, true],
    [c("<", 3), 3, false],
    [c("<=", 3), 3, true],
  ])("%j with %i → %s", (cmp, actual, ok) => {
    expect(compare(cmp, actual)).toBe(ok);
  });
});

describe("explainMismatch names the rule that decided", () => {
  const reject = { target: "REJECT", text: "-A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable" };
  const drop = { target: "DROP", text: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" };
  const accept = { target: "ACCEPT", text: "-A INPUT -p tcp -j ACCEPT" };
  it.each([
    ["dropped", "refused", [reject], /refused by a REJECT rule, not dropped: .*REJECT/],
    ["dropped", "refused", [], /no firewall rule counted the probe/],
    ["refused", "dropped", [drop], /dropped by a DROP rule, not refused/],
    ["dropped", "open", [accept], /accepted the probe before any block: -A INPUT -p tcp -j ACCEPT/],
    ["dropped", "open", [], /no rule blocked it/],
    ["open", "dropped", [drop], /blocked .* by: -A INPUT .* -j DROP/],
    ["open", "error", [], /probe itself failed/],
  ] as const)("expected %s, observed %s", (expected, actual, rules, message) => {
    expect(explainMismatch(expected, actual, rules)).toMatch(message);
  });
});
