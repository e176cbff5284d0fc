/**
 * A scenario with no check — no expectation, counter check or run step —
 * passes whatever the firewall does: `fwspec run`, `validate` and `mutate`
 * refuse it (record's input needs none: it writes them). Pure.
 */
import type { Diagnostic } from "./diagnostics.ts";
import type { Scenario } from "./model.ts";
import { listWords } from "./suggest.ts";

export function checksNothing(s: Scenario): Diagnostic | undefined {
  const first = s.steps[0];
  if (!first || s.steps.some((step) => step.kind === "expect" || step.kind === "counters" || step.kind === "run")) return undefined;
  const kinds = [...new Set(s.steps.map((step) => step.kind))];
  return {
    file: s.file,
    line: first.location.line,
    column: first.location.column,
    message: `the scenario checks nothing: its steps only ${listWords(kinds, "and")}, so it would pass whatever the firewall does`,
    hint: "add an `- expect:` step (e.g. `- expect: [client -> server:22 open]`), a `- counters:` step, or a `- run:` step with the exit status it must give",
  };
}
