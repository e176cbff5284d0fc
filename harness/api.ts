/**
 * fwspec's Node API: `run(paths | scenarios, options) → RunReport`, used by
 * `fwspec run` (cli/run.ts), the benchmark and anything else that runs
 * scenarios from code; `openDockerLabs` gives the CLI and the vitest suite
 * the Docker labs (engine, image, run id, cleanup on interrupt). Options are
 * validated here (zod) with messages naming the option. Nothing here writes
 * process.env; the process is ended only when the caller asks for fwspec's
 * interrupt handling (`handleInterrupts`, as the CLI and vitest workers do).
 */
import { availableParallelism } from "node:os";
import { z } from "zod";
import { refuseCodeScenarios, validateFiles } from "./scenario/validate-files.ts";
import { connectEngine } from "./env/engine.ts";
import { ensureLabImage, imageExists, labImageTag } from "./env/images.ts";
import { EnvironmentError, InputError } from "./errors.ts";
import { interrupted, onInterrupt, unclaimedSignals } from "./interrupt.ts";
import { parseCommandTimeout } from "./lab/limits.ts";
import { DockerLabProvider } from "./lab/provider.ts";
import { LabRegistry, newRunId, removeRun, removeRunUntilQuiet } from "./lab/resources.ts";
import { stuckHint, stuckLines } from "./lab/stuck-network.ts";
import type { LabProvider } from "./lab/types.ts";
import { FAMILIES, type Family } from "./model/types.ts";
import { defaultLabs, defaultSpread } from "./plan/labs.ts";
import { MAX_SEED, shuffled } from "./plan/order.ts";
import { leftOutByFamilies } from "./plan/plan.ts";
import { shownPath } from "./shown-path.ts";
import { oneLine } from "./text.ts";
import { silentProgress, type Progress } from "./progress.ts";
import { runReport, stoppedReport } from "./report/build.ts";
import type { RunReport, ScenarioReport } from "./report/model.ts";
import { checkRuleSyntax, type RuleCheck } from "./runner/rule-syntax.ts";
import type { TimingSink } from "./runner/profile.ts";
import { runScenarioSet, selectedPlans } from "./runner/run-set.ts";
import type { Scenario } from "./scenario/model.ts";
import { fwspecCommand } from "./invocation.ts";
import { outputConflicts, type PlannedOutput, type RunInputFile } from "./report/output-paths.ts";

export type { RunReport } from "./report/model.ts";

const WHOLE = "a whole number";
const RUN_OPTIONS = z.strictObject({
  family: z.enum(["ipv4", "ipv6", "both"], { error: "must be ipv4, ipv6 or both" }).optional(),
  timeoutSeconds: z.number({ error: "must be a number" }).int(`must be ${WHOLE} of seconds (OpenBSD nc -w accepts whole seconds only)`).min(1, "must be from 1 to 30").max(30, "must be from 1 to 30").optional(),
  filter: z.union([z.string(), z.instanceof(RegExp)], { error: "must be a regular expression or its source text" }).optional(),
  shard: z.string({ error: "must look like 1/3 (index/count)" }).regex(/^\d+\/\d+$/, "must look like 1/3 (index/count)").optional(),
  shuffle: z.number({ error: `must be ${WHOLE} from 1 to ${MAX_SEED}` }).int(`must be ${WHOLE} from 1 to ${MAX_SEED}`).min(1, `must be ${WHOLE} from 1 to ${MAX_SEED}`).max(MAX_SEED, `must be ${WHOLE} from 1 to ${MAX_SEED}`).optional(),
  labs: z.number({ error: `must be ${WHOLE} from 1 to 16` }).int(`must be ${WHOLE} from 1 to 16`).min(1, `must be ${WHOLE} from 1 to 16`).max(16, `must be ${WHOLE} from 1 to 16`).optional(),
  decideEarly: z.boolean({ error: "must be true or false" }).optional(),
  handleInterrupts: z.boolean({ error: "must be true or false" }).optional(),
  checkRules: z.boolean({ error: "must be true or false" }).optional(),
  coverage: z.boolean({ error: "must be true or false" }).optional(),
  coverageMin: z.number({ error: "must be a number from 0 to 100" }).min(0, "must be a number from 0 to 100").max(100, "must be a number from 0 to 100").optional(),
  freshLabs: z.boolean({ error: "must be true or false" }).optional(),
  parallelProbes: z.boolean({ error: "must be true or false" }).optional(),
  stopAtFirstFailure: z.boolean({ error: "must be true or false" }).optional(),
  keep: z.enum(["all", "failed"], { error: "must be all or failed" }).optional(),
  reuse: z.boolean({ error: "must be true or false" }).optional(),
  commandTimeoutSeconds: z.number({ error: "must be a number" }).optional(),
  root: z.string({ error: "must be a directory path" }).min(1, "must be a directory path").optional(),
  invocation: z.string({ error: "must be a string" }).min(1, "must not be empty").optional(),
  progress: z.custom<Progress>((v) => typeof (v as Progress)?.step === "function" && typeof (v as Progress)?.info === "function", "must have step() and info()").optional(),
  provider: z.custom<LabProvider>((v) => typeof (v as LabProvider)?.start === "function", "must be a LabProvider (a start(spec) method)").optional(),
  timing: z.custom<TimingSink>((v) => typeof v === "function", "must be a function").optional(),
  onScenario: z.custom<(report: ScenarioReport) => void>((v) => typeof v === "function", "must be a function").optional(),
  onStopped: z.custom<(partial: RunReport) => unknown>((v) => typeof v === "function", "must be a function").optional(),
  outputs: z.array(z.strictObject({ flag: z.string(), file: z.string().min(1, "must name a file") }), { error: "must be a list of { flag, file }" }).optional(),
});

/** The `fwspec run` flag of each option, so one message serves the API and the CLI. */
const FLAGS: Readonly<Record<string, string>> = {
  family: "--family", timeoutSeconds: "--timeout", checkRules: "--check-rules", coverage: "--coverage", coverageMin: "--coverage-min", filter: "--filter", shard: "--shard", shuffle: "--shuffle", labs: "--labs", decideEarly: "--no-early", commandTimeoutSeconds: "--command-timeout", keep: "--keep / --keep-on-failure", reuse: "--reuse", root: "--root",
};

function optionProblem(options: RunOptions, issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown option(s): ${issue.keys.join(", ")}`;
  const key = String(issue.path[0] ?? "");
  const value = (options as Record<string, unknown>)[key];
  const shown = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? `, not \`${String(value)}\`` : "";
  return `${key}${FLAGS[key] ? ` (${FLAGS[key]})` : ""} ${issue.message}${shown}`;
}

export interface RunOptions {
  /** Probe this family for every expectation (a held connection keeps its own). */
  readonly family?: Family | "both";
  /** Probe timeout in whole seconds (overrides the scenarios). */
  readonly timeoutSeconds?: number;
  /** Only checks whose `<scenario name> <check title>` matches run (steps always run). */
  readonly filter?: string | RegExp;
  /** One shard of the scenarios, `index/count`. */
  readonly shard?: string;
  /**
   * Run the scenarios (of the shard) in the order this seed gives instead of
   * the written one (plan/order.ts): on a shared lab each then follows other
   * scenarios. The same seed gives the same order.
   */
  readonly shuffle?: number;
  /** Labs running at the same time (default: five, one per two cores beyond ten; a lab shape's scenarios are spread across that many labs only when this is given, across one per two cores and at least three with `reuse`). */
  readonly labs?: number;
  /** End probes early on DROP/REJECT counter evidence (default true). */
  readonly decideEarly?: boolean;
  /** Limit for one in-container command in seconds. */
  readonly commandTimeoutSeconds?: number;
  /**
   * Leave labs running after the run: "all" every scenario's, "failed" those
   * of scenarios that failed or errored (each report's `kept` says how to step
   * in). A kept lab is not lent to later scenarios. An interrupt removes them.
   */
  readonly keep?: "all" | "failed";
  /**
   * Take warm labs of the scenarios' shapes that an earlier run left, and
   * leave each of this run's shared labs warm (reset; spared from sweeps for
   * 15 minutes; lab/warm.ts) when its scenarios are done instead of removing
   * it; a group of one shape is split across `labs` labs. An interrupt
   * removes the labs the run took with its own. `fwspec cleanup --kept`
   * removes warm labs at once.
   */
  readonly reuse?: boolean;
  /** The project root scenario files may point inside (default: the rule in scenario/root.ts); paths input only. */
  readonly root?: string;
  /** How the user types fwspec, for command lines in messages: `npx fwspec` (the default, harness/invocation.ts) in a project that installed it. */
  readonly invocation?: string;
  readonly progress?: Progress;
  /**
   * On SIGINT/SIGTERM/SIGHUP remove the run's containers and networks, then
   * exit 128+n. true: always, and also when the process that started this one
   * goes away (fwspec's CLI); false: never (the caller handles signals and
   * cleans up, e.g. with `fwspec cleanup`); unset: only when nothing else in
   * the process listens for that signal, where Node's default would end the
   * process and leave the labs running.
   */
  readonly handleInterrupts?: boolean;
  /** Test every rules file and iptables command in a throw-away lab host before any scenario lab starts (`--check-rules`). */
  readonly checkRules?: boolean;
  /** Give the report rule coverage: per firewall host and ruleset, the checks each rule took packets of, rules never exercised, shadowed rules (report/coverage.ts). */
  readonly coverage?: boolean;
  /**
   * The least rule coverage in percent (`--coverage-min`; implies `coverage`):
   * below it the report's `coverage.shortfall` says why, and every report
   * renders the run as failed (the CLI exits 1).
   */
  readonly coverageMin?: number;
  /** Labs from here instead of a fresh set of Docker labs (the caller disposes what it gave). */
  readonly provider?: LabProvider;
  /** One fresh lab per scenario, started and removed in line, no sharing (the baseline of `npm run bench -- --suite`). */
  readonly freshLabs?: boolean;
  /** Run a lane's expected-open probes side by side where the trace attributes their packets (SessionOptions.parallel; default false; `npm run bench -- --suite --parallel-probes`). */
  readonly parallelProbes?: boolean;
  /** Each scenario stops after the first step with a failed check; its later steps do not run and are not in its report (`fwspec mutate`: one failed check kills a mutant). */
  readonly stopAtFirstFailure?: boolean;
  /** Told each scenario's timing (lab start waited for, shared-lab handoff, steps, in-line removal) when it is done: the bench's profile. */
  readonly timing?: TimingSink;
  /** Told each scenario's report once it is final, in the order they finish (never after a stop). */
  readonly onScenario?: (report: ScenarioReport) => void;
  /**
   * When fwspec handles an interrupt (`handleInterrupts`) and stops the run:
   * told, while the run's labs are removed, the report of the scenarios that
   * finished before (its `stopped` says what stopped it and which scenarios
   * did not finish), e.g. to write partial report files. The run's promise
   * does not settle then: the process exits 128+n once both are done.
   */
  readonly onStopped?: (partial: RunReport) => unknown;
  /** Files the caller writes after the run (`--json out.json`): refused before any lab starts (InputError) when one would overwrite a scenario or rules file of the run, or another of them. */
  readonly outputs?: readonly PlannedOutput[];
}

export type RunInput = { readonly paths: readonly string[] } | { readonly scenarios: readonly Scenario[] };

/** The options checked: an InputError naming each wrong one; `command` is the fwspec command whose flags they are (`record` and `diff` check their --timeout here before any lab starts). */
export function checkRunOptions(options: RunOptions, command: string = "run"): RunOptions {
  const parsed = RUN_OPTIONS.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => optionProblem(options, i));
    throw new InputError(`invalid ${command} options: ${problems.join("; ")}`, { hint: `\`${fwspecCommand(`${command} --help`, options.invocation)}\` lists the flags; the API takes the same as \`RunOptions\` (exported by fwspec, documented in its type declarations)` });
  }
  // One home for the command limit's range (lab/limits.ts).
  if (options.commandTimeoutSeconds !== undefined) parseCommandTimeout(String(options.commandTimeoutSeconds));
  return options;
}

/**
 * The files a command writes against what it reads (every scenario file given, the files its steps load) and each
 * other: InputError (exit 2) before any lab. `command` names the command whose --help the hint points at (run, diff,
 * mutate, record: tester 44e found diff and mutate overwriting the scenario's rules file).
 */
export function refuseOverwrites(outputs: readonly PlannedOutput[], scenarios: readonly Scenario[], invocation: string | undefined, command = "run", others: readonly RunInputFile[] = []): void {
  if (outputs.length === 0) return;
  const inputs: RunInputFile[] = [...others, ...scenarios.flatMap((s) => [
    { file: s.file, what: "scenario file" },
    ...s.steps.flatMap((step) => (step.kind === "apply" ? step.sources.flatMap((r) => ("path" in r ? [{ file: r.path, what: "rules file" }] : [])) : [])),
  ])];
  const problems = outputConflicts(outputs, inputs, process.cwd());
  if (problems.length > 0) throw new InputError(problems.join("; "), { hint: `give each file a path of its own, outside what the ${command} reads (\`${fwspecCommand(`${command} --help`, invocation)}\` lists its flags); nothing was written` });
}

/** Keeps shard `index` of `count` (1-based), by position in the sorted file list. */
export function shardOf<T>(items: readonly T[], shard: string): T[] {
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new InputError(`--shard must be index/count with 1 <= index <= count, not \`${shard}\``);
  return items.filter((_, i) => i % count === index - 1);
}

export function filterPattern(filter: string | RegExp): RegExp {
  if (filter instanceof RegExp) return filter;
  try {
    return new RegExp(filter);
  } catch (error) {
    throw new InputError(`--filter \`${filter}\` is not a regular expression: ${(error as Error).message}`);
  }
}

export function familiesOf(family: Family | "both" | undefined): readonly Family[] | undefined {
  return family === undefined ? undefined : family === "both" ? FAMILIES : FAMILIES.filter((f) => f === family);
}

/** Docker labs for one run: a provider, its run id, and what removes everything it started. */
export interface DockerLabs extends AsyncDisposable {
  readonly provider: DockerLabProvider;
  readonly runId: string;
}

export interface DockerLabsOptions {
  readonly progress?: Progress | undefined;
  readonly commandTimeoutSeconds?: number | undefined;
  /** Build the lab image when missing (fwspec run); otherwise a missing image is an EnvironmentError (vitest: `fwspec setup` builds it). */
  readonly build?: boolean;
  /** The run id to label resources with (vitest: one for the whole test run). */
  readonly runId?: string | undefined;
  /** The process that owns the labs' resources (a vitest worker: the main process). */
  readonly ownerPid?: number | undefined;
  /**
   * What the run removes: "run" every resource of the run id at the end, and
   * on an interrupt until quiet (fwspec run); "labs" this process's live labs
   * on an interrupt (a vitest worker).
   */
  readonly cleanup: "run" | "labs";
  /**
   * Take over SIGINT/SIGTERM/SIGHUP (harness/interrupt.ts: clean up, then
   * exit 128+n); with `watchParent`, also stop when the launcher goes away
   * (fwspec's own entry points: the CLI, vitest workers).
   */
  readonly handleInterrupts?: boolean;
  readonly watchParent?: boolean;
  /** Which signals (default all three); unset RunOptions.handleInterrupts: those nothing else listens for. */
  readonly signals?: readonly ("SIGINT" | "SIGTERM" | "SIGHUP")[];
  /** How the user types fwspec, for the setup command in messages (harness/invocation.ts). */
  readonly invocation?: string | undefined;
}

/** RunOptions.handleInterrupts as openDockerLabs takes it: unset, fwspec cleans up on a signal only when nothing else handles it, and never watches the parent. */
function interruptHandling(option: boolean | undefined): { readonly handleInterrupts: boolean; readonly watchParent: boolean; readonly signals?: ReturnType<typeof unclaimedSignals> } {
  if (option !== undefined) return { handleInterrupts: option, watchParent: option };
  const signals = unclaimedSignals();
  return { handleInterrupts: signals.length > 0, watchParent: false, signals };
}

export async function openDockerLabs(options: DockerLabsOptions): Promise<DockerLabs> {
  const progress = options.progress ?? silentProgress;
  const docker = await connectEngine(undefined, options.invocation);
  let image = labImageTag();
  if (options.build) image = await ensureLabImage(docker, progress);
  else if (!(await imageExists(docker, image))) throw new EnvironmentError(`lab image ${image} is missing`, { hint: `run \`${fwspecCommand("setup", options.invocation)}\`` });
  const runId = options.runId ?? newRunId();
  const registry = new LabRegistry();
  const provider = new DockerLabProvider({ docker, image, runId, ownerPid: options.ownerPid, registry, commandTimeoutSeconds: options.commandTimeoutSeconds, invocation: options.invocation, progress });
  // Ctrl-C, a CI cancel (also through npx/npm), or the launcher gone: remove what this run started, then exit 128+n.
  const release = options.handleInterrupts
    ? onInterrupt(async (reason) => {
        if (options.cleanup === "labs") return registry.disposeAll();
        process.stderr.write(`\nfwspec: ${reason}: removing this run's containers and networks (run ${runId})\n`);
        // Lab starts under way finish their creates on the engine even when nobody waits: let them settle, then remove.
        await provider.close();
        // Labs taken warm from an earlier run carry that run's labels: removed as live labs, then the run's own by its id.
        await registry.disposeAll();
        const removed = await removeRunUntilQuiet(docker, runId);
        for (const line of stuckLines(removed.stuck ?? [])) process.stderr.write(`fwspec: ${line}; ${stuckHint(options.invocation)}\n`);
        // The exit follows: said once the removal is done (tester 37b waited for a line that never came).
        if ((removed.stuck ?? []).length === 0) process.stderr.write(`fwspec: this run's containers and networks are removed (run ${runId})\n`);
        return removed;
      }, { watchParent: options.watchParent !== false, ...(options.signals ? { signals: options.signals } : {}) })
    : () => {};
  return {
    provider,
    runId,
    async [Symbol.asyncDispose]() {
      // Labs the run kept stay (an interrupt, above, removes them too).
      if (options.cleanup === "run") {
        const removed = await removeRun(docker, runId, { spareKept: true }).catch(() => undefined);
        for (const line of stuckLines(removed?.stuck ?? [])) progress?.info(`${line}; ${stuckHint(options.invocation)}`);
      }
      release();
    },
  };
}

/** `fwspec validate --rules`: the rule syntax check alone, on Docker labs of its own (removed afterwards); how many files and command lists it tested, and what it left to the run. */
export async function checkRules(scenarios: readonly Scenario[], progress?: Progress, options: { readonly handleInterrupts?: boolean; readonly invocation?: string } = {}): Promise<RuleCheck> {
  return await untilInterrupted(async () => {
    await using docker = await openDockerLabs({ progress, build: true, cleanup: "run", ...interruptHandling(options.handleInterrupts), invocation: options.invocation });
    return await checkRuleSyntax(scenarios, docker.provider, progress, options.invocation);
  });
}

/**
 * The work's result or error; once an interrupt has begun, neither: what failed because the cleanup removed the labs
 * (a closed command channel) is no finding, and the interrupt's cleanup ends the process with its own exit (130 …).
 */
async function untilInterrupted<T>(work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    if (interrupted()) await new Promise<never>(() => {});
    return result;
  } catch (error) {
    if (interrupted()) await new Promise<never>(() => {});
    throw error;
  }
}

/**
 * Loads (or takes) the scenarios, runs them, and returns the report. Throws InputError on bad options or scenarios before any lab starts.
 * A scenario whose rules jump to no chain or target (found without a lab, as plain `validate` finds it) is reported errored, with no lab started for it; the others run.
 */
export async function run(input: RunInput, options: RunOptions = {}): Promise<RunReport> {
  checkRunOptions(options);
  const progress = options.progress ?? silentProgress;
  const filter = options.filter === undefined ? undefined : filterPattern(options.filter);
  let scenarios: readonly Scenario[];
  // Every scenario given, of every shard: a report file may overwrite none of them (another CI machine runs those).
  let given: readonly Scenario[] = [];
  if ("paths" in input) {
    const validated = validateFiles(input.paths, undefined, { root: options.root, invocation: options.invocation });
    given = validated.scenarios;
    scenarios = options.shard ? shardOf(validated.scenarios, options.shard) : validated.scenarios;
    progress.step(`${validated.files.length} scenario file(s) valid${options.shard ? `; shard ${options.shard} has ${scenarios.length}` : ""}`);
  } else {
    refuseCodeScenarios(input.scenarios);
    scenarios = options.shard ? shardOf(input.scenarios, options.shard) : input.scenarios;
  }
  if (options.shuffle !== undefined) {
    scenarios = shuffled(scenarios, options.shuffle);
    progress.info(`scenarios in the order of --shuffle ${options.shuffle} (the report lists them in that order)`);
  }
  refuseOverwrites(options.outputs ?? [], given, options.invocation);
  const families = familiesOf(options.family);
  const plans = selectedPlans(scenarios, { families, filter, timeoutSeconds: options.timeoutSeconds });
  // Said, not silently dropped: what `--family` leaves without a probe (a line that fixes the other family).
  // (With a filter too, what it keeps is said by the filter's own lines: only a plain --family run lists them.)
  const leftOut = families && !filter ? scenarios.flatMap((s) => leftOutByFamilies(s, families)) : [];
  if (leftOut.length > 0) progress.info(`--family ${options.family} leaves out ${leftOut.length} expectation(s) whose line fixes the other family (a /tcp4-style suffix, \`family:\`, a literal or source address): ${leftOut.map((e) => `${shownPath(e.location.file)}:${e.location.line} \`${oneLine(e.text)}\``).join(", ")}`);
  // plan/labs.ts defaultLabs: five (labs wait on timeouts and scans), one per two cores beyond ten; a group of one lab
  // shape is spread across labs only when --labs asks (a split costs a lab start: the six seed policies ran slower split in two)
  // or, across defaultSpread's fewer labs, with --reuse (warm labs: no start to pay).
  const labs = options.labs ?? defaultLabs(availableParallelism());
  // Each scenario's verdicts as soon as they are known (a lab it keeps is kept after): what a stop's report holds.
  const finished = new Map<string, ScenarioReport>();
  const onVerdicts = (report: ScenarioReport) => void finished.set(`${report.file}\0${report.name}`, report);
  const set = { progress, labs, onVerdicts, onScenario: options.onScenario, spreadLabs: options.labs ?? (options.reuse === true ? defaultSpread(availableParallelism()) : 0), reuse: options.reuse, decideEarly: options.decideEarly, keep: options.keep, coverage: options.coverage === true || options.coverageMin !== undefined, freshLabs: options.freshLabs, parallelProbes: options.parallelProbes, stopAtFirstFailure: options.stopAtFirstFailure, timing: options.timing, invocation: options.invocation };
  // Labs not kept are removed, or with --reuse reset and left warm: either way a failure's repro no longer finds its lab as it failed.
  // Asked to keep, none is said: a lab that could not be kept says why as it happens, and --keep-on-failure would not help.
  const labsLeft = options.keep !== undefined ? undefined : options.reuse === true ? "warm" : "removed";
  if (options.provider) return runReport(await runScenarioSet(plans, { ...set, provider: options.provider }), options.coverageMin, labsLeft);
  // Interrupted: the verdicts (or the errors) after the cleanup removed the labs mean nothing; the exit comes when it is done.
  const handling = interruptHandling(options.handleInterrupts);
  // Stopped (Ctrl-C) at any point from here, before the engine is reached too: what finished so far goes to the caller beside the labs' removal.
  const { onStopped } = options;
  using _stopped = onStopped && handling.handleInterrupts
    ? { [Symbol.dispose]: onInterrupt(async (reason) => onStopped(stoppedReport(plans.map((p) => p.scenario), [...finished.values()], reason, "removed")), { watchParent: handling.watchParent, ...(handling.signals ? { signals: handling.signals } : {}) }) }
    : undefined;
  const reports = await untilInterrupted(async () => {
    await using docker = await openDockerLabs({ progress, commandTimeoutSeconds: options.commandTimeoutSeconds, build: true, cleanup: "run", ...handling, invocation: options.invocation });
    // Asked for (`fwspec run --check-rules`): every rules file and command tested in one throw-away host first;
    // a bad line is exit 2 before any scenario lab starts. Off by default: the throw-away host costs about 1.5 s
    // (without it, a jump to nothing still errors its scenario before its lab: runner/run-set.ts).
    if (options.checkRules) await checkRuleSyntax(scenarios, docker.provider, progress, options.invocation);
    return await runScenarioSet(plans, { ...set, provider: docker.provider });
  });
  return runReport(reports, options.coverageMin, labsLeft);
}
