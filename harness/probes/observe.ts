/**
 * The early-verdict observation loop: one probe with the counters of the
 * firewall hosts on its path read before and after. Only hosts the packet can
 * cross have rules that can count it: the prober (OUTPUT), the target (INPUT)
 * and routers (FORWARD). With no answer after a short grace, a DROP (or, for
 * TCP, REJECT) rule on the path that counted a packet since the probe began
 * decides the verdict and the tool is stopped; otherwise the tool runs to its
 * own timeout.
 */
import type { RunningLab } from "../lab/types.ts";
import type { ExpectedVerdict, ProbeSpec, Protocol } from "../model/types.ts";
import { type DecisiveCount, decisiveCounts, earlyVerdict, type EarlyVerdict } from "../rules/decisive.ts";
import { counterDeltas, type PolicyDelta, policyDeltas, type RuleDelta } from "../rules/delta.ts";
import { decisionsBeyondDnat, firstPacketDecision, fitsVerdict, holdsDnat, hopsOnPath, reachedBeyond } from "../rules/first-packet.ts";
import type { Via } from "../rules/first-packet-text.ts";
import { labPathHosts, offPathHosts, pathInterfaces } from "./path-interfaces.ts";
import { type Decision, nativeTable } from "../model/results.ts";
import { readFamilyCounters } from "../rules/read.ts";
import { holdsNative, netdevChains } from "../rules/nft-saved.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import { probeVaryingRule, type VaryingRule, waitedNote } from "../rules/stateful.ts";
import { endHalfOpen, type PendingProbe, labChecked, type ProbeResult, resolveTarget, runProbe, runProbeFrom, startProbe } from "./probe.ts";
import { replyNeighbourChecked } from "./reply-neighbour.ts";
import { familyNote, icmpErrorsSeen, refusalShown } from "./refusal.ts";

/**
 * How long a probe waits for an answer before the counters are consulted (ms).
 * TCP answers come from the kernel within a millisecond of the SYN; UDP echoes
 * come from a process. A slow start is covered by reading again (below).
 */
export const GRACE_MS: Readonly<Record<Protocol, number>> = { tcp: 12, http: 12, udp: 300 };

/**
 * The grace of a probe expected to be answered (open, refused): on a loaded
 * machine the answer often comes after GRACE_MS, and every wait past the grace
 * costs a counter reading and a poll (two more commands). The tool's answer
 * ends the grace at once, so an answered probe costs one command; one that
 * gets no answer is decided from counters afterwards as any other, so only a
 * failing expectation pays the longer wait. Never a verdict by time.
 */
export const ANSWERED_GRACE_MS = 100;

/** How long a probe waits for its answer before counters are consulted: longer when an answer is expected. */
export function graceMs(protocol: Protocol, expected?: ExpectedVerdict): number {
  return expected === "open" || expected === "refused" ? Math.max(GRACE_MS[protocol], ANSWERED_GRACE_MS) : GRACE_MS[protocol];
}

/**
 * The first wait of a probe decided from the nftables trace (observe-batch.ts):
 * the trace names the probe's own packet, so a UDP probe need not wait for a
 * slow echo before the evidence is read (counters, which cannot tell whose
 * packet moved them, do: GRACE_MS); an answer expected still gets its longer
 * grace, which the answer ends at once.
 */
export function traceGraceMs(protocol: Protocol, expected?: ExpectedVerdict): number {
  return expected === "open" || expected === "refused" ? ANSWERED_GRACE_MS : GRACE_MS[protocol === "udp" ? "tcp" : protocol];
}

/** Until when (ms after the start) counters are read again while a pending probe has no evidence. */
export const EVIDENCE_WINDOW_MS: Readonly<Record<Protocol, number>> = { tcp: 250, http: 250, udp: 300 };

/** Between two counter readings, how long to wait for the tool to end (ms). */
export const POLL_MS = 10;

/**
 * Past the evidence window (a loaded machine can start the tool late), the
 * counters are still read, less often, until the tool ends by its own
 * timeout: a packet counted late still stops the probe, on that evidence.
 */
export const LATE_POLL_MS = 200;

/** A rule delta and the firewall host it was read on (observe() always names it; hand-made observations may not). */
export type HostRuleDelta = RuleDelta & { readonly host?: string };

/** A probe's result and the rules whose counters moved while it ran (firewall hosts on its path). */
export interface Observation {
  readonly result: ProbeResult;
  readonly decidedBy: readonly HostRuleDelta[];
  /** Chain policies that counted packets while it ran. */
  readonly policies?: readonly PolicyDelta[];
  /** The rule that took its first packet (first-packet.ts), when the evidence names one. */
  readonly decision?: Decision;
  /**
   * What the counters show deciding it beyond a probed router, were a DNAT there to have sent it on (a native `dnat`
   * without a counter does not show it): a DROP or REJECT on a host beyond it, or its answer taken in the router's
   * forward chain. The decision only when the step's trace shows such a DNAT (trace-step.ts withTraceDecision).
   */
  readonly beyondDnat?: readonly Decision[];
  /** The counters that moved on each host beyond a probed router (with beyondDnat): added to decidedBy where the trace's DNAT sent it. */
  readonly beyondMoved?: readonly BeyondMoved[];
  /** Whether any firewall host on its path was watched (false: nothing could count it). */
  readonly watched?: boolean;
  /** A watched host has native nftables tables: their chain policies, and rules without a `counter` statement, count nothing. */
  readonly native?: boolean;
  /** netdev chains on watched hosts, which fwspec does not read (`netdev filter ingress on server`: nft-saved.ts netdevChains). */
  readonly netdev?: readonly string[];
}

export interface ObserveOptions {
  /** Firewall hosts whose counters can see this probe. */
  readonly watch: readonly string[];
  /**
   * The family's latest reading of each host, while still current (nothing but
   * this family's probes sent a packet since): used as the before-reading, and
   * updated with every reading taken here.
   */
  readonly latest: Map<string, SavedRuleset>;
  /** Decide from counters (false: every probe runs to its own timeout). */
  readonly early: boolean;
  /** What the expectation says (graceMs): only how long the first wait is. */
  readonly expected?: ExpectedVerdict | undefined;
  /**
   * The lab's interfaces and routes are as it set them up (the scenario's own commands changed only rules so far):
   * the interfaces a probe's packet crosses are known (probes/path-interfaces.ts), so a rule that answers by earlier
   * packets on another interface does not hold up its early verdict. Absent: every interface may be crossed.
   */
  readonly interfacesKnown?: boolean;
  /** Firewall hosts a DNAT on the probed router may send it on to (plan.ts beyondRouter): read around it for what decided it there, never for its verdict. */
  readonly beyond?: readonly string[];
}

/**
 * Counter readings of hosts beyond a probed router (`beyond`), for attribution
 * only: before (the lane's latest while current) and after the probe.
 */
export function beyondReadings(lab: RunningLab, beyond: readonly string[], family: ProbeSpec["family"], latest: Map<string, SavedRuleset>): { before(): Promise<Map<string, SavedRuleset>>; after(): Promise<Map<string, SavedRuleset>> } {
  const read = async () => {
    const m = new Map(await Promise.all(beyond.map(async (h) => [h, await readFamilyCounters(lab.host(h), family)] as const)));
    for (const [h, r] of m) latest.set(h, r);
    return m;
  };
  return {
    before: async () => (beyond.every((h) => latest.has(h)) ? new Map(beyond.map((h) => [h, latest.get(h)!] as const)) : await read()),
    after: async () => (beyond.length === 0 ? new Map() : await read()),
  };
}

/**
 * The rule that took the probe on its path (first-packet.ts), with the hosts beyond a probed router as hops a
 * counted DNAT sends it on to, and what decided it on each such host were an uncounted DNAT (a native one: the
 * trace tells) to have sent it there; the counters that moved on its path, and on a host beyond it whose rule decided.
 */
export function decidedOnPath(spec: ProbeSpec, watch: readonly string[], beyond: readonly string[], before: ReadonlyMap<string, SavedRuleset>, after: ReadonlyMap<string, SavedRuleset>, options: { readonly via?: ((host: string) => Via | undefined) | undefined; readonly offPath: ReadonlyMap<string, readonly string[]>; readonly verdict: string; readonly icmpSeen?: boolean }): { decision: Decision | undefined; beyondDnat: Decision[]; beyondMoved: BeyondMoved[]; decidedBy: HostRuleDelta[]; policies: PolicyDelta[] } {
  const laterPackets = options.verdict === "dropped";
  // A REJECT's answer lost on its way back: dropped, and no ICMP error reached the prober (one it saw, even one its
  // socket does not report — a soft error, an early ICMPv6 one — is an answer that came).
  const rejectAnswerLost = laterPackets && options.icmpSeen !== true;
  const hops = hopsOnPath(spec, [...watch, ...beyond], before, after, options.via, new Map([...options.offPath].filter(([h]) => beyond.includes(h))));
  const counted = firstPacketDecision(hops, { laterPackets, rejectAnswerLost });
  // A rule of a host the DNAT sent it to that does not fit what the client saw (an older count there) is not its decision.
  const decision = counted?.sentOn && !fitsVerdict(counted, options.verdict) ? firstPacketDecision(hops.filter((h) => !h.sentTo), { laterPackets, rejectAnswerLost }) : counted;
  const on = (hosts: readonly string[], m: ReadonlyMap<string, SavedRuleset>) => new Map([...m].filter(([h]) => hosts.includes(h)));
  // The counters that moved on its path, and on the hosts beyond it a counted DNAT sent it to.
  const shown = [...watch, ...reachedBeyond(hops)];
  const beyondMoved = beyond.map((host) => ({ host, ...countersMoved(on([host], before), on([host], after)) }));
  return { decision, beyondDnat: decisionsBeyondDnat(hops, { laterPackets }).filter((d) => fitsVerdict(d, options.verdict)), beyondMoved, ...countersMoved(on(shown, before), on(shown, after)) };
}

/** Did any counter move on the hosts beyond a probed router (an ACCEPT there that took it is the probe's too)? */
export function movedAny(moved: readonly BeyondMoved[]): boolean {
  return moved.some((m) => m.decidedBy.length > 0 || m.policies.length > 0);
}

/** The counters that moved on one host beyond a probed router (withTraceDecision adds them where the trace's DNAT sent the probe). */
export interface BeyondMoved {
  readonly host: string;
  readonly decidedBy: HostRuleDelta[];
  readonly policies: PolicyDelta[];
}

export async function observe(lab: RunningLab, spec: ProbeSpec, options: ObserveOptions): Promise<Observation> {
  const { watch, latest } = options;
  let address: string;
  try {
    address = resolveTarget(lab, spec);
  } catch {
    return { result: await runProbe(lab, spec), decidedBy: [] };
  }
  const from = lab.host(spec.from);
  const readAll = async () => {
    const m = new Map(await Promise.all(watch.map(async (h) => [h, await readFamilyCounters(lab.host(h), spec.family)] as const)));
    for (const [h, r] of m) latest.set(h, r);
    return m;
  };
  // Within a lane the last probe's after-reading is this probe's before-reading.
  const before = watch.every((h) => latest.has(h)) ? new Map(watch.map((h) => [h, latest.get(h)!] as const)) : await readAll();
  // The hosts beyond a probed router only when a rule on its path may send the probe on (a DNAT).
  const beyondHosts = [...before.values()].some(holdsDnat) ? options.beyond ?? [] : [];
  const beyond = beyondReadings(lab, beyondHosts, spec.family, latest);
  const beyondBefore = await beyond.before();
  let result: ProbeResult;
  let after: Map<string, SavedRuleset>;
  // A rule on the path that answers by what came before (a rate limit, a set it fills): a DROP taking the first packet decides nothing.
  const varying = options.early ? probeVaryingRule(before, packetOf(spec, address), options.interfacesKnown ? pathInterfaces(labPathHosts(lab), spec) : undefined) : undefined;
  // Its half-open connection on the target ended before the reading after it: a resent answer is no later probe's.
  const ended = (r: ProbeResult) => endHalfOpen(lab, r);
  if (!options.early || watch.length === 0 || varying) {
    result = withWaitedNote(await runProbeFrom(from, address, spec), varying);
    await ended(result);
    after = await readAll();
  } else {
    const started = await startProbe(from, address, spec, graceMs(spec.protocol, options.expected));
    if ("ended" in started) {
      result = started.ended;
      await ended(result);
      after = await readAll();
    } else {
      ({ result, after } = await decide(started.pending, before, watch, readAll, ended));
    }
  }
  result = await labChecked(lab, result);
  // A silent connection the target holds half-open (greeting.ts) is found only now: ended too, and read past it.
  if (result.halfOpen && (await ended(result))) after = await readAll();
  const beyondAfter = await beyond.after();
  // The interfaces it crossed name no rule out once the scenario's commands may have changed them (a bridge: tester 39b).
  const { decision, beyondDnat, beyondMoved, decidedBy, policies } = decidedOnPath(spec, watch, beyondHosts, new Map([...before, ...beyondBefore]), new Map([...after, ...beyondAfter]), {
    via: options.interfacesKnown ? pathInterfaces(labPathHosts(lab), spec) : undefined, offPath: offPathHosts(lab, spec.family), verdict: result.verdict, icmpSeen: icmpErrorsSeen(spec.family, result.evidence.stderr) > 0,
  });
  // No rule took its first packet or its answer (a chain policy counts neighbour discovery too): did the target fail to find its way back?
  result = await replyNeighbourChecked(lab, result, ruleDecided(decision));
  const native = [...before.values()].some(holdsNative);
  const netdev = netdevChains(before, watch);
  return { result, decidedBy, policies, watched: watch.length > 0, ...(native ? { native } : {}), ...(netdev.length > 0 ? { netdev } : {}), ...(decision ? { decision } : {}), ...(beyondDnat.length > 0 ? { beyondDnat } : {}), ...(movedAny(beyondMoved) ? { beyondMoved } : {}) };
}

/** A rule (not a chain policy, which counts neighbour discovery as well) dropped or rejected the probe's first packet or its answer. */
export function ruleDecided(decision: Decision | undefined): boolean {
  return decision !== undefined && decision.action !== "accept" && !decision.policy;
}

/** A probe's first packet as rules see it (rules/packet-match.ts). */
export function packetOf(spec: ProbeSpec, address?: string): { family: ProbeSpec["family"]; protocol: "tcp" | "udp"; dport: number; destination?: string } {
  return { family: spec.family, protocol: spec.protocol === "udp" ? "udp" : "tcp", dport: spec.port, ...(address ? { destination: address } : {}) };
}

/** A probe that ran to its own end because of a varying rule: a `dropped` says why it was not decided early. */
export function withWaitedNote(result: ProbeResult, varying: VaryingRule | undefined): ProbeResult {
  return varying && result.verdict === "dropped" ? { ...result, reason: `${result.reason}; ${waitedNote(varying)}` } : result;
}

/** Every rule (with its host) and chain policy whose counters moved between two readings of the watched hosts: a probe's own, when it ran alone. */
export function countersMoved(before: ReadonlyMap<string, SavedRuleset>, after: ReadonlyMap<string, SavedRuleset>): { decidedBy: HostRuleDelta[]; policies: PolicyDelta[] } {
  const moved = [...after].flatMap(([h, reading]) => (before.has(h) ? [{ h, from: before.get(h)!, reading }] : []));
  return {
    decidedBy: moved.flatMap(({ h, from, reading }) => counterDeltas(from, reading).filter((d) => d.packets > 0).map((d) => ({ ...d, host: h }))),
    policies: moved.flatMap(({ h, from, reading }) => policyDeltas(from, reading).map((p) => ({ ...p, host: h }))),
  };
}

/**
 * A pending probe: counters are read until a DROP (or, for TCP, REJECT) rule
 * on the path is seen counting since the probe began or the tool ends: every
 * POLL_MS within the evidence window, every LATE_POLL_MS after it, and not
 * after the tool's own timeout (its end then decides).
 */
async function decide(
  pending: PendingProbe,
  before: ReadonlyMap<string, SavedRuleset>,
  watch: readonly string[],
  readAll: () => Promise<Map<string, SavedRuleset>>,
  endLeftHalfOpen: (result: ProbeResult) => Promise<boolean>,
): Promise<{ result: ProbeResult; after: Map<string, SavedRuleset> }> {
  const spec = pending.spec;
  const endThenRead = async (result: ProbeResult) => {
    await endLeftHalfOpen(result);
    return { result, after: await readAll() };
  };
  for (;;) {
    const mid = await readAll();
    const counts = watch.flatMap((h) => decisiveCounts(before.get(h)!, mid.get(h)!).map((c) => ({ ...c, host: h })));
    const early = earlyVerdict(counts, spec.protocol);
    if (early) {
      const ended = await pending.stop();
      if (!("stopped" in ended)) return await endThenRead(ended); // an answer came first
      const result = stoppedEarly(pending, ended, early, counts, "counters");
      // One watched host: nothing of this probe can count after `mid` once a connection it left half-open on its
      // target is ended (a resend of its answer before that is its own). Several (a firewall on each end, routers):
      // a return-path packet may still be on its way.
      const halfOpen = await endLeftHalfOpen(result);
      return { result, after: watch.length > 1 || halfOpen ? await readAll() : mid };
    }
    const elapsed = pending.elapsed();
    // No evidence by the tool's timeout: its own end decides.
    if (elapsed >= spec.timeoutSeconds * 1000) return await endThenRead(await pending.wait());
    const ended = await pending.poll(elapsed < EVIDENCE_WINDOW_MS[spec.protocol] ? POLL_MS : LATE_POLL_MS);
    if (ended) return await endThenRead(ended);
  }
}

/** What took a probe's packet, as the counters or the trace showed it: a DROP or REJECT rule, or a chain policy, on a watched host. */
export type Taken = DecisiveCount & { readonly host: string };

/**
 * How each source of evidence words what it saw: counters `counted` a packet
 * (which one is not known), a trace shows the probe's own first packet taken.
 */
const SEEN = {
  counters: { reason: "counted the packet", stopped: "counted its packet" },
  trace: { reason: "took its first packet", stopped: "took its first packet (its trace)" },
} as const;

/**
 * `a DROP rule on server`, `a reject rule on server` (native nftables),
 * `the INPUT policy DROP on server`, `the input policy drop on server`: what
 * took the packet as the evidence shows it, never a rule for a policy.
 */
export function takenBy(taken: readonly Taken[]): string {
  const words = taken.map((c) => c.position === null
    ? `the ${c.chain} ${c.text.startsWith("policy ") ? c.text : `policy ${c.text}`} on ${c.host}`
    : `a ${nativeTable(c.table) ? c.kind.toLowerCase() : c.kind} rule on ${c.host}`);
  return [...new Set(words)].join(" and ");
}

/**
 * A probe stopped on evidence. The reason says what came back when something
 * did: fwspec-probe notes ICMP errors of the probe's family, so `no answer`
 * only when none came. A reject whose ICMP answer never reached the prober
 * (its host's own output, or a router, dropped it) is `dropped`: the client
 * saw nothing, and that is the verdict (observed, never the rule's intent).
 */
export function stoppedEarly(pending: PendingProbe, ended: { readonly stderr: string; readonly durationMs: number }, early: EarlyVerdict, taken: readonly Taken[], how: keyof typeof SEEN): ProbeResult {
  const spec = pending.spec;
  const ms = ended.durationMs;
  const icmp = icmpErrorsSeen(spec.family, ended.stderr) > 0 ? `an ICMP${spec.family === "ipv6" ? "v6" : ""} destination unreachable` : undefined;
  const lost = early.verdict !== "dropped" && !icmp;
  const rules = `${early.rules.join(" and ")} ${SEEN[how].reason}`;
  const reason = icmp
    ? `${icmp} came back within ${ms} ms while ${rules}${early.refusal ? ` (it answers with ${refusalShown(early.refusal, spec.family)})` : ""}`
    : lost
      ? `no answer after ${ms} ms, although ${rules}: its answer never reached ${spec.from} (dropped on its way back: an output rule of that host, or a router)`
      : `no answer after ${ms} ms while ${rules}`;
  const had = icmp ? `${icmp} had come back` : lost ? "its answer had not come back" : "no answer had come";
  return {
    spec,
    address: pending.address,
    verdict: lost ? "dropped" : early.verdict,
    reason,
    ...(!lost && early.refusal ? { refusal: early.refusal } : {}),
    evidence: {
      command: pending.command,
      argv: pending.argv,
      exitCode: null,
      stdout: "",
      stderr: familyNote(ended.stderr, spec.family),
      durationMs: ms,
      stoppedEarly: `stopped after ${ms} ms, before its ${spec.timeoutSeconds} s timeout: ${takenBy(taken)} ${SEEN[how].stopped}, and ${had}`,
    },
  };
}
