/**
 * The rule that took a connection's first packet, from two counter readings
 * (the legacy backend's only evidence, and the fallback when no trace is
 * available). Never the busiest rule: the rule that decides is the first one,
 * in the order a packet walks the chains (jumps followed), whose counter moved
 * and that can match a first packet at all. Which rules cannot is read from
 * the rule text (first-packet-text.ts): a conntrack/state match allowing only
 * ESTABLISHED/RELATED, `! --syn`, `--tcp-flags` that exclude a bare SYN.
 * Native nftables base chains are walked after iptables' tables, by hook and
 * priority, their rules read as nft prints them (nft-first-packet.ts); only
 * rules with a counter count. Pure.
 */
import { sameSpelling } from "../model/cidr.ts";
import { type Decision, nativeTable } from "../model/results.ts";
import { type BaseChain, nativeBaseChains, nativeDnatChains, nftAdmitsProtocol, nftCanTakeFirstPacket, nftJumps, nftSendsOn, usesVerdictMap } from "./nft-first-packet.ts";
import { attributablePackets, policyDeltas } from "./delta.ts";
import type { SavedRule, SavedRuleset } from "./saved.ts";
import { dnatDestinations, natTarget } from "./trace-loopback.ts";
import { admitsProtocol, canTakeFirstPacket, ruleCrossesInterfaces, type Via } from "./first-packet-text.ts";
import { type PortRanges, textPorts } from "./dports.ts";
import { ruleProtocols } from "./l4proto.ts";

/** The netfilter hooks a probe's packets are decided at on one host. */
export type Hook = "OUTPUT" | "FORWARD" | "INPUT";

/** The tables and chains a packet walks at each hook, in order (the nat table never drops or accepts for good). */
const ROOTS: Readonly<Record<Hook, readonly (readonly [string, string])[]>> = {
  OUTPUT: [["raw", "OUTPUT"], ["mangle", "OUTPUT"], ["filter", "OUTPUT"]],
  FORWARD: [["raw", "PREROUTING"], ["mangle", "PREROUTING"], ["mangle", "FORWARD"], ["filter", "FORWARD"]],
  INPUT: [["raw", "PREROUTING"], ["mangle", "PREROUTING"], ["mangle", "INPUT"], ["filter", "INPUT"]],
};

/** iptables-nft's (and legacy's) table priorities, to place native base chains among them. */
const TABLE_PRIORITY: Readonly<Record<string, number>> = { raw: -300, mangle: -150, filter: 0 };

/** The base chains a packet meets at a hook on a host: iptables' tables (ROOTS) and native ones, by stage, then priority. */
function chainsAt(ruleset: SavedRuleset, hook: Hook): BaseChain[] {
  const iptables = ROOTS[hook].map(([table, chain]) => ({ table, chain, stage: chain === "PREROUTING" ? 0 : 1, priority: TABLE_PRIORITY[table] ?? 0 }));
  return [...iptables, ...nativeBaseChains(ruleset.chains, hook)].sort((a, b) => a.stage - b.stage || a.priority - b.priority);
}

const ACTIONS: Readonly<Record<string, Decision["action"]>> = { ACCEPT: "accept", DROP: "drop", REJECT: "reject" };

/** One firewall host on a probe's path: the hooks its first packet passes there, and two readings of one family. */
export interface Hop {
  readonly host: string;
  /** The probe's transport protocol: rules for another protocol cannot take its first packet. */
  readonly protocol?: "tcp" | "udp";
  /** The probe's destination port: a rule naming it as destination port only meets packets going the first packet's way, as source port only its answers. */
  readonly port?: number;
  readonly hooks: readonly Hook[];
  /** The hooks the answer passes on this host (prober INPUT, target OUTPUT, a router's FORWARD): only a DROP or REJECT there decides. */
  readonly replyHooks?: readonly Hook[];
  /** The interfaces the probe's first packet crosses here (the answer crosses them the other way): a rule naming others cannot take it. */
  readonly via?: Via | undefined;
  /**
   * A host off the probe's path that a DNAT on its target may send the probe on to, with its addresses: judged (at
   * INPUT, its answer at OUTPUT) only when a DNAT rule of an earlier hop that counted the probe names one of them.
   */
  readonly sentTo?: { readonly addresses: readonly string[] };
  readonly before: SavedRuleset;
  readonly after: SavedRuleset;
}

interface Walked {
  readonly rule: SavedRule;
  readonly path: readonly string[];
  /** The rules that sent the packet down `path`, outermost first (none for a built-in chain's own rules). */
  readonly jumps: readonly SavedRule[];
}

/** Every rule a packet can meet from a built-in chain, in order, with the chains that led to it (jumps and gotos followed once). */
export function walk(ruleset: SavedRuleset, table: string, chain: string): Walked[] {
  const byChain = new Map<string, SavedRule[]>();
  for (const r of ruleset.rules) {
    if (r.table !== table) continue;
    const list = byChain.get(r.chain) ?? [];
    list.push(r);
    byChain.set(r.chain, list);
  }
  // A native table lists its base chains only (with a policy): its other chains with rules are jumped to.
  const userChains = nativeTable(table)
    ? new Set([...byChain.keys()].filter((c) => !ruleset.chains.some((b) => b.table === table && b.chain === c)))
    : new Set(ruleset.chains.filter((c) => c.table === table && c.policy === null).map((c) => c.chain));
  const out: Walked[] = [];
  const visit = (name: string, path: readonly string[], jumps: readonly SavedRule[]) => {
    for (const rule of byChain.get(name) ?? []) {
      out.push({ rule, path, jumps });
      // A native rule may also jump from a verdict map (`iifname vmap { "lan0" : jump lan }`).
      const targets = rule.handle !== undefined ? [...new Set([...(rule.target !== null ? [rule.target] : []), ...nftJumps(rule.text)])] : rule.target !== null ? [rule.target] : [];
      for (const target of targets) if (userChains.has(target) && !path.includes(target)) visit(target, [...path, target], [...jumps, rule]);
    }
  };
  visit(chain, [chain], []);
  return out;
}

/**
 * Which packets a hook is decided for: the probe's first packet; its answer on the way back (`reply`: only a DROP or
 * REJECT decides); a later packet of its connection going the first packet's way (`later`: the handshake's last ACK,
 * or data, taken by a DROP or REJECT that cannot take a first packet, such as `--ctstate ESTABLISHED -j DROP`).
 */
type Packet = "first" | "reply" | "later";

const crosses = ruleCrossesInterfaces;
const admits = (r: SavedRule, protocol: "tcp" | "udp") => (r.handle !== undefined ? nftAdmitsProtocol(r.text, protocol) : admitsProtocol(r.text, protocol));
const takesFirst = (r: SavedRule) => (r.handle !== undefined ? nftCanTakeFirstPacket(r.text) : canTakeFirstPacket(r.text));
const isVerdictMap = (r: SavedRule) => r.handle !== undefined && usesVerdictMap(r.text);

/** What decided at one hook of one host: the first able rule whose counter moved, else the chain policy if it counted. */
function decideHook(hop: Hop, hook: Hook, delta: (r: SavedRule) => number, packet: Packet = "first", icmpAnswer = false): Decision | undefined {
  const reply = packet === "reply";
  // A REJECT's lost answer may be ICMP (port unreachable, prohibited): a rule for ICMP can have taken it (tester 45a).
  const icmp = hop.after.family === "ipv4" ? "icmp" : "ipv6-icmp";
  const policies = policyDeltas(hop.before, hop.after);
  // The answer comes in where the first packet left, and leaves where it came in.
  const via = hop.via && (reply ? { in: hop.via.out, out: hop.via.in } : hop.via);
  let accepted: Decision | undefined;
  // Native base chains among iptables' tables by stage and priority (iptables' first at the same): an ACCEPT there is
  // not final (later base chains see the packet too).
  for (const { table, chain } of chainsAt(hop.after, hook)) {
    const final = table === "filter";
    const found = walk(hop.after, table, chain).find(({ rule, jumps }) => {
      const action = rule.target === null ? undefined : ACTIONS[rule.target];
      if (!action || ((!final || packet !== "first") && action === "accept") || delta(rule) === 0) return false;
      // The rule and the jumps that led to it (`-i lan0 -o wan0 -j OUT`: only packets going that way reach OUT's rules;
      // a verdict map's jump is read by its keys, not here).
      const onTheWay = [...jumps.filter((j) => !isVerdictMap(j)), rule];
      // A rule for another protocol meets none of the probe's packets, first, answer or later.
      const answerIcmp = (r: SavedRule) => reply && icmpAnswer && (ruleProtocols(r.text)?.has(icmp) ?? false);
      if (!onTheWay.every((r) => crosses(r, via) && (!hop.protocol || admits(r, hop.protocol) || answerIcmp(r)))) return false;
      // A rule for the probe's port as destination only never meets its answer; as source only, never a packet going its way
      // (tester 45a: a router's `--dport 7009 --tcp-flags ACK ACK -j DROP` read as taking the answer).
      const way = hop.port === undefined || answerIcmp(rule) ? undefined : portWay(rule.text, hop.port);
      if (way !== undefined && (way === "answer") !== reply) return false;
      return packet === "reply" || (packet === "first") === onTheWay.every(takesFirst);
    });
    const base = { host: hop.host, family: hop.after.family, table, source: "counters" } as const;
    if (found) {
      const d: Decision = { ...base, path: found.path, rule: found.rule.text, action: ACTIONS[found.rule.target!]!, policy: false };
      if (d.action !== "accept") return d;
      accepted = d;
      continue;
    }
    // A policy counts first packets and later ones alike: it decides a later packet only when no rule did a first.
    const policy = packet === "later" ? undefined : policies.find((p) => p.table === table && p.chain === chain);
    if (policy && (policy.policy === "DROP" || (final && !reply && policy.policy === "ACCEPT"))) {
      const d: Decision = { ...base, path: [chain], rule: `policy ${policy.policy}`, action: ACTIONS[policy.policy]!, policy: true };
      if (d.action !== "accept") return d;
      accepted = d;
    }
  }
  return accepted;
}

/** Which way a rule naming `port` meets: `first` (as destination port only), `answer` (as source port only); undefined: either. */
export function portWay(text: string, port: number): "first" | "answer" | undefined {
  const has = (ranges: PortRanges | undefined) => ranges?.some(([a, b]) => a <= port && port <= b) ?? false;
  const to = has(textPorts(text, "dport"));
  const from = has(textPorts(text, "sport"));
  return to === from ? undefined : to ? "first" : "answer";
}

/** Destination NAT that sends a packet on to another host (REDIRECT keeps it local). */
const FORWARDING_NAT = new Set(["DNAT", "NETMAP"]);

/**
 * The hooks the probe's first packet passed on this hop: a packet addressed
 * to the host that a nat PREROUTING DNAT (or a counted `dnat` in a native nat
 * chain at prerouting) counted between the readings sent on (a router's port
 * forward) passes FORWARD, before (instead of) INPUT.
 */
function hooksOf(hop: Hop, delta: (r: SavedRule) => number, assumeForwarded = false): { hooks: readonly Hook[]; forwarded: boolean; to: readonly { readonly address: string; readonly shown: string }[] } {
  if (!hop.hooks.includes("INPUT") || hop.hooks.includes("FORWARD") || hop.sentTo) return { hooks: hop.hooks, forwarded: false, to: [] };
  // A native `dnat` without a counter shows nothing: the trace says whether one sent the probe on (decisionBeyondDnat).
  if (assumeForwarded) return { hooks: hop.hooks.flatMap((h): Hook[] => (h === "INPUT" ? ["FORWARD", "INPUT"] : [h])), forwarded: true, to: [] };
  const sentOn = dnatRules(hop.after).filter((r) => delta(r) > 0).map((r) => natTarget(r.text, r.handle === undefined ? r : undefined));
  if (sentOn.length === 0) return { hooks: hop.hooks, forwarded: false, to: [] };
  // Where the DNATs that counted the probe sent it (a map or an address range: not known), one spelling (a port with it).
  const to = sentOn.flatMap((t) => (t?.kind === "dnat" && t.address !== undefined ? [{ address: sameSpelling(t.address), shown: shownTarget(t.address, t.ports) }] : []));
  return { hooks: hop.hooks.flatMap((h): Hook[] => (h === "INPUT" ? ["FORWARD", "INPUT"] : [h])), forwarded: true, to };
}

/** The rules that may send a packet on to another host: a nat PREROUTING DNAT (NETMAP), a `dnat` in a native nat chain at prerouting. */
function dnatRules(ruleset: SavedRuleset): SavedRule[] {
  return [
    ...walk(ruleset, "nat", "PREROUTING").filter(({ rule }) => rule.target !== null && FORWARDING_NAT.has(rule.target)).map(({ rule }) => rule),
    ...nativeDnatChains(ruleset.chains).flatMap(([table, chain]) => walk(ruleset, table, chain).filter(({ rule }) => nftSendsOn(rule.text)).map(({ rule }) => rule)),
  ];
}

/**
 * The addresses the ruleset's DNAT rules send packets on to (`--to-destination`, nft `dnat ip to`); `unknown` when one
 * names none this reads (NETMAP's subnet, a map): then any host may be one.
 */
export function dnatTargets(ruleset: SavedRuleset): { readonly addresses: readonly string[]; readonly unknown: boolean } {
  const rules = dnatRules(ruleset);
  const found = rules.map((r) => dnatDestinations([r.text]));
  return { addresses: found.flat().map((t) => t.address), unknown: found.some((t) => t.length === 0) };
}

/** Does the ruleset hold a rule that may send a packet on to another host (dnatRules)? Only then are the hosts beyond a probed router read. */
export function holdsDnat(ruleset: SavedRuleset): boolean {
  return dnatRules(ruleset).length > 0;
}

/** `198.18.51.10:85`, `[2001:db8::10]:85-86`, the address alone when the port is kept. */
function shownTarget(address: string, ports: readonly [number, number] | undefined): string {
  const a = address.includes(":") ? `[${address}]` : address;
  return ports ? `${a}:${ports[0] === ports[1] ? ports[0] : `${ports[0]}-${ports[1]}`}` : address;
}

/** Does a decision fit what the client saw: a drop a dropped probe (or an answer taken), a reject a refused or unreachable one? */
export function fitsVerdict(d: Decision, verdict: string | undefined): boolean {
  if (d.action === "accept") return true;
  if (d.action === "drop") return verdict === "dropped";
  return verdict === "refused" || verdict === "unreachable" || (verdict === "dropped" && d.answer === true);
}

/** The hosts off the path (sentTo hops) a DNAT counted on an earlier hop sent the probe on to. */
export function reachedBeyond(hops: readonly Hop[]): string[] {
  const sentOn = new Set<string>();
  for (const hop of hops) {
    if (hop.sentTo || hop.before.family !== hop.after.family) continue;
    for (const t of hooksOf(hop, attributablePackets(hop.before, hop.after)).to) sentOn.add(t.address);
  }
  return hops.filter((h) => h.sentTo?.addresses.some((a) => sentOn.has(sameSpelling(a)))).map((h) => h.host);
}

/**
 * The rule that decided a probe's first packet along its path (hops in path
 * order: prober, routers, target): the first hop and hook where a DROP or
 * REJECT rule (or a DROP policy) took it (for a REJECT whose answer was lost,
 * `rejectAnswerLost`, a DROP that counted where that answer went, when one
 * did); then, on the way back, a DROP or
 * REJECT that took the answer; then, for a dropped TCP probe (`laterPackets`),
 * a DROP or REJECT that only a later packet of the connection can meet (the
 * handshake's last ACK); otherwise the last ACCEPT seen; undefined when
 * nothing on the path counted it. A probe to a router's own address that its
 * DNAT sent on is decided in FORWARD (INPUT only when FORWARD shows nothing).
 */
export function firstPacketDecision(hops: readonly Hop[], options: { readonly laterPackets?: boolean; readonly rejectAnswerLost?: boolean; readonly sentOn?: readonly string[]; readonly assumeForwarded?: boolean } = {}): Decision | undefined {
  let accepted: Decision | undefined;
  // The addresses the path's DNATs sent the probe on to (`sentOn`: as the trace showed them, where a native DNAT
  // without a counter cannot show it): a host off the path holding one is its last hop.
  const sentOn = new Set<string>((options.sentOn ?? []).map(sameSpelling));
  const onPath = (hop: Hop) => !hop.sentTo || hop.sentTo.addresses.some((a) => sentOn.has(sameSpelling(a)));
  /**
   * A DROP (rule or policy) that counted on the answer's way back, last hop first: it took the answer. `upTo`: only the
   * hops the answer crosses from a REJECT on that hop back to the prober, with that hop's OUTPUT when the REJECT was in
   * its FORWARD chain (a router's own answer leaves through its OUTPUT).
   */
  const answerTaken = (upTo?: { readonly hop: Hop; readonly hook: Hook; readonly icmp: boolean }): Decision | undefined => {
    const crossed = upTo ? hops.slice(0, hops.indexOf(upTo.hop) + 1) : hops;
    for (const hop of [...crossed].reverse()) {
      if (hop.before.family !== hop.after.family || !onPath(hop)) continue;
      const delta = attributablePackets(hop.before, hop.after);
      // A probe a DNAT here sent on to another host: its answer comes back through FORWARD, not OUTPUT.
      const { forwarded } = hooksOf(hop, delta, options.assumeForwarded);
      // A router's REJECT in FORWARD: its own answer leaves by its OUTPUT, never through FORWARD (where the REJECT itself counted).
      const replyHooks: readonly Hook[] = upTo?.hop === hop && upTo.hook === "FORWARD" ? ["OUTPUT"]
        : forwarded ? [...new Set<Hook>(["FORWARD", ...(hop.replyHooks ?? [])])] : hop.replyHooks ?? [];
      for (const hook of replyHooks) {
        const d = marked(hop, decideHook(hop, hook, delta, "reply", upTo?.icmp === true));
        if (d) return { ...d, answer: true };
      }
    }
    return undefined;
  };
  for (const hop of hops) {
    if (hop.before.family !== hop.after.family || !onPath(hop)) continue;
    const delta = attributablePackets(hop.before, hop.after);
    const { hooks, forwarded, to } = hooksOf(hop, delta, options.assumeForwarded);
    for (const t of to) sentOn.add(t.address);
    let tookForward = false;
    for (const hook of hooks) {
      if (hook === "INPUT" && tookForward) continue;
      const d = marked(hop, decideHook(hop, hook, delta));
      // A REJECT whose answer never reached the prober (`rejectAnswerLost`: dropped, and no ICMP error came back — a soft
      // one is not lost): what took that answer between that hop and the prober decides, when a DROP there counted
      // (tester 42a: an OUTPUT policy DROP without RELATED; reviewer: not a hop the answer never crossed).
      // Its answer is ICMP unless it resets (then no ICMP rule can have taken it: reviewer).
      if (d && d.action === "reject" && options.rejectAnswerLost) return answerTaken({ hop, hook, icmp: !/(?:--reject-with tcp-reset|reject with tcp reset)/.test(d.rule) }) ?? d;
      if (d && d.action !== "accept") return d;
      if (d && forwarded && hook === "FORWARD") tookForward = true;
      // Let through the FORWARD chain after this host's DNAT: sent on to the address it names. An accept on the host it
      // was sent to leaves that one named (where it was let through, and sent on).
      if (d && forwarded && hook === "FORWARD" && to.length > 0) accepted = { ...d, sentOnTo: to[0]!.shown };
      else if (!(hop.sentTo && accepted?.sentOnTo !== undefined)) accepted = d ?? accepted;
    }
  }
  const answer = answerTaken();
  if (answer) return answer;
  // TCP: the first packet and its answer passed; a DROP or REJECT only later packets meet took one going the first's way.
  // Asked only for a probe that got through no connection (`laterPackets`: its verdict is dropped): otherwise such a
  // count is other traffic's, a held connection's retransmissions.
  for (const hop of options.laterPackets ? hops : []) {
    if (hop.before.family !== hop.after.family || hop.protocol === "udp" || !onPath(hop)) continue;
    const delta = attributablePackets(hop.before, hop.after);
    for (const hook of hooksOf(hop, delta, options.assumeForwarded).hooks) {
      const d = marked(hop, decideHook(hop, hook, delta, "later"));
      if (d) return { ...d, later: true };
    }
  }
  return accepted;
}

/**
 * What the counters show deciding the probe were a DNAT on its target to have sent it on (a native `dnat` without a
 * counter shows nothing; every watched host off the path taken as sent to): a DROP or REJECT that took its first
 * packet on such a host, or its answer on the way back (a router's FORWARD); else undefined. Only a trace that shows
 * the DNAT sending it on (to that host's address) makes it the decision (probes/trace-step.ts withTraceDecision).
 */
export function decisionsBeyondDnat(hops: readonly Hop[], options: { readonly laterPackets?: boolean } = {}): Decision[] {
  // One host at a time taken as sent to (another's unrelated count must not hide it), then none (an answer taken on the way back).
  const each = hops.filter((h) => h.sentTo).map((h) => firstPacketDecision(hops, { ...options, sentOn: h.sentTo!.addresses, assumeForwarded: true }));
  const out = [...each, firstPacketDecision(hops, { ...options, assumeForwarded: true })].filter((d): d is Decision => d !== undefined && d.action !== "accept" && ((d.sentOn === true && !d.later) || d.answer === true));
  return out.filter((d, i) => out.findIndex((o) => o.host === d.host && o.rule === d.rule && o.answer === d.answer) === i);
}

/** A decision on a host a DNAT sent the probe on to, marked so (Decision.sentOn). */
function marked(hop: Hop, d: Decision | undefined): Decision | undefined {
  return d && hop.sentTo ? { ...d, sentOn: true } : d;
}

/** Where a probe's packets go: who sends, and which host it is addressed to (undefined: a literal address). */
export interface ProbePath {
  readonly from: string;
  readonly protocol: "tcp" | "udp" | "http";
  /** Its destination port (a DNAT may change it on the way: a rule naming the new one is judged as before). */
  readonly port?: number;
  readonly to: { readonly kind: "localhost" } | { readonly kind: "host"; readonly host: string } | { readonly kind: "address" };
}

/**
 * The watched hosts as hops in path order (prober, routers, target) with the
 * hooks the probe's first packet and its first answer pass on each, and the
 * interfaces it crosses there when `viaOf` knows them (a router's FORWARD
 * then also decides a dropped answer). `offPath`: watched hosts that route
 * nothing, with their addresses: for a probe of a host, last, as where a DNAT
 * of the target may send it (firstPacketDecision judges one only then).
 */
export function hopsOnPath(path: ProbePath, watch: readonly string[], before: ReadonlyMap<string, SavedRuleset>, after: ReadonlyMap<string, SavedRuleset>, viaOf: (host: string) => Via | undefined = () => undefined, offPath: ReadonlyMap<string, readonly string[]> = new Map()): Hop[] {
  const target = path.to.kind === "localhost" ? path.from : path.to.kind === "host" ? path.to.host : undefined;
  // A watched host that routes nothing, to a probe of a host: reached only where a DNAT sends the probe on (last).
  const sentTo = (h: string) => (target !== undefined && h !== path.from && h !== target ? offPath.get(h) : undefined);
  const rank = (h: string) => (h === path.from ? 0 : h === target ? 2 : sentTo(h) ? 3 : 1);
  return [...watch].filter((h) => before.has(h) && after.has(h)).sort((a, b) => rank(a) - rank(b)).map((host): Hop => {
    const addresses = sentTo(host);
    if (addresses) {
      const protocol = path.protocol === "udp" ? "udp" : "tcp";
      return { host, protocol, ...(path.port !== undefined ? { port: path.port } : {}), hooks: ["INPUT"], replyHooks: ["OUTPUT"], sentTo: { addresses }, before: before.get(host)!, after: after.get(host)! };
    }
    const hooks: Hook[] = [];
    const replyHooks: Hook[] = [];
    if (host === path.from) hooks.push("OUTPUT");
    if (host === target) {
      hooks.push("INPUT");
      replyHooks.push("OUTPUT");
    }
    if (host === path.from) replyHooks.push("INPUT");
    if (host !== path.from && host !== target) hooks.push(...(target === undefined ? (["INPUT", "FORWARD"] as const) : (["FORWARD"] as const)));
    const via = viaOf(host);
    // A router whose interfaces are known: a DROP that takes the answer on its way back through it is told apart.
    if (host !== path.from && host !== target && target !== undefined && via?.in !== undefined && via.out !== undefined) replyHooks.push("FORWARD");
    const protocol = path.protocol === "udp" ? "udp" : "tcp";
    return { host, protocol, ...(path.port !== undefined ? { port: path.port } : {}), hooks, replyHooks, ...(via ? { via } : {}), before: before.get(host)!, after: after.get(host)! };
  });
}
