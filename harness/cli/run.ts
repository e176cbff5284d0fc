/**
 * `fwspec run`: the run itself is api.ts's (validate every scenario — exit 2
 * before any container starts —, engine and image — exit 3 —, the scenarios
 * on shared labs); here the console, JSON and JUnit reports are written, the
 * machine's own firewall is compared before and after, and the exit code is
 * chosen (0 all held, 1 otherwise, 4 a report file not written).
 */
import { runHeld } from "../report/build.ts";
import { run } from "../api.ts";
import { compareSnapshots, snapshotHostFirewall, uncheckedWarning } from "../env/host-firewall.ts";
import { EXIT, type ExitCode, FwspecError } from "../errors.ts";
import type { Family } from "../model/types.ts";
import type { Progress } from "../progress.ts";
import { renderCoverage } from "../report/coverage-text.ts";
import { renderHtml } from "../report/html.ts";
import { renderJson } from "../report/json.ts";
import { renderJunit } from "../report/junit.ts";
import type { PlannedOutput } from "../report/output-paths.ts";
import { renderKept } from "../report/kept.ts";
import { renderRuleAnnotations } from "../report/github.ts";
import { RuleSyntaxError } from "../runner/rule-syntax.ts";
import type { RunReport } from "../report/model.ts";
import { askedReports, refuseReportPaths, writeReportFile } from "./report-files.ts";
import { type OutputOptions, outputOptions, writeOutputs } from "./reporters.ts";

export interface RunOptions {
  readonly json?: string;
  readonly junit?: string;
  readonly filter?: string;
  readonly family?: Family | "both";
  readonly timeout?: number;
  readonly shard?: string;
  /** Run the scenarios in the order this seed gives (`--shuffle`). */
  readonly shuffle?: number;
  /** No console report (stability runs print their own summary). */
  readonly quiet?: boolean;
  /** Leave labs running (`--keep`: "all", `--keep-on-failure`: "failed"). */
  readonly keep?: "all" | "failed";
  /** Take and leave warm labs (`--reuse`). */
  readonly reuse?: boolean;
  /** Labs running at the same time. */
  readonly labs?: number;
  /** End probes early on DROP/REJECT counter evidence (default true). */
  readonly decideEarly?: boolean;
  /** Limit for one in-container command in seconds (`--command-timeout`). */
  readonly commandTimeout?: number;
  /** Test every rules file and command in a throw-away lab host before any scenario lab (`--check-rules`). */
  readonly checkRules?: boolean;
  /** The project root (`--root`): scenario files may point anywhere inside it. */
  readonly root?: string;
  /** Rule coverage: computed, printed after the console report and put in the JSON report (`--coverage`). */
  readonly coverage?: boolean;
  /** Fail the run (exit 1) when rule coverage is below this percentage (`--coverage-min`; implies coverage). */
  readonly coverageMin?: number;
  /** Write the self-contained HTML report here (`--html`; it shows rule coverage, so coverage is computed). */
  readonly html?: string;
  /** How the user types fwspec, for the command lines printed (cli/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string;
  /** Which reports go where (`--reporter`, the terminal's width); default: the console report at 100 columns. */
  readonly output?: OutputOptions;
}

export interface RunOutcome {
  readonly code: ExitCode;
  readonly report: RunReport | undefined;
}

export async function runScenarios(paths: readonly string[], options: RunOptions, progress: Progress): Promise<ExitCode> {
  return (await runScenariosWithReport(paths, options, progress)).code;
}

/** A renderer that throws is fwspec's own failure after the checks ran: reported, never a reason to skip the host check or change a verdict's code. */
function guarded(what: string, render: () => FwspecError | undefined | void): FwspecError | undefined {
  try {
    return render() ?? undefined;
  } catch (error) {
    return new FwspecError(`could not write the ${what}: ${String((error as Error)?.message ?? error).split("\n")[0]}`, {
      hint: "a fwspec problem, not a verdict: the exit code still says whether every check held; report it with the command line",
    });
  }
}

/** The report files asked for, checked before any lab starts against what the run reads and each other. */
function reportOutputs(options: RunOptions): PlannedOutput[] {
  return askedReports({ "--json": options.json, "--junit": options.junit, "--html": options.html });
}

/**
 * The console and CI outputs, rule coverage, kept labs and report files of
 * `report` (also of a stopped run's partial one); each one that cannot be
 * written is said on stderr and returned, fwspec's own failure: it never changes the
 * verdicts' code or skips the host check.
 */
function writeReports(report: RunReport, options: RunOptions, output: OutputOptions): FwspecError[] {
  const summaryProblem = options.quiet ? undefined : guarded("console and CI reports", () => writeOutputs(report, output, (text) => process.stdout.write(text)));
  const coverageProblem = options.quiet || !(options.coverage || options.coverageMin !== undefined) || report.stopped
    ? undefined
    : guarded("rule coverage", () => void process.stdout.write(renderCoverage(report, { width: output.width, baseDir: output.baseDir })));
  const keptProblem = guarded("list of kept labs", () => void process.stdout.write(renderKept(report, options.invocation)));
  const unwritten = [
    options.json ? writeReportFile("JSON", options.json, renderJson(report)) : undefined,
    options.junit ? writeReportFile("JUnit", options.junit, renderJunit(report, { baseDir: output.baseDir })) : undefined,
    options.html ? writeReportFile("HTML", options.html, renderHtml(report, { baseDir: output.baseDir })) : undefined,
    summaryProblem,
    coverageProblem,
    keptProblem,
  ].filter((e) => e !== undefined);
  for (const e of unwritten) process.stderr.write(`fwspec: ${e.report()}\n`);
  return unwritten;
}

export async function runScenariosWithReport(paths: readonly string[], options: RunOptions, progress: Progress): Promise<RunOutcome> {
  refuseReportPaths(reportOutputs(options));
  const hostBefore = await snapshotHostFirewall();
  const output = options.output ?? outputOptions([], { env: {}, cwd: process.cwd() });
  let report: RunReport;
  try {
    report = await run({ paths }, {
      progress,
      handleInterrupts: true,
      ...(options.family !== undefined ? { family: options.family } : {}),
      ...(options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {}),
      ...(options.filter !== undefined ? { filter: options.filter } : {}),
      ...(options.shard !== undefined ? { shard: options.shard } : {}),
      ...(options.labs !== undefined ? { labs: options.labs } : {}),
      ...(options.shuffle !== undefined ? { shuffle: options.shuffle } : {}),
      ...(options.decideEarly === false ? { decideEarly: false } : {}),
      ...(options.keep !== undefined ? { keep: options.keep } : {}),
      ...(options.reuse ? { reuse: true } : {}),
      ...(options.commandTimeout !== undefined ? { commandTimeoutSeconds: options.commandTimeout } : {}),
      ...(options.checkRules ? { checkRules: true } : {}),
      ...(options.root !== undefined ? { root: options.root } : {}),
      ...(options.invocation !== undefined ? { invocation: options.invocation } : {}),
      ...(options.coverage || options.coverageMin !== undefined || options.html ? { coverage: true } : {}),
      ...(options.coverageMin !== undefined ? { coverageMin: options.coverageMin } : {}),
      outputs: reportOutputs(options),
      // Ctrl-C: the scenarios that finished are reported (console and files, labelled stopped) while the labs go.
      onStopped: (partial: RunReport) => writeReports(partial, options, output),
    });
  } catch (error) {
    // `--check-rules` found bad lines: under the github reporter each is annotated on its rules file's line; the error (exit 2) goes on.
    if (error instanceof RuleSyntaxError && output.reporters.includes("github") && !options.quiet) process.stdout.write(renderRuleAnnotations(error.problems, { baseDir: output.workspace }));
    throw error;
  }
  const reports = report.scenarios;
  const unwritten = writeReports(report, options, output);

  const hostCheck = compareSnapshots(hostBefore, await snapshotHostFirewall());
  const { changed } = hostCheck;
  // A part that could not be read (nft not installed, not root) is said out loud, never compared with itself.
  const notCompared = uncheckedWarning(hostCheck, options.invocation);
  if (notCompared) process.stderr.write(notCompared);
  if (changed.length > 0) {
    process.stderr.write(`\nfwspec: THE MACHINE'S OWN FIREWALL CHANGED during this run (${changed.join(", ")}).\nfwspec applies rules only inside lab containers; something else on this machine changed it, or an engine outside fwspec's control did. The run fails.\n`);
    return { code: EXIT.failed, report };
  }
  if (reports.length === 0) {
    // A shard with no file is no failure (more CI machines than scenario files); a filter or a path that selects nothing is.
    if (options.shard && !options.filter) {
      process.stderr.write(`fwspec: shard ${options.shard} has no scenario file (fewer files than shards): nothing to run\n`);
      return { code: EXIT.ok, report };
    }
    const which = options.filter ? ` has a check matching ${new RegExp(options.filter)}` : options.family ? ` has a check to run with --family ${options.family}` : " to run";
    process.stderr.write(`fwspec: no scenario${which}\n`);
    return { code: EXIT.failed, report };
  }
  // `--coverage-min`: too little of the rules exercised fails the run like a failed check (every report says so too).
  const shortfall = report.coverage?.shortfall;
  if (shortfall) process.stderr.write(`fwspec: ${shortfall}\n  hint: add expectations whose probes reach the rules listed as never matched, or remove rules nothing needs (shadowed ones first)\n`);
  return { code: !runHeld(report) ? EXIT.failed : unwritten.length > 0 ? EXIT.internal : EXIT.ok, report };
}
