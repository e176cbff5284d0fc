/**
 * Renders a MutationReport (run.ts): the console text (per scenario its
 * survivors with the exact change and a suggested check, equivalents and
 * mutants beyond the lab's reach with the reason, errors; killed mutants counted, and named with what killed them when
 * asked) and the JSON report. Scenario text goes through safeText.
 */
import path from "node:path";
import { safeText } from "../text.ts";
import { isUnprobed, type MutantOutcome } from "./classify.ts";
import { describeChange } from "./mutants.ts";
import type { MutationReport, ScenarioMutation } from "./run.ts";

/** `killed 15, survived 1, equivalent 2, errors 0`. */
export function countsLine(mutants: readonly MutantOutcome[]): string {
  const n = (s: MutantOutcome["status"]) => mutants.filter((m) => m.status === s).length;
  const unreachable = n("unreachable") > 0 ? `, ${n("unreachable")} beyond the lab's reach` : "";
  return `${mutants.length} mutants: ${n("killed")} killed, ${n("survived")} survived, ${n("equivalent")} equivalent${unreachable}, ${n("error")} errors`;
}

/** The one progress line of a scenario. */
export function scenarioLine(s: ScenarioMutation, cwd = process.cwd()): string {
  const file = path.relative(cwd, s.file) || s.file;
  if (s.skipped) return `- ${file}: not mutated: ${s.skipped}`;
  const mark = s.mutants.some((m) => m.status === "survived") ? "✗" : "✓";
  return `${mark} ${file}: ${countsLine(s.mutants)} (${(s.durationMs / 1000).toFixed(1)} s)`;
}

function formatScore(score: number | undefined): string {
  return score === undefined ? "n/a" : `${(Math.floor(score * 10) / 10).toFixed(1)} %`;
}

/**
 * How the equivalents were known: ` (P proven before running, D declared by the scenario, not run)`, or, run anyway
 * (`--run-equivalent`), how many of each were checked and how many of those were killed (each kill contradicts).
 */
export function equivalentNote(mutants: readonly MutantOutcome[]): string {
  const n = (f: (m: MutantOutcome) => boolean | undefined) => mutants.filter((m) => !m.reach && f(m)).length;
  // Left out of the score as equivalents, though a check that reaches the rule would tell: said apart.
  const unprobed = n(isUnprobed);
  const gap = unprobed > 0 ? `${unprobed} only because no probe reached the changed rule` : undefined;
  const proven = n((m) => m.ran === false && !m.declared);
  const declared = n((m) => m.ran === false && m.declared);
  if (proven + declared > 0) {
    const notRun = declared > 0 ? `${proven} proven before running, ${declared} declared by the scenario, not run` : `${proven} proven before running, not run`;
    return ` (${[notRun, gap].filter(Boolean).join("; ")})`;
  }
  const audits = [
    [n((m) => (m.checkedClaim || m.contradicts) && !m.declared), n((m) => m.contradicts && !m.declared), "proven before running"],
    [n((m) => (m.checkedClaim || m.contradicts) && m.declared), n((m) => m.contradicts && m.declared), "declared by the scenario"],
  ] as const;
  const parts = [...audits.filter(([checked]) => checked > 0).map(([checked, killed, what]) => `${checked} ${what} and run anyway: ${killed} of those killed`), ...(gap ? [gap] : [])];
  return parts.length > 0 ? ` (${parts.join("; ")})` : "";
}

/**
 * `, U beyond the lab's reach (not run)`; or how many were not run, claimed and run anyway (`--run-equivalent`: how
 * many of those were killed) and run because a check reads the rule (every check held); "" when there is none.
 */
export function unreachableNote(r: MutationReport): string {
  const mutants = r.scenarios.flatMap((s) => s.mutants);
  const audited = mutants.filter((m) => m.reach && (m.checkedClaim || m.contradicts));
  if (r.counts.unreachable === 0 && audited.length === 0) return "";
  const notRun = mutants.filter((m) => m.status === "unreachable" && m.ran === false).length;
  const afterRun = mutants.filter((m) => m.status === "unreachable" && !m.reach).length;
  const parts = [
    ...(notRun > 0 ? [notRun === r.counts.unreachable ? "not run" : `${notRun} not run`] : []),
    ...(audited.length > 0 ? [`${audited.length} claimed before running and run anyway: ${audited.filter((m) => m.contradicts).length} of those killed`] : []),
    ...(afterRun > 0 ? [`${afterRun} run since a check reads the rule, every check held`] : []),
  ];
  return `, ${r.counts.unreachable} beyond the lab's reach (${parts.join("; ")})`;
}

/** The score line; a stopped run's says PARTIAL and how many of the scenarios finished. */
export function summaryLine(r: MutationReport): string {
  const scored = r.counts.killed + r.counts.survived;
  const scenarios = r.stopped ? `${r.scenarios.length} of ${r.total} scenarios` : `${r.scenarios.length} scenarios`;
  const equivalent = `${r.counts.equivalent} equivalent${equivalentNote(r.scenarios.flatMap((s) => s.mutants))}`;
  const line = `mutation score ${formatScore(r.score)} (${r.counts.killed} killed of ${scored} scored; ${equivalent}${unreachableNote(r)} and ${r.counts.error} errors not scored), ${scenarios}, ${r.scenarios.reduce((a, s) => a + s.mutants.length, 0)} mutants in ${(r.durationMs / 1000).toFixed(0)} s`;
  return r.stopped ? `PARTIAL ${line} — STOPPED: only the scenarios listed finished; the one being mutated and those after it are not in the score` : line;
}

const HEADINGS: readonly [MutantOutcome["status"], string, string][] = [
  ["survived", "survived", "suggested check"],
  ["equivalent", "equivalent", "why"],
  ["unreachable", "beyond the lab's reach", "why"],
  ["error", "error (not scored)", "what errored"],
  ["killed", "killed", "by"],
];

export function renderMutationConsole(r: MutationReport, options: { killed?: boolean; cwd?: string } = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const out: string[] = [];
  for (const s of r.scenarios) {
    // A kill that contradicts a claim made before running (a proof, a declaration) is always shown: the claim was wrong.
    const shown = s.mutants.filter((m) => m.status !== "killed" || options.killed || m.contradicts);
    // A stopped run lists every finished scenario: what the partial score is made of.
    if (shown.length === 0 && !s.skipped && !r.stopped) continue;
    out.push("", scenarioLine(s, cwd));
    for (const [status, title, label] of HEADINGS) {
      for (const m of shown.filter((x) => x.status === status)) {
        out.push(`  ${title}: ${m.id}`);
        for (const c of m.changes) out.push(`    change: ${describeChange(c, cwd)}`);
        out.push(`    ${label}: ${m.detail}${m.ran === false ? " (not run)" : ""}`);
      }
    }
  }
  out.push("", summaryLine(r), "");
  return safeText(out.join("\n"));
}

export function renderMutationJson(r: MutationReport): string {
  return `${JSON.stringify({
    score: r.score === undefined ? null : Math.round(r.score * 100) / 100,
    scoreFormula: "killed / (killed + survived); equivalent, unreachable (beyond the lab's reach) and error mutants are not scored",
    counts: r.counts,
    durationMs: r.durationMs,
    stopped: r.stopped,
    scenariosAskedFor: r.total,
    scenarios: r.scenarios,
  }, null, 2)}\n`;
}
