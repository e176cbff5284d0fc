/**
 * `fwspec stability --runs N`: runs the scenarios N times and counts verdicts
 * that changed between runs (compared with the first run). Target: 0. The
 * first run takes the written order; each later one a seeded order of its own
 * (`--shuffle`), so on a shared lab a scenario follows other scenarios and
 * state a handoff misses shows; `--same-order` keeps the written order.
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

/** The `--shuffle` seed run `run` (1-based) takes: none for the first, or with `sameOrder`; run k + 1 takes seed k. */
export function runSeed(run: number, sameOrder: boolean): number | undefined {
  return sameOrder || run < 2 ? undefined : run - 1;
}

/**
 * The changed verdicts, run by run: each with the order its run took, and per
 * run the command that runs the scenarios in that order again (`rerun`: the
 * `fwspec run` line of the same paths).
 */
export function changeLines(changes: readonly StabilityChange[], seedOf: (run: number) => number | undefined, rerun: string): string[] {
  const lines: string[] = [];
  for (const run of [...new Set(changes.map((c) => c.run))]) {
    const seed = seedOf(run);
    const order = seed === undefined ? "the written order" : `the order of --shuffle ${seed}`;
    for (const c of changes.filter((x) => x.run === run)) lines.push(`changed in run ${run} (${order}): ${c.cell}: ${c.first} → ${c.now}`);
    lines.push(`  run ${run} again: ${rerun}${seed === undefined ? "" : ` --shuffle ${seed}`}`);
  }
  return lines;
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

/** What the runs gave, for the last line and the exit code. */
export interface StabilityTotals {
  readonly runs: number;
  /** Verdicts (expectation cells and counter checks) of the first run. */
  readonly verdicts: number;
  readonly changes: number;
  /** Checks that failed, and errors (nothing observed), summed over the runs; and how many runs had any. */
  readonly failed: number;
  readonly errors: number;
  readonly erroredRuns: number;
  readonly seconds: number;
}

/**
 * The last line and the exit: 0 only when every verdict was observed the same
 * in every run. A check that errored observed nothing (neither stable nor
 * not), and a run with no verdict compared nothing: both exit 1. Checks that
 * failed the same way every run are stable, and counted in the line.
 */
export function stabilityOutcome(t: StabilityTotals): { readonly line: string; readonly ok: boolean } {
  const parts = [`${t.runs} runs`, `${t.verdicts} verdicts per run`, `${t.changes} changed verdicts`];
  if (t.failed > 0) parts.push(`${t.failed} failed checks (the same in every run unless changed above)`);
  if (t.errors > 0) parts.push(`${t.errors} errors in ${t.erroredRuns} run(s): nothing was observed there`);
  if (t.verdicts === 0) parts.push("nothing was compared");
  parts.push(`${t.seconds.toFixed(0)} s`);
  return { line: parts.join(", "), ok: t.changes === 0 && t.errors === 0 && t.verdicts > 0 };
}
