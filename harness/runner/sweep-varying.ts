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
import type { SweepEnds } from "../probes/sweep/resolve.ts";
import type { SavedRule, SavedRuleset } from "../rules/saved.ts";
import { blankQuoted } from "../rules/nft-canonical.ts";
import { shapePart } from "../rules/packet-shape.ts";
import { describeVarying, meetsPorts, portsReaching, rewritesPorts, ruleProtocol, type VaryingRule, varyingRules, varyingWhy } from "../rules/stateful.ts";

/** Ports a sweep probes one by one at most; more, and the sweep is an error. */
export const MAX_VARYING_PORTS = 16;

/**
 * An ICMP rule the sweep's answers leave by: in the target's output chain or a
 * router's forward chain (a REJECT's port unreachable, UDP's from the kernel;
 * tester 45c: `-A OUTPUT -p icmp -m limit … -j ACCEPT` then `-j DROP` read
 * 1016 REJECTed ports as dropped), not one for echo requests or replies only.
 * Not the prober's input chain: nmap reads answers before its rules.
 */
function takesIcmpAnswers(reading: SavedRuleset, rule: SavedRule, host: string, ends: SweepEnds): boolean {
  const protocol = ruleProtocol(rule);
  if (protocol !== "icmp" && protocol !== "ipv6-icmp" && protocol !== "icmpv6") return false;
  const text = blankQuoted(rule.text);
  if (/echo/.test(text) && !/unreach/.test(text)) return false;
  const hook = reading.chains.find((c) => c.table === rule.table && c.chain === rule.chain)?.hook;
  const chain = rule.handle === undefined ? rule.chain : hook === undefined ? "" : hook.toUpperCase();
  return (host === ends.target && chain === "OUTPUT") || (host !== ends.target && host !== ends.from && chain === "FORWARD");
}

/** The lists and sets a rule fills (`-m recent --set`, `-j SET --add-set`, nft `add @s`) and those it reads (`--rcheck`, `-m set --match-set`, `ip saddr @s`). */
export function listUse(rule: SavedRule): { readonly writes: readonly string[]; readonly reads: readonly string[] } {
  const text = blankQuoted(rule.text);
  if (rule.handle !== undefined) {
    const writes = [...text.matchAll(/(?:^|\s)(?:add|update)\s+@(\S+)/g)].map((m) => m[1]!);
    const reads = [...text.matchAll(/(?:^|\s)(?!add\s|update\s|delete\s)\S+\s+@(\S+)/g)].map((m) => m[1]!).filter((n) => !writes.includes(n) || /(?:saddr|daddr)\s+@/.test(text));
    return { writes, reads: [...new Set(reads)] };
  }
  // `-m recent` matches in turn: each with its own `--name` (default DEFAULT) and what it does with it.
  const writes: string[] = [];
  const reads: string[] = [];
  for (const m of text.split(/(?=\s-m\s)/)) {
    if (/^\s*-m\s+recent\b/.test(m)) {
      const name = /--name\s+(\S+)/.exec(m)?.[1] ?? "DEFAULT";
      if (/--(?:set|update)\b/.test(m)) writes.push(`recent ${name}`);
      if (/--(?:rcheck|update)\b/.test(m)) reads.push(`recent ${name}`);
    } else if (/^\s*-m\s+set\b/.test(m)) {
      const name = /--match-set\s+(\S+)/.exec(m)?.[1];
      if (name) reads.push(`set ${name}`);
    }
  }
  const added = /(?:^|\s)--add-set\s+(\S+)/.exec(text)?.[1];
  if (added && /-j\s+SET\b/.test(text)) writes.push(`set ${added}`);
  return { writes, reads };
}

/**
 * A list or set that a rule the sweep's packets to one port fill, which a rule
 * for other ports of the range reads (a port knock: 1001 then 1002 then 22; a
 * trap port that bans the prober): the sweep's own packets would change what
 * later ports get (tester 45c: port 22 read open after the sweep knocked for
 * itself), so it is an error naming both rules.
 */
function feedsOtherPorts(readings: ReadonlyMap<string, SavedRuleset>, first: number, last: number, meets: (rule: SavedRule, host: string) => boolean): string | undefined {
  for (const [host, reading] of readings) {
    // The ports of the range whose packets can reach the rule (its own ports, or the jumps into its chain: a verdict map's keys).
    const inRange = (rule: SavedRule): number[] => {
      const reached = portsReaching(reading, rule, (r) => meets(r, host));
      if (reached === false) return [];
      const ranges = reached ?? [[first, last] as const];
      return Array.from({ length: last - first + 1 }, (_, i) => first + i).filter((p) => ranges.some(([a, b]) => a <= p && p <= b));
    };
    const rules = reading.rules.filter((r) => meets(r, host));
    for (const writer of rules) {
      const written = listUse(writer).writes;
      if (written.length === 0) continue;
      const fed = inRange(writer);
      for (const reader of rules) {
        if (!listUse(reader).reads.some((n) => written.includes(n))) continue;
        const read = inRange(reader);
        if (fed.length === 0 || !read.some((p) => !fed.includes(p) || fed.length > 1)) continue;
        const shown = (r: SavedRule) => `\`${r.text.replace(/\s+# handle \d+$/, "")}\``;
        return `${host}'s rule ${shown(writer)} fills what ${reader === writer ? "it" : `its rule ${shown(reader)}`} reads, for other ports of the range: a sweep's own packets would change what its later ports get (a port knock, a trap port): not swept; expect single ports instead`;
      }
    }
  }
  return undefined;
}

/** Each port of first..last that a varying rule on the path can meet, with that rule; throws when such a rule names no port or too many. */
export function varyingPorts(readings: ReadonlyMap<string, SavedRuleset>, first: number, last: number, protocol: "tcp" | "udp", ends?: SweepEnds): Map<number, VaryingRule> {
  const ports = new Map<number, VaryingRule>();
  // A rule that rewrites ports (DNAT, REDIRECT) makes the ports rules name say nothing about the sweep's: each may meet any.
  const byPort = !rewritesPorts(readings);
  const ofPorts = meetsPorts(first, last, protocol, byPort);
  const meets = (rule: SavedRule, host: string) => ofPorts(rule) || (ends !== undefined && takesIcmpAnswers(readings.get(host)!, rule, host, ends));
  const fed = feedsOtherPorts(readings, first, last, (rule) => ofPorts(rule));
  if (fed !== undefined) throw new FwspecError(fed);
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
