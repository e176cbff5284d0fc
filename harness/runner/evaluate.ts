/** Pure judgement: expected vs observed, and counter comparisons. */
import { type ExpectedVerdict, type Verdict, verdictMatches } from "../model/types.ts";
import type { Comparison } from "../scenario/model.ts";

export type CellStatus = "passed" | "failed" | "error";

/** An `error` verdict is an error of the run, never a pass or an ordinary failure. */
export function judgeVerdict(expected: ExpectedVerdict, actual: Verdict): CellStatus {
  if (actual === "error") return "error";
  return verdictMatches(expected, actual) ? "passed" : "failed";
}

export function compare(c: Comparison, actual: number): boolean {
  switch (c.op) {
    case ">=":
      return actual >= c.value;
    case "<=":
      return actual <= c.value;
    case ">":
      return actual > c.value;
    case "<":
      return actual < c.value;
    case "==":
      return actual === c.value;
    case "!=":
      return actual !== c.value;
  }
}

/** A sentence for a mismatch that tells the reader what the difference means. */
export function explainMismatch(expected: ExpectedVerdict, actual: Verdict): string {
  if (actual === "error") return "the probe itself failed, so nothing was observed";
  if (expected === "dropped" && actual === "refused") return "something answered with a refusal (a REJECT rule, or no rule and a closed port) instead of dropping silently";
  if (expected === "refused" && actual === "dropped") return "no answer came back: a DROP rule (or a lost reply) instead of a refusal";
  if ((expected === "dropped" || expected === "refused" || expected === "unreachable" || expected === "blocked") && actual === "open") {
    return "the port is reachable: no rule blocked it (check rule order, the family, and the chain)";
  }
  if (expected === "open") return "the port is blocked although it should be reachable";
  return `expected ${expected}, observed ${actual}`;
}
