/**
 * The runner behind `fwspec run`: scenarios grouped onto shared labs (see
 * shared-lab.ts), labs run side by side up to a limit, each scenario's steps
 * executed in order, one report per scenario. No test framework in between:
 * a lab start costs about half a second, a scenario on a started lab tenths.
 */
import { availableParallelism } from "node:os";
import type Dockerode from "dockerode";
import pLimit from "p-limit";
import { prepareContainerRuntime } from "../lab/lab.ts";
import type { LabRegistry } from "../lab/resources.ts";
import type { Family } from "../model/types.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { type ScenarioReport, scenarioReport } from "../report/model.ts";
import type { Scenario } from "../scenario/model.ts";
import { type ExecuteOptions, executeScenario, selectedChecks } from "./execute.ts";
import type { FwspecRecord } from "./meta.ts";
import { errorMessage, labNameFor, ScenarioSession } from "./session.ts";
import { planLabs, shareable, SharedLab } from "./shared-lab.ts";
import { LabNotReusableError } from "../rules/host-reset.ts";

export interface DirectRunOptions {
  readonly docker: Dockerode;
  readonly image: string;
  readonly runId: string;
  readonly registry?: LabRegistry;
  readonly progress?: Progress;
  readonly families?: readonly Family[];
  readonly timeoutSeconds?: number;
  readonly filter?: RegExp;
  /** Labs running at the same time (default: one per two cores). */
  readonly labs?: number;
  /** End probes early on DROP/REJECT counter evidence (default true). */
  readonly decideEarly?: boolean;
  /** Limit for one in-container command in seconds (default 60). */
  readonly commandTimeoutSeconds?: number;
}

function header(s: Scenario) {
  return { file: s.file, name: s.name, description: s.description };
}

/** Runs the scenarios and returns their reports in the given order. */
export async function runScenarioSet(scenarios: readonly Scenario[], options: DirectRunOptions): Promise<ScenarioReport[]> {
  const progress = options.progress ?? silentProgress;
  const execute: ExecuteOptions = {
    ...(options.families ? { families: options.families } : {}),
    ...(options.filter ? { filter: options.filter } : {}),
  };
  const selected = scenarios.filter((s) => !options.filter || selectedChecks(s, execute) > 0);
  const reports = new Map<Scenario, ScenarioReport>();
  const done = (s: Scenario, records: readonly FwspecRecord[], errors: readonly string[]) => {
    const report = scenarioReport(header(s), records, errors);
    reports.set(s, report);
    const cells = [...report.expectations, ...report.counters];
    const mark = report.status === "passed" ? "✓" : report.status === "failed" ? "✗" : "!";
    progress.info(`${mark} ${s.name}: ${cells.filter((c) => c.status === "passed").length}/${cells.length} checks held (${reports.size}/${selected.length} scenarios)`);
  };
  const sessionOptions = {
    docker: options.docker,
    image: options.image,
    runId: options.runId,
    progress,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.families ? { families: options.families } : {}),
    ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
    ...(options.decideEarly === false ? { decideEarly: false } : {}),
    ...(options.commandTimeoutSeconds ? { commandTimeoutSeconds: options.commandTimeoutSeconds } : {}),
  };

  /** true: ran; false: the lab did not start; a LabNotReusableError: not run, the shared lab cannot be reused. */
  const runOne = async (scenario: Scenario, sharedLab?: SharedLab): Promise<boolean | LabNotReusableError> => {
    const session = new ScenarioSession(scenario, { ...sessionOptions, ...(sharedLab ? { sharedLab } : {}) });
    try {
      await session.start();
    } catch (error) {
      await session[Symbol.asyncDispose]().catch(() => undefined);
      if (sharedLab && error instanceof LabNotReusableError) return error;
      done(scenario, [], [`the lab did not start: ${errorMessage(error)}`]);
      return false;
    }
    try {
      done(scenario, await executeScenario(session, execute), []);
    } catch (error) {
      done(scenario, [], [errorMessage(error)]);
    } finally {
      await session[Symbol.asyncDispose]();
    }
    return true;
  };

  const runGroup = async (group: readonly Scenario[]) => {
    if (group.length === 1 && !shareable(group[0]!)) {
      await runOne(group[0]!);
      return;
    }
    const queue = [...group];
    while (queue.length > 0) {
      let lab: SharedLab;
      try {
        lab = await SharedLab.start(queue[0]!, labNameFor(queue[0]!), { ...sessionOptions, progress });
      } catch (error) {
        for (const s of queue) done(s, [], [`the lab did not start: ${errorMessage(error)}`]);
        return;
      }
      try {
        while (queue.length > 0) {
          const scenario = queue.shift()!;
          const ran = await runOne(scenario, lab);
          // A host not as it booted after the reset: this scenario and the rest get a fresh lab.
          if (ran instanceof LabNotReusableError) {
            progress.info(`not reusing the lab for ${scenario.name}, starting a fresh lab: ${ran.message}`);
            queue.unshift(scenario);
            break;
          }
          if (!ran) break;
        }
      } finally {
        await lab[Symbol.asyncDispose]();
      }
    }
  };

  if (selected.length > 0) await prepareContainerRuntime(options.docker);
  // Measured on 2 cores: one lab at a time beats two (container starts and probes compete for CPU).
  const parallel = Math.max(1, options.labs ?? Math.floor(availableParallelism() / 2));
  const plans = planLabs(selected, parallel);
  progress.step(`running ${selected.length} scenario(s) on ${plans.length} lab(s), up to ${parallel} at a time`);
  const limit = pLimit(parallel);
  await Promise.all(plans.map((group) => limit(() => runGroup(group))));
  return selected.map((s) => reports.get(s)!);
}
