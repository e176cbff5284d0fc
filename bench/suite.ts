/**
 * Bench (b) and (d) for `npm run bench` (bench.ts prints the machine first):
 *
 * (b) the shipped scenario suite as `fwspec run scenarios` runs it (shared
 *     labs, next lab started ahead, removal in the background) against the
 *     same suite with one fresh lab per scenario started and removed in line
 *     (`freshLabs`); wall times, labs started, seconds spent starting and
 *     removing labs, and the verdicts of both compared check by check.
 * (d) a 500-flow matrix (harness/diff/matrix.ts, the shape `fwspec diff`
 *     probes) on a nine-host lab, both families: probes per second over the
 *     probing alone (lab start and removal measured and left out) and p50/p95
 *     latency per verdict.
 */
import os from "node:os";
import { join } from "node:path";
import { openDockerLabs, run } from "../harness/api.ts";
import { matrixFlows, matrixScenario } from "../harness/diff/matrix.ts";
import { PROJECT_ROOT } from "../harness/env/images.ts";
import type { LabProvider, LabSpec, RunningLab, WarmLab } from "../harness/lab/types.ts";
import { silentProgress } from "../harness/progress.ts";
import type { RunReport } from "../harness/report/model.ts";
import type { ScenarioTiming } from "../harness/runner/profile.ts";
import { defineScenario } from "../harness/scenario/load.ts";
import { printProfile } from "./suite-profile.ts";

const out = (line: string) => process.stdout.write(`${line}\n`);

/** A provider that counts labs and the milliseconds spent starting (or taking warm) and removing them. */
class TimedProvider implements LabProvider {
  labs = 0;
  /** Warm labs taken (`reuse`). */
  taken = 0;
  startMs = 0;
  removeMs = 0;
  readonly #inner: LabProvider;
  constructor(inner: LabProvider) {
    this.#inner = inner;
  }
  async start(spec: LabSpec): Promise<RunningLab> {
    const t0 = performance.now();
    const lab = await this.#inner.start(spec);
    this.startMs += performance.now() - t0;
    this.labs++;
    const dispose = lab[Symbol.asyncDispose].bind(lab);
    Object.defineProperty(lab, Symbol.asyncDispose, {
      value: async () => {
        const t1 = performance.now();
        try {
          await dispose();
        } finally {
          this.removeMs += performance.now() - t1;
        }
      },
    });
    return lab;
  }
  async claimWarm(spec: LabSpec): Promise<WarmLab | undefined> {
    const t0 = performance.now();
    const warm = await this.#inner.claimWarm?.(spec);
    this.startMs += performance.now() - t0;
    if (warm) this.taken++;
    return warm;
  }
}

async function timedRun(input: Parameters<typeof run>[0], options: { freshLabs?: boolean; labs?: number | undefined; parallelProbes?: boolean; reuse?: boolean }): Promise<{ report: RunReport; ms: number; provider: TimedProvider; timings: ScenarioTiming[] }> {
  await using docker = await openDockerLabs({ progress: silentProgress, build: true, cleanup: "run", handleInterrupts: true });
  const provider = new TimedProvider(docker.provider);
  const timings: ScenarioTiming[] = [];
  const t0 = performance.now();
  const { labs, ...rest } = options;
  const report = await run(input, { provider, progress: silentProgress, timing: (t) => void timings.push(t), ...rest, ...(labs ? { labs } : {}) });
  return { report, ms: performance.now() - t0, provider, timings };
}

/** Every check's verdict, one line each: what (b) compares. */
function verdicts(report: RunReport): string[] {
  return report.scenarios.flatMap((s) => [
    `${s.name}: ${s.status}`,
    ...s.expectations.map((e) => `${s.name} | ${e.text} [${e.family}] ${e.actual} ${e.status}`),
    ...s.counters.map((c, i) => `${s.name} | counter ${i} [${c.family}] ${c.status}`),
    ...s.steps.map((st, i) => `${s.name} | step ${i} ${st.step} ${st.status}`),
  ]);
}

const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchSuite(options: { readonly labs?: number | undefined; readonly parallelProbes?: boolean; readonly reuse?: boolean; readonly runs?: number } = {}): Promise<void> {
  const reuse = options.reuse === true;
  const runs = options.runs ?? 1;
  out(`(b) the shipped scenarios (scenarios/): fwspec run${options.labs ? ` --labs ${options.labs}` : ""}${options.parallelProbes ? " with side-by-side probes" : ""}${reuse ? " --reuse (on the warm labs an untimed --reuse run of the suite left)" : ""} vs one fresh lab per scenario, started and removed in line`);
  const input = { paths: [join(PROJECT_ROOT, "scenarios")] };
  const pairs: { readonly pooled: number; readonly fresh: number }[] = [];
  // Alternating pairs: the ratio moves between runs by more than many a change does (load, the engine's state).
  for (let i = 1; i <= runs; i++) {
    if (runs > 1) out(`  --- pair ${i} of ${runs} (load average ${os.loadavg()[0]!.toFixed(1)})`);
    if (reuse) await timedRun(input, { labs: options.labs, reuse: true });
    const pooled = await timedRun(input, { labs: options.labs, parallelProbes: options.parallelProbes === true, ...(reuse ? { reuse } : {}) });
    const fresh = await timedRun(input, { freshLabs: true });
    for (const [name, r] of [["fwspec run", pooled], ["fresh labs", fresh]] as const) {
      const { passed, failed, errors } = r.report.summary;
      out(`    ${name.padEnd(10)} ${r.report.scenarios.length} scenarios in ${s1(r.ms).padStart(7)}: ${String(r.provider.labs).padStart(2)} labs${r.provider.taken > 0 ? ` started and ${r.provider.taken} taken warm` : ""}, ${s1(r.provider.startMs)} starting and ${s1(r.provider.removeMs)} removing them (summed; overlapping the probing when run); checks ${passed} passed, ${failed} failed, ${errors} errors`);
    }
    const a = verdicts(pooled.report);
    const b = verdicts(fresh.report);
    // As sets of lines, not by position: a scenario missing from one run (its lab did not start) counts only its own lines.
    const differ = a.filter((line) => !b.includes(line)).length + b.filter((line) => !a.includes(line)).length;
    out(`    verdicts compared check by check: ${a.length} lines, ${differ === 0 ? "all the same" : `${differ} differ`}`);
    out(`    ratio (fresh labs / fwspec run wall time): ${(fresh.ms / pooled.ms).toFixed(2)}x (target: >= 3x, same verdicts)`);
    // The profile of the last pair (each pair's would say much the same at length).
    if (i === runs) printProfile(out, pooled, fresh);
    pairs.push({ pooled: pooled.ms, fresh: fresh.ms });
  }
  if (runs > 1) {
    const median = (v: readonly number[]) => [...v].sort((x, y) => x - y)[Math.floor((v.length - 1) / 2)]!;
    const ratios = pairs.map((p) => p.fresh / p.pooled);
    out(`  ${runs} alternating pairs: fwspec run median ${s1(median(pairs.map((p) => p.pooled)))}, fresh labs median ${s1(median(pairs.map((p) => p.fresh)))}, ratio per pair ${ratios.map((r) => r.toFixed(2)).join(" ")}, median ${median(ratios).toFixed(2)}x; load average now ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  }
  out("");
}

/** 50 listeners on a firewall host and eight peers: 100 flows from the host itself, 50 from each peer, 500 in all. */
function matrixBase() {
  const listen = [...Array.from({ length: 40 }, (_, i) => `tcp/${8000 + i}`), ...Array.from({ length: 10 }, (_, i) => `udp/${9000 + i}`)];
  const peers = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`peer${i + 1}`, {}]));
  const rules = (cmd: string) => [
    `${cmd} -A INPUT -p tcp --dport 8010:8019 -j DROP`,
    `${cmd} -A INPUT -p tcp --dport 8020:8029 -j REJECT`,
    `${cmd} -A INPUT -p udp --dport 9005:9009 -j DROP`,
  ];
  return defineScenario(
    {
      name: "bench matrix: 500 flows",
      description: "a firewall host with 40 TCP and 10 UDP listeners, some dropped, some rejected; eight peers",
      hosts: { server: { firewall: true, listen }, ...peers },
      steps: [{ apply: { host: "server", commands: [...rules("iptables"), ...rules("ip6tables")] } }, { expect: ["peer1 -> server:8000 open"] }],
    },
    { file: join(PROJECT_ROOT, "bench/matrix.yaml") },
  );
}

function stats(values: readonly number[]): { p50: number; p95: number; n: number } {
  const s = [...values].sort((x, y) => x - y);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), n: s.length };
}

export async function benchMatrix(): Promise<void> {
  const base = matrixBase();
  const flows = matrixFlows(base);
  out(`(d) a ${flows.length}-flow matrix (the shape fwspec diff probes), both families: ${base.hosts.length} hosts, 40 TCP and 10 UDP listeners, DROP, REJECT and open ports`);
  const { report, ms, provider } = await timedRun({ scenarios: [matrixScenario(base, flows)] }, {});
  const probes = report.scenarios.flatMap((s) => s.expectations);
  const probingMs = ms - provider.startMs - provider.removeMs;
  out(`    ${probes.length} probes in ${s1(ms)} (lab start ${s1(provider.startMs)}, removal ${s1(provider.removeMs)}): ${(probes.length / (probingMs / 1000)).toFixed(1)} probes/s over the probing, ${(probes.length / (ms / 1000)).toFixed(1)} probes/s over the whole run`);
  for (const verdict of ["open", "refused", "unreachable", "dropped", "error"]) {
    const v = probes.filter((e) => e.actual === verdict).map((e) => e.evidence.durationMs);
    if (v.length === 0) continue;
    const s = stats(v);
    out(`    ${verdict.padEnd(11)} n=${String(s.n).padStart(4)}  p50 ${s.p50.toFixed(0).padStart(5)} ms  p95 ${s.p95.toFixed(0).padStart(5)} ms`);
  }
  out("");
}
