/**
 * Pure: an expectation's result from what was observed — the verdict judged
 * against the expected one, the mismatch explained, the rules that counted the
 * probe named, who answered and which source it saw (answer.ts), and IPv4/IPv6 parity (the other family's observation; a
 * difference fails the check when the scenario says `parity: fail`).
 */
import type { ExpectationResult, ParityObservation, RuleHit } from "../model/results.ts";
import { type Family, targetLabel } from "../model/types.ts";
import type { HostRuleDelta, Observation } from "../probes/observe.ts";
import { silentConnection } from "../probes/greeting.ts";
import { unresolvedNeighbour } from "../probes/neighbour.ts";
import { icmpErrorsSeen } from "../probes/refusal.ts";
import type { ProbeResult } from "../probes/probe.ts";
import type { PolicyDelta, RuleDelta } from "../rules/delta.ts";
import type { Expectation } from "../scenario/model.ts";
import { type AddressBook, judgeAnswer } from "./answer.ts";
import { type Evidence, explainMismatch, explainRefusal, stoppedLine } from "./explain.ts";
import { judgeVerdict } from "./verdict.ts";
import { REFUSAL_OF_KIND } from "../scenario/refusal.ts";

export function describeDelta(d: RuleDelta): string {
  return `${d.rule.family} ${d.rule.table} ${d.rule.chain} #${d.rule.position} ${d.rule.text} (+${d.packets} packets)`;
}

function hitOf(d: HostRuleDelta): RuleHit {
  return { host: d.host ?? "", family: d.rule.family, table: d.rule.table, chain: d.rule.chain, position: d.rule.position, text: d.rule.text, packets: d.packets };
}

/**
 * An observation whose probe never left its host (its next hop unresolved:
 * probes/neighbour.ts): the counters that moved meanwhile counted ARP or
 * neighbour discovery, not the probe's packet, so no rule is claimed to have
 * taken it and its reason says what happened.
 */
function unsent(o: Observation): Observation {
  const neighbour = unresolvedNeighbour(o.result.evidence.stderr);
  // An error says itself why (a next hop no lab host holds: probes/literal-targets.ts).
  if (!neighbour || o.result.verdict === "error") return o;
  const { decision: _claimed, ...rest } = o;
  const hop = neighbour.address === o.result.address ? neighbour.address : `its next hop ${neighbour.address}`;
  const at = neighbour.at;
  const reason = neighbour.replying
    ? `no answer after ${o.result.evidence.durationMs} ms: ${at} (its target) had no link-layer address for ${neighbour.address} on its way back to ${o.result.spec.from} (its neighbour entry ${neighbour.state}), so its answer never left ${at}`
    : at !== undefined
    ? `no answer after ${o.result.evidence.durationMs} ms: ${at} (the router on its path) had no link-layer address for ${hop} (its neighbour entry ${neighbour.state}), so the probe's packet went no further than ${at}`
    : `no answer after ${o.result.evidence.durationMs} ms: ${o.result.spec.from} had no link-layer address for ${hop} (its neighbour entry ${neighbour.state}), so the probe's packet never left it`;
  return { ...rest, result: { ...o.result, reason } };
}

/** Did ICMP errors come back in the probe's family (fwspec-probe's note, probes/refusal.ts)? */
export function icmpSeen(stderr: string, family: Family): boolean {
  return icmpErrorsSeen(family, stderr) > 0;
}

function parityOf(observed: ProbeResult, other: Observation): ParityObservation {
  const o = other.result;
  return {
    family: o.spec.family, verdict: o.verdict, reason: o.reason, command: o.evidence.command, differs: o.verdict !== observed.verdict, decidedBy: other.decidedBy.map(describeDelta),
    ...(other.decidedBy.length > 0 ? { counted: other.decidedBy.map(hitOf) } : {}),
    ...(other.decision ? { decision: other.decision } : {}),
    ...(o.halfOpen ? { halfOpen: true as const } : {}),
  };
}

function describePolicy(p: PolicyDelta): string {
  return `${p.host ? `${p.host}: ` : ""}${p.family} ${p.table} ${p.chain} policy ${p.policy} (+${p.packets} packets)`;
}

/** The result of one expectation in one family; `other` is the parity probe's observation, if one ran. */
export function judgeExpectation(expectation: Expectation, family: Family, seen: Observation, seenOther?: Observation, parityMode: "warn" | "fail" | "off" = "warn", book: AddressBook = new Map()): ExpectationResult {
  const observed = unsent(seen);
  const other = seenOther && unsent(seenOther);
  const probe = observed.result;
  const parity = other ? parityOf(probe, other) : undefined;
  let status = judgeVerdict(expectation.expected, probe.verdict);
  const neighbour = unresolvedNeighbour(probe.evidence.stderr);
  const evidence: Evidence = {
    watched: observed.watched ?? observed.decidedBy.length > 0,
    ...(observed.native ? { native: true } : {}),
    ...(observed.netdev ? { netdev: observed.netdev } : {}),
    ...(observed.decision ? { decision: observed.decision } : {}),
    ...(neighbour ? { neighbour: { ...neighbour, from: expectation.from, family, target: probe.address } } : {}),
    ...(probe.halfOpen ? { halfOpen: true } : {}),
    ...(silentConnection(probe) ? { silent: true } : {}),
    // Over IPv6 only: a connecting TCP socket takes the first ICMPv6 error as soft (explain.ts explainMismatch).
    ...(family === "ipv6" && icmpSeen(probe.evidence.stderr, family) ? { icmpSeen: true } : {}),
    ...(family === "ipv6" ? { ipv6: true } : {}),
    ...(!observed.decision && observed.decidedBy.some((d) => d.rule.handle !== undefined && (d.rule.target === "DROP" || d.rule.target === "REJECT")) ? { countedNative: true } : {}),
  };
  let explanation = status === "passed" ? undefined : explainMismatch(expectation.expected, probe.verdict, evidence, expectation.protocol);
  const stopped = probe.evidence.stoppedEarly ? (stoppedLine(probe.evidence.durationMs, probe.verdict, evidence, expectation.protocol) ?? probe.evidence.stoppedEarly) : undefined;
  // `refused:rst` / `refused:icmp`: the refusal must also have come back that way.
  const kind = expectation.refusal;
  if (status === "passed" && kind && probe.refusal !== REFUSAL_OF_KIND[kind]) {
    status = "failed";
    explanation = explainRefusal(kind, REFUSAL_OF_KIND[kind], probe.refusal, evidence, expectation.protocol);
  }
  // The verdict held: who answered and which source it saw must hold too.
  const answer = judgeAnswer(expectation, family, probe, book);
  if (status === "passed" && answer.problem) {
    status = "failed";
    explanation = answer.problem;
  }
  if (status === "passed" && parity?.differs && parityMode === "fail") {
    status = "failed";
    explanation = `${PARITY_FAILURE} ${family} is ${probe.verdict} but ${parity.family} is ${parity.verdict} (parity: fail)`;
  }
  return {
    kind: "expectation",
    text: expectation.text,
    line: expectation.location.line,
    from: expectation.from,
    ...(expectation.source !== undefined ? { source: expectation.source } : {}),
    to: targetLabel(expectation.to),
    port: expectation.port,
    protocol: expectation.protocol,
    family,
    expected: expectation.expected,
    actual: probe.verdict,
    status,
    reason: probe.reason,
    ...(probe.refusal ? { refusal: probe.refusal } : {}),
    ...(explanation ? { explanation } : {}),
    ...(probe.halfOpen ? { halfOpen: true as const } : {}),
    ...(!evidence.watched ? { unwatched: true as const } : {}),
    address: probe.address,
    evidence: {
      command: probe.evidence.command,
      exitCode: probe.evidence.exitCode,
      stdout: probe.evidence.stdout,
      stderr: probe.evidence.stderr,
      durationMs: probe.evidence.durationMs,
      ...(stopped ? { stoppedEarly: stopped } : {}),
    },
    decidedBy: [...observed.decidedBy.map(describeDelta), ...(observed.policies ?? []).map(describePolicy)],
    ...(observed.decidedBy.length > 0 ? { counted: observed.decidedBy.map(hitOf) } : {}),
    ...(observed.decision ? { decision: observed.decision } : {}),
    ...(parity ? { parity } : {}),
    ...(expectation.held ? { held: expectation.held } : {}),
    ...(answer.answer ? { answer: answer.answer } : {}),
    ...(answer.problem && probe.verdict === "open" ? { answerMismatch: answer.problem } : {}),
  };
}

/** How a parity failure's explanation begins (the report tells a parity failure from a warning by it). */
export const PARITY_FAILURE = "IPv4/IPv6 parity:";

/** Is this result failed by `parity: fail` (rather than by its own verdict)? */
export function failedByParity(r: ExpectationResult): boolean {
  return r.status === "failed" && (r.explanation?.startsWith(PARITY_FAILURE) ?? false);
}
