/** Unit tests (table-driven, no Docker) for verdict.ts. */
import { describe, expect, it } from "vitest";
import type { Comparison } from "../scenario/model.ts";
import { compare, judgeVerdict } from "./verdict.ts";

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
