/**
 * bench (c): port sweeps. The hand-written way is an `nc -z -w 1` loop over
 * the ports in one `docker exec` per family, on a lab with the same policy
 * (fixtures/sweep/, INPUT policy DROP); fwspec is `run` on bench/sweep/1024.yaml
 * (`1-1024 blocked except 22,80,443`, both families), lab start and removal
 * included. A dropped port costs the loop about 1 s, so by default the loop
 * runs over a fixed sample of ports (every port that answers, and every 32nd
 * port) and the rest is extrapolated from the sampled dropped ports' times;
 * `--hand-full` runs it over all 1024 ports (about 34 minutes). Then the
 * whole range, bench/sweep/65535.yaml, is run once and its wall time printed.
 */
import { join } from "node:path";
import { execa } from "execa";
import { openDockerLabs, run } from "../harness/api.ts";
import { PROJECT_ROOT } from "../harness/env/images.ts";
import type { Family } from "../harness/model/types.ts";
import { silentProgress } from "../harness/progress.ts";
import { ownLab } from "../harness/runner/lease.ts";
import { ScenarioSession } from "../harness/runner/session.ts";
import { loadScenario } from "../harness/scenario/load.ts";
import type { ApplyStep } from "../harness/scenario/model.ts";

const FIRST = 1;
const LAST = 1024;
/** Ports that answer under the policy (fixtures/sweep/default-drop.*): always in the sample. */
const ANSWERING = [22, 25, 80, 113, 443, 587];
const STRIDE = 32;

export function samplePorts(): number[] {
  const every = Array.from({ length: Math.floor((LAST - FIRST) / STRIDE) + 1 }, (_, i) => FIRST + 16 + i * STRIDE).filter((p) => p <= LAST);
  return [...new Set([...ANSWERING, ...every])].sort((a, b) => a - b);
}

interface HandFamily {
  readonly family: Family;
  readonly measuredMs: number;
  readonly ports: number;
  /** Wall time for all 1024 ports: measured (full) or extrapolated (sample). */
  readonly totalMs: number;
  readonly note: string;
}

/** The loop a person would write, plus a clock per port (to extrapolate from a sample). */
const LOOP = 'a=$1; shift; for p in "$@"; do s=$(date +%s%N); nc -z -w 1 "$a" "$p" 2>/dev/null; e=$?; t=$(date +%s%N); echo "$p $e $(( (t - s) / 1000000 ))"; done';

async function handWay(full: boolean, out: (line: string) => void): Promise<HandFamily[]> {
  const scenario = await loadScenario(join(PROJECT_ROOT, "bench/sweep/1024.yaml"));
  await using labs = await openDockerLabs({ build: true, handleInterrupts: true, cleanup: "run" });
  await using session = new ScenarioSession(scenario, await ownLab(labs.provider, scenario));
  await session.apply(scenario.steps[0] as ApplyStep, "apply");
  const outside = session.lab.host("outside");
  const container = (outside as unknown as { readonly containerName: string }).containerName;
  const ports = full ? Array.from({ length: LAST - FIRST + 1 }, (_, i) => FIRST + i) : samplePorts();
  const results: HandFamily[] = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const address = session.lab.addressFor(outside, session.lab.host("server"), family);
    const t0 = performance.now();
    const r = await execa("docker", ["exec", container, "sh", "-c", LOOP, "loop", address, ...ports.map(String)], { reject: false });
    const measuredMs = performance.now() - t0;
    const rows = r.stdout.trim().split("\n").map((l) => l.split(" ").map(Number) as [number, number, number]);
    const byPort = new Map(rows.map(([p, , ms]) => [p, ms]));
    if (full) {
      results.push({ family, measuredMs, ports: ports.length, totalMs: measuredMs, note: `measured over all ${ports.length} ports` });
      continue;
    }
    const dropped = rows.filter(([p]) => !ANSWERING.includes(p)).map(([, , ms]) => ms);
    const perDropped = dropped.reduce((a, b) => a + b, 0) / dropped.length;
    const inLoop = [...byPort.values()].reduce((a, b) => a + b, 0);
    const overhead = measuredMs - inLoop;
    const answering = ANSWERING.reduce((a, p) => a + (byPort.get(p) ?? 0), 0);
    const totalMs = overhead + answering + perDropped * (LAST - FIRST + 1 - ANSWERING.length);
    results.push({ family, measuredMs, ports: ports.length, totalMs, note: `EXTRAPOLATED from a sample of ${ports.length} ports (the ${ANSWERING.length} that answer and every ${STRIDE}nd): ${dropped.length} dropped ports took ${perDropped.toFixed(0)} ms each on average, times ${LAST - FIRST + 1 - ANSWERING.length} dropped ports, plus the ${answering} ms of the answering ports and ${overhead.toFixed(0)} ms of docker exec` });
    out(`    ${family}: loop over ${ports.length} sampled ports took ${(measuredMs / 1000).toFixed(1)} s`);
  }
  return results;
}

async function fwspecRun(file: string): Promise<{ wallMs: number; lines: string[]; ok: boolean }> {
  const t0 = performance.now();
  const report = await run({ paths: [join(PROJECT_ROOT, file)] }, { progress: silentProgress, handleInterrupts: true });
  const wallMs = performance.now() - t0;
  const lines = report.scenarios.flatMap((s) => s.expectations).map((e) => `${e.status} in ${(e.evidence.durationMs / 1000).toFixed(1)} s: ${e.sweep?.summary ?? e.reason}${e.sweep ? ` (${e.sweep.notes.join("; ")})` : ""}`);
  return { wallMs, lines, ok: report.summary.failed + report.summary.errors === 0 };
}

export async function benchSweeps(options: { readonly handFull: boolean }): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`(c) sweeps: 1-${LAST} TCP on both families against a default-DROP policy (fixtures/sweep/default-drop.v4, .v6)`);
  out(`  by hand: one docker exec per family running \`for p in …; do nc -z -w 1 ADDR $p; done\` (${options.handFull ? "all ports" : "a sample; --hand-full runs all 1024, about 34 minutes"})`);
  const hand = await handWay(options.handFull, out);
  for (const h of hand) out(`    ${h.family}: ${(h.totalMs / 1000).toFixed(1)} s for ${LAST - FIRST + 1} ports — ${h.note}`);
  const handTotal = hand.reduce((a, h) => a + h.totalMs, 0);
  out(`    both families: ${(handTotal / 1000).toFixed(1)} s${options.handFull ? "" : " (extrapolated)"}`);
  out("  fwspec: `fwspec run bench/sweep/1024.yaml` (lab start, apply, listeners, both sweeps, removal)");
  const fw = await fwspecRun("bench/sweep/1024.yaml");
  for (const l of fw.lines) out(`    ${l}`);
  out(`    wall time ${(fw.wallMs / 1000).toFixed(1)} s${fw.ok ? "" : " — NOT ALL CHECKS HELD"}`);
  out(`  ratio (by hand${options.handFull ? "" : ", extrapolated"} / fwspec wall time): ${(handTotal / fw.wallMs).toFixed(0)}x (target: >= 100x)`);
  out("  the whole range: `fwspec run bench/sweep/65535.yaml` (1-65535 blocked except 22,80,443, both families)");
  const all = await fwspecRun("bench/sweep/65535.yaml");
  for (const l of all.lines) out(`    ${l}`);
  out(`    wall time ${(all.wallMs / 1000).toFixed(1)} s${all.ok ? "" : " — NOT ALL CHECKS HELD"}`);
}
