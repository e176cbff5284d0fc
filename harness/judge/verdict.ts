/**
 * Pure judgement of one observation: expected vs observed verdict and counter
 * comparisons (what a mismatch means is explain.ts).
 */
import type { CellStatus } from "../model/results.ts";
import { type ExpectedVerdict, type Verdict, verdictMatches } from "../model/types.ts";
import type { Comparison } from "../scenario/model.ts";

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
