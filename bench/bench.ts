/**
 * `npm run bench`: the hand-written way versus fwspec, in one process tree on
 * this machine, with figures printed (no assertions; timing is not a test).
 *
 * (a) By hand, as a user's shell script would: for each of six seed policies a
 *     fresh network and two fresh containers, listeners, the rules, then each
 *     check as a sequential `docker exec … nc -z -w 2`, then removal. 18 IPv4 checks.
 * (b) fwspec running the same six policies as scenarios (bench/scenarios/) with
 *     IPv4 and IPv6, counter checks and exact verdicts; then (b') as a person
 *     re-running them would with `fwspec run --reuse`: an untimed run leaves
 *     warm labs, the timed one takes them (lab/warm.ts). The bench removes
 *     every warm lab on the engine when it is done.
 *
 * (c) Port sweeps (bench/sweep.ts): 1-1024 TCP on both families against a
 *     default-DROP policy, fwspec versus an `nc -z -w 1` loop (sampled and
 *     extrapolated unless --hand-full), and the whole range 1-65535.
 *
 * (b) and (d) (bench/suite.ts): the shipped scenarios as `fwspec run` runs
 *     them versus one fresh lab per scenario (same verdicts compared); and
 *     probes per second for a 500-flow matrix, p50/p95 per verdict.
 *
 * Options: --cold also removes the lab image first and counts its rebuild;
 * --seed runs only (a) and (b) with their ratio (--runs N: N alternating
 * pairs and the median ratio; --parallel-probes on fwspec's side); --sweep runs only (c);
 * --hand-full runs (c)'s hand loop over every port; --suite runs only the
 * suite comparison (b) (--runs N: N alternating pairs and the median ratio;
 * --labs N and --parallel-probes for fwspec run's side); --matrix runs only
 * (d); --help prints these.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { connectEngine } from "../harness/env/engine.ts";
import { ensureLabImage, PROJECT_ROOT } from "../harness/env/images.ts";
import { subnetForSlot, pickSlot } from "../harness/lab/addresses.ts";
import { takenSlots } from "../harness/lab/network.ts";
import { newRunId, removeRun, removeWarm, resourceLabels } from "../harness/lab/resources.ts";
import { run } from "../harness/api.ts";
import { silentProgress } from "../harness/progress.ts";
import type { ScenarioTiming } from "../harness/runner/profile.ts";
import { benchMatrix, benchSuite } from "./suite.ts";
import { labTimelines, phaseSummary } from "./suite-profile.ts";
import { benchSweeps } from "./sweep.ts";

interface HandCheck {
  readonly from: "client" | "server";
  readonly port: number;
}

interface HandPolicy {
  readonly name: string;
  readonly listen: string;
  readonly rules: string;
  readonly checks: readonly HandCheck[];
}

const fixture = (name: string) => readFileSync(join(PROJECT_ROOT, "fixtures", name), "utf8");

const POLICIES: readonly HandPolicy[] = [
  { name: "localhost-only 8080", listen: "tcp/8080 tcp/8081", rules: fixture("localhost-only.sh"), checks: [{ from: "client", port: 8080 }, { from: "client", port: 8081 }, { from: "server", port: 8080 }] },
  { name: "multiport 8080,8081", listen: "tcp/8080 tcp/8081 tcp/3000", rules: fixture("multiport.sh"), checks: [{ from: "client", port: 8080 }, { from: "client", port: 8081 }, { from: "client", port: 3000 }] },
  { name: "REJECT icmp-port-unreachable", listen: "tcp/8080 tcp/8081", rules: "iptables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable\n", checks: [{ from: "client", port: 8080 }, { from: "client", port: 8081 }, { from: "server", port: 8080 }] },
  { name: "flush + ESTABLISHED + -i lo + drop 3000", listen: "tcp/3000 tcp/8081", rules: fixture("flush-established-lo-drop-3000.sh"), checks: [{ from: "server", port: 3000 }, { from: "client", port: 3000 }, { from: "client", port: 8081 }] },
  { name: "NODE_PROTECT chain", listen: "tcp/8080 tcp/8081", rules: fixture("node-protect.sh"), checks: [{ from: "server", port: 8080 }, { from: "client", port: 8080 }, { from: "client", port: 8081 }] },
  { name: "-I INPUT 1 DROP before ACCEPT", listen: "tcp/8080 tcp/8081", rules: "iptables -A INPUT -p tcp -j ACCEPT\niptables -I INPUT 1 -p tcp --dport 8080 -j DROP\n", checks: [{ from: "client", port: 8080 }, { from: "client", port: 8081 }, { from: "server", port: 8081 }] },
];

const docker = (...args: string[]) => execa("docker", args, { reject: false });

function stats(values: readonly number[]): { median: number; p95: number; n: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), n: s.length };
}

async function handWritten(image: string, runId: string): Promise<{ wallMs: number; checks: number; latencies: Map<string, number[]> }> {
  const engine = await connectEngine();
  const labels = Object.entries(resourceLabels(runId, "bench-hand")).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  const latencies = new Map<string, number[]>();
  let checks = 0;
  const started = performance.now();
  for (const [i, p] of POLICIES.entries()) {
    const plan = subnetForSlot(pickSlot(await takenSlots(engine)));
    const net = `fwspec-${runId}-hand-${i}`;
    await docker("network", "create", "--internal", "--subnet", plan.ipv4Subnet, ...labels, net);
    const server = `${net}-server`;
    const client = `${net}-client`;
    await docker("run", "-d", "--name", server, "--network", net, "--cap-add", "NET_ADMIN", "--init", "--sysctl", "net.ipv4.icmp_ratelimit=0", "-e", `FWSPEC_LISTEN=${p.listen}`, ...labels, image);
    await docker("run", "-d", "--name", client, "--network", net, "--init", ...labels, image);
    // A script waits for its listeners before it can test anything.
    for (const spec of p.listen.split(" ")) {
      const port = spec.split("/")[1]!;
      for (let t = 0; t < 50 && (await docker("exec", server, "nc", "-z", "127.0.0.1", port)).exitCode !== 0; t++) await new Promise((r) => setTimeout(r, 100));
    }
    await docker("exec", server, "sh", "-e", "-c", p.rules);
    const ip = (await docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", server)).stdout.trim();
    for (const c of p.checks) {
      const t0 = performance.now();
      const r = await docker("exec", c.from === "client" ? client : server, "nc", "-z", "-w", "2", c.from === "client" ? ip : "127.0.0.1", String(c.port));
      const ms = performance.now() - t0;
      const kind = r.exitCode === 0 ? "open" : ms >= 1900 ? "dropped" : "refused";
      latencies.set(kind, [...(latencies.get(kind) ?? []), ms]);
      checks++;
    }
    await docker("rm", "-f", server, client);
    await docker("network", "rm", net);
  }
  return { wallMs: performance.now() - started, checks, latencies };
}

const HELP = `usage: npm run bench -- [--cold] [--seed [--runs N] [--parallel-probes] [--no-reuse] | --sweep [--hand-full] | --suite [--runs N] [--labs N] [--parallel-probes] [--reuse] | --matrix]
  (no option)  all parts: the six seed policies by hand and as fwspec scenarios, sweeps, suite, matrix
  --seed       only the six seed policies: by hand versus fwspec, and their ratio, also with
               fwspec run --reuse on warm labs an untimed run left (--no-reuse: without it)
               (--runs N: N alternating pairs and the median ratio, for a loaded machine;
               --parallel-probes: side-by-side probes on fwspec's side)
  --cold       remove the lab image first and count its rebuild
  --sweep      only the port sweeps; --hand-full runs the hand loop over every port
  --suite      only the shipped scenarios, shared labs versus a fresh lab each (--runs N: N alternating
               pairs and the median ratio; --labs N labs at a time;
               --parallel-probes: side-by-side probes on fwspec run's side; --reuse: fwspec run --reuse
               on the warm labs an untimed --reuse run of the suite left)
  --matrix     only the 500-flow matrix
`;

/** One pair: the six seed policies by hand (a), then as fwspec scenarios (b), with their ratio printed; the two wall times. */
async function seedPair(image: string, runId: string, options: { readonly cold: boolean; readonly imageMs: number; readonly labs: number | undefined; readonly parallelProbes: boolean; readonly reuse: boolean }): Promise<{ hand: number; fw: number; reused?: number }> {
  const { cold, imageMs, labs, parallelProbes } = options;
  process.stdout.write("(a) by hand: fresh network and containers per policy, sequential docker exec nc -z -w 2 …\n");
  const hand = await handWritten(image, runId);
  process.stdout.write(`    ${hand.checks} checks (IPv4 only) in ${(hand.wallMs / 1000).toFixed(1)} s, ${(hand.checks / (hand.wallMs / 1000)).toFixed(2)} checks/s\n`);
  for (const [k, v] of hand.latencies) {
    const s = stats(v);
    process.stdout.write(`    ${k.padEnd(8)} n=${String(s.n).padStart(3)}  median ${s.median.toFixed(0).padStart(5)} ms  p95 ${s.p95.toFixed(0).padStart(5)} ms\n`);
  }

  process.stdout.write(`\n(b) fwspec: the same policies as scenarios, IPv4 and IPv6, counters, exact verdicts${parallelProbes ? " (side-by-side probes)" : ""}\n`);
  const t1 = performance.now();
  const timings: ScenarioTiming[] = [];
  const report = await run({ paths: [join(PROJECT_ROOT, "bench/scenarios")] }, { progress: silentProgress, handleInterrupts: true, timing: (t) => timings.push(t), ...(labs ? { labs } : {}), ...(parallelProbes ? { parallelProbes } : {}) });
  const fwMs = performance.now() - t1 + (cold ? imageMs : 0);
  const expectations = report.scenarios.flatMap((s) => s.expectations);
  const counters = report.scenarios.flatMap((s) => s.counters);
  const checks = expectations.length + counters.length;
  const failed = report.summary.failed + report.summary.errors;
  process.stdout.write(`    ${expectations.length} probes + ${counters.length} counter checks = ${checks} checks in ${(fwMs / 1000).toFixed(1)} s${cold ? ` (image ${(imageMs / 1000).toFixed(1)} s included)` : ""}, ${(expectations.length / (fwMs / 1000)).toFixed(2)} probes/s; ${failed} failed\n`);
  for (const verdict of ["open", "refused", "dropped", "unreachable"]) {
    const v = expectations.filter((e) => e.actual === verdict).map((e) => e.evidence.durationMs);
    if (v.length === 0) continue;
    const s = stats(v);
    process.stdout.write(`    ${verdict.padEnd(8)} n=${String(s.n).padStart(3)}  median ${s.median.toFixed(0).padStart(5)} ms  p95 ${s.p95.toFixed(0).padStart(5)} ms\n`);
  }
  const waited = expectations.filter((e) => e.actual === "dropped" && !e.evidence.stoppedEarly).length;
  if (waited > 0) process.stdout.write(`    ${waited} dropped probe(s) ran to their timeout (no counter or trace evidence within the evidence window)\n`);
  process.stdout.write(`    where it went: ${phaseSummary(timings, fwMs)}\n`);
  const ratio = hand.wallMs / fwMs;
  process.stdout.write(`\nratio (by hand / fwspec wall time): ${ratio.toFixed(2)}x with ${(checks / hand.checks).toFixed(1)}x the checks (target: >= 20x with >= 2x the checks)\n\n`);
  if (!options.reuse) return { hand: hand.wallMs, fw: fwMs };

  // `fwspec run --reuse`, as a person re-running a suite: an untimed run leaves warm labs, the timed one takes them.
  process.stdout.write(`(b') fwspec run --reuse: the same scenarios on warm labs an untimed --reuse run before it left (taken, checked unchanged, reset; left warm again)\n`);
  const opts = { progress: silentProgress, handleInterrupts: true, reuse: true, ...(labs ? { labs } : {}), ...(parallelProbes ? { parallelProbes } : {}) } as const;
  await run({ paths: [join(PROJECT_ROOT, "bench/scenarios")] }, opts);
  const t2 = performance.now();
  const warmTimings: ScenarioTiming[] = [];
  const warm = await run({ paths: [join(PROJECT_ROOT, "bench/scenarios")] }, { ...opts, timing: (t) => warmTimings.push(t) });
  const warmMs = performance.now() - t2;
  const warmFailed = warm.summary.failed + warm.summary.errors;
  process.stdout.write(`    ${checks} checks in ${(warmMs / 1000).toFixed(2)} s; ${warmFailed} failed\n    where it went: ${phaseSummary(warmTimings, warmMs)}\n`);
  for (const line of labTimelines(warmTimings)) process.stdout.write(`    ${line}\n`);
  process.stdout.write(`\nratio with --reuse (by hand / fwspec on warm labs): ${(hand.wallMs / warmMs).toFixed(2)}x with ${(checks / hand.checks).toFixed(1)}x the checks (target: >= 20x with >= 2x the checks)\n\n`);
  return { hand: hand.wallMs, fw: fwMs, reused: warmMs };
}

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    process.stdout.write(HELP);
    return;
  }
  const cold = process.argv.includes("--cold");
  const labsAt = process.argv.indexOf("--labs");
  const labs = labsAt > 0 ? Number(process.argv[labsAt + 1]) : undefined;
  const engine = await connectEngine();
  const runId = newRunId();
  let imageMs = 0;
  if (cold) {
    const { labImageTag } = await import("../harness/env/images.ts");
    await engine.getImage(labImageTag()).remove({ force: true }).catch(() => undefined);
  }
  const t0 = performance.now();
  const image = await ensureLabImage(engine, silentProgress);
  imageMs = performance.now() - t0;

  try {
    process.stdout.write(`fwspec bench (${cold ? "cold: lab image rebuilt" : "warm: images cached"}) on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), kernel ${os.release()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
    process.stdout.write(`reproduce: npm run bench${process.argv.slice(2).length > 0 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\n\n`);
    if (process.argv.includes("--sweep")) {
      await benchSweeps({ handFull: process.argv.includes("--hand-full") });
      return;
    }
    const runsAt = process.argv.indexOf("--runs");
    const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 1;
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number from 1, not ${process.argv[runsAt + 1]}`);
    const suite = process.argv.includes("--suite");
    const matrix = process.argv.includes("--matrix");
    if (suite || matrix) {
      if (suite) await benchSuite({ labs, parallelProbes: process.argv.includes("--parallel-probes"), reuse: process.argv.includes("--reuse"), runs });
      if (matrix) await benchMatrix();
      return;
    }
    const parallelProbes = process.argv.includes("--parallel-probes");
    const reuse = !process.argv.includes("--no-reuse");
    const pairs: { hand: number; fw: number; reused?: number }[] = [];
    for (let i = 1; i <= runs; i++) {
      if (runs > 1) process.stdout.write(`--- pair ${i} of ${runs} (load average ${os.loadavg()[0]!.toFixed(1)})\n`);
      pairs.push(await seedPair(image, runId, { cold, imageMs, labs, parallelProbes, reuse }));
    }
    if (runs > 1) {
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;
      const ratios = pairs.map((p) => p.hand / p.fw);
      process.stdout.write(`${runs} alternating pairs: by hand median ${(median(pairs.map((p) => p.hand)) / 1000).toFixed(1)} s, fwspec median ${(median(pairs.map((p) => p.fw)) / 1000).toFixed(2)} s (min ${(Math.min(...pairs.map((p) => p.fw)) / 1000).toFixed(2)} s), ratio per pair ${ratios.map((r) => r.toFixed(2)).join(" ")}, median ${median(ratios).toFixed(2)}x; load average now ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
      if (reuse) {
        const warmRatios = pairs.map((p) => p.hand / p.reused!);
        process.stdout.write(`with --reuse: fwspec median ${(median(pairs.map((p) => p.reused!)) / 1000).toFixed(2)} s, ratio per pair ${warmRatios.map((r) => r.toFixed(2)).join(" ")}, median ${median(warmRatios).toFixed(2)}x\n`);
      }
      process.stdout.write("\n");
    }
    if (reuse) {
      const removed = await removeWarm(engine);
      process.stdout.write(`removed the warm labs the --reuse runs left (${removed.containers.length} container(s))\n\n`);
    }
    if (process.argv.includes("--seed")) return;
    await benchSweeps({ handFull: process.argv.includes("--hand-full") });
    await benchSuite();
    await benchMatrix();
  } finally {
    await removeRun(engine, runId).catch(() => undefined);
    // The --reuse runs' warm labs, had the bench stopped before it removed them.
    await removeWarm(engine).catch(() => undefined);
  }
}

await main();
