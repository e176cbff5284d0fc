/**
 * A real mutation run kept for tests (testdata/mut-NN-outcomes.txt: one
 * `status id` line per mutant), next to today's mutants of the same scenario:
 * static equivalence claims are checked against it (no killed mutant may be
 * claimed) and the survivors they explain are counted.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../env/images.ts";
import { loadScenarioSync } from "../../scenario/load.ts";
import { type Mutant, mutantsOf } from "../mutants.ts";
import { OPERATORS } from "../operators.ts";

export interface RecordedRun {
  readonly outcomes: readonly { readonly status: string; readonly id: string }[];
  /** Today's mutants of the scenario, by id. */
  readonly byId: ReadonlyMap<string, Mutant>;
  /** The recorded outcomes with that status whose mutant today's claim `reason` matches. */
  claimed(status: string, reason: RegExp): { status: string; id: string }[];
}

export function recordedRun(outcomesFile: string, scenarioFile: string): RecordedRun {
  const outcomes = readFileSync(path.join(import.meta.dirname, outcomesFile), "utf8").split("\n")
    .filter((l) => l !== "" && !l.startsWith("#")).map((l) => ({ status: l.slice(0, l.indexOf(" ")), id: l.slice(l.indexOf(" ") + 1) }));
  const byId = new Map(mutantsOf(loadScenarioSync(path.join(PROJECT_ROOT, scenarioFile)), OPERATORS).map((m) => [m.id, m]));
  return { outcomes, byId, claimed: (status, reason) => outcomes.filter((o) => o.status === status && reason.test(byId.get(o.id)?.staticEquivalence ?? "")) };
}
