/**
 * The one builder from check results to reports: a scenario's report from the
 * results its run left (and errors outside any check), its status, its parity
 * findings, and the run's summary.
 */
import { type CellStatus, type CheckResult, type CounterResult, type ExpectationResult, isCheck, type StepResult } from "../model/results.ts";
import { failedByParity } from "../judge/expectation.ts";
import { coverageShortfall, runCoverage } from "./coverage-run.ts";
import type { LabsLeft, ParityFinding, RunReport, ScenarioHeader, ScenarioReport, ScenarioStatus } from "./model.ts";

export function parityFindings(results: readonly ExpectationResult[]): ParityFinding[] {
  return results.flatMap((r) =>
    r.parity?.differs
      ? [{
          text: r.text, line: r.line, from: r.from, to: r.to, port: r.port, protocol: r.protocol, family: r.family,
          verdict: r.actual, otherFamily: r.parity.family, otherVerdict: r.parity.verdict, command: r.parity.command,
          severity: failedByParity(r) ? "failure" : "warning",
          ...(r.decision ? { decision: r.decision } : {}),
          ...(r.parity.decision ? { otherDecision: r.parity.decision } : {}),
          ...(r.halfOpen ? { halfOpen: true } : {}),
          ...(r.parity.halfOpen ? { otherHalfOpen: true } : {}),
        } as const]
      : [],
  );
}

export function scenarioStatus(cells: readonly { readonly status: CellStatus }[], errors: readonly string[]): ScenarioStatus {
  if (errors.length > 0 || cells.some((c) => c.status === "error")) return "error";
  if (cells.some((c) => c.status === "failed")) return "failed";
  return "passed";
}

/** A scenario's report from the results its run left (and errors outside any check). */
export function scenarioReport(header: ScenarioHeader, results: readonly CheckResult[], errors: readonly string[]): ScenarioReport {
  const expectations = results.filter((r): r is ExpectationResult => r.kind === "expectation");
  return {
    file: header.file,
    name: header.name,
    description: header.description,
    status: scenarioStatus(results, errors),
    expectations,
    counters: results.filter((r): r is CounterResult => r.kind === "counter"),
    steps: results.filter((r): r is StepResult => r.kind === "step"),
    errors: [...errors],
    parity: parityFindings(expectations),
  };
}

/** Every check result of a scenario report, in the order expectations, counters, steps. */
export function resultsOf(s: ScenarioReport): CheckResult[] {
  return [...s.expectations, ...s.counters, ...s.steps];
}

/**
 * How many checks of a scenario report held, of how many (a `run` step is a
 * check; apply, reboot and hold are not, but one that failed counts among
 * those that did not hold, as summarize counts it, and so does each error of
 * the scenario itself).
 */
export function checksHeld(s: ScenarioReport): { readonly held: number; readonly of: number } {
  const results = resultsOf(s);
  const checks = results.filter(isCheck);
  const failedSteps = results.filter((r) => !isCheck(r) && r.status !== "passed").length;
  return { held: checks.filter((c) => c.status === "passed").length, of: checks.length + failedSteps + s.errors.length };
}

export function summarize(scenarios: readonly ScenarioReport[]): RunReport["summary"] {
  let passed = 0;
  let failed = 0;
  let errors = 0;
  for (const s of scenarios) {
    for (const c of resultsOf(s)) {
      if (c.status === "passed") {
        if (isCheck(c)) passed++;
      } else if (c.status === "failed") failed++;
      else errors++;
    }
    errors += s.errors.length;
  }
  return { passed, failed, errors };
}

/** `coverageMin`: the least rule coverage asked for; a run below it carries its shortfall in `coverage` (and fails). `labsLeft`: what became of the labs not kept. */
export function runReport(scenarios: readonly ScenarioReport[], coverageMin?: number, labsLeft?: LabsLeft): RunReport {
  const measured = scenarios.some((s) => s.coverage) ? runCoverage(scenarios) : undefined;
  const shortfall = measured && coverageMin !== undefined ? coverageShortfall(measured, coverageMin) : undefined;
  const coverage = measured && coverageMin !== undefined ? { ...measured, min: coverageMin, ...(shortfall ? { shortfall } : {}) } : measured;
  return { scenarios, summary: summarize(scenarios), ...(coverage ? { coverage } : {}), ...(labsLeft ? { labsLeft } : {}) };
}

/** Did the run hold: every scenario passed and, when a least rule coverage was asked for, it was met. */
export function runHeld(report: RunReport): boolean {
  return report.scenarios.every((s) => s.status === "passed") && report.coverage?.shortfall === undefined;
}

/**
 * The report of a run stopped before it ended: the scenarios that finished
 * (in the order planned), those that did not as `stopped.notRun`, and the
 * stop's reason. Coverage over so few scenarios would mislead: left out.
 */
export function stoppedReport(planned: readonly ScenarioHeader[], finished: readonly ScenarioReport[], reason: string, labsLeft?: LabsLeft): RunReport {
  const byFile = new Map(finished.map((r) => [`${r.file}\0${r.name}`, r]));
  const key = (s: ScenarioHeader) => `${s.file}\0${s.name}`;
  // The stop removes every lab of the run, kept ones too: no report says one is there to step into.
  const scenarios = planned.flatMap((s) => byFile.get(key(s)) ?? []).map(({ kept: _gone, ...s }) => s);
  const notRun = planned.filter((s) => !byFile.has(key(s))).map((s) => ({ name: s.name, file: s.file, description: s.description }));
  return { scenarios, summary: summarize(scenarios), ...(labsLeft ? { labsLeft } : {}), stopped: { reason, notRun } };
}
