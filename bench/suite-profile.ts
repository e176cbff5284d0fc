/**
 * Bench (b)'s profile: where each run's time went, per scenario and summed
 * (runner/profile.ts timings): waiting for a lab start, shared-lab handoffs,
 * steps by kind, in-line removal; the ratio's bound if labs cost nothing; the
 * scenarios whose steps take longest and what in them (reboots, held
 * connections, dropped probes that wait out their timeout, sweeps).
 */
import type { RunReport } from "../harness/report/model.ts";
import type { ScenarioTiming } from "../harness/runner/profile.ts";

interface Measured {
  readonly report: RunReport;
  readonly ms: number;
  readonly timings: readonly ScenarioTiming[];
  readonly provider: { readonly labs: number; readonly startMs: number; readonly removeMs: number };
}

const s1 = (ms: number) => (ms / 1000).toFixed(1);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const stepsMs = (t: ScenarioTiming) => sum(t.steps.map((s) => s.ms));
/** The wall time the summed phases leave, or that labs side by side overlapped (their sum past the wall time). */
const rest = (wallMs: number, phasesMs: number) => (phasesMs <= wallMs ? `+ other ${s1(wallMs - phasesMs)}` : `- ${s1(phasesMs - wallMs)} overlapped (labs side by side)`);
const short = (file: string) => file.split("/").slice(-2).join("/").replace(/\.ya?ml$/, "");

/** Milliseconds per step kind over all scenarios. */
function byKind(timings: readonly ScenarioTiming[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of timings) for (const s of t.steps) out.set(s.kind, (out.get(s.kind) ?? 0) + s.ms);
  return out;
}

/** What in a scenario's expectations costs time: dropped probes (they wait for evidence or their timeout) and sweeps. */
function expectNotes(report: RunReport, file: string): string {
  const s = report.scenarios.find((r) => r.file === file);
  if (!s) return "";
  const dropped = s.expectations.filter((e) => e.actual === "dropped" && !e.sweep);
  const sweeps = s.expectations.filter((e) => e.sweep);
  const parts = [`${s.expectations.length} probes`];
  if (dropped.length > 0) parts.push(`${dropped.length} dropped (${s1(sum(dropped.map((e) => e.evidence.durationMs)))} s summed over both lanes)`);
  if (sweeps.length > 0) parts.push(`${sweeps.length} sweeps (${s1(sum(sweeps.map((e) => e.evidence.durationMs)))} s)`);
  return parts.join(", ");
}

/**
 * Bench (b)'s time by phase, summed over its scenarios: lab start waited for,
 * shared-lab handoffs, steps by kind, and the rest of the wall time. With labs
 * side by side the phases overlap and their sum can pass the wall time: then
 * that is said, never a negative rest.
 */
export function phaseSummary(timings: readonly ScenarioTiming[], wallMs: number): string {
  const parts = new Map<string, number>([["lab start", 0], ["handoff (reset, listeners)", 0]]);
  for (const t of timings) {
    parts.set("lab start", parts.get("lab start")! + t.startMs);
    parts.set("handoff (reset, listeners)", parts.get("handoff (reset, listeners)")! + t.resetMs);
    for (const step of t.steps) parts.set(step.kind, (parts.get(step.kind) ?? 0) + step.ms);
  }
  const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const known = sum([...parts.values()]);
  const phases = [...parts].map(([k, ms]) => `${k} ${s2(ms)}`).join(", ");
  if (known <= wallMs) return `${phases}, the rest (parsing, lab removal) ${s2(wallMs - known)}`;
  return `${phases} (summed over labs that ran side by side: ${s2(known)} of phases in ${s2(wallMs)} of wall time)`;
}

/**
 * Each lab's timeline, the one that ended last first: when it ended (s since
 * the run's scenarios began) and its scenarios in the order they ran, each
 * with the time it took (start waited for, handoff, steps). The first line
 * is the run's critical path.
 */
export function labTimelines(timings: readonly ScenarioTiming[]): string[] {
  const labs = new Map<number, ScenarioTiming[]>();
  for (const t of [...timings].sort((a, b) => a.endMs - b.endMs)) labs.set(t.lab, [...(labs.get(t.lab) ?? []), t]);
  return [...labs]
    .sort((a, b) => b[1].at(-1)!.endMs - a[1].at(-1)!.endMs)
    .map(([lab, ts]) => `lab ${lab} ended at ${s1(ts.at(-1)!.endMs)} s: ${ts.map((t) => `${short(t.scenario.file)} ${s1(t.startMs + t.resetMs + stepsMs(t) + t.removeMs)}`).join(", ")}`);
}

export function printProfile(out: (line: string) => void, pooled: Measured, fresh: Measured): void {
  const freshOf = new Map(fresh.timings.map((t) => [t.scenario.file, t]));
  out("    profile per scenario, seconds (start: waited for a lab start; handoff: shared-lab reset, listeners, checks; steps; removal in line):");
  out(`      ${"scenario".padEnd(44)} fwspec run: start handoff steps | fresh: start steps removal | steps`);
  for (const t of pooled.timings) {
    const f = freshOf.get(t.scenario.file);
    const kinds = t.steps.map((s) => `${s.kind} ${s1(s.ms)}`).join(", ");
    out(`      ${short(t.scenario.file).padEnd(44)} ${s1(t.startMs).padStart(16)} ${s1(t.resetMs).padStart(7)} ${s1(stepsMs(t)).padStart(5)} | ${s1(f?.startMs ?? NaN).padStart(12)} ${s1(f ? stepsMs(f) : NaN).padStart(5)} ${s1(f?.removeMs ?? NaN).padStart(7)} | ${kinds}`);
  }
  for (const [name, m] of [["fwspec run", pooled], ["fresh labs", fresh]] as const) {
    const start = sum(m.timings.map((t) => t.startMs));
    const reset = sum(m.timings.map((t) => t.resetMs));
    const steps = sum(m.timings.map(stepsMs));
    const removal = sum(m.timings.map((t) => t.removeMs));
    const kinds = [...byKind(m.timings)].sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${s1(ms)}`).join(", ");
    out(`    ${name}: wall ${s1(m.ms)} s = waited for lab starts ${s1(start)} + handoffs ${s1(reset)} + steps ${s1(steps)} + removals in line ${s1(removal)} ${rest(m.ms, start + reset + steps + removal)}; steps by kind: ${kinds}`);
  }
  const pooledSteps = sum(pooled.timings.map(stepsMs));
  const freshSteps = sum(fresh.timings.map(stepsMs));
  out(`    bound if labs cost nothing (fresh wall / steps alone): ${(fresh.ms / pooledSteps).toFixed(2)}x with this run's steps, ${(fresh.ms / freshSteps).toFixed(2)}x with the fresh run's`);
  out("    labs of the fwspec run, the one that ended last first (scenario and its seconds: start waited for, handoff, steps):");
  for (const line of labTimelines(pooled.timings)) out(`      ${line}`);
  const top = [...pooled.timings].sort((a, b) => stepsMs(b) - stepsMs(a)).slice(0, 6);
  out("    longest steps (fwspec run):");
  for (const t of top) {
    const heavy = t.steps.filter((s) => s.ms >= 300).map((s) => `${s.kind} ${s1(s.ms)}`).join(", ");
    out(`      ${short(t.scenario.file).padEnd(44)} ${s1(stepsMs(t)).padStart(5)} s: ${heavy || "no step over 0.3 s"}; ${expectNotes(pooled.report, t.scenario.file)}`);
  }
}
