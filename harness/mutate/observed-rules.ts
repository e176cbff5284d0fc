/**
 * Checks that read a mutant's changed rules themselves (pure). A mutant proven
 * equivalent changes no packet's fate, but a check can still see the rule
 * text: a counters check selecting the rule (deleted, it names no rule; its
 * text changed, it names another or none; moved, its position shifts), or a
 * `run` step on the host that lists or checks rules (`iptables -C`, `nft list
 * ruleset`, `cat` of a saved file). Such a mutant is run, not claimed before
 * running (run.ts): the run decides. Counters checks selecting an iptables
 * rule by its text are compared exactly with the changed lines (before and
 * after the change); every other selector on the host (position, comment,
 * nft text or handle, named counter) is taken to see them.
 */
import type { CounterCheck, Scenario } from "../scenario/model.ts";
import type { Mutant } from "./mutants.ts";
import { isNftLine } from "./nft-lines.ts";
import { readsNoRules } from "./run-programs.ts";
import { changedKey, lineKey, ruleKey } from "./rule-keys.ts";
import type { RuleLine } from "./rule-lines.ts";

/** Does the counters check possibly select `line`, before or after the change (`after`)? */
function selects(check: CounterCheck, line: RuleLine, after: string | null): boolean {
  if (check.host !== line.host || !check.families.includes(line.family)) return false;
  if (check.selector.kind !== "text" || isNftLine(line)) return true;
  const wanted = ruleKey(line.family, check.selector.rule);
  const keys = [lineKey(line), after === null ? null : changedKey(line, after)];
  return wanted === undefined || keys.some((k) => k === undefined || k === wanted);
}

/** What in the scenario reads the mutant's changed rules, or undefined. */
export function rulesObserved(mutant: Mutant, scenario: Scenario): string | undefined {
  // The rules a static equivalence rests on (a jump target's) are read as if changed: a check that counts them has the run decide.
  const read = [...mutant.lines, ...(mutant.reads ?? [])];
  const changes = mutant.changes.map((c) => c.after);
  const hosts = new Set(read.map((l) => l.host));
  for (const step of scenario.steps) {
    if (step.kind === "run" && hosts.has(step.host) && !readsNoRules(step.command)) return `the run step on line ${step.location.line} (${step.command[0]}) may read the rules`;
    if (step.kind !== "counters") continue;
    for (const check of step.checks) {
      if (read.some((l, i) => selects(check, l, changes[i] ?? null))) return `the counters check on line ${check.location.line} may select a changed rule`;
    }
  }
  return undefined;
}
