/**
 * An observation's deciding rule from the step's nftables trace (pure):
 * the trace names the first packet's rule on the hosts it sees, and yields
 * to the counters where they show more — a host no trace sees beyond the
 * traced one, a DNAT's target, an answer or a later packet taken after the
 * first passed.
 */
import type { Decision } from "../model/results.ts";
import type { ProbeSpec } from "../model/types.ts";
import type { PolicyDelta } from "../rules/delta.ts";
import { fitsVerdict, portWay } from "../rules/first-packet.ts";
import { dnatDestinations } from "../rules/trace-loopback.ts";
import type { BeyondMoved, HostRuleDelta } from "./observe.ts";
import type { StepTraces } from "./trace-step.ts";

/** A host's place on a probe's path: its prober 0, a router between 1, its target 2. */
export function pathRank(host: string, spec: Pick<ProbeSpec, "from" | "to">): number {
  return host === spec.from ? 0 : host === targetOf(spec) ? 2 : 1;
}

/** The host a probe is addressed to (its prober for `localhost`); undefined for an address. */
function targetOf(spec: Pick<ProbeSpec, "from" | "to">): string | undefined {
  return spec.to.kind === "localhost" ? spec.from : spec.to.kind === "host" ? spec.to.host : undefined;
}

/**
 * An observation with the trace's decision when its host was traced (the counters' otherwise); `held`: a held
 * connection's check. `ownerOf`: the lab host holding an address, to tell where a DNAT the trace shows sent the probe.
 */
export function withTraceDecision<T extends { readonly result: { readonly spec: ProbeSpec; readonly address: string; readonly verdict?: string }; readonly decision?: Decision; readonly beyondDnat?: readonly Decision[]; readonly beyondMoved?: readonly BeyondMoved[]; readonly decidedBy?: readonly HostRuleDelta[]; readonly policies?: readonly PolicyDelta[] }>(observation: T, traces: StepTraces, held = false, ownerOf: (address: string) => string | undefined = () => undefined): T {
  const traced = traces.decisionFor(observation.result.spec, observation.result.address, held ? "held" : "probe");
  if (!traced) return observation;
  const verdict = observation.result.verdict;
  // Where the trace's DNAT sent the probe on: another lab host's address (one of its own, or none a lab host holds, is no sending on).
  const sentTo = traced.action === "accept" ? dnatDestinations(traced.rewrites).flatMap((t) => {
    const host = ownerOf(t.address);
    return host !== undefined && host !== traced.host ? [{ ...t, host }] : [];
  }) : [];
  const fits = (d: Decision) => fitsVerdict(d, verdict);
  // Sent on to a host beyond the router, whose trace cannot mark it (its table looks for the address it was sent to):
  // that host's DROP or REJECT as its counters show it, with the trace's rewrites; or its answer taken in the router's
  // forward chain on the way back (tester 41b).
  const d = observation.decision;
  const there = (x: Decision) => x.sentOn === true && sentTo.some((t) => t.host === x.host) && fits(x);
  const beyond = sentTo.length === 0 ? undefined : (d && there(d) ? d : undefined) ?? observation.beyondDnat?.find(there) ?? observation.beyondDnat?.find((x) => x.answer === true && !x.sentOn && verdict === "dropped");
  // The counters that moved where the DNAT sent it are the probe's too (what it counted there).
  // Not a host whose counters are the observation's already (one it watched: tester 44b saw its policies twice).
  const moved = observation.beyondMoved?.filter((m) => sentTo.some((t) => t.host === m.host) && !observation.decidedBy?.some((x) => x.host === m.host) && !observation.policies?.some((p) => p.host === m.host)) ?? [];
  const counted = moved.length === 0 ? {} : { decidedBy: [...(observation.decidedBy ?? []), ...moved.flatMap((m) => m.decidedBy)], policies: [...(observation.policies ?? []), ...moved.flatMap((m) => m.policies)] };
  if (beyond) return { ...observation, ...counted, decision: beyond.sentOn ? { ...beyond, ...(traced.rewrites ? { rewrites: traced.rewrites } : {}) } : beyond };
  // The trace follows the first packet only. Let through there, a DROP or REJECT rule the counters saw count while a
  // probe got nothing took another of its packets: its answer on the way back, or (a rule no first packet meets, such
  // as `--ctstate ESTABLISHED -j DROP`) a later one going its way; it decides. Otherwise counters that moved for other
  // traffic (a chain policy counts neighbour discovery too) must not outweigh the trace.
  // A policy the counters found taking the answer (or a later packet) decides; one they read as taking the first packet
  // may have counted neighbour discovery, which the trace's first packet outweighs.
  const marked = d !== undefined && (d.answer === true || d.later === true);
  // A REJECT the trace shows taking the first packet, and nothing came back: a DROP the counters saw count on the
  // answer's way back (an OUTPUT policy DROP without RELATED: tester 42a) took the REJECT's answer, and decides.
  // Only a host the answer crossed: the REJECT's own, or one between it and the prober (reviewer).
  if (verdict === "dropped" && traced.action === "reject" && d?.answer === true && d.action === "drop" && !d.held && pathRank(d.host, observation.result.spec) <= pathRank(traced.host, observation.result.spec)) return { ...observation, decision: d };
  // A firewall host no trace sees (iptables-legacy) on the path of a probe the trace let through: a DROP or REJECT its
  // counters saw take the probe decides when it fits what the prober got (tester 44f: a router's nft accept was named for
  // its server's REJECT), and so does a REJECT there whose answer never came (it took the first packet all the same:
  // tester 45a). Only a host beyond the traced one (another router ranks alike: it may be after) or on the answer's
  // way; one before it let the first packet through. A trace there does not tell the first packet from the answer: by
  // where the rule sits (the prober's input or the target's output: the answer's way), or as the counters read it.
  const spec = observation.result.spec;
  const lostReject = d?.action === "reject" && verdict === "dropped";
  if (traced.action === "accept" && d && d.action !== "accept" && d.host !== traced.host && !traces.named.has(d.host) && !d.held && !d.sentOn && (fits(d) || lostReject) && (pathRank(d.host, spec) >= Math.max(pathRank(traced.host, spec), 1) || answerWay(spec, d))) {
    return { ...observation, decision: marked || lostReject || !answerWay(spec, d) ? d : { ...d, answer: true } };
  }
  if (verdict === "dropped" && traced.action === "accept" && d && d.action !== "accept" && !d.held && !d.sentOn && (marked || !d.policy)) {
    return { ...observation, decision: marked || d.source === "trace" ? d : { ...d, ...packetTaken(observation.result.spec, d) } };
  }
  return { ...observation, ...counted, decision: sentTo.length > 0 ? { ...traced, sentOnTo: sentTo[0]!.shown } : traced };
}

/**
 * Which of a probe's packets other than its first a rule took, by where it sits: the answer's way (the target's
 * output, the prober's input, a router's forward chain), or a later packet going the first packet's way (the
 * target's input, the prober's output). A chain of another name (a native nft table's own) is taken for the answer's.
 */
function packetTaken(spec: ProbeSpec, d: Decision): { answer: true } | { later: true } {
  // A rule that names the probe's port as destination only matches packets going its way; as source only, its answers
  // (tester 45a: a router's `--dport 7009 --tcp-flags ACK ACK -j DROP` was said to take the answer).
  const way = portWay(d.rule, spec.port);
  if (way !== undefined) return way === "first" ? { later: true } : { answer: true };
  const target = targetOf(spec);
  const chain = (d.path[0] ?? "").toUpperCase();
  const firstWay = target !== spec.from && ((d.host === target && chain === "INPUT") || (d.host === spec.from && chain === "OUTPUT"));
  return firstWay ? { later: true } : { answer: true };
}

/** Is the rule on the answer's way: the prober's input chain, or the target's output chain (another probe's target: not the prober)? */
function answerWay(spec: ProbeSpec, d: Decision): boolean {
  const target = targetOf(spec);
  const chain = (d.path[0] ?? "").toUpperCase();
  return target !== spec.from && ((d.host === spec.from && chain === "INPUT") || (d.host === target && chain === "OUTPUT"));
}
