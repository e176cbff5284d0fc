/**
 * `fwspec stability --runs N`: runs the scenarios N times and counts verdicts
 * that changed between runs (compared with the first run). Target: 0.
 */
import type { RunReport } from "../report/model.ts";

/** Every observed cell of a run, keyed by where it was written and its family. */
export function verdictMap(report: RunReport): Map<string, string> {
  const cells = new Map<string, string>();
  for (const s of report.scenarios) {
    const seen = new Map<string, number>();
    for (const e of s.expectations) {
      const base = `${s.file}:${e.line} ${e.text} [${e.family}]`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      cells.set(n === 1 ? base : `${base} #${n}`, e.actual);
    }
    for (const c of s.counters) cells.set(`${s.file}:${c.line} counter ${c.selector} [${c.family}]`, c.status);
  }
  return cells;
}

export interface StabilityChange {
  readonly run: number;
  readonly cell: string;
  readonly first: string;
  readonly now: string;
}

/** Cells whose value differs from the first run (a missing cell counts as a change). */
export function changedVerdicts(runs: readonly Map<string, string>[]): StabilityChange[] {
  const [first, ...rest] = runs;
  if (!first) return [];
  const changes: StabilityChange[] = [];
  rest.forEach((run, i) => {
    for (const key of new Set([...first.keys(), ...run.keys()])) {
      const a = first.get(key) ?? "(missing)";
      const b = run.get(key) ?? "(missing)";
      if (a !== b) changes.push({ run: i + 2, cell: key, first: a, now: b });
    }
  });
  return changes;
}
