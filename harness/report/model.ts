/** The report of a run, as written to --json: field names are part of the CLI's contract. */
import type { CellStatus } from "../runner/evaluate.ts";
import type { CounterRecord, ExpectationRecord, FwspecRecord, ScenarioHeader, StepRecord } from "../runner/meta.ts";

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
  readonly evidence: { readonly command: string; readonly exitCode: number | null; readonly stderr: string; readonly stdout: string; readonly durationMs: number; readonly stoppedEarly?: string };
}

/** An IPv4/IPv6 parity finding: a single-family expectation whose other family behaves differently. */
export interface ParityFinding {
  readonly text: string;
  readonly line: number;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  readonly family: string;
  readonly verdict: string;
  readonly otherFamily: string;
  readonly otherVerdict: string;
  readonly command: string;
  /** "warning" by default; "failure" with `parity: fail`. */
  readonly severity: "warning" | "failure";
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
  readonly parity: readonly ParityFinding[];
}

export interface RunReport {
  readonly scenarios: readonly ScenarioReport[];
  readonly summary: { readonly passed: number; readonly failed: number; readonly errors: number };
}

export function expectationReport(r: ExpectationRecord): ExpectationReport {
  const { kind: _k, file: _f, scenario: _s, parity: _p, ...rest } = r;
  return rest;
}

export function parityFindings(records: readonly ExpectationRecord[]): ParityFinding[] {
  return records
    .filter((r) => r.parity?.differs)
    .map((r) => ({
      text: r.text,
      line: r.line,
      from: r.from,
      to: r.to,
      port: r.port,
      protocol: r.protocol,
      family: r.family,
      verdict: r.actual,
      otherFamily: r.parity!.family,
      otherVerdict: r.parity!.verdict,
      command: r.parity!.command,
      severity: r.status === "failed" && r.explanation?.startsWith("IPv4/IPv6 parity") ? "failure" : "warning",
    }));
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

function strip<T extends { kind: unknown; file: unknown; scenario: unknown }>(r: T): Omit<T, "kind" | "file" | "scenario"> {
  const { kind: _k, file: _f, scenario: _s, ...rest } = r;
  return rest;
}

/** A scenario's report from the records its run left (and errors outside any cell). */
export function scenarioReport(header: ScenarioHeader, records: readonly FwspecRecord[], errors: readonly string[]): ScenarioReport {
  const expectations = records.filter((r): r is ExpectationRecord => r.kind === "expectation");
  const counters = records.filter((r): r is CounterRecord => r.kind === "counter");
  const steps = records.filter((r): r is StepRecord => r.kind === "step");
  return {
    file: header.file,
    name: header.name,
    description: header.description,
    status: scenarioStatus(records, errors),
    expectations: expectations.map(expectationReport),
    counters: counters.map(strip),
    steps: steps.map(strip),
    errors: [...errors],
    parity: parityFindings(expectations),
  };
}
