/**
 * Rule coverage (pure): which rules of each firewall host took the packets
 * of which checks, which took none, and which took none because an earlier
 * rule of their chain took traffic they match (shadowed, observed). Built
 * from a scenario's check results in the order they ran and the rules its
 * firewall hosts had when the scenario started. The definition (what is
 * counted) is in README *Rule coverage*; in short:
 *
 * - A ruleset is what an apply step (or a reboot) left loaded on a host, per
 *   family, as iptables-save / ip6tables-save print it, and its native
 *   nftables tables (a rule of an `inet` table once per family); each is
 *   listed on its own (a rule loaded by two apply steps is counted twice).
 *   Before any apply, a host has the ruleset it started with.
 * - Counted: every rule (`-A` line) of such a ruleset, except rules the host
 *   already had when the scenario started (the lab's own, e.g. the container
 *   engine's DNS rules in the nat table) and rules in tables or chains named
 *   `fwspec…` (fwspec's own), and native nft rules without a counter
 *   statement (nothing can show them taking a packet). Chain policies are
 *   not rules and not counted.
 * - Exercised: the rule's packet counter moved during a probe (an
 *   expectation's, or its parity probe in the other family) or a sweep (the
 *   DROP and REJECT rules it counted) while that ruleset was loaded, and the
 *   rule can match one of the probe's packets by protocol (rules/l4proto.ts:
 *   an ICMP rule's counter moved by neighbour discovery is not the probe's). `run`
 *   steps, held connections and the rules that admitted a sweep's ports send
 *   packets that are not attributed to a check: each such check or step is
 *   listed in `unattributed`, so a rule only they reach reads "never
 *   matched" with the reason beside it, and the figure never counts a rule
 *   it has no probe's evidence for.
 * - Shadowed: never exercised, and during some probe an earlier rule of the
 *   same chain that covers it (takes every packet it matches) counted the
 *   probe, while this rule matches the probe's first packet and the chain
 *   sees that packet on that host (rules/packet-match.ts decides "matches"
 *   and "covers" conservatively: options it does not model never match;
 *   native nft rules are never judged shadowed). When the earlier rule that
 *   took the probe does not cover it, the rule is never matched and that
 *   rule is named (`takenEarlier`: partly shadowed).
 */
import { readAnswerLine } from "../judge/answer.ts";
import type { CheckResult, ExpectationResult, RuleHit } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { FAMILIES } from "../model/types.ts";
import { matchesProbeProtocol } from "../rules/l4proto.ts";
import { covers, matchesPacket, type ProbePacket } from "../rules/packet-match.ts";
import type { CounterReading } from "../rules/read.ts";
import { nftEvidenceRules } from "../rules/nft-evidence.ts";
import { blankQuoted, stableRuleText } from "../rules/nft-canonical.ts";
import { parseSave, type SavedRule } from "../rules/saved.ts";

/** A check whose packets a rule took: an expectation's probe, or its parity probe in the other family. */
export interface CoverageCheck {
  readonly line: number;
  readonly text: string;
  readonly family: Family;
  /** The other family's probe of a single-family expectation. */
  readonly parity: boolean;
  readonly packets: number;
}

export type RuleCoverageStatus = "exercised" | "unexercised" | "shadowed";

export interface CoveredRule {
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  readonly position: number;
  readonly text: string;
  readonly status: RuleCoverageStatus;
  readonly packets: number;
  readonly checks: readonly CoverageCheck[];
  /** Shadowed: the earlier rules that took its traffic, and the probe that showed it. */
  readonly shadowedBy?: { readonly rules: readonly string[]; readonly check: CoverageCheck };
  /** Never matched, and a probe it matches was taken by an earlier rule that does not cover it (partly shadowed). */
  readonly takenEarlier?: { readonly rules: readonly string[]; readonly check: CoverageCheck };
}

export interface RulesetCoverage {
  readonly host: string;
  /** What loaded it: `apply (line 14)`, `reboot (line 30)`, `as the lab started`. */
  readonly loadedBy: string;
  readonly line: number | null;
  /** The counted rules, per family in ruleset order. */
  readonly rules: readonly CoveredRule[];
}

export interface CoverageCounts {
  /** Rules counted (see the definition above). */
  readonly rules: number;
  readonly exercised: number;
  readonly shadowed: number;
  /** Counted rules no check exercised (shadowed ones included). */
  readonly unexercised: number;
}

/** A check or step whose packets (some or all) are attributed to no rule. */
export interface UnattributedCheck {
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

export interface ScenarioCoverage extends CoverageCounts {
  readonly rulesets: readonly RulesetCoverage[];
  /** Native nft rules without a counter that no trace named deciding: not counted, nothing can show them taking a packet. */
  readonly unmeasurable?: number;
  /** Checks and steps whose packets are not (all) attributed, in the order they ran (always set by scenarioCoverage). */
  readonly unattributed?: readonly UnattributedCheck[];
}

export interface RunCoverage extends CoverageCounts {
  /** exercised / rules × 100; null when no rule was counted. */
  readonly percent: number | null;
  /** Checks and steps of the run whose packets are not (all) attributed (always set by runCoverage). */
  readonly unattributed?: number;
  /** Native nft rules of the run without a counter that no trace named deciding (always set by runCoverage). */
  readonly unmeasurable?: number;
  /** The least percentage asked for (`--coverage-min`, RunOptions.coverageMin), when one was. */
  readonly min?: number;
  /** Why the run falls short of `min` (coverageShortfall): the run fails like a failed check. */
  readonly shortfall?: string;
}

/** Why a result's packets are not attributed; undefined when they are. */
function unattributedOf(r: CheckResult): UnattributedCheck | undefined {
  if (r.kind === "step" && (r.step === "run" || r.step === "hold")) {
    return { line: r.line, text: r.title, why: `a ${r.step === "run" ? "run step" : "held connection"}: its packets are not attributed to any rule` };
  }
  if (r.kind !== "expectation") return undefined;
  const text = `${r.text} [${r.family}]`;
  if (r.sweep) return { line: r.line, text, why: "a sweep: only the DROP and REJECT rules it counted are attributed, not the rules that admitted its ports" };
  if (r.held !== undefined && r.actual !== "open") {
    return { line: r.line, text, why: `a held connection that no longer passes data: its retransmits may be counted during later probes of ${r.family} (their ✓ may include them)` };
  }
  return undefined;
}

interface Tally {
  packets: number;
  readonly checks: CoverageCheck[];
}

interface Epoch {
  readonly host: string;
  readonly loadedBy: string;
  readonly line: number | null;
  readonly rules: SavedRule[];
  readonly tally: Map<SavedRule, Tally>;
  /** Each probe while loaded: its packet and the rules it counted here. */
  readonly probes: { readonly check: CoverageCheck; readonly packet: ProbePacket | undefined; readonly from: string; readonly target: string | undefined; readonly seen?: string | undefined; readonly hits: Map<SavedRule, number> }[];
}

const BUILTIN = new Set(["INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"]);
const LOOPBACK: Readonly<Record<Family, string>> = { ipv4: "127.0.0.1", ipv6: "::1" };

/** A rule's text without the handle a native nft rule's hit carries (`… drop # handle 8`). */
const withoutHandle = (text: string) => text.replace(/ # handle \d+$/, "");

const ruleKey = (r: { family: string; table: string; chain: string; text: string }) => `${r.family}\0${r.table}\0${r.chain}\0${withoutHandle(r.text)}`;

/** A rule in a table or chain fwspec itself creates (`fwspec…`; an nft table is `family name`). */
function isFwspecOwn(r: SavedRule): boolean {
  return (r.table.split(" ").at(-1) ?? "").startsWith("fwspec") || r.chain.startsWith("fwspec");
}

function parsedRules(evidence: { ipv4: string; ipv6: string; nft?: string }): SavedRule[] {
  const iptables = FAMILIES.flatMap((f) => {
    try {
      return parseSave(evidence[f], f).rules;
    } catch {
      return [];
    }
  });
  return [...iptables, ...(evidence.nft ? nftEvidenceRules(evidence.nft) : [])];
}


/**
 * The source address the target's listener saw (its identity line: `web:80 saw 198.18.50.100:40312 (remote)`,
 * `… saw [2001:db8::9]:51000 (…)`): what the target's own rules met as the probe's source, after any SNAT on the
 * way (tester 42a: a source-restricted DROP behind a broader ACCEPT read as never matched, never as shadowed).
 */
function sourceSeen(answer: string | undefined): string | undefined {
  return readAnswerLine(answer)?.peer;
}

function looksLikeAddress(label: string): boolean {
  return /^[0-9.]+$/.test(label) || label.includes(":");
}

/** The probe's first packet in `family`, and the host it targets (undefined when it names an address). */
function probeOf(e: ExpectationResult, family: Family, parity: boolean): { packet: ProbePacket | undefined; target: string | undefined } {
  const target = e.to === "localhost" ? e.from : looksLikeAddress(e.to) ? undefined : e.to;
  const loopback = target === e.from;
  const destination = e.to === "localhost" ? LOOPBACK[family] : parity ? undefined : e.address || undefined;
  const protocol = e.protocol === "udp" ? "udp" : "tcp";
  return { packet: { family, protocol, dport: e.port, destination, source: loopback ? destination : undefined, loopback }, target };
}

/** Builtin chains that reach `chain` (itself when builtin), through jumps and gotos of the same table. */
function rootsOf(rules: readonly SavedRule[], family: Family, table: string, chain: string, seen = new Set<string>()): string[] {
  if (BUILTIN.has(chain)) return [chain];
  if (seen.has(chain)) return [];
  seen.add(chain);
  const callers = rules.filter((r) => r.family === family && r.table === table && r.target === chain);
  return [...new Set(callers.flatMap((r) => rootsOf(rules, family, table, r.chain, seen)))];
}

/** Does `chain` on `host` see the probe's first packet (not only its answers)? */
function seesFirstPacket(epoch: Epoch, rule: SavedRule, from: string, target: string | undefined): boolean {
  const roots = rootsOf(epoch.rules, rule.family, rule.table, rule.chain);
  const host = epoch.host;
  const sees = (c: string) =>
    target === from && host === from ? c !== "FORWARD"
      : host === from ? c === "OUTPUT" || c === "POSTROUTING"
        : target === undefined ? false
          : host === target ? c === "INPUT" || c === "PREROUTING"
            : c === "FORWARD" || c === "PREROUTING" || c === "POSTROUTING";
  return roots.length > 0 && roots.every(sees);
}

function describeRule(r: SavedRule): string {
  return `${r.family} ${r.table} ${r.chain} #${r.position} ${r.text}`;
}

/** The rule of the epoch a hit is on: same place and text, else the same text (a run step moved it), else a rule loaded since. */
function ruleOf(epoch: Epoch, hit: RuleHit): SavedRule {
  const text = withoutHandle(hit.text);
  const same = (r: SavedRule) => r.family === hit.family && r.table === hit.table && r.chain === hit.chain && r.text === text;
  const found = epoch.rules.find((r) => same(r) && r.position === hit.position) ?? epoch.rules.find(same);
  if (found) return found;
  const added: SavedRule = { family: hit.family, table: hit.table, chain: hit.chain, position: hit.position, text, packets: 0, bytes: 0, target: /-[jg] (\S+)/.exec(hit.text)?.[1] ?? null, comment: null };
  epoch.rules.push(added);
  return added;
}

/**
 * The earliest evidence that a never-matched rule's traffic went to earlier rules: covering ones (shadowed) first,
 * then a probe from another host before a loopback one (whose `-i lo` ACCEPT only loopback packets meet: tester 41a).
 */
function earlierOf(epoch: Epoch, rule: SavedRule): { shadowed: boolean; rules: string[]; check: CoverageCheck } | undefined {
  let partly: { shadowed: boolean; rules: string[]; check: CoverageCheck } | undefined;
  const probes = [...epoch.probes].sort((a, b) => Number(a.packet?.loopback === true) - Number(b.packet?.loopback === true));
  for (const p of probes) {
    if (!p.packet || p.packet.family !== rule.family) continue;
    // On its target, the source its listener saw (the prober's, or a router's after a SNAT); elsewhere not known.
    const packet = p.seen !== undefined && epoch.host === p.target && !p.packet.loopback ? { ...p.packet, source: p.seen } : p.packet;
    if (!seesFirstPacket(epoch, rule, p.from, p.target) || matchesPacket(rule.text, packet) !== "match") continue;
    const earlier = [...p.hits.keys()].filter((e) => e.family === rule.family && e.table === rule.table && e.chain === rule.chain && e.position < rule.position && matchesPacket(e.text, packet) !== "no");
    const covering = earlier.filter((e) => covers(e.text, rule.text));
    if (covering.length > 0) return { shadowed: true, rules: covering.map(describeRule), check: p.check };
    if (earlier.length > 0) partly ??= { shadowed: false, rules: earlier.map(describeRule), check: p.check };
  }
  return partly;
}

export function counts(rules: readonly CoveredRule[]): CoverageCounts {
  const exercised = rules.filter((r) => r.status === "exercised").length;
  return { rules: rules.length, exercised, shadowed: rules.filter((r) => r.status === "shadowed").length, unexercised: rules.length - exercised };
}

/**
 * A scenario's rule coverage from its check results in the order they ran and
 * each firewall host's rules when it started (also the rules never counted).
 */
export function scenarioCoverage(results: readonly CheckResult[], atStart: ReadonlyMap<string, CounterReading>): ScenarioCoverage {
  const lab = new Set([...atStart.values()].flatMap((reading) => FAMILIES.flatMap((f) => reading[f].rules.map(ruleKey))));
  const epochs: Epoch[] = [];
  const current = new Map<string, Epoch>();
  const begin = (host: string, loadedBy: string, line: number | null, rules: SavedRule[]) => {
    const epoch: Epoch = { host, loadedBy, line, rules, tally: new Map(), probes: [] };
    epochs.push(epoch);
    current.set(host, epoch);
  };
  for (const [host, reading] of atStart) begin(host, "as the lab started", null, FAMILIES.flatMap((f) => reading[f].rules));

  const record = (e: ExpectationResult, family: Family, parity: boolean, hits: readonly RuleHit[]) => {
    const check: CoverageCheck = { line: e.line, text: e.text, family, parity, packets: 0 };
    const { packet, target } = probeOf(e, family, parity);
    const byEpoch = new Map<Epoch, Map<SavedRule, number>>();
    // A rule none of whose protocols the probe's packets have did not take them: its counter moved for other traffic
    // (neighbour discovery; an inet rule's one counter counts both families: tester 45b).
    const verdict = parity ? e.parity?.verdict ?? "" : e.actual;
    // The rule named as deciding took its packet whatever its protocol (an ICMP DROP that took a REJECT's answer: reviewer).
    const decided = (h: RuleHit) => !parity && e.decision !== undefined && h.host === e.decision.host && withoutHandle(h.text) === withoutHandle(e.decision.rule);
    for (const hit of hits.filter((h) => decided(h) || matchesProbeProtocol(h.text, family, e.protocol === "udp" ? "udp" : "tcp", verdict))) {
      const epoch = current.get(hit.host);
      if (!epoch) continue;
      const rule = ruleOf(epoch, hit);
      const here = byEpoch.get(epoch) ?? new Map<SavedRule, number>();
      byEpoch.set(epoch, here);
      here.set(rule, (here.get(rule) ?? 0) + hit.packets);
    }
    const traced = parity ? undefined : tracedRule(e, current);
    if (traced && !byEpoch.get(traced.epoch)?.has(traced.rule)) byEpoch.set(traced.epoch, new Map([...(byEpoch.get(traced.epoch) ?? []), [traced.rule, 1]]));
    for (const epoch of new Set(current.values())) {
      const hitsHere = byEpoch.get(epoch) ?? new Map<SavedRule, number>();
      epoch.probes.push({ check, packet, from: e.from, target, seen: parity ? undefined : sourceSeen(e.answer), hits: hitsHere });
      for (const [rule, packets] of hitsHere) {
        const t = epoch.tally.get(rule) ?? { packets: 0, checks: [] };
        epoch.tally.set(rule, t);
        t.packets += packets;
        t.checks.push({ ...check, packets });
      }
    }
  };

  const unattributed: UnattributedCheck[] = [];
  for (const r of results) {
    const u = unattributedOf(r);
    if (u) unattributed.push(u);
    if (r.kind === "step" && r.evidence && r.evidence.host !== undefined && (r.step === "apply" || r.step === "reboot")) {
      begin(r.evidence.host, `${r.step} (line ${r.line})`, r.line, parsedRules(r.evidence));
    } else if (r.kind === "expectation") {
      record(r, r.family, false, r.counted ?? []);
      if (r.parity) record(r, r.parity.family, true, r.parity.counted ?? []);
    }
  }

  let unmeasurable = 0;
  const rulesets = epochs.map((epoch): RulesetCoverage => {
    const own = epoch.rules.filter((r) => !lab.has(ruleKey(r)) && !isFwspecOwn(r) && !onlyOtherFamily(r));
    unmeasurable += own.filter((r) => r.counts === false && !epoch.tally.has(r)).length;
    const rules = own
      .filter((r) => r.counts !== false || epoch.tally.has(r))
      .sort((a, b) => FAMILIES.indexOf(a.family) - FAMILIES.indexOf(b.family))
      .map((r): CoveredRule => {
        const t = epoch.tally.get(r);
        const base = { family: r.family, table: r.table, chain: r.chain, position: r.position, text: r.text, packets: t?.packets ?? 0, checks: t?.checks ?? [] };
        if (t && t.packets > 0) return { ...base, status: "exercised" };
        const earlier = earlierOf(epoch, r);
        if (!earlier) return { ...base, status: "unexercised" };
        const { shadowed, ...by } = earlier;
        return shadowed ? { ...base, status: "shadowed", shadowedBy: by } : { ...base, status: "unexercised", takenEarlier: by };
      });
    return { host: epoch.host, loadedBy: epoch.loadedBy, line: epoch.line, rules };
  }).filter((r) => r.rules.length > 0);
  return { rulesets, unattributed, unmeasurable, ...counts(rulesets.flatMap((r) => r.rules)) };
}

/**
 * An `inet` table's rule that matches one family only (`meta nfproto ipv6`,
 * `ip6 saddr …`, `icmpv6 type …`; `ip daddr …`, `icmp type …`) as listed in
 * the other family's reading, where no packet can meet it: not a rule of
 * that family, so neither exercised nor never matched there.
 */
export function onlyOtherFamily(r: Pick<SavedRule, "family" | "table" | "text">): boolean {
  if (!r.table.startsWith("inet ")) return false;
  const text = blankQuoted(r.text);
  const nfproto = /(?:^|\s)meta nfproto (ipv4|ipv6)(?=\s|$)/.exec(text)?.[1];
  const only = nfproto ?? (/(?:^|\s)(?:ip6|icmpv6)\s/.test(text) ? "ipv6" : /(?:^|\s)(?:ip|icmp)\s/.test(text) ? "ipv4" : undefined);
  return only !== undefined && only !== r.family;
}

/**
 * The rule an nftables trace named as deciding an expectation's probe, when it
 * is a native nft rule without a counter (its counter can never show it):
 * same host, family, table, chain (the path's last) and text.
 */
function tracedRule(e: ExpectationResult, current: ReadonlyMap<string, Epoch>): { epoch: Epoch; rule: SavedRule } | undefined {
  const d = e.decision;
  if (!d || d.source !== "trace" || d.policy || d.unfiltered) return undefined;
  const epoch = current.get(d.host);
  const text = stableRuleText(withoutHandle(d.rule));
  const rule = epoch?.rules.find((r) => r.counts === false && r.family === d.family && r.table === d.table && r.chain === d.path.at(-1) && r.text === text);
  return epoch && rule ? { epoch, rule } : undefined;
}
