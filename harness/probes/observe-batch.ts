/**
 * Probes of one family lane run side by side (the batches of
 * runner/batches.ts): each starts with its grace (observe.ts traceGraceMs); a
 * probe still without an answer is decided from the step's nftables trace
 * (probes/trace-early.ts), which names whose packet a DROP or REJECT rule
 * took — counters cannot while several probes run. With no such evidence in
 * the evidence window the probe runs to its own timeout. The deciding rule is
 * the trace's, set when the step's trace is collected.
 */
import type { RunningLab } from "../lab/types.ts";
import type { ExpectedVerdict, ProbeSpec } from "../model/types.ts";
import type { EarlyVerdict } from "../rules/decisive.ts";
import { EVIDENCE_WINDOW_MS, LATE_POLL_MS, type Observation, POLL_MS, stoppedEarly, type Taken, traceGraceMs } from "./observe.ts";
import { endHalfOpen, type PendingProbe, labChecked, type ProbeResult, resolveTarget, runProbe, runProbeFrom, startProbe } from "./probe.ts";
import { traceEarlyVerdict } from "./trace-early.ts";
import type { ArmedTraces } from "./trace-step.ts";

/**
 * How long a pending probe's trace is read for evidence (ms). The trace comes
 * through the monitor process, later than counters under load; reading longer
 * costs only reads, and a probe with no evidence by then runs to its timeout.
 */
export function traceWindowMs(spec: ProbeSpec): number {
  return Math.max(EVIDENCE_WINDOW_MS[spec.protocol], Math.min(1500, spec.timeoutSeconds * 1000 - 250));
}

export interface BatchProbe {
  readonly spec: ProbeSpec;
  /** Firewall hosts whose rules can see its packets (each traced: batches.ts). */
  readonly watch: readonly string[];
  /** What its expectation says (observe.ts traceGraceMs). */
  readonly expected?: ExpectedVerdict | undefined;
  /** Identical probes of the step started so far, this one the last (trace-early.ts: decided only when all were alike); default 1. */
  readonly alike?: number | undefined;
}

/**
 * Counter evidence for a probe alone in its family (lane-batch.ts), consulted
 * when its trace shows nothing decisive once `afterMs` has passed (the
 * counters' own grace): a rule that took its answer, which the trace does not
 * mark (it marks packets to the probe's destination), still ends the probe on
 * evidence, as observe.ts would, instead of at the tool's timeout.
 */
export interface CounterFallback {
  readonly afterMs: number;
  read(): Promise<{ readonly early: EarlyVerdict; readonly taken: readonly Taken[] } | undefined>;
}

/** Runs `probes` at once; observations in their order (decidedBy empty: the session fills it from the trace's decision). */
export async function observeBatch(lab: RunningLab, probes: readonly BatchProbe[], traces: ArmedTraces, early: boolean, fallback?: CounterFallback): Promise<Observation[]> {
  // Counters speak for a probe only when it runs alone.
  const counters = probes.length === 1 ? fallback : undefined;
  const results = new Array<ProbeResult | undefined>(probes.length);
  const pending = new Map<number, PendingProbe>();
  await Promise.all(probes.map(async ({ spec, watch, expected }, i) => {
    let address: string;
    try {
      address = resolveTarget(lab, spec);
    } catch {
      results[i] = await runProbe(lab, spec);
      return;
    }
    if (!early || watch.length === 0) {
      results[i] = await runProbeFrom(lab.host(spec.from), address, spec);
      return;
    }
    const started = await startProbe(lab.host(spec.from), address, spec, traceGraceMs(spec.protocol, expected));
    if ("ended" in started) results[i] = started.ended;
    else pending.set(i, started.pending);
  }));
  while (pending.size > 0) {
    const hosts = [...new Set([...pending.keys()].flatMap((i) => probes[i]!.watch))];
    const events = await traces.read(hosts);
    await Promise.all([...pending].map(async ([i, p]) => {
      const { spec, watch, alike } = probes[i]!;
      const match = traces.match(spec);
      const seen = new Map(watch.flatMap((h) => (events.has(h) ? [[h, events.get(h)!] as const] : [])));
      const verdict = match ? traceEarlyVerdict(seen, match, spec.protocol, alike) : undefined;
      let result: ProbeResult | undefined;
      const counted = !verdict && counters && p.elapsed() >= counters.afterMs ? await counters.read() : undefined;
      if (verdict) {
        const ended = await p.stop();
        result = "stopped" in ended ? stoppedEarly(p, ended, verdict, verdict.taken, "trace") : ended;
      } else if (counted) {
        const ended = await p.stop();
        result = "stopped" in ended ? stoppedEarly(p, ended, counted.early, counted.taken, "counters") : ended;
      } else if (counters) {
        // Counters are read on until the tool's own timeout, as observe.ts reads them: often at first, then less often.
        result = p.elapsed() >= spec.timeoutSeconds * 1000 ? await p.wait() : await p.poll(p.elapsed() < traceWindowMs(spec) ? POLL_MS : LATE_POLL_MS);
      } else if (p.elapsed() >= traceWindowMs(spec)) {
        result = await p.wait(); // no evidence: the tool's own timeout decides
      } else {
        result = await p.poll(POLL_MS);
      }
      if (result) {
        results[i] = result;
        pending.delete(i);
      }
    }));
  }
  // Once none runs: the router on a path asked after a side-by-side probe must not flush an entry another is resolving.
  const checked = await Promise.all(results.map((r) => labChecked(lab, r!)));
  // Before the counters are read after the batch (runner/lane-batch.ts): a resent answer is no later probe's (probe.ts).
  await Promise.all(checked.map((r) => endHalfOpen(lab, r)));
  return probes.map(({ watch }, i) => ({ result: checked[i]!, decidedBy: [], policies: [], watched: watch.length > 0 }));
}
