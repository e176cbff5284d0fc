/**
 * `fwspec mutate` behind the CLI: per scenario, the original runs first
 * through api.ts's `run`; a scenario whose original does not pass is not
 * mutated (its verdicts would mean nothing) and no mutant runs. Then its
 * mutants (mutants.ts) go through `run` together — the one step loop, shared
 * labs where `fwspec run` would share them, so a mutant costs what a scenario
 * run on a warm lab costs, and each stops at its first failed check — and
 * each is classified (classify.ts). A mutant
 * already proven equivalent by the rules and the original run
 * (classify.ts `equivalentBeforeRun`) is not run, as mutation tools leave
 * out mutants no test covers, and so is one beyond the lab's reach (reach.ts:
 * its changed rule matches only packets no lab carries; `unreachable`, not
 * scored); `runEquivalent` runs them too, and then a check that fails on one
 * is a kill as for any other (the claim was wrong).
 * Scenarios run one after another, so a stop between two leaves complete
 * results for every scenario reported.
 */
import { run, type RunInput } from "../api.ts";
import { interrupted } from "../interrupt.ts";
import type { LabProvider } from "../lab/types.ts";
import { silentProgress, type Progress } from "../progress.ts";
import type { ScenarioReport } from "../report/model.ts";
import type { Scenario } from "../scenario/model.ts";
import { refuseCodeScenarios, validateFiles } from "../scenario/validate-files.ts";
import { classifyMutant, countedRules, equivalentBeforeRun, mutationScore, type MutantOutcome, tracedRules } from "./classify.ts";
import { auditedDeclaration, declarationOf, declaredOutcome, badDeclarations, unknownIdHint, unknownSelected } from "./declared.ts";
import { type Mutant, mutantsOf } from "./mutants.ts";
import { reachClaims } from "./reach.ts";
import { type Operator, OPERATORS, selectOperators } from "./operators.ts";
import { InputError } from "../errors.ts";

/** Why a scenario that applies no rules is not mutated (not a failure). */
export const NOTHING_TO_MUTATE = "no rule to mutate (no iptables/ip6tables rule and no nft ruleset line)";

export interface ScenarioMutation {
  readonly file: string;
  readonly name: string;
  /** Why the scenario was not mutated (its original did not pass, or it applies no rules). */
  readonly skipped?: string;
  readonly mutants: readonly MutantOutcome[];
  readonly durationMs: number;
}

export interface MutationReport {
  readonly scenarios: readonly ScenarioMutation[];
  readonly counts: Readonly<Record<MutantOutcome["status"], number>>;
  /** killed / (killed + survived), percent; undefined when nothing was scored. */
  readonly score: number | undefined;
  readonly durationMs: number;
  /** Stopped (Ctrl-C) before every scenario ran: the score is partial. */
  readonly stopped: boolean;
  /** Scenarios asked for (`scenarios` holds those finished). */
  readonly total: number;
}

export interface MutateOptions {
  /** Operator names (operators.ts); all when absent. */
  readonly operators?: readonly string[];
  /** Labs at the same time for one scenario's mutants (default 1). */
  readonly jobs?: number;
  readonly provider: LabProvider;
  readonly progress?: Progress;
  /** Called after each scenario (the CLI prints one line). */
  readonly onScenario?: (s: ScenarioMutation) => void;
  /** End probes early on counter evidence (default true). */
  readonly decideEarly?: boolean;
  /** Run the mutants already proven equivalent before running too (default false: they are reported, not run). */
  readonly runEquivalent?: boolean;
  /** Run only the mutants with these ids (`--mutant`); scenarios with none of them are left out. */
  readonly only?: readonly string[];
  readonly root?: string;
}

/**
 * Each scenario with the mutants to run, after the input checks (pure, before any lab): every declared
 * equivalent must name a mutant the scenario has by any operator (one that changes its `rule`, if given), and
 * every `only` id one of some scenario's by the selected operators — else an InputError (exit 2) with the nearest ids.
 */
export function plannedMutants(scenarios: readonly Scenario[], operators: readonly Operator[], only?: readonly string[]): { scenario: Scenario; mutants: Mutant[] }[] {
  for (const s of scenarios) {
    if (!s.declaredEquivalent) continue;
    const bad = badDeclarations(s, mutantsOf(s, OPERATORS));
    if (bad) throw bad;
  }
  const all = scenarios.map((scenario) => ({ scenario, mutants: mutantsOf(scenario, operators) }));
  if (only === undefined) return all;
  const unknown = unknownSelected(only, all.map((p) => p.mutants));
  if (unknown.length > 0) {
    const ids = all.flatMap((p) => p.mutants.map((m) => m.id));
    throw new InputError(`--mutant: no mutant has the id ${unknown.map((id) => `\`${id}\``).join(", ")}`, { hint: unknownIdHint(unknown[0]!, ids) });
  }
  const wanted = new Set(only);
  return all.map((p) => ({ ...p, mutants: p.mutants.filter((m) => wanted.has(m.id)) })).filter((p) => p.mutants.length > 0);
}

/** The scenarios of the input, validated (paths) or checked (objects), as `fwspec run` takes them; `invocation` starts commands in hints (harness/invocation.ts). */
export function mutationScenarios(input: RunInput, root?: string, invocation?: string): readonly Scenario[] {
  if ("paths" in input) return validateFiles(input.paths, undefined, { root, invocation }).scenarios;
  refuseCodeScenarios(input.scenarios);
  return input.scenarios;
}

function notPassing(report: ScenarioReport | undefined): string {
  if (!report) return "the original did not run";
  const bad = [...report.errors, ...report.expectations.filter((e) => e.status !== "passed").map((e) => `\`${e.text}\` [${e.family}]: ${e.actual}`), ...report.steps.filter((s) => s.status !== "passed").map((s) => s.message), ...report.counters.filter((c) => c.status !== "passed").map((c) => c.message)];
  return `the original scenario does not pass (${report.status}: ${(bad[0] ?? "").split("\n")[0]}); fix it before mutating`;
}

export function summarize(scenarios: readonly ScenarioMutation[], durationMs: number, stopped: boolean, total = scenarios.length): MutationReport {
  const all = scenarios.flatMap((s) => s.mutants);
  const counts = { killed: 0, survived: 0, equivalent: 0, unreachable: 0, error: 0 };
  for (const m of all) counts[m.status]++;
  return { scenarios, counts, score: mutationScore(all), durationMs, stopped, total };
}

/**
 * A mutant run although proven equivalent before running (`runEquivalent`): a kill contradicts the proof and says so;
 * otherwise the proof held. `reach`: the claim was that it is beyond the lab's reach (reach.ts); held, it stays
 * `unreachable` (an error stays an error).
 */
export function checkedAgainst(outcome: MutantOutcome, claim: string | undefined, reach = false): MutantOutcome {
  if (claim === undefined) return outcome;
  const mark = reach ? { reach: true as const } : {};
  if (outcome.status !== "killed") {
    if (!reach || outcome.status === "error") return { ...outcome, ...mark, checkedClaim: true };
    return { ...outcome, status: "unreachable", detail: claim, reach: true, checkedClaim: true };
  }
  const proof = reach ? "fwspec's claim that it is beyond the lab's reach" : "the equivalence fwspec proved before running";
  return { ...outcome, ...mark, detail: `${outcome.detail} — CONTRADICTS ${proof} (${claim}); please report it`, contradicts: true };
}

/** A survivor that ran because a check could read its rule, and every check held: beyond reach by the packet argument alone. */
export function survivedBeyondReach(outcome: MutantOutcome, mutant: Mutant, reach: (m: Mutant) => string | undefined): MutantOutcome {
  const why = outcome.status === "survived" ? reach(mutant) : undefined;
  return why === undefined ? outcome : { ...outcome, status: "unreachable", detail: why };
}

/** Mutates each scenario's rules and runs the mutants; returns what was done (all of it unless interrupted). */
export async function mutateScenarios(scenarios: readonly Scenario[], options: MutateOptions): Promise<MutationReport> {
  const started = performance.now();
  const plan = plannedMutants(scenarios, selectOperators(options.operators), options.only);
  const done: ScenarioMutation[] = [];
  for (const { scenario, mutants } of plan) {
    if (interrupted()) break;
    const t0 = performance.now();
    const finish = (s: Omit<ScenarioMutation, "durationMs" | "file" | "name">) => {
      const result = { file: scenario.file, name: scenario.name, ...s, durationMs: Math.round(performance.now() - t0) };
      done.push(result);
      options.onScenario?.(result);
    };
    if (mutants.length === 0) {
      finish({ skipped: NOTHING_TO_MUTATE, mutants: [] });
      continue;
    }
    const runOptions = {
      provider: options.provider,
      progress: options.progress ?? silentProgress,
      ...(options.decideEarly === false ? { decideEarly: false } : {}),
    };
    const [original] = (await run({ scenarios: [scenario] }, { ...runOptions, labs: 1 })).scenarios;
    if (interrupted()) break;
    if (original?.status !== "passed") {
      finish({ skipped: notPassing(original), mutants: [] });
      continue;
    }
    const counted = countedRules(original);
    const traced = tracedRules(original);
    const proven = mutants.map((m) => equivalentBeforeRun(m, scenario, counted, traced));
    // Beyond the lab's reach (reach.ts) when not proven equivalent: decided from the rule text.
    const claimReach = reachClaims(scenario);
    const reachAfterRun = reachClaims(scenario, true);
    const reach = mutants.map((m, i) => (proven[i] === undefined ? claimReach(m) : undefined));
    // A proof wins over a declaration of the same mutant; either keeps it from running unless runEquivalent.
    const declared = mutants.map((m, i) => (proven[i] === undefined && reach[i] === undefined ? declarationOf(m, scenario) : undefined));
    // A declaration fwspec now proves is said to be unneeded, so it can go.
    const alsoDeclared = (m: Mutant) => {
      const d = declarationOf(m, scenario);
      return d ? ` (the scenario also declares it, line ${d.line}: fwspec proves it, so the declaration can go)` : "";
    };
    const skip = mutants.map((_, i) => !options.runEquivalent && (proven[i] !== undefined || reach[i] !== undefined || declared[i] !== undefined));
    const toRun = mutants.filter((_, i) => !skip[i]);
    // One failed check kills a mutant: its later steps need not run.
    const reports = toRun.length === 0 ? [] : (await run({ scenarios: toRun.map((m) => m.scenario) }, { ...runOptions, labs: options.jobs ?? 1, stopAtFirstFailure: true })).scenarios;
    if (interrupted()) break;
    const byMutant = new Map(toRun.map((m, i) => [m, reports[i]!]));
    finish({
      mutants: mutants.map((m, i): MutantOutcome => {
        const why = proven[i];
        const d = declared[i];
        const r = reach[i];
        if (skip[i]) {
          if (d) return declaredOutcome(m, d);
          return r ? { id: m.id, operator: m.operator, status: "unreachable", changes: m.changes, detail: r, ran: false, reach: true } : { id: m.id, operator: m.operator, status: "equivalent", changes: m.changes, detail: `${why!}${alsoDeclared(m)}`, ran: false };
        }
        const outcome = survivedBeyondReach(classifyMutant(m, byMutant.get(m)!, scenario, counted, traced), m, reachAfterRun);
        if (d) return auditedDeclaration(outcome, d);
        if (r) return checkedAgainst(outcome, r, true);
        const checked = checkedAgainst(outcome, why);
        return why !== undefined && checked.status === "equivalent" ? { ...checked, detail: `${checked.detail}${alsoDeclared(m)}` } : checked;
      }),
    });
  }
  return summarize(done, Math.round(performance.now() - started), done.length < plan.length, plan.length);
}
