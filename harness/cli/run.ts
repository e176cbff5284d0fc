/**
 * `fwspec run`: validate every scenario (exit 2 before any container starts),
 * make sure the engine and image are there (exit 3), then run the scenarios on
 * shared labs and report (exit 0 all held, 1 otherwise).
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { connectEngine } from "../env/engine.ts";
import { ensureLabImage, PROJECT_ROOT } from "../env/images.ts";
import { EXIT, type ExitCode, InputError } from "../errors.ts";
import { compareSnapshots, snapshotHostFirewall, uncheckedWarning } from "../env/host-firewall.ts";
import { newRunId, removeRun, removeRunUntilQuiet } from "../lab/resources.ts";
import { type Family, FAMILIES } from "../model/types.ts";
import type { Progress } from "../progress.ts";
import { renderRun } from "../report/console.ts";
import { renderJunit } from "../report/junit.ts";
import { type RunReport, type ScenarioReport, summarize } from "../report/model.ts";
import { writeJsonReport } from "../report/reporter.ts";
import { runScenarioSet } from "../runner/direct.ts";
import { interrupted, onInterrupt } from "../interrupt.ts";
import { writeReportFile } from "./report-files.ts";
import { validateFiles } from "./validate.ts";

export interface RunOptions {
  readonly json?: string;
  readonly junit?: string;
  readonly filter?: string;
  readonly family?: Family | "both";
  readonly timeout?: number;
  readonly shard?: string;
  /** No console report (stability runs print their own summary). */
  readonly quiet?: boolean;
  /** Labs running at the same time. */
  readonly labs?: number;
  /** End probes early on DROP/REJECT counter evidence (default true). */
  readonly decideEarly?: boolean;
  /** Limit for one in-container command in seconds (`--command-timeout`). */
  readonly commandTimeout?: number;
}

export interface RunOutcome {
  readonly code: ExitCode;
  readonly report: RunReport | undefined;
}

export async function runScenarios(paths: readonly string[], options: RunOptions, progress: Progress): Promise<ExitCode> {
  return (await runScenariosWithReport(paths, options, progress)).code;
}

/** Keeps shard `index` of `count` (1-based), by position in the sorted file list. */
export function shardOf<T>(items: readonly T[], shard: string): T[] {
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new InputError(`--shard must be index/count with 1 <= index <= count, not \`${shard}\``);
  return items.filter((_, i) => i % count === index - 1);
}

export function filterPattern(filter: string): RegExp {
  try {
    return new RegExp(filter);
  } catch (error) {
    throw new InputError(`--filter \`${filter}\` is not a regular expression: ${(error as Error).message}`);
  }
}

export async function runScenariosWithReport(paths: readonly string[], options: RunOptions, progress: Progress): Promise<RunOutcome> {
  const validated = validateFiles(paths);
  const filter = options.filter ? filterPattern(options.filter) : undefined;
  const scenarios = options.shard ? shardOf(validated.scenarios, options.shard) : [...validated.scenarios];
  progress.step(`${validated.files.length} scenario file(s) valid${options.shard ? `; shard ${options.shard} has ${scenarios.length}` : ""}`);
  const docker = await connectEngine();
  const image = await ensureLabImage(docker, progress);

  const hostBefore = await snapshotHostFirewall();
  const runId = newRunId();
  process.env["FWSPEC_RUN_ID"] = runId;
  process.env["FWSPEC_OWNER_PID"] = String(process.pid);
  // Ctrl-C, a CI cancel (also through npx/npm), or the launcher gone: remove this
  // run's containers and networks (again, until none appear), then exit 128+n.
  const release = onInterrupt(async (reason) => {
    process.stderr.write(`\nfwspec: ${reason}: removing this run's containers and networks (run ${runId})\n`);
    await removeRunUntilQuiet(docker, runId);
  });

  const families = options.family === undefined ? undefined : options.family === "both" ? FAMILIES : FAMILIES.filter((f) => f === options.family);
  let reports: ScenarioReport[];
  try {
    reports = await runScenarioSet(scenarios, {
      docker,
      image,
      runId,
      progress,
      ...(families ? { families } : {}),
      ...(options.timeout ? { timeoutSeconds: options.timeout } : {}),
      ...(filter ? { filter } : {}),
      ...(options.labs ? { labs: options.labs } : {}),
      ...(options.decideEarly === false ? { decideEarly: false } : {}),
      ...(options.commandTimeout ? { commandTimeoutSeconds: options.commandTimeout } : {}),
    });
  } finally {
    await removeRun(docker, runId).catch(() => undefined);
    release();
  }
  // Interrupted: the verdicts after the cleanup removed the labs mean nothing; the exit comes when it is done.
  if (interrupted()) await new Promise<never>(() => {});
  const report: RunReport = { scenarios: reports, summary: summarize(reports) };
  if (!options.quiet) process.stdout.write(renderRun(report));
  // A report that cannot be written is fwspec's own failure: it never changes the verdicts' code or skips the host check.
  const unwritten = [
    options.json ? writeReportFile("JSON", options.json, (path) => writeJsonReport(path, report)) : undefined,
    options.junit ? writeReportFile("JUnit", options.junit, (path) => writeFileSync(path, renderJunit(report))) : undefined,
  ].filter((e) => e !== undefined);
  for (const e of unwritten) process.stderr.write(`fwspec: ${e.report()}\n`);

  const hostCheck = compareSnapshots(hostBefore, await snapshotHostFirewall());
  const { changed } = hostCheck;
  // A part that could not be read (nft not installed, not root) is said out loud, never compared with itself.
  const notCompared = uncheckedWarning(hostCheck);
  if (notCompared) process.stderr.write(notCompared);
  if (changed.length > 0) {
    process.stderr.write(`\nfwspec: THE MACHINE'S OWN FIREWALL CHANGED during this run (${changed.join(", ")}).\nfwspec applies rules only inside lab containers; something else on this machine changed it, or an engine outside fwspec's control did. The run fails.\n`);
    return { code: EXIT.failed, report };
  }
  if (reports.length === 0) {
    process.stderr.write(`fwspec: no scenario${filter ? ` has a check matching ${filter}` : " to run"}\n`);
    return { code: EXIT.failed, report };
  }
  const allPassed = reports.every((s) => s.status === "passed");
  return { code: !allPassed ? EXIT.failed : unwritten.length > 0 ? EXIT.internal : EXIT.ok, report };
}
