/**
 * The ports of a sweep that a rule answering by earlier packets can meet
 * (rules/stateful.ts: a rate limit, a list or set rules fill): nmap's one
 * packet per port would say only what a first packet meets, and its packets
 * would spend the limit or fill the set they test. Those ports are not swept
 * but probed one by one as single probes, which run to their own end there
 * (probes/observe.ts). So are those of a rule on the packet's shape
 * (rules/packet-shape.ts: nmap's SYN is not a client's). A rule that names no port, or more ports of the range
 * than MAX_VARYING_PORTS, leaves no port it cannot meet: the sweep is an error
 * naming it. Pure.
 */
import { describeDelta } from "../judge/expectation.ts";
import { REFUSAL_ANSWER } from "../judge/sweep.ts";
import { FwspecError } from "../errors.ts";
import type { PortFinding, PortOutcome } from "../model/sweep.ts";
import type { Observation } from "../probes/observe.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import { shapePart } from "../rules/packet-shape.ts";
import { describeVarying, meetsPorts, rewritesPorts, type VaryingRule, varyingRules, varyingWhy } from "../rules/stateful.ts";

/** Ports a sweep probes one by one at most; more, and the sweep is an error. */
export const MAX_VARYING_PORTS = 16;

/** Each port of first..last that a varying rule on the path can meet, with that rule; throws when such a rule names no port or too many. */
export function varyingPorts(readings: ReadonlyMap<string, SavedRuleset>, first: number, last: number, protocol: "tcp" | "udp"): Map<number, VaryingRule> {
  const ports = new Map<number, VaryingRule>();
  // A rule that rewrites ports (DNAT, REDIRECT) makes the ports rules name say nothing about the sweep's: each may meet any.
  const byPort = !rewritesPorts(readings);
  const meets = meetsPorts(first, last, protocol, byPort);
  for (const v of [...varyingRules(readings, meets), ...varyingRules(readings, meets, shapePart).map((r) => ({ ...r, shape: true as const }))]) {
    // A shape rule on every port of a small range: each probed with a client's packet (its answer does not depend on the others).
    const ranges = byPort && v.ports !== undefined ? v.ports : v.shape && last - first + 1 <= MAX_VARYING_PORTS ? [[first, last] as const] : undefined;
    const effect = v.shape ? "" : ", so a sweep's packets would change what they test";
    if (ranges === undefined) throw new FwspecError(`${describeVarying(v)} ${varyingWhy(v)} and may meet any port of the range${effect}: not swept; expect single ports instead`);
    for (const [a, b] of ranges) {
      for (let port = Math.max(a, first); port <= Math.min(b, last); port++) {
        if (!ports.has(port)) ports.set(port, v);
        if (ports.size > MAX_VARYING_PORTS) throw new FwspecError(`${describeVarying(v)} ${varyingWhy(v)} on more than ${MAX_VARYING_PORTS} ports of the range${effect}: not swept; expect single ports (or a smaller range) instead`);
      }
    }
  }
  return ports;
}

/** Why a varying rule's port was probed alone: `not swept: server's rule … (-m limit) answers by the packets before it`. */
export function notSwept(v: VaryingRule): string {
  return `not swept: ${describeVarying(v)} ${varyingWhy(v).replace(/,$/, "")}`;
}

/** What a single probe of a port says, as a sweep's finding (`why` it was probed alone: notSwept): refused by a REJECT the evidence names, or admitted (nothing listening) when a rule let it in. */
export function singleFinding(port: number, o: Observation, why: string): PortFinding {
  const r = o.result;
  const rejected = o.decision?.action === "reject" || o.decidedBy.some((d) => d.rule.target === "REJECT");
  const outcome: PortOutcome = r.verdict === "refused" ? (rejected ? "refused" : o.decision?.action === "accept" ? "admitted" : "undetermined") : r.verdict;
  return {
    port,
    outcome,
    verdict: r.verdict,
    // The refusal's kind on the wire, as nmap names it (judge/sweep.ts answerKind: `refused:rst` sweeps).
    answer: r.refusal ? REFUSAL_ANSWER[r.refusal] : "",
    evidence: `a single probe (${why}): ${r.reason}`,
    rules: o.decidedBy.map(describeDelta),
    command: r.evidence.command,
  };
}
