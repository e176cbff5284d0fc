/**
 * `fwspec run`: validate every scenario (exit 2 before any container starts),
 * make sure the engine and image are there (exit 3), then run the scenarios as
 * vitest test files and report (exit 0 all held, 1 otherwise).
 */
import { relative, resolve } from "node:path";
import { spawn } from "node:child_process";
import { execaSync } from "execa";
import { startVitest } from "vitest/node";
import { connectEngine } from "../env/engine.ts";
import { ensureLabImage, PROJECT_ROOT } from "../env/images.ts";
import { EXIT, type ExitCode } from "../errors.ts";
import { compareSnapshots, snapshotHostFirewall } from "../env/host-firewall.ts";
import { newRunId, removeRun } from "../lab/resources.ts";
import type { Family } from "../model/types.ts";
import type { Progress } from "../progress.ts";
import { FwspecReporter } from "../report/reporter.ts";
import type { RunReport } from "../report/model.ts";
import { scenarioPlugin } from "../runner/vitest-plugin.ts";
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
}

export interface RunOutcome {
  readonly code: ExitCode;
  readonly report: RunReport | undefined;
}

export async function runScenarios(paths: readonly string[], options: RunOptions, progress: Progress): Promise<ExitCode> {
  return (await runScenariosWithReport(paths, options, progress)).code;
}

export async function runScenariosWithReport(paths: readonly string[], options: RunOptions, progress: Progress): Promise<RunOutcome> {
  const { files, scenarios } = validateFiles(paths);
  progress.step(`${files.length} scenario file(s) valid`);
  const docker = await connectEngine();
  await ensureLabImage(docker, progress);

  const hostBefore = await snapshotHostFirewall();
  const runId = newRunId();
  process.env["FWSPEC_RUN_ID"] = runId;
  process.env["FWSPEC_OWNER_PID"] = String(process.pid);
  // Ctrl-C or a CI timeout: vitest exits this process within a millisecond of the
  // signal, so the cleanup runs in a detached `fwspec cleanup --run` that outlives it.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.exitCode = signal === "SIGINT" ? 130 : 143;
    process.stderr.write(`\nfwspec: ${signal}: stopping workers; removing this run's containers and networks (fwspec cleanup --run ${runId})\n`);
    execaSync("pkill", ["-TERM", "-P", String(process.pid)], { reject: false });
    const cleaner = spawn(process.execPath, [resolve(PROJECT_ROOT, "harness/cli/main.ts"), "cleanup", "--run", runId], {
      detached: true,
      stdio: ["ignore", "ignore", "inherit"],
    });
    cleaner.unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (options.family) process.env["FWSPEC_FAMILY"] = options.family;
  if (options.timeout) process.env["FWSPEC_TIMEOUT"] = String(options.timeout);

  const headers = new Map(scenarios.map((s) => [s.file, { file: s.file, name: s.name, description: s.description }]));
  const reporter = new FwspecReporter({
    headers,
    ...(options.json ? { jsonFile: resolve(options.json) } : {}),
    ...(options.quiet ? { print: () => {} } : {}),
  });
  const cwd = process.cwd();
  let vitestFailed = false;
  const cleanup = () => removeRun(docker, runId).catch(() => undefined);
  try {
    const vitest = await startVitest(
      "test",
      [],
      {
        config: false,
        root: cwd,
        run: true,
        watch: false,
        include: files.map((f) => relative(cwd, f)),
        globalSetup: [resolve(PROJECT_ROOT, "harness/testing/global-setup.ts")],
        reporters: [
          reporter,
          ...(options.quiet ? [] : [["default", { summary: false }] as ["default", { summary: boolean }]]),
          ...(options.junit ? [["junit", { outputFile: resolve(options.junit) }] as ["junit", { outputFile: string }]] : []),
        ],
        ...(options.filter ? { testNamePattern: options.filter } : {}),
        ...(options.shard ? { shard: options.shard } : {}),
        testTimeout: 120_000,
        hookTimeout: 180_000,
        maxWorkers: 2,
        passWithNoTests: false,
      },
      { plugins: [scenarioPlugin()] },
    );
    await vitest?.close();
    vitestFailed = process.exitCode !== undefined && process.exitCode !== 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
  }
  const changed = compareSnapshots(hostBefore, await snapshotHostFirewall());
  if (changed.length > 0) {
    process.stderr.write(`\nfwspec: THE MACHINE'S OWN FIREWALL CHANGED during this run (${changed.join(", ")}).\nfwspec applies rules only inside lab containers; something else on this machine changed it, or an engine outside fwspec's control did. The run fails.\n`);
    return { code: EXIT.failed, report: reporter.report };
  }
  const report = reporter.report;
  if (!report) return { code: EXIT.failed, report };
  const allPassed = report.scenarios.length > 0 && report.scenarios.every((s) => s.status === "passed");
  return { code: allPassed && !vitestFailed ? EXIT.ok : EXIT.failed, report };
}
