/**
 * The Node API of `fwspec record` and `fwspec diff`: a scenario's flow matrix
 * (matrix.ts) probed through `run()` (api.ts) — the same plan, step loop,
 * probes and judge as `fwspec run` — and read back as observations; for a
 * diff, both rulesets' matrices in one run on equal labs (the same topology:
 * one lab reset and verified in between, or two labs), compared.
 */
import { run, type RunOptions } from "../api.ts";
import { InputError } from "../errors.ts";
import { topologyKey } from "../plan/labs.ts";
import { silentProgress, type Progress } from "../progress.ts";
import type { Scenario } from "../scenario/model.ts";
import type { AllowEntry } from "./allow.ts";
import { compareObservations } from "./compare.ts";
import { flowMatrix, matrixScenario } from "./matrix.ts";
import type { DiffResult } from "./model.ts";
import { matrixObservation, type MatrixObservation } from "./observed.ts";
import { checkJumpTargets } from "../runner/rule-syntax.ts";

export interface MatrixOptions extends Omit<RunOptions, "filter" | "shard" | "keep"> {
  /** Probes (flows × families) a matrix may have (default matrix.ts's MAX_MATRIX_PROBES). */
  readonly maxProbes?: number | undefined;
}

/** What a diff runs, in the run's "running N scenario(s) on …" line (run-set.ts): one scenario, once per side. */
const DIFF_RUNNING = "running 1 scenario with the old rules (a) and the new rules (b) on ";

/** The run's progress without its per-scenario "checks held" lines: a matrix expects nothing; a diff's two runs of one scenario said as such. */
function matrixProgress(p: Progress | undefined, diff: boolean): Progress {
  const to = p ?? silentProgress;
  const step = (m: string) => (diff ? m.replace(/^running 2 scenario\(s\) on /, DIFF_RUNNING) : m);
  return { step: (m) => to.step(step(m)), info: (m) => (/ checks held \(/.test(m) ? undefined : to.info(m)) };
}

/** Runs matrix scenarios (matrix.ts matrixScenario); one observation each, in order. `diff`: the two sides of one scenario. */
async function probeMatrices(matrices: readonly Scenario[], options: Omit<MatrixOptions, "maxProbes">, diff = false): Promise<MatrixObservation[]> {
  const report = await run({ scenarios: matrices }, { ...options, progress: matrixProgress(options.progress, diff) });
  return report.scenarios.map(matrixObservation);
}

/** Probes the flow matrix of each scenario (after its set-up steps); one observation per scenario, in order. */
export async function observeMatrices(scenarios: readonly Scenario[], options: MatrixOptions = {}): Promise<MatrixObservation[]> {
  const { maxProbes, ...runOptions } = options;
  // A jump to nothing (as plain `validate` finds it, each line once): exit 2 before any lab; such rules observe nothing.
  checkJumpTargets(scenarios, options.invocation);
  // Every matrix is built (and bounded) before any lab starts.
  const matrices = scenarios.map((s) => flowMatrix(s, maxProbes));
  // Said before the labs start: a matrix of hundreds of probes runs for a while with no line of its own.
  const probes = matrices.reduce((n, m) => n + m.reduce((k, f) => k + f.families.length, 0), 0);
  options.progress?.step(`the flow matrix: ${probes} probe(s) (every host to every listener, each family), after the scenario's set-up steps`);
  return probeMatrices(scenarios.map((s, i) => matrixScenario(s, matrices[i]!)), runOptions);
}

/** `fwspec record`: what the scenario's rules do to every flow of its topology. */
export async function recordMatrix(scenario: Scenario, options: MatrixOptions = {}): Promise<MatrixObservation> {
  return (await observeMatrices([scenario], options))[0]!;
}

export interface DiffOptions extends MatrixOptions {
  /** Names of the sides in reports (default "a" and "b"). */
  readonly labels?: { readonly a: string; readonly b: string };
  /** Changes these accept (allow.ts). */
  readonly allow?: readonly AllowEntry[];
}

/**
 * `fwspec diff`: the flow matrix of two scenarios that differ only in their
 * rules (the same topology, else an InputError), compared. One matrix for
 * both sides: the topology's listeners and the flows either side's
 * expectations name.
 */
export async function diffScenarios(a: Scenario, b: Scenario, options: DiffOptions = {}): Promise<DiffResult> {
  if (topologyKey(a) !== topologyKey(b)) {
    throw new InputError(`the two sides of the diff have different topologies (${a.name}, ${b.name})`, { hint: "a diff compares rules on equal labs: the same hosts, listeners and networks on both sides" });
  }
  const { labels, allow, maxProbes, ...runOptions } = options;
  checkJumpTargets([a, b], options.invocation);
  const flows = flowMatrix(b, maxProbes, [a, b]);
  // Distinct objects with their own names, so the runner keeps them apart; one topology, so they share a lab (reset in between) or get equal ones.
  const [oa, ob] = await probeMatrices([matrixScenario(a, flows, `${a.name} [a]`), matrixScenario(b, flows, `${b.name} [b]`)], runOptions, true);
  return compareObservations({
    scenario: { file: b.file, name: b.name },
    a: { label: labels?.a ?? "a", observed: oa! },
    b: { label: labels?.b ?? "b", observed: ob! },
    allow: allow ?? [],
    matrix: flows.flatMap((f) => f.families.map((family) => ({ from: f.from, to: f.to.kind === "host" ? f.to.host : "localhost", port: f.port, protocol: f.protocol, family }))),
  });
}
