/**
 * A scenario as a vitest suite: one test per apply/run/reboot/hold step, per
 * expectation and family, and per counter check, in the scenario's order.
 * The tests read their results from the one step loop (steps.ts) running the
 * scenario's plan on a lab from api.ts's Docker labs, started in beforeAll
 * and disposed in afterAll (and on SIGINT/SIGTERM).
 */
import { afterAll, beforeAll, describe, inject, test } from "vitest";
import { type DockerLabs, familiesOf, openDockerLabs } from "../api.ts";
import { errorMessage } from "../errors.ts";
import type { CheckResult } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { planScenario, type PlannedStep } from "../plan/plan.ts";
import { expectationFailure, parityLine } from "../report/failure.ts";
import { parityFindings } from "../report/build.ts";
import { oneLine, safeText } from "../text.ts";
import { loadScenarioSync, ScenarioError } from "../scenario/load.ts";
import { machineAddressTargets, machineInterfaces } from "../scenario/machine-targets.ts";
import type { Scenario } from "../scenario/model.ts";
import { ownLab } from "./lease.ts";
import { ScenarioSession } from "./session.ts";
import { notRunResults, runSteps, type StepOutcome } from "./steps.ts";

declare module "vitest" {
  interface TaskMeta {
    /** The check's result, as every report has it. */
    fwspec?: CheckResult;
  }
}

/** What the vitest plugin passes to every scenario suite (vitest.config.ts: scenarioPlugin(options)). */
export interface SuiteOptions {
  /** Probe this family for every expectation (a held connection keeps its own). */
  readonly family?: Family | "both";
  /** Probe timeout in whole seconds (overrides the scenarios). */
  readonly timeoutSeconds?: number;
}

/** Its message (probe output, scenario text) reaches the terminal and CI log: neutralised. */
class ScenarioFailure extends Error {
  override name = "ScenarioFailure";
  /** `at`: the scenario line the check was written on, given as the error's one stack frame, so vitest points there (tester 43b: it pointed into fwspec's dist/). */
  constructor(message: string, at?: { readonly file: string; readonly line: number }) {
    super(safeText(message));
    if (at) this.stack = `${this.name}: ${this.message}\n    at ${at.file}:${at.line}:1`;
  }
}

function failureText(r: CheckResult): string {
  return r.kind === "expectation" ? expectationFailure(r) : r.message;
}

/** The step loop's results, one planned step at a time, as the tests (in order) ask for them. */
class StepResults {
  readonly #outcomes = new Map<number, readonly CheckResult[]>();
  #steps: AsyncGenerator<StepOutcome> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped: string | undefined;

  start(steps: AsyncGenerator<StepOutcome>): void {
    this.#steps = steps;
  }

  /** The results of planned step `index` (running the loop up to it). */
  of(planned: PlannedStep): Promise<readonly CheckResult[]> {
    const next = this.#queue.then(() => this.#advance(planned));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #advance(planned: PlannedStep): Promise<readonly CheckResult[]> {
    while (!this.#outcomes.has(planned.index)) {
      if (this.#stopped !== undefined || !this.#steps) return notRunResults(planned, this.#stopped ?? "the lab did not start");
      try {
        const next = await this.#steps.next();
        if (next.done) return notRunResults(planned, "the scenario ended before this step");
        this.#outcomes.set(next.value.planned.index, next.value.results);
      } catch (error) {
        this.#stopped = `step ${planned.index + 1} could not be run`;
        throw new ScenarioFailure(errorMessage(error));
      }
    }
    return this.#outcomes.get(planned.index)!;
  }
}

export function defineScenarioSuite(file: string, options: SuiteOptions = {}): void {
  let scenario: Scenario;
  try {
    scenario = loadScenarioSync(file);
    // As in `fwspec run`: no probe at one of this machine's own addresses.
    const machine = machineAddressTargets([scenario], machineInterfaces());
    if (machine.length > 0) throw new ScenarioError(machine);
  } catch (error) {
    describe(file, () => {
      test("scenario is valid", () => {
        throw new ScenarioFailure(errorMessage(error));
      });
    });
    return;
  }
  const plan = planScenario(scenario, { families: familiesOf(options.family), timeoutSeconds: options.timeoutSeconds });
  const results = new StepResults();
  let labs: DockerLabs | undefined;
  let session: ScenarioSession | undefined;

  const check = (title: string, planned: PlannedStep, item: number) =>
    test(title, async (ctx) => {
      const r = (await results.of(planned))[item]!;
      ctx.task.meta.fwspec = r;
      if (r.kind === "expectation" && r.status === "passed") {
        const finding = parityFindings([r])[0];
        if (finding) console.warn(`fwspec ${safeText(`${parityLine(finding)}; repro: ${finding.command}`)}`);
      }
      if (r.status !== "passed") throw new ScenarioFailure(`line ${r.line}: ${failureText(r)}`, { file: scenario.file, line: r.line });
    });

  describe(oneLine(scenario.name), () => {
    beforeAll(async () => {
      try {
        labs = await openDockerLabs({ runId: inject("fwspecRunId"), ownerPid: inject("fwspecOwnerPid"), cleanup: "labs", handleInterrupts: true });
        session = new ScenarioSession(scenario, await ownLab(labs.provider, scenario), { timeoutSeconds: plan.timeoutSeconds });
        results.start(runSteps(plan, session));
      } catch (error) {
        results.start(runSteps(plan, { broken: `the lab did not start: ${errorMessage(error)}` }));
      }
    }, 180_000);

    afterAll(async () => {
      await session?.[Symbol.asyncDispose]();
      await labs?.[Symbol.asyncDispose]();
    }, 60_000);

    for (const planned of plan.steps) {
      const title = oneLine(planned.title);
      if (planned.kind === "action") check(title, planned, 0);
      else if (planned.kind === "expect") describe(title, () => planned.probes.forEach((p, i) => check(p.title, planned, i)));
      else describe(title, () => planned.checks.forEach((c, i) => check(c.title, planned, i)));
    }
  });
}
