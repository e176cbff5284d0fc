/**
 * Mutants a scenario declares equivalent (`mutate.equivalent`, pure): a
 * declared id must name a mutant `fwspec mutate` generates (else bad input,
 * with the nearest ids, so a declaration cannot silently rot when the rules
 * change), and one that changes the declared `rule` when one is given (ids
 * are `operator@file:line`: an edit above the line re-targets them); a declared mutant is reported equivalent with the author's reason
 * and not run, or, run anyway (`--run-equivalent`), audited: a kill says the
 * declaration is wrong. `--mutant` picks mutants by the same ids.
 */
import path from "node:path";
import { type Diagnostic, ScenarioError } from "../scenario/diagnostics.ts";
import type { DeclaredEquivalence, Scenario } from "../scenario/model.ts";
import { didYouMean, editDistance } from "../scenario/suggest.ts";
import { spacedOnce } from "../text.ts";
import type { MutantOutcome } from "./classify.ts";
import type { Mutant } from "./mutants.ts";

/** The ids closest to `id` by edit distance, at most `n`, closest first (ties in generation order). */
export function nearestIds(id: string, ids: readonly string[], n = 3): string[] {
  return ids.map((c, i) => ({ c, i, d: editDistance(id.toLowerCase(), c.toLowerCase()) })).sort((a, b) => a.d - b.d || a.i - b.i).slice(0, n).map((x) => x.c);
}

/** `did you mean …? nearest ids: …`, for an id that names no mutant. */
export function unknownIdHint(id: string, ids: readonly string[]): string {
  // An id without its change tag (`port@web.nft:14` for `port@web.nft:14 dport 22→23`): the whole ids it begins (tester 43d).
  const begun = ids.filter((x) => x.startsWith(`${id} `));
  if (begun.length > 0) return `an id ends with its change; give it whole, quoted: ${begun.slice(0, 5).map((x) => `\`${x}\``).join(", ")}${begun.length > 5 ? ` and ${begun.length - 5} more` : ""}`;
  const near = nearestIds(id, ids);
  if (near.length === 0) return "this scenario has no mutant at all";
  const mean = didYouMean(id, ids);
  return `${mean ? `${mean} ` : ""}nearest ids: ${near.map((x) => `\`${x}\``).join(", ")} (\`fwspec mutate\` prints every id)`;
}

/** The text of the rule a mutant changes (the line its id names), whitespace-normalised as declarations are. */
export function changedRule(mutant: Pick<Mutant, "lines">): string {
  return spacedOnce(mutant.lines[0]?.text ?? "");
}

/** `mutant` names no mutant, or names one that changes another rule than `rule` says; or undefined. */
function declarationProblem(d: DeclaredEquivalence, mutants: readonly Pick<Mutant, "id" | "lines">[]): Pick<Diagnostic, "message" | "hint"> | undefined {
  const ids = mutants.map((m) => m.id);
  const mutant = mutants.find((m) => m.id === d.mutant);
  if (!mutant) {
    return { message: `mutate.equivalent declares mutant \`${d.mutant}\`, but fwspec generates no mutant with that id (did the rules change?)`, hint: unknownIdHint(d.mutant, ids) };
  }
  const actual = changedRule(mutant);
  if (d.rule === undefined || d.rule === actual) return undefined;
  const operator = d.mutant.slice(0, d.mutant.indexOf("@"));
  const now = mutants.filter((m) => m.id.startsWith(`${operator}@`) && changedRule(m) === d.rule).map((m) => `\`${m.id}\``);
  return {
    message: `mutate.equivalent declares mutant \`${d.mutant}\` for the rule \`${d.rule}\`, but that mutant changes \`${actual}\` (did the rules file change?)`,
    hint: `${now.length > 0 ? `the declared rule is now changed by ${now.join(", ")}; ` : ""}check the reason still holds, then make \`mutant\` the id that changes the declared rule, or \`rule\` the rule the id now changes (\`fwspec mutate\` prints every id)`,
  };
}

/**
 * A ScenarioError (exit 2) positioned at each declaration whose id names none of `mutants` (the scenario's
 * mutants by every operator: a declaration does not rot because `--operators` left its operator out), or names one
 * that changes another rule than its `rule`; or undefined.
 */
export function badDeclarations(scenario: Scenario, mutants: readonly Pick<Mutant, "id" | "lines">[], cwd = process.cwd()): ScenarioError | undefined {
  const file = scenario.file === "<inline>" ? scenario.file : path.relative(cwd, scenario.file) || scenario.file;
  const bad: Diagnostic[] = (scenario.declaredEquivalent ?? []).flatMap((d) => {
    const problem = declarationProblem(d, mutants);
    return problem ? [{ file, line: d.line, column: d.column, ...problem }] : [];
  });
  return bad.length > 0 ? new ScenarioError(bad) : undefined;
}

/** The scenario's declaration of this mutant, if any. */
export function declarationOf(mutant: Mutant, scenario: Scenario): DeclaredEquivalence | undefined {
  return scenario.declaredEquivalent?.find((d) => d.mutant === mutant.id);
}

/** The reason a declared mutant is equivalent, as reported. */
export function declaredReason(d: DeclaredEquivalence): string {
  return `declared by the scenario (line ${d.line}): ${d.because}`;
}

/** A declared mutant not run: equivalent by the author's word. */
export function declaredOutcome(mutant: Mutant, d: DeclaredEquivalence): MutantOutcome {
  return { id: mutant.id, operator: mutant.operator, status: "equivalent", changes: mutant.changes, detail: declaredReason(d), ran: false, declared: true };
}

/**
 * A declared mutant run anyway (`--run-equivalent`): killed contradicts the declaration (it is wrong); every
 * check held (whatever classify.ts made of it: fwspec could not prove it) confirms it as far as the checks go; an
 * error stays an error.
 */
export function auditedDeclaration(outcome: MutantOutcome, d: DeclaredEquivalence): MutantOutcome {
  if (outcome.status === "killed") {
    return { ...outcome, detail: `${outcome.detail} — CONTRADICTS the equivalence the scenario declares (line ${d.line}): the declaration is wrong; remove it`, contradicts: true, declared: true };
  }
  if (outcome.status === "error") return { ...outcome, declared: true };
  return { ...outcome, status: "equivalent", detail: declaredReason(d), checkedClaim: true, declared: true };
}

/**
 * `--mutant`: the mutants named by id. Every id must name a mutant of some scenario (`all`: each scenario's
 * mutants by the selected operators), else bad input with the nearest ids.
 */
export function unknownSelected(selected: readonly string[], all: readonly (readonly Mutant[])[]): string[] {
  const ids = new Set(all.flat().map((m) => m.id));
  return selected.filter((id) => !ids.has(id));
}
