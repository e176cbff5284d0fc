/**
 * `fwspec mutate`: validates the scenarios (exit 2 before any container),
 * opens Docker labs once (exit 3 without an engine), mutates each scenario's
 * rules and runs the mutants (harness/mutate/run.ts) with one progress line per
 * scenario, prints the survivors, equivalents and errors and the score, writes
 * `--json`, compares the machine's own firewall before and after, and chooses
 * the exit code: 1 when the score is below `--min-score` (or no mutant was scored), an original
 * scenario does not pass, a mutant claimed equivalent before running was killed (`--run-equivalent`),
 * or the machine's firewall changed (gateFailures). `--html` writes
 * the mutation view (report/mutation-html.ts). Ctrl-C (SIGINT, SIGTERM, the
 * launcher gone): the scenarios finished so far and a score labelled PARTIAL
 * are printed (and written to --json/--html), the run's containers and
 * networks are removed, and fwspec exits 128+signal (interrupt.ts); nothing
 * after the stop is printed or scored.
 */
import { openDockerLabs, refuseOverwrites } from "../api.ts";
import { compareSnapshots, snapshotHostFirewall, uncheckedWarning } from "../env/host-firewall.ts";
import { EXIT, type ExitCode, InputError } from "../errors.ts";
import { interrupted, onInterrupt } from "../interrupt.ts";
import { consoleProgress } from "../progress.ts";
import { OPERATOR_NAMES, selectOperators } from "../mutate/operators.ts";
import { renderMutationConsole, renderMutationJson, scenarioLine, summaryLine } from "../mutate/render.ts";
import { type MutationReport, mutateScenarios, mutationScenarios, NOTHING_TO_MUTATE, plannedMutants, type ScenarioMutation, summarize } from "../mutate/run.ts";
import { renderMutationHtml } from "../report/mutation-html.ts";
import { askedReports, refuseReportPaths, writeReportFile } from "./report-files.ts";

export interface MutateCliOptions {
  readonly minScore?: string;
  readonly json?: string;
  readonly html?: string;
  readonly operators?: string;
  readonly jobs?: string;
  readonly root?: string;
  readonly early?: boolean;
  readonly killed?: boolean;
  readonly runEquivalent?: boolean;
  /** `--mutant` / `--only`: only the mutants with these ids. */
  readonly mutant?: readonly string[];
  readonly only?: readonly string[];
  /** How the user types fwspec, for the command lines printed (cli/invocation.ts). */
  readonly invocation?: string;
}

/** The flags checked: an InputError naming the wrong one. */
export function parseMutateFlags(opts: MutateCliOptions): { minScore: number | undefined; operators: string[] | undefined; jobs: number } {
  const minScore = opts.minScore === undefined ? undefined : Number(opts.minScore);
  if (minScore !== undefined && (!/^\d+(\.\d+)?$/.test(opts.minScore!.trim()) || minScore > 100)) {
    throw new InputError(`--min-score must be a number from 0 to 100 (percent), not \`${opts.minScore}\``);
  }
  const operators = opts.operators?.split(",").map((o) => o.trim()).filter((o) => o !== "");
  const unknown = operators?.filter((o) => !(OPERATOR_NAMES as readonly string[]).includes(o)) ?? [];
  if (unknown.length > 0 || operators?.length === 0) {
    throw new InputError(`--operators: unknown operator(s) ${unknown.map((o) => `\`${o}\``).join(", ") || "(none given)"}`, { hint: `operators: ${OPERATOR_NAMES.join(", ")}` });
  }
  const jobs = opts.jobs === undefined ? 1 : Number(opts.jobs);
  if (!/^\d+$/.test(String(opts.jobs ?? "1").trim()) || jobs < 1 || jobs > 16) throw new InputError(`--jobs must be a whole number from 1 to 16, not \`${opts.jobs}\``);
  return { minScore, operators, jobs };
}

export async function runMutate(paths: readonly string[], opts: MutateCliOptions): Promise<ExitCode> {
  const flags = parseMutateFlags(opts);
  refuseReportPaths(askedReports({ "--json": opts.json, "--html": opts.html }));
  const scenarios = mutationScenarios({ paths }, opts.root, opts.invocation);
  refuseOverwrites(askedReports({ "--json": opts.json, "--html": opts.html }), scenarios, opts.invocation, "mutate");
  const only = opts.mutant || opts.only ? [...(opts.mutant ?? []), ...(opts.only ?? [])] : undefined;
  // Declared equivalents and --mutant ids checked before any container (exit 2).
  const planned = plannedMutants(scenarios, selectOperators(flags.operators), only).length;
  const progress = consoleProgress();
  progress.step(`${scenarios.length} scenario file(s) valid; mutating their rules${only ? ` (${only.length} mutant id(s) asked for, in ${planned} scenario(s))` : ""}`);
  const hostBefore = await snapshotHostFirewall();
  const started = performance.now();
  const done: ScenarioMutation[] = [];
  // Ctrl-C: what finished so far, labelled partial, while the cleanup (api.ts) removes the run's labs; then the exit (130).
  const release = onInterrupt(async () => {
    const partial = summarize(done, Math.round(performance.now() - started), true, planned);
    process.stdout.write(renderMutationConsole(partial));
    for (const problem of writeReports(partial, opts)) process.stderr.write(`fwspec: ${problem.report()}\n`);
  });
  let report;
  try {
    await using docker = await openDockerLabs({ progress, build: true, cleanup: "run", handleInterrupts: true, invocation: opts.invocation });
    report = await mutateScenarios(scenarios, {
      provider: docker.provider,
      progress,
      jobs: flags.jobs,
      ...(flags.operators ? { operators: flags.operators } : {}),
      ...(opts.early === false ? { decideEarly: false } : {}),
      ...(opts.runEquivalent === true ? { runEquivalent: true } : {}),
      ...(only ? { only } : {}),
      onScenario: (s) => {
        done.push(s);
        progress.info(scenarioLine(s));
      },
    });
  } finally {
    release();
  }
  // Stopped: the handler printed what finished; results after the stop mean nothing. The exit comes when the labs are gone.
  if (interrupted()) await new Promise<never>(() => {});
  process.stdout.write(renderMutationConsole(report, { killed: opts.killed === true }));
  const unwritten = writeReports(report, opts);
  for (const problem of unwritten) process.stderr.write(`fwspec: ${problem.report()}\n`);
  const hostCheck = compareSnapshots(hostBefore, await snapshotHostFirewall());
  const notCompared = uncheckedWarning(hostCheck, opts.invocation);
  if (notCompared) process.stderr.write(notCompared);
  if (hostCheck.changed.length > 0) {
    process.stderr.write(`\nfwspec: THE MACHINE'S OWN FIREWALL CHANGED during this run (${hostCheck.changed.join(", ")}). The run fails.\n`);
    return EXIT.failed;
  }
  const failures = gateFailures(report, flags.minScore);
  for (const failure of failures) process.stderr.write(`fwspec: ${failure}\n`);
  if (failures.length > 0) return EXIT.failed;
  return unwritten.length > 0 ? EXIT.internal : EXIT.ok;
}

/**
 * Why a finished mutation run fails (exit 1), each in words (empty: it passes): an original scenario that
 * does not pass, a claim made before running that a run anyway killed (`--run-equivalent`: a scenario's
 * declaration, or fwspec's own proof, was wrong), and `--min-score` not met or nothing scored. Pure.
 */
export function gateFailures(report: MutationReport, minScore: number | undefined): string[] {
  const failures: string[] = [];
  const skipped = report.scenarios.filter((s) => s.skipped && s.mutants.length === 0 && s.skipped !== NOTHING_TO_MUTATE);
  if (skipped.length > 0) failures.push(`${skipped.length} scenario(s) not mutated because the original does not pass`);
  const contradicted = report.scenarios.flatMap((s) => s.mutants.filter((m) => m.contradicts).map((m) => ({ file: s.file, m })));
  const declared = contradicted.filter((c) => c.m.declared);
  const proven = contradicted.filter((c) => !c.m.declared);
  if (declared.length > 0) {
    failures.push(`${declared.length} mutant(s) the scenarios declare equivalent were killed (${declared.map((c) => c.m.id).join(", ")}): each declaration is wrong\n  hint: remove those entries from the scenario's mutate.equivalent (see CONTRADICTS above)`);
  }
  if (proven.length > 0) {
    failures.push(`${proven.length} mutant(s) fwspec claimed before running were killed (${proven.map((c) => c.m.id).join(", ")}): fwspec's proof was wrong\n  hint: this is a bug in fwspec; the lines marked CONTRADICTS above show the check that killed each`);
  }
  if (minScore !== undefined && report.score === undefined) {
    failures.push(`no mutant was scored (mutation score n/a), so --min-score ${minScore} is not met\n  hint: a gate needs scenarios that apply rules (apply steps) and check them; see the lines above for what was left out and why`);
  } else if (minScore !== undefined && report.score! < minScore) {
    failures.push(`${summaryLine(report).split(" (")[0]} is below --min-score ${minScore}`);
  }
  return failures;
}

/** --json and --html, each written or its problem returned. */
function writeReports(report: MutationReport, opts: MutateCliOptions) {
  const json = opts.json !== undefined ? writeReportFile("JSON", opts.json, renderMutationJson(report)) : undefined;
  const html = opts.html !== undefined ? writeReportFile("HTML", opts.html, renderMutationHtml(report, { baseDir: process.cwd() })) : undefined;
  return [json, html].filter((p) => p !== undefined);
}
