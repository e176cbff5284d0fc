/**
 * The one step loop, used by `fwspec run` and the vitest suite alike: a
 * scenario's planned steps, in order, on a session, each step's check results
 * yielded as soon as it is done. A step that cannot be carried out (or a lab
 * that did not start) stops the scenario: every later check is an error
 * naming that step, never a verdict.
 */
import { CommandError, errorMessage } from "../errors.ts";
import { type CheckResult, NOT_RUN, type StepKind, type StepResult } from "../model/results.ts";
import type { PlannedStep, ScenarioPlan } from "../plan/plan.ts";
import type { ScenarioSession } from "./session.ts";
import { rejectedAsWritten } from "./addresses.ts";

/** The results of one planned step (none for a counters step the filter emptied). */
export interface StepOutcome {
  readonly planned: PlannedStep;
  readonly results: readonly CheckResult[];
}

function notRun(step: StepKind, line: number, title: string, reason: string): StepResult {
  return { kind: "step", step, line, title, status: "error", message: `${NOT_RUN}${reason}` };
}

/** What a broken scenario records for a step it did not run. */
export function notRunResults(planned: PlannedStep, reason: string): StepResult[] {
  switch (planned.kind) {
    case "expect":
      return planned.probes.map((p) => notRun("expect", p.expectation.location.line, p.title, reason));
    case "counters":
      return planned.checks.map((c) => notRun("counters", c.check.location.line, c.title, reason));
    case "action":
      return [notRun(planned.step.kind, planned.step.location.line, planned.title, reason)];
  }
}

async function perform(session: ScenarioSession, planned: PlannedStep): Promise<readonly CheckResult[]> {
  switch (planned.kind) {
    case "expect":
      return session.probe(planned.probes);
    case "counters":
      return planned.checks.length === 0 ? [] : session.counters(planned.checks, planned.step.checks);
    case "action": {
      const { step, title } = planned;
      switch (step.kind) {
        case "apply":
          return [await session.apply(step, title)];
        case "run":
          return [await session.run(step, title)];
        case "reboot":
          return [await session.reboot(step, title)];
        case "hold":
          return [await session.hold(step, title)];
      }
    }
  }
}

/**
 * Runs the plan's steps on `session`, or — given a reason instead (the lab did
 * not start) — records every check as not run. An expect or counters step
 * that fails to run throws (the scenario errors); an action step that fails is
 * an error result and breaks the rest.
 */
export async function* runSteps(plan: ScenarioPlan, session: ScenarioSession | { readonly broken: string }): AsyncGenerator<StepOutcome> {
  let broken = "broken" in session ? session.broken : undefined;
  for (const planned of plan.steps) {
    if (broken !== undefined) {
      yield { planned, results: notRunResults(planned, broken) };
      continue;
    }
    if (planned.kind !== "action") {
      yield { planned, results: await perform(session as ScenarioSession, planned) };
      continue;
    }
    let results: readonly CheckResult[];
    try {
      results = await perform(session as ScenarioSession, planned);
    } catch (error) {
      const step = planned.step;
      broken = `step ${planned.index + 1} (${step.kind}, line ${step.location.line}) failed`;
      const rejected = error instanceof CommandError && error.rejected ? (step.kind === "apply" ? rejectedAsWritten(error.rejected, step.sources) : error.rejected) : undefined;
      results = [{ kind: "step", step: step.kind, line: step.location.line, title: planned.title, status: "error", message: errorMessage(error), ...(rejected && rejected.length > 0 ? { rejected } : {}) }];
    }
    yield { planned, results };
  }
}

/** Every check result of the plan, in order. */
export async function runScenario(plan: ScenarioPlan, session: ScenarioSession): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for await (const outcome of runSteps(plan, session)) results.push(...outcome.results);
  return results;
}
