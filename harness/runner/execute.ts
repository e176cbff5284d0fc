/**
 * Runs a scenario's steps, in order, on a started session and returns the
 * records a report is made of (the direct runner behind `fwspec run`; the
 * vitest suite makes the same records one test at a time). A step that cannot
 * be carried out stops the scenario: every later cell is recorded as an error
 * naming that step, never as a verdict.
 */
import type { Family } from "../model/types.ts";
import { type ApplyStep, type HoldStep, probeFamilies, type RebootStep, type RunStep, type Scenario } from "../scenario/model.ts";
import type { FwspecRecord, StepRecord } from "./meta.ts";
import { counterRecord, counterTitle, expectationRecord, expectationTitle, stepTitle } from "./records.ts";
import { boundedTest } from "./safe-regex.ts";
import { errorMessage, type ScenarioSession } from "./session.ts";

export interface ExecuteOptions {
  /** Override every expectation's families. */
  readonly families?: readonly Family[];
  /** Only expectations and counter checks whose `<scenario name> <check title>` matches run (steps always run). */
  readonly filter?: RegExp;
}

/** The expectation and counter checks of a scenario that a filter keeps (all without one). */
export function selectedChecks(scenario: Scenario, options: ExecuteOptions): number {
  let n = 0;
  for (const step of scenario.steps) {
    if (step.kind === "expect") {
      for (const e of step.expectations) for (const f of probeFamilies(e, options.families)) if (keeps(options, scenario, expectationTitle(e, f))) n++;
    } else if (step.kind === "counters") {
      for (const c of step.checks) for (const f of c.families) if (keeps(options, scenario, counterTitle(c, f))) n++;
    }
  }
  return n;
}

function keeps(options: ExecuteOptions, scenario: Scenario, title: string): boolean {
  return !options.filter || boundedTest(options.filter.source, options.filter.flags, `${scenario.name} ${title}`);
}

export async function executeScenario(session: ScenarioSession, options: ExecuteOptions = {}): Promise<FwspecRecord[]> {
  const scenario = session.scenario;
  const records: FwspecRecord[] = [];
  let broken: string | undefined;
  const notRun = (line: number, title: string) =>
    records.push({ kind: "step", file: scenario.file, scenario: scenario.name, line, title, status: "error", message: `not run: ${broken}` });

  for (const [index, step] of scenario.steps.entries()) {
    const title = stepTitle(step, index);
    if (step.kind === "expect") {
      const items = step.expectations.flatMap((expectation) =>
        probeFamilies(expectation, options.families).filter((f) => keeps(options, scenario, expectationTitle(expectation, f))).map((family) => ({ expectation, family })),
      );
      if (broken !== undefined) {
        for (const { expectation } of items) notRun(expectation.location.line, expectation.text);
        continue;
      }
      for (const outcome of await session.probeAll(items)) records.push(expectationRecord(scenario, outcome));
      continue;
    }
    if (step.kind === "counters") {
      const wanted = step.checks.flatMap((c) => c.families.filter((f) => keeps(options, scenario, counterTitle(c, f))).map((family) => ({ c, family })));
      if (wanted.length === 0) continue;
      if (broken !== undefined) {
        for (const { c, family } of wanted) notRun(c.location.line, counterTitle(c, family));
        continue;
      }
      // One reading for the whole step: every check sees the same deltas.
      const outcomes = await session.counters(step.checks);
      for (const { c, family } of wanted) records.push(counterRecord(scenario, outcomes.find((o) => o.check === c && o.family === family)!));
      continue;
    }
    if (broken !== undefined) {
      notRun(step.location.line, title);
      continue;
    }
    try {
      records.push(await performStep(session, step, title));
    } catch (error) {
      broken = `step ${index + 1} (${step.kind}, line ${step.location.line}) failed`;
      records.push({ kind: "step", file: scenario.file, scenario: scenario.name, line: step.location.line, title, status: "error", message: errorMessage(error) });
    }
  }
  return records;
}

/**
 * Carries out an apply, run, reboot or hold step and says how it went (a `run`
 * step whose command answers wrongly is `failed`). Throws when the step cannot
 * be carried out at all.
 */
export async function performStep(session: ScenarioSession, step: ApplyStep | RunStep | RebootStep | HoldStep, title: string): Promise<StepRecord> {
  const scenario = session.scenario;
  const base = { kind: "step", file: scenario.file, scenario: scenario.name, line: step.location.line, title } as const;
  switch (step.kind) {
    case "apply": {
      const applied = await session.apply(step);
      return { ...base, status: "passed", message: `applied ${applied.sources.join(", ")} on ${applied.host} (ruleset ${applied.loaded.digest.slice(0, 12)})`, evidence: applied.loaded };
    }
    case "run": {
      const o = await session.run(step);
      const out = `${o.result.stdout}${o.result.stderr}`.trim();
      const message = `${o.command} → exit ${o.result.exitCode}${out ? `\n${out}` : ""}`;
      return { ...base, status: o.status, message: o.problems.length > 0 ? `${o.problems.join("; ")}\n${message}` : message };
    }
    case "reboot":
      await session.reboot(step.host);
      return { ...base, status: "passed", message: `${step.host} rebooted; listeners answer again` };
    case "hold": {
      const held = await session.hold(step);
      return { ...base, status: "passed", message: `holding ${held.protocol} ${held.address}:${held.port} from ${held.from.name}` };
    }
  }
}
