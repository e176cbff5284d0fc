/**
 * Pure judgement of one observation: expected vs observed verdict, counter
 * comparisons, and the sentence that says what a mismatch means.
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

/** A rule that counted the probe, as far as the explanation needs it. */
export interface DecidingRule {
  readonly target: string | null;
  readonly text: string;
}

const TERMINAL = new Set(["ACCEPT", "DROP", "REJECT"]);

/**
 * A sentence for a mismatch that tells the reader what the difference means,
 * naming the rule that decided when its counters moved for this probe.
 */
export function explainMismatch(expected: ExpectedVerdict, actual: Verdict, decidedBy: readonly DecidingRule[] = []): string {
  const decisive = decidedBy.filter((r) => r.target !== null && TERMINAL.has(r.target));
  const by = (target: string) => decisive.find((r) => r.target === target);
  if (actual === "error") return "the probe itself failed, so nothing was observed";
  if (expected === "dropped" && actual === "refused") {
    const reject = by("REJECT");
    return reject
      ? `refused by a REJECT rule, not dropped: ${reject.text}`
      : "refused, but no firewall rule counted the probe: nothing listens there, or the host's stack answered with a reset";
  }
  if (expected === "refused" && actual === "dropped") {
    const drop = by("DROP");
    return drop ? `dropped by a DROP rule, not refused: ${drop.text}` : "no answer came back and no DROP rule counted the probe (a lost reply, or a policy DROP)";
  }
  if ((expected === "dropped" || expected === "refused" || expected === "unreachable" || expected === "blocked") && actual === "open") {
    const accept = by("ACCEPT");
    return accept
      ? `the port is reachable: this rule accepted the probe before any block: ${accept.text}`
      : "the port is reachable: no rule blocked it (check rule order, the family, and the chain)";
  }
  if (expected === "open") {
    const rule = decisive.find((r) => r.target !== "ACCEPT");
    return rule ? `the port is blocked although it should be reachable, by: ${rule.text}` : "the port is blocked although it should be reachable";
  }
  return `expected ${expected}, observed ${actual}`;
}
