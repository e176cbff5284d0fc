/**
 * One batch of side-by-side probes in a family lane (runner/batches.ts says
 * which): counters are read once around the whole batch (the lane's latest
 * reading before it, a fresh one after it, which the lane's next probe reads
 * from), the probes run through probes/observe-batch.ts, and once the step's
 * trace names each probe's deciding rule, that rule's (or policy's) counter
 * movement over the batch is the probe's `decidedBy` — the only counter
 * evidence a probe among several can claim.
 */
import type { RunningLab } from "../lab/types.ts";
import type { Decision } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { type BatchProbe, type CounterFallback, observeBatch } from "../probes/observe-batch.ts";
import { beyondReadings, decidedOnPath, GRACE_MS, movedAny, type Observation, packetOf, withWaitedNote } from "../probes/observe.ts";
import { decisiveCounts, earlyVerdict } from "../rules/decisive.ts";
import type { ArmedTraces } from "../probes/trace-step.ts";
import { counterDeltas, policyDeltas } from "../rules/delta.ts";
import { readFamilyCounters } from "../rules/read.ts";
import { icmpErrorsSeen } from "../probes/refusal.ts";
import { holdsNative, netdevChains } from "../rules/nft-saved.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import { probeVaryingRule } from "../rules/stateful.ts";
import { decisionNamesRule } from "../rules/trace.ts";
import { holdsDnat } from "../rules/first-packet.ts";
import { labPathHosts, type PathHost, pathInterfaces } from "../probes/path-interfaces.ts";

export interface BatchReadings {
  readonly before: ReadonlyMap<string, SavedRuleset>;
  readonly after: ReadonlyMap<string, SavedRuleset>;
}

/**
 * Runs the batch; each observation comes with the batch's readings (for withBatchCounters once the trace is collected).
 * `countersFallback`: a probe alone whose trace shows nothing decisive is also decided from counters after their grace
 * (observe-batch.ts CounterFallback): only where nothing else counts in its family. `interfacesKnown`: as
 * ObserveOptions.interfacesKnown.
 */
export async function runBatch(lab: RunningLab, probes: readonly BatchProbe[], family: Family, latest: Map<string, SavedRuleset>, traces: ArmedTraces, early: boolean, countersFallback = false, interfacesKnown = false, beyond: readonly string[] = []): Promise<{ observation: Observation; readings: BatchReadings }[]> {
  const watch = [...new Set(probes.flatMap((p) => p.watch))];
  const read = async () => new Map(await Promise.all(watch.map(async (h) => [h, await readFamilyCounters(lab.host(h), family)] as const)));
  const before = watch.every((h) => latest.has(h)) ? new Map(watch.map((h) => [h, latest.get(h)!] as const)) : await read();
  // A lone probe of a router: the hosts its DNAT may send it on to, read for what decided it there (withOwnCounters).
  // Probes side by side are not attributed there: what they sent on makes those hosts' latest readings stale.
  if (probes.length > 1) for (const h of beyond) latest.delete(h);
  // Read only when a rule on its path may send it on (a DNAT).
  const outside = beyondReadings(lab, probes.length === 1 && [...before.values()].some(holdsDnat) ? beyond : [], family, latest);
  const outsideBefore = await outside.before();
  const lone = probes.length === 1 ? probes[0]!.spec : undefined;
  const fallback: CounterFallback | undefined = countersFallback && lone ? {
    afterMs: GRACE_MS[lone.protocol],
    read: async () => {
      const mid = await read();
      const taken = watch.flatMap((h) => decisiveCounts(before.get(h)!, mid.get(h)!).map((c) => ({ ...c, host: h })));
      const verdict = earlyVerdict(taken, lone.protocol);
      return verdict ? { early: verdict, taken } : undefined;
    },
  } : undefined;
  // A rule on the path that answers by what came before (rules/stateful.ts): every probe runs to its own end.
  // Each probe's own: its watched hosts, its port. One that meets such a rule stops the batch's early decisions (they are
  // decided together); the note goes only to the probes that met it.
  // The interfaces each probe crosses only while the lab's are as it set them up (ObserveOptions.interfacesKnown).
  const pathHosts = labPathHosts(lab);
  const varying = probes.map(({ spec, watch: mine }) => (early ? probeVaryingRule(new Map(mine.map((h) => [h, before.get(h)!] as const)), packetOf(spec), interfacesKnown ? pathInterfaces(pathHosts, spec) : undefined) : undefined));
  const observations = (await observeBatch(lab, probes, traces, early && varying.every((v) => v === undefined), fallback)).map((o, i) => (varying[i] ? { ...o, result: withWaitedNote(o.result, varying[i]) } : o));
  const after = await read();
  for (const [h, r] of after) latest.set(h, r);
  const outsideAfter = await outside.after();
  const native = (i: number) => probes[i]!.watch.some((h) => holdsNative(before.get(h)!));
  const marked = (observation: Observation, i: number): Observation => {
    const netdev = netdevChains(before, probes[i]!.watch);
    return { ...observation, ...(native(i) ? { native: true } : {}), ...(netdev.length > 0 ? { netdev } : {}) };
  };
  return observations.map((observation, i) => ({ observation: marked(observation, i), readings: { before: new Map([...before, ...outsideBefore]), after: new Map([...after, ...outsideAfter]) } }));
}

/** The deciding rule's (or policy's) counter movement over the batch, on the host the trace named. */
export function withBatchCounters(o: Observation, readings: BatchReadings): Observation {
  const d: Decision | undefined = o.decision;
  if (!d || d.source !== "trace") return o;
  const before = readings.before.get(d.host);
  const after = readings.after.get(d.host);
  if (!before || !after || after.family !== d.family) return o;
  const decidedBy = d.policy ? [] : counterDeltas(before, after).filter((x) => x.packets > 0 && decisionNamesRule(d, x.rule)).map((x) => ({ ...x, host: d.host }));
  const policies = d.policy ? policyDeltas(before, after).filter((p) => p.table === d.table && p.chain === d.path[0]).map((p) => ({ ...p, host: d.host })) : [];
  return { ...o, decidedBy, policies };
}

/**
 * A probe that ran alone in a family no other connection counts in: every counter movement over it is its own
 * (observe.ts countersMoved), and the rule that took its first packet as the counters show it (first-packet.ts),
 * as observe.ts gives it: the step's trace decision, when it names one, takes its place (withTraceDecision).
 */
export function withOwnCounters(o: Observation, readings: BatchReadings, watch: readonly string[], hosts: ReadonlyMap<string, PathHost> = new Map(), offPath: ReadonlyMap<string, readonly string[]> = new Map(), beyond: readonly string[] = []): Observation {
  const { decision: counted, beyondDnat, beyondMoved, decidedBy, policies } = decidedOnPath(o.result.spec, watch, beyond, readings.before, readings.after, { via: pathInterfaces(hosts, o.result.spec), offPath, verdict: o.result.verdict, icmpSeen: icmpErrorsSeen(o.result.spec.family, o.result.evidence.stderr) > 0 });
  const decision = o.decision ?? counted;
  return { ...o, decidedBy, policies, ...(decision ? { decision } : {}), ...(beyondDnat.length > 0 ? { beyondDnat } : {}), ...(movedAny(beyondMoved) ? { beyondMoved } : {}) };
}
