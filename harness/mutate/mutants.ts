/**
 * Mutants of a scenario (pure): each operator's proposals (operators.ts) made
 * into scenarios in memory whose apply sources differ by exactly the proposed
 * lines. The user's files are never written: a script or restore file's
 * content is replaced in the mutant's RuleSource (a deleted line becomes an
 * empty line, so every other line keeps its number), a command list gets the
 * changed argv (a deleted command is left out). A later `-D` of the changed
 * rule by its text is changed with it (follow-delete.ts).
 */
import path from "node:path";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { followingDelete } from "./follow-delete.ts";
import { type LineEdit, type Operator, OPERATORS, type OperatorName } from "./operators.ts";
import { lineArgv, renderLine, type RuleLine, scenarioRuleLines } from "./rule-lines.ts";

/** One changed line: where, and its text before and after (`null`: deleted). */
export interface Change {
  readonly file: string;
  readonly line: number;
  readonly before: string;
  readonly after: string | null;
}

export interface Mutant {
  /** Stable within a scenario: `<operator>@<file>:<line>[ <tag>]`. */
  readonly id: string;
  readonly operator: OperatorName;
  readonly changes: readonly Change[];
  /** The rule lines changed (as in the original). */
  readonly lines: readonly RuleLine[];
  readonly equivalentIfUnmatched: readonly RuleLine[];
  /** Why no verdict can change, known from the rules alone (operators.ts). */
  readonly staticEquivalence?: string;
  /** Unchanged rules the static equivalence rests on (operators.ts): observed-rules.ts treats them as changed. */
  readonly reads?: readonly RuleLine[];
  /** The mutant scenario: the original with the changed apply sources. */
  readonly scenario: Scenario;
}

function changeOf(edit: LineEdit): Change {
  const { line, replacement } = edit;
  return { file: line.file, line: line.line, before: line.text.trim(), after: replacement === null ? null : renderLine({ ...line, program: replacement.program }, replacement.words).trim() };
}

function editedSource(source: RuleSource, edits: readonly LineEdit[]): RuleSource {
  if (edits.length === 0) return source;
  if (source.kind === "commands") {
    const byIndex = new Map(edits.map((e) => [e.line.index, e]));
    const kept = source.commands.flatMap((argv, i) => {
      const e = byIndex.get(i);
      if (!e) return [{ argv, i }];
      return e.replacement === null ? [] : [{ argv: lineArgv({ program: e.replacement.program }, e.replacement.words), i }];
    });
    return {
      kind: "commands",
      commands: kept.map((k) => k.argv),
      ...(source.locations ? { locations: kept.map((k) => source.locations![k.i]!) } : {}),
    };
  }
  const lines = source.content.split("\n");
  for (const e of edits) lines[e.line.index] = e.replacement === null ? "" : renderLine({ ...e.line, program: e.replacement.program }, e.replacement.words);
  return { ...source, content: lines.join("\n") };
}

/** The scenario with the edits applied to its apply steps' sources. */
export function mutatedScenario(scenario: Scenario, edits: readonly LineEdit[], name: string): Scenario {
  const steps: Step[] = scenario.steps.map((step, s) => {
    const mine = edits.filter((e) => e.line.step === s);
    if (step.kind !== "apply" || mine.length === 0) return step;
    return { ...step, sources: step.sources.map((src, i) => editedSource(src, mine.filter((e) => e.line.source === i))) };
  });
  return { ...scenario, name, steps };
}

/** Every mutant of the scenario by the given operators, in operator then line order. */
export function mutantsOf(scenario: Scenario, operators: readonly Operator[] = OPERATORS): Mutant[] {
  const lines = scenarioRuleLines(scenario);
  const seen = new Map<string, number>();
  const dir = path.dirname(scenario.file);
  // Ids name the file as seen from the scenario (a fixture elsewhere by its base name).
  return operators.flatMap((op) => op.propose(lines).map((p) => {
    const first = p.edits[0]!.line;
    const rel = path.relative(dir, first.file);
    const base = `${op.name}@${rel === "" || rel.startsWith("..") ? path.basename(first.file) : rel}:${first.line}${p.tag ? ` ${p.tag}` : ""}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const id = n === 1 ? base : `${base}#${n}`;
    // A later delete of the changed rule by its text follows the change (follow-delete.ts); `lines` stay the rule's.
    const edits = p.edits.length === 1 ? [...p.edits, ...followingDelete(lines, p.edits[0]!)] : p.edits;
    return {
      id,
      operator: op.name,
      changes: edits.map(changeOf),
      lines: p.edits.map((e) => e.line),
      equivalentIfUnmatched: p.equivalentIfUnmatched,
      ...(p.staticEquivalence ? { staticEquivalence: p.staticEquivalence } : {}),
      ...(p.reads ? { reads: p.reads } : {}),
      scenario: mutatedScenario(scenario, edits, `${scenario.name} [mutant ${id}]`),
    };
  }));
}

/** `file:line: before → after` for reports. */
export function describeChange(c: Change, baseDir?: string): string {
  const file = baseDir ? path.relative(baseDir, c.file) || c.file : c.file;
  return `${file}:${c.line}: ${c.before} → ${c.after === null ? "(deleted)" : c.after}`;
}
