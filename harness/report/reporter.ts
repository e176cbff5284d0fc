/**
 * A vitest reporter (main process) that turns the records scenario tests left
 * in `task.meta` into a RunReport, prints the truth tables, and writes --json.
 */
import { writeFileSync } from "node:fs";

export function writeJsonReport(file: string, report: RunReport): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
import type { Reporter, TestModule } from "vitest/node";
import type { FwspecRecord, ScenarioHeader } from "../runner/meta.ts";
import { renderRun } from "./console.ts";
import { type RunReport, type ScenarioReport, scenarioReport, summarize } from "./model.ts";

export function scenarioReportOf(module: TestModule, headers: ReadonlyMap<string, ScenarioHeader> = new Map()): ScenarioReport {
  const header = headers.get(module.moduleId);
  const records: FwspecRecord[] = [];
  const errors: string[] = [];
  for (const test of module.children.allTests()) {
    const meta = test.meta().fwspec;
    const result = test.result();
    if (meta) records.push(meta);
    else if (result.state === "failed") errors.push(`${test.fullName}: ${result.errors?.map((e) => e.message).join("; ") ?? "failed"}`);
  }
  for (const e of module.errors()) errors.push(e.message);
  return scenarioReport(header ?? { file: module.moduleId, name: module.moduleId.split("/").at(-1) ?? module.moduleId, description: "" }, records, errors);
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
    if (this.#options.jsonFile) writeJsonReport(this.#options.jsonFile, this.report);
  }
}
