/**
 * Deciding a batch of swept ports from the counters read around it (pure).
 * A batch sends exactly one packet per port (nmap --max-retries 0), so:
 *  - silent ports are `dropped` when the DROP rules and DROP policies on the
 *    path counted exactly one probe-sized packet per silent port (packets and,
 *    for TCP, bytes); otherwise the batch is split or waited out;
 *  - answered ports (RST, ICMP) are REJECTed when REJECT rules counted one
 *    packet per answered port; an RST (UDP: port unreachable) is `admitted`
 *    (the kernel answered, nothing listens) when REJECT rules counted exactly
 *    the answers only a REJECT sends and iptables-save shows every rule on the
 *    path; with rules it cannot show and no REJECT counted, `undetermined`.
 * Anything else is "split": the caller probes halves of the batch again.
 */
import { iptablesDports, type PortRanges, textPorts } from "../../rules/dports.ts";
import type { Decision } from "../../model/results.ts";
import type { Family } from "../../model/types.ts";
import type { PortOutcome } from "../../model/sweep.ts";
import type { DecisiveCount } from "../../rules/decisive.ts";
import { nftRejectAnswer } from "../../rules/nft-listing.ts";
import { tokenizeRule } from "../../rules/tokenize.ts";
import { type AnswerClass, RST_BYTES, SYN_BYTES } from "./answers.ts";
import type { SweepProtocol } from "./nmap.ts";

export type HostCount = DecisiveCount & { readonly host: string };

/** `server: ipv4 filter INPUT policy DROP`, `server: ipv4 filter INPUT #5 -A INPUT … -j REJECT` (without the count). */
export function ruleName(c: HostCount): string {
  return `${c.host}: ${c.family} ${c.table} ${c.chain} ${c.position === null ? "policy DROP" : `#${c.position} ${c.text}`}`;
}

/** ruleName's parts: host, family, table (a native nft table's two words), chain, and `policy DROP` or `#position text`. */
const RULE_NAME = /^(\S+): (ipv4|ipv6) ((?:(?:ip|ip6|inet|arp|bridge|netdev) )?\S+) (\S+) (?:(policy DROP)|#\d+ (.+))$/;

/**
 * The rule a counted rule's name (ruleName) names, as a Decision the
 * counters made, so the line that wrote it can be found (rules/origin.ts);
 * undefined for anything else.
 */
export function countedDecision(name: string): Decision | undefined {
  const m = RULE_NAME.exec(name);
  if (!m) return undefined;
  const [, host, family, table, chain, policy, text] = m;
  const reject = text !== undefined && /(?:^|\s)(?:-j REJECT|reject)(?:\s|$)/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
  return { host: host!, family: family as Family, table: table!, path: [chain!], rule: policy ?? text!, action: reject ? "reject" : "drop", policy: policy !== undefined, source: "counters" };
}

function distinct(counts: readonly HostCount[]): string[] {
  return [...new Set(counts.map(ruleName))];
}

function listed(counts: readonly HostCount[]): string {
  const by = new Map<string, number>();
  for (const c of counts) by.set(ruleName(c), (by.get(ruleName(c)) ?? 0) + c.packets);
  return [...by].map(([r, n]) => `${r} (+${n})`).join("; ");
}

const sum = (counts: readonly HostCount[], key: "packets" | "bytes") => counts.reduce((n, c) => n + (c[key] ?? 0), 0);

export interface Decided {
  readonly outcome: PortOutcome;
  readonly evidence: string;
  readonly rules: readonly string[];
}

/** A decision for every port of the batch; `attributed` false when several rules counted, so which one took which port is open. */
export type SilentDecision =
  | { readonly kind: "decided"; readonly ports: ReadonlyMap<number, Decided>; readonly attributed: boolean }
  | { readonly kind: "split"; readonly why: string };

/** The sweep's two ends, to tell the answer's way: the prober (`from`) and the target host (undefined: an address no lab host holds). */
export interface SweepEnds {
  readonly from: string;
  readonly target?: string | undefined;
  /** The sweep's source port (its packets' source, its answers' destination). */
  readonly sourcePort?: number | undefined;
}

/** Can this count hold `port`'s packets: its rule names no port, or names `port` (or the sweep's source port)? */
export function mayCountPort(c: HostCount, port: number, sourcePort: number | undefined): boolean {
  return !countsOtherPorts({ ...c, packets: 1 }, [port], sourcePort);
}

/**
 * Did a rule that names ports count more packets than the silent ports it
 * names (one probe each): its count holds another port's packets (tester 45a:
 * the SYN-ACK a target resent a second later, counted by an OUTPUT `--sport
 * 7007` DROP, read as another silent port's probe)? A rule naming the sweep's
 * source port (its packets' source, its answers' destination) may count any.
 */
function countsOtherPorts(c: HostCount, ports: readonly number[], sourcePort: number | undefined): boolean {
  const inRanges = (ranges: PortRanges, p: number) => ranges.some(([a, b]) => a <= p && p <= b);
  for (const ranges of [textPorts(c.text, "dport"), textPorts(c.text, "sport")]) {
    if (ranges === undefined || (sourcePort !== undefined && inRanges(ranges, sourcePort))) continue;
    if (c.packets > ports.filter((p) => inRanges(ranges, p)).length) return true;
  }
  return false;
}

/**
 * Is this count all TCP RSTs taken on their way back: RST-sized only, in the
 * target's OUTPUT chain (a built-in chain only: a user chain or a router's
 * FORWARD may see the first packet's way too, and the prober's own RSTs to
 * open ports go the other way). Not the prober's INPUT: nmap reads answers
 * before its rules (runner/sweep-prober.ts), so a reset dropped there was a
 * port nmap saw answered, never a silent one (reviewer).
 */
function answerTaken(c: HostCount, ends: SweepEnds | undefined, family: Family): boolean {
  if (!ends || ends.target === undefined || ends.target === ends.from || c.table !== "filter") return false;
  return c.host === ends.target && c.chain === "OUTPUT" && c.packets > 0 && c.bytes === c.packets * RST_BYTES[family];
}

/**
 * Silent ports of one batch against the DROP counts of that batch: one
 * probe-sized packet per silent port (TCP: SYN-sized) in the DROP rules on the
 * path; for TCP, RSTs a DROP took on the target's way out (answerTaken) count as
 * their port's packet too (an anti-scan `-A OUTPUT -p tcp --tcp-flags RST RST
 * -j DROP`: the kernel's or a REJECT's reset never reached the prober).
 */
export function decideSilent(ports: readonly number[], counts: readonly HostCount[], protocol: SweepProtocol, family: Family, ends?: SweepEnds): SilentDecision {
  const drops = counts.filter((c) => c.kind === "DROP");
  const packets = sum(drops, "packets");
  const bytes = sum(drops, "bytes");
  const foreign = drops.filter((c) => c.position !== null && countsOtherPorts(c, ports, ends?.sourcePort));
  if (foreign.length > 0) return { kind: "split", why: `DROP rules for other ports counted packets: ${listed(foreign)}` };
  const answers = protocol === "tcp" ? drops.filter((c) => answerTaken(c, ends, family)) : [];
  const firsts = drops.filter((c) => !answers.includes(c));
  const sized = protocol === "udp" || sum(firsts, "bytes") === sum(firsts, "packets") * SYN_BYTES[family];
  if (packets !== ports.length || !sized) {
    return { kind: "split", why: `DROP rules counted ${packets} packet(s) of ${bytes} bytes for ${ports.length} silent port(s)` };
  }
  const rules = distinct(drops);
  const taken = sum(answers, "packets");
  const evidence = taken === 0
    ? `no answer; DROP rules and policies on the path counted ${packets} probe-sized packet(s) (${bytes} bytes) for the ${ports.length} silent port(s) of its batch: ${listed(drops)}`
    : `no answer; DROP rules ${taken === packets ? "" : "and policies on the path "}counted ${taken === packets ? "" : `${packets - taken} probe-sized packet(s) and `}${taken} reset(s) on their way back (${RST_BYTES[family]} bytes each) for the ${ports.length} silent port(s) of its batch: ${listed(drops)}`;
  return { kind: "decided", ports: new Map(ports.map((p) => [p, { outcome: "dropped", evidence, rules }])), attributed: rules.length <= 1 };
}

/**
 * The answer (nmap's reason) a REJECT rule sends: an iptables-save rule's
 * --reject-with (default: port unreachable), a native nft rule's `reject`
 * as nft prints it (nft-listing.ts); undefined when not known.
 */
export function rejectAnswer(ruleText: string, family: Family): string | undefined {
  if (!/^-A\s/.test(ruleText)) {
    const nft = nftRejectAnswer(ruleText, family);
    if (nft === undefined) return undefined;
    const [kind = "", code = ""] = nft.split(" ");
    return kind === "tcp" ? "reset" : kind === "icmpx" ? ICMPX_ANSWERS[family][code] : NFT_ANSWERS[`${kind} ${code}`];
  }
  let tokens: string[];
  try {
    tokens = tokenizeRule(ruleText);
  } catch {
    return undefined;
  }
  const w = tokens.indexOf("--reject-with");
  const type = w < 0 ? (family === "ipv4" ? "icmp-port-unreachable" : "icmp6-port-unreachable") : tokens[w + 1] ?? "";
  return REJECT_ANSWERS[type];
}

const REJECT_ANSWERS: Readonly<Record<string, string>> = {
  "tcp-reset": "reset",
  "icmp-port-unreachable": "port-unreach",
  "icmp6-port-unreachable": "port-unreach",
  "icmp-admin-prohibited": "admin-prohibited",
  "icmp6-adm-prohibited": "admin-prohibited",
  "icmp-host-prohibited": "host-prohibited",
  "icmp-net-prohibited": "net-prohibited",
  "icmp-host-unreachable": "host-unreach",
  "icmp-net-unreachable": "net-unreach",
  "icmp-proto-unreachable": "proto-unreach",
  "icmp6-no-route": "no-route",
  // As nft's: nmap reads ICMPv6 address unreachable as host-unreach, failed policy as admin-prohibited.
  "icmp6-addr-unreachable": "host-unreach",
  "icmp6-policy-fail": "admin-prohibited",
  "icmp6-reject-route": "reject-route",
};

/** nft's `icmp` and `icmpv6` reject codes; nmap reads ICMPv6 address unreachable as host-unreach, failed policy as admin-prohibited. */
const NFT_ANSWERS: Readonly<Record<string, string>> = {
  "icmp port-unreachable": "port-unreach",
  "icmp net-unreachable": "net-unreach",
  "icmp host-unreachable": "host-unreach",
  "icmp prot-unreachable": "proto-unreach",
  "icmp net-prohibited": "net-prohibited",
  "icmp host-prohibited": "host-prohibited",
  "icmp admin-prohibited": "admin-prohibited",
  "icmpv6 port-unreachable": "port-unreach",
  "icmpv6 no-route": "no-route",
  "icmpv6 admin-prohibited": "admin-prohibited",
  "icmpv6 addr-unreachable": "host-unreach",
  "icmpv6 policy-fail": "admin-prohibited",
  "icmpv6 reject-route": "reject-route",
};

/** nft's `icmpx` codes: the kernel sends the packet's family's code (no-route: IPv4 net unreachable; host-unreachable: IPv6 address unreachable). */
const ICMPX_ANSWERS: Readonly<Record<Family, Readonly<Record<string, string>>>> = {
  ipv4: { "port-unreachable": "port-unreach", "admin-prohibited": "admin-prohibited", "no-route": "net-unreach", "host-unreachable": "host-unreach" },
  ipv6: { "port-unreachable": "port-unreach", "admin-prohibited": "admin-prohibited", "no-route": "no-route", "host-unreachable": "host-unreach" },
};

/** Evidence words for "no counted rule": what the counters were read from (native nft tables: nft's counters too). */
function noRule(native: boolean): string {
  return native ? "no rule of the ruleset (iptables-save and nft)" : "no rule iptables-save shows";
}

export interface AnsweredDecision {
  readonly decided: ReadonlyMap<number, Decided>;
  /** Ports of an answer whose counts do not add up: probe them again in smaller batches. */
  readonly undecided: readonly { readonly ports: readonly number[]; readonly why: string }[];
  /** Decided ports of an answer several rules sent: smaller batches would tell which rule took which. */
  readonly unattributed: readonly (readonly number[])[];
}

/**
 * Answered ports (RST, ICMP) of one batch against its REJECT counts, answer
 * by answer: a REJECT's --reject-with (nft: `reject with …`) says which answer it sends, so for
 * each answer the REJECT rules sending it must have counted one packet per
 * port with that answer; an RST (UDP: port unreachable) that no such rule
 * counted came from the kernel — admitted, nothing listening — provided
 * iptables-save shows every rule on the path (`hidden` empty; else: cannot tell).
 * `native`: the counts include native nft tables' (the evidence says so).
 */
export function decideAnswered(
  ports: readonly { readonly port: number; readonly answer: string; readonly cls: AnswerClass }[],
  counts: readonly HostCount[],
  hidden: readonly string[],
  protocol: SweepProtocol,
  family: Family,
  native = false,
): AnsweredDecision {
  const rejects = counts.filter((c) => c.kind === "REJECT");
  const r = sum(rejects, "packets");
  const decided = new Map<number, Decided>();
  const undecided: { ports: number[]; why: string }[] = [];
  const unattributed: number[][] = [];
  const all = ports.map((p) => p.port);
  // Only probe packets may be in the count (not, say, the prober's RST to an open port that a REJECT caught).
  if (protocol === "tcp" && sum(rejects, "bytes") !== r * SYN_BYTES[family]) {
    return { decided, undecided: [{ ports: all, why: `REJECT rules counted ${r} packet(s) of ${sum(rejects, "bytes")} bytes, not all probe-sized` }], unattributed };
  }
  const answers = new Set(ports.map((p) => p.answer));
  const stray = rejects.filter((c) => !answers.has(rejectAnswer(c.text, family) ?? "?"));
  if (stray.length > 0) return { decided, undecided: [{ ports: all, why: `REJECT rules whose answer no port got counted packets: ${listed(stray)}` }], unattributed };
  const wire = (cls: AnswerClass): PortOutcome => (cls === "unreachable" ? "unreachable" : "refused");
  for (const answer of answers) {
    const group = ports.filter((p) => p.answer === answer);
    const by = rejects.filter((c) => rejectAnswer(c.text, family) === answer);
    const n = sum(by, "packets");
    const rules = distinct(by);
    const either = group[0]!.cls === "refused-or-admitted";
    if (n === group.length) {
      const evidence = `REJECT rules sending ${answer} counted ${n} packet(s) for the ${n} port(s) of its batch that got ${answer}: ${listed(by)}`;
      for (const p of group) decided.set(p.port, { outcome: wire(p.cls), evidence, rules });
      if (rules.length > 1 && group.length > 1) unattributed.push(group.map((p) => p.port));
    } else if (n === 0 && either && hidden.length === 0) {
      const evidence = `${answer} with no REJECT rule counting it, and ${native ? "every REJECT on the path counts (iptables-save and nft)" : "iptables-save shows every rule on the path"}: the target's kernel answered — the firewall admitted it and nothing listens`;
      for (const p of group) decided.set(p.port, { outcome: "admitted", evidence, rules: [] });
    } else if (n === 0 && hidden.length > 0) {
      for (const p of group) {
        decided.set(p.port, either
          ? { outcome: "undetermined", evidence: `cannot tell: ${noRule(native)} counted it, and the path has rules ${native ? "whose counts it may miss (a rule without a counter)" : "it cannot show"} (${hidden.join("; ")}): a REJECT there or the kernel (nothing listening) sent the ${answer}`, rules: [] }
          : { outcome: wire(p.cls), evidence: `${answer}, an answer only a REJECT (or a router) sends; ${noRule(native)} counted it (${hidden.join("; ")})`, rules: [] });
      }
    } else {
      undecided.push({ ports: group.map((p) => p.port), why: `REJECT rules sending ${answer} counted ${n} packet(s) for ${group.length} port(s) that got it` });
    }
  }
  return { decided, undecided, unattributed };
}

/** The destination ports a rule can match (`--dport`, `--dports`), or undefined when it is not limited to a known set. */
export function rulePorts(text: string): ReadonlySet<number> | undefined {
  const named = iptablesDports(text);
  if (!named) return undefined;
  const out = new Set<number>();
  for (const [a, b] of named) for (let p = a; p <= b; p++) out.add(p);
  return out;
}

/**
 * Which DROP rule took which silent port, guessed from the rules' port
 * matches and to be confirmed by one more batch (confirms): each rule with a
 * port match must have counted exactly its ports of the group, and the one
 * rule without (a policy, a catch-all) the rest. Undefined when that does
 * not fit the counts (then smaller batches decide).
 */
export function portHypothesis(group: readonly number[], counts: readonly HostCount[]): { readonly byRule: ReadonlyMap<string, readonly number[]>; readonly residual: string | undefined } | undefined {
  const drops = counts.filter((c) => c.kind === "DROP");
  const byRule = new Map<string, number[]>();
  let residual: string | undefined;
  let covered = 0;
  for (const name of distinct(drops)) {
    const counted = sum(drops.filter((c) => ruleName(c) === name), "packets");
    const c = drops.find((d) => ruleName(d) === name)!;
    const ports = c.position === null ? undefined : rulePorts(c.text);
    if (ports === undefined) {
      if (residual !== undefined) return undefined;
      residual = name;
      continue;
    }
    const mine = group.filter((p) => ports.has(p));
    if (mine.length !== counted) return undefined;
    byRule.set(name, mine);
    covered += mine.length;
  }
  const rest = residual === undefined ? 0 : sum(drops.filter((c) => ruleName(c) === residual), "packets");
  return covered + rest === group.length && new Set([...byRule.values()].flat()).size === covered ? { byRule, residual } : undefined;
}

/** Did the confirming batch (only the hypothesis' port-matched ports) count exactly as guessed? */
export function confirms(h: { readonly byRule: ReadonlyMap<string, readonly number[]> }, counts: readonly HostCount[]): boolean {
  const decisive = counts.filter((c) => c.kind === "DROP" || c.kind === "REJECT");
  const seen = distinct(decisive);
  return seen.every((n) => h.byRule.has(n)) && [...h.byRule].every(([n, ports]) => sum(decisive.filter((c) => ruleName(c) === n), "packets") === ports.length);
}

/** A single answered port that no batch could decide: the most the evidence says about it. */
export function lastResort(port: number, cls: AnswerClass, counts: readonly HostCount[], why: string, native = false): Decided {
  const rejects = counts.filter((c) => c.kind === "REJECT");
  const rules = distinct(rejects);
  if (cls === "refused-or-admitted") return { outcome: "undetermined", evidence: `cannot tell whether a REJECT or the kernel (nothing listening) answered: ${why}`, rules };
  return { outcome: cls === "unreachable" ? "unreachable" : "refused", evidence: `an answer only a REJECT (or a router) sends; ${rules.length > 1 ? "one of these rules sent it" : "counted"}: ${listed(rejects) || noRule(native)} (${why})`, rules };
}
