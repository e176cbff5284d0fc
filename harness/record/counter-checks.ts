/**
 * The counter checks `record` keeps as written (its counters steps are not
 * run: the matrix has no expect step for them to count) that cannot pass
 * with the rules the scenario loads (pure): an iptables selector (rule text,
 * position, comment) that names no rule, or several, in the ruleset loaded
 * on its host by the last apply (or reboot) before its step. `fwspec run`
 * would report each as an error; record says so at once. Only where the
 * loaded rules are known: no native nftables tables on the host (their
 * rules are not in the iptables view), and no `run` step on it in between
 * (a command may change its rules).
 */
import type { Family } from "../model/types.ts";
import { describeSelector, findRules } from "../rules/match.ts";
import { parseSave } from "../rules/saved.ts";
import type { CounterCheck, Scenario } from "../scenario/model.ts";
import type { LoadedRules } from "../diff/observed.ts";

const IPTABLES_SELECTORS = new Set(["text", "position", "comment"]);

/** A kept check that cannot pass: its line in the scenario, and why (`rule "-A INPUT …" names no ipv4 rule among those loaded on server (step at line 7)`). */
export interface UnmatchedCheck {
  readonly line: number;
  readonly problem: string;
}

/** Each check that cannot pass, in step order. */
export function unmatchedCounterChecks(scenario: Scenario, loaded: readonly LoadedRules[]): UnmatchedCheck[] {
  const out: UnmatchedCheck[] = [];
  for (const step of scenario.steps) {
    if (step.kind !== "counters") continue;
    for (const check of step.checks) {
      if (!IPTABLES_SELECTORS.has(check.selector.kind)) continue;
      const at = loaded.filter((l) => l.host === check.host && l.line < step.location.line).at(-1);
      if (at === undefined || at.native) continue;
      const changed = scenario.steps.some((s) => s.kind === "run" && s.host === check.host && s.location.line > at.line && s.location.line < step.location.line);
      if (changed) continue;
      const problem = unmatched(check, at);
      if (problem !== undefined) out.push({ line: check.location.line, problem: `${describeSelector(check.selector)} ${problem}` });
    }
  }
  return out;
}

/** What is wrong with the check's selector in each of its families, or undefined when it names exactly one rule in each. */
function unmatched(check: CounterCheck, at: LoadedRules): string | undefined {
  const counts = check.families.map((f: Family) => [f, findRules(parseSave(at[f], f), check.selector).length] as const);
  const none = counts.filter(([, n]) => n === 0).map(([f]) => f);
  const many = counts.filter(([, n]) => n > 1).map(([f]) => f);
  const said = [
    ...(none.length > 0 ? [`names no ${none.join(" or ")} rule among those loaded on ${check.host} (step at line ${at.line})`] : []),
    ...(many.length > 0 ? [`names several ${many.join(" and ")} rules among those loaded on ${check.host} (step at line ${at.line})`] : []),
  ];
  return said.length > 0 ? said.join(", and ") : undefined;
}
