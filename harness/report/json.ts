/**
 * The --json report (renders only): the RunReport as JSON. Field names are
 * part of the CLI's contract; each section says the kind of its records, so
 * the records' own `kind` (and a step's `step`) are left out, and an
 * expectation's parity observation appears as a finding in `parity`.
 */
import type { RunReport } from "./model.ts";

const INTERNAL = new Set(["kind", "step"]);

export function renderJson(report: RunReport): string {
  const scenarios = report.scenarios.map((s) => ({
    ...s,
    expectations: s.expectations.map(({ parity: _p, traced: _t, ...e }) => e),
  }));
  return `${JSON.stringify({ scenarios, summary: report.summary, ...(report.coverage ? { coverage: report.coverage } : {}), ...(report.stopped ? { stopped: report.stopped } : {}) }, (key, value: unknown) => (INTERNAL.has(key) ? undefined : value), 2)}\n`;
}
