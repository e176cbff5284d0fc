/**
 * A vitest reporter (main process) that turns the records scenario tests left
 * in `task.meta` into a RunReport, prints the truth tables, and writes --json.
 */
import { writeFileSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";
import type { CounterRecord, ExpectationRecord, ScenarioHeader, StepRecord } from "../runner/meta.ts";
import { renderRun } from "./console.ts";
import { expectationReport, parityFindings, type RunReport, type ScenarioReport, scenarioStatus, summarize } from "./model.ts";

function strip<T extends { kind: unknown; file: unknown; scenario: unknown }>(r: T): Omit<T, "kind" | "file" | "scenario"> {
  const { kind: _k, file: _f, scenario: _s, ...rest } = r;
  return rest;
}

export function scenarioReportOf(module: TestModule, headers: ReadonlyMap<string, ScenarioHeader> = new Map()): ScenarioReport {
  const header = headers.get(module.moduleId);
  const expectations: ExpectationRecord[] = [];
  const counters: CounterRecord[] = [];
  const steps: StepRecord[] = [];
  const errors: string[] = [];
  for (const test of module.children.allTests()) {
    const meta = test.meta().fwspec;
    const result = test.result();
    if (meta?.kind === "expectation") expectations.push(meta);
    else if (meta?.kind === "counter") counters.push(meta);
    else if (meta?.kind === "step") steps.push(meta);
    else if (result.state === "failed") errors.push(`${test.fullName}: ${result.errors?.map((e) => e.message).join("; ") ?? "failed"}`);
  }
  for (const e of module.errors()) errors.push(e.message);
  const name = header?.name ?? module.moduleId.split("/").at(-1) ?? module.moduleId;
  const cells = [...expectations, ...counters, ...steps];
  return {
    file: header?.file ?? module.moduleId,
    name,
    description: header?.description ?? "",
    status: scenarioStatus(cells, errors),
    expectations: expectations.map(expectationReport),
    counters: counters.map(strip),
    steps: steps.map(strip),
    errors,
    parity: parityFindings(expectations),
  };
}

export interface FwspecReporterOptions {
  readonly jsonFile?: string;
  /** Names and descriptions of the scenario files, by absolute path. */
  readonly headers?: ReadonlyMap<string, ScenarioHeader>;
  readonly print?: (text: string) => void;
}

export class FwspecReporter implements Reporter {
  report: RunReport | undefined;
  readonly #options: FwspecReporterOptions;

  constructor(options: FwspecReporterOptions = {}) {
    this.#options = options;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    const scenarios = testModules.map((m) => scenarioReportOf(m, this.#options.headers)).sort((a, b) => a.file.localeCompare(b.file));
    if (unhandledErrors.length > 0 && scenarios[0]) {
      (scenarios[0].errors as string[]).push(...unhandledErrors.map((e) => `unhandled: ${e.message ?? "error"}`));
    }
    this.report = { scenarios, summary: summarize(scenarios) };
    (this.#options.print ?? ((t) => process.stdout.write(t)))(renderRun(this.report));
    if (this.#options.jsonFile) writeFileSync(this.#options.jsonFile, `${JSON.stringify(this.report, null, 2)}\n`);
  }
}
