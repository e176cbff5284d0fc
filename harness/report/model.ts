/** The report of a run, as written to --json: field names are part of the CLI's contract. */
import type { CellStatus } from "../runner/evaluate.ts";
import type { CounterRecord, ExpectationRecord, StepRecord } from "../runner/meta.ts";

export type ScenarioStatus = "passed" | "failed" | "error";

export interface ExpectationReport {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  readonly family: string;
  readonly expected: string;
  readonly actual: string;
  readonly status: CellStatus;
  readonly text: string;
  readonly line: number;
  readonly reason: string;
  readonly explanation?: string;
  readonly address: string;
  readonly decidedBy: readonly string[];
  readonly evidence: { readonly command: string; readonly exitCode: number | null; readonly stderr: string; readonly stdout: string; readonly durationMs: number };
}

export interface ScenarioReport {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly status: ScenarioStatus;
  readonly expectations: readonly ExpectationReport[];
  readonly counters: readonly Omit<CounterRecord, "kind" | "file" | "scenario">[];
  readonly steps: readonly Omit<StepRecord, "kind" | "file" | "scenario">[];
  /** Failures outside any expectation (invalid file, crashed suite). */
  readonly errors: readonly string[];
}

export interface RunReport {
  readonly scenarios: readonly ScenarioReport[];
  readonly summary: { readonly passed: number; readonly failed: number; readonly errors: number };
}

export function expectationReport(r: ExpectationRecord): ExpectationReport {
  const { kind: _k, file: _f, scenario: _s, ...rest } = r;
  return rest;
}

export function scenarioStatus(cells: readonly { status: CellStatus }[], errors: readonly string[]): ScenarioStatus {
  if (errors.length > 0 || cells.some((c) => c.status === "error")) return "error";
  if (cells.some((c) => c.status === "failed")) return "failed";
  return "passed";
}

export function summarize(scenarios: readonly ScenarioReport[]): RunReport["summary"] {
  let passed = 0;
  let failed = 0;
  let errors = 0;
  for (const s of scenarios) {
    for (const c of [...s.expectations, ...s.counters, ...s.steps]) {
      if (c.status === "passed") {
        if (!("title" in c)) passed++;
      } else if (c.status === "failed") failed++;
      else errors++;
    }
    errors += s.errors.length;
  }
  return { passed, failed, errors };
}
