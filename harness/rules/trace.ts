/**
 * nftables tracing, the pure part: the rule that decided a probe's first
 * packet from its trace events (trace-events.ts reads them from `nft -a
 * monitor`; trace-marking.ts makes the table that marks its packets): table, chain,
 * handle, rule text, the path of jumps, NAT rewrites. iptables-nft rules are
 * named by their iptables-save line (handle order within a chain = rule
 * order).
 *
 * A rule is named from the listing read when the step's trace is collected
 * (trace-events.ts namedFromListing), never from the text the monitor
 * printed: a monitor prints rules from the cache it read at its start and
 * never updates it for rules or chains (nft 1.0.6 src/monitor.c), so a rule
 * added later is `unknown rule handle N` and a table re-created since has
 * stale text at a reused handle. The trace's table, chain, handle and verdict
 * come from the kernel and are always current.
 */
import { acceptDecides, rewritesPacket } from "./trace-verdicts.ts";
import { type Decision, nativeTable } from "../model/results.ts";
import { type Family, isIptablesTable } from "../model/types.ts";
import { isTraceTable, type TraceEvent, type TracePacket } from "./trace-events.ts";
import { isSweepPort } from "./trace-marking.ts";
import type { SavedRule, SavedRuleset } from "./saved.ts";
import { NAT_TARGETS, silentRewrites } from "./trace-nat.ts";
import { isLoopbackReentry, natTarget, packetIdentity, type Reentry, reentryOf } from "./trace-loopback.ts";

/** What the collector knows of one host when the step ends: its rules by handle, and its iptables-save readings. */
export interface TraceContext {
  readonly host: string;
  readonly handles: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  readonly saved: Partial<Readonly<Record<Family, SavedRuleset>>>;
  /** The host's own addresses: its packet a nat OUTPUT DNAT sends there comes back in on lo (trace-loopback.ts). */
  readonly local?: ReadonlySet<string>;
  /** The addresses of the lab's other hosts: a host's own packet a nat OUTPUT DNAT sends there leaves it, nothing comes back in on lo. */
  readonly elsewhere?: ReadonlySet<string>;
  /** Per family, tables that filter where the trace does not look (legacy iptables tables on an nft host): an accept it shows may be overruled there. */
  readonly unseen?: Partial<Readonly<Record<Family, readonly string[]>>>;
}

/**
 * Of an `iptables-legacy-save` dump, the tables that can filter a packet: a
 * rule, or a chain policy other than ACCEPT. Not nat (iptables refuses DROP
 * there, and the engine's DNS rules are there on a machine whose iptables is
 * legacy); an empty table (`iptables-legacy -L` makes one) filters nothing. Pure.
 */
export function filteringLegacyTables(save: string): string[] {
  const out: string[] = [];
  let table: string | undefined;
  for (const line of save.split("\n")) {
    const t = /^\*(\S+)/.exec(line);
    if (t) table = t[1];
    else if (table !== undefined && table !== "nat" && !out.includes(`legacy iptables table ${table}`) && (/^-A\s/.test(line) || /^:\S+\s+(?!ACCEPT\b|-)\S+/.test(line))) out.push(`legacy iptables table ${table}`);
  }
  return out;
}

/** `filter` for an iptables-nft table (as counters name it), `inet fw` for a native one. */
function tableName(table: string): string {
  const [family, name] = table.split(" ") as [string, string];
  return (family === "ip" || family === "ip6") && isIptablesTable(name) ? name : table;
}


/** The iptables-save reading of an iptables-nft rule, by its handle's place in the chain (undefined for a native rule). */
function savedRule(e: TraceEvent, ctx: TraceContext): SavedRule | undefined {
  const [family, name] = e.table.split(" ") as [string, string];
  const fam: Family | undefined = family === "ip" ? "ipv4" : family === "ip6" ? "ipv6" : undefined;
  const saved = fam ? ctx.saved[fam] : undefined;
  if (!saved || !isIptablesTable(name) || e.handle === undefined) return undefined;
  const position = (ctx.handles.get(e.table)?.get(e.chain) ?? []).indexOf(e.handle) + 1;
  return saved.rules.find((r) => r.table === name && r.chain === e.chain && r.position === position);
}

/** The iptables-save line of an iptables-nft rule (by its handle's place in the chain), or the rule as nft prints it. */
function ruleName(e: TraceEvent, ctx: TraceContext): { rule: string; table: string } {
  const rule = savedRule(e, ctx);
  return rule ? { rule: rule.text, table: rule.table } : { rule: e.text, table: tableName(e.table) };
}

/** Does this traced rule rewrite the packet: by nft's text, or by its iptables-save target (ip6tables-nft's REDIRECT has no nft text)? */
function isRewrite(e: TraceEvent, ctx: TraceContext): boolean {
  // A NAT statement that rewrites ends its chain (verdict accept); one that went on (verdict continue) rewrote nothing:
  // an inet table's `dnat ip to` meeting an IPv6 packet counts it and breaks off.
  if (e.kind === "rule" && e.verdict === "continue") return false;
  const target = savedRule(e, ctx)?.target;
  return rewritesPacket(e.text) || (target != null && NAT_TARGETS.has(target));
}

/**
 * Is a counter reading's rule the one a trace decision names? Both sides name
 * the table alike (tableName: `filter`, `inet fw`) and the chain is the path's
 * last; then a native nft rule (one with a handle, nft-saved.ts) is the
 * decision's by handle, an iptables rule by its iptables-save line (ruleName).
 */
export function decisionNamesRule(d: Decision, rule: SavedRule): boolean {
  if (d.policy || rule.family !== d.family || tableName(rule.table) !== d.table || rule.chain !== d.path.at(-1)) return false;
  return rule.handle !== undefined ? rule.handle === d.handle : rule.text === d.rule;
}

/** `nat PREROUTING: -A PREROUTING … -j DNAT … [handle 4]`: a NAT rule the packet passed, named like a deciding rule. */
function rewriteName(e: TraceEvent, ctx: TraceContext): string {
  const named = ruleName(e, ctx);
  return `${named.table} ${e.chain}: ${named.rule}${e.handle !== undefined ? ` [handle ${e.handle}]` : ""}`;
}

/**
 * A DNAT whose destination its text does not say (`dnat to tcp dport map @portfw`, an anonymous map, an address
 * range): the destination the packet has at its next traced hook, when that differs from the one it had before the
 * rule (`198.18.51.10 port 82`), for a rewrite's name to carry (`… (its destination now 198.18.51.10 port 82)`,
 * which dnatDestinations reads: where the probe was sent on, tester 42b); undefined otherwise.
 */
function unreadDnatDestination(events: readonly TraceEvent[], at: number, ctx: TraceContext): TracePacket | undefined {
  const e = events[at]!;
  const saved = savedRule(e, ctx);
  const dnat = saved ? saved.target === "DNAT" || saved.target === "NETMAP" : /(?:^|\s)dnat (?:(?:ip|ip6) )?to\s/.test(e.text);
  if (!dnat || natTargetOf(e, ctx)?.address !== undefined) return undefined;
  const before = events.slice(0, at).findLast((x) => x.kind === "packet" && x.packet !== undefined)?.packet;
  const after = events.slice(at + 1).find((x) => x.kind === "packet" && x.packet !== undefined)?.packet;
  if (!before || !after?.daddr || after.dport === undefined) return undefined;
  return after.daddr !== before.daddr || after.dport !== before.dport ? after : undefined;
}

/** The destination NAT a traced rule makes (trace-loopback.ts natTarget), only for a rule that rewrites at all. */
function natTargetOf(e: TraceEvent, ctx: TraceContext) {
  if (e.kind === "rule" && e.verdict === "continue") return undefined;
  const saved = savedRule(e, ctx);
  return saved !== undefined || rewritesPacket(e.text) ? natTarget(e.text, saved) : undefined;
}

/** What no filter chain decided: the packet passed only chains that never decide (`nat PREROUTING`), so netfilter accepted it. */
export const NO_FILTER_CHAIN = "no filter chain";

interface TraceIndex {
  readonly byOrigin: ReadonlyMap<string, readonly TraceEvent[]>;
  readonly byId: ReadonlyMap<string, readonly TraceEvent[]>;
  /** The place in the trace of each id's first line. */
  readonly start: ReadonlyMap<string, number>;
  /** Packets back in on lo (trace-loopback.ts), by what NAT leaves alone in them. */
  readonly reentries: ReadonlyMap<string, readonly Reentry[]>;
}

const INDEX = new WeakMap<readonly TraceEvent[], TraceIndex>();

/** What a probe's packets and only they share: destination address, protocol and port as sent (matches() compares these too). */
const destinationKey = (daddr: string | undefined, protocol: string | undefined, port: number | undefined) => `${daddr} ${protocol} ${port}`;

/**
 * A trace's events by id, and the first packet event of each id (where
 * fwspec's own table marked it: the packet as it was sent, before any NAT
 * rewrote it) by that packet's destination, in trace order; computed once per
 * trace (a sweep asks for a thousand ports: each looks only at its own
 * destination's packets, not at every packet). A packet is its probe's by how
 * it was sent, never by where a DNAT sent it: a port forward to web:80 is not
 * a probe to web:80. A packet back in on lo is no origin either: it was sent
 * at the output hook (trace-loopback.ts links it to the trace id it continues).
 */
function indexed(events: readonly TraceEvent[]): TraceIndex {
  let found = INDEX.get(events);
  if (!found) {
    const push = <T>(map: Map<string, T[]>, key: string, e: T) => {
      const list = map.get(key);
      if (list) list.push(e);
      else map.set(key, [e]);
    };
    const byId = new Map<string, TraceEvent[]>();
    const byOrigin = new Map<string, TraceEvent[]>();
    const start = new Map<string, number>();
    const reentries = new Map<string, Reentry[]>();
    events.forEach((e, position) => {
      push(byId, e.id, e);
      if (e.kind !== "packet" || start.has(e.id)) return;
      start.set(e.id, position);
      const identity = isLoopbackReentry(e) ? packetIdentity(e) : undefined;
      if (isLoopbackReentry(e)) {
        if (identity !== undefined) push(reentries, identity, { id: e.id, event: e, position });
      } else if (e.packet) push(byOrigin, destinationKey(e.packet.daddr, e.packet.protocol, e.packet.dport), e);
    });
    found = { byOrigin, byId, start, reentries };
    INDEX.set(events, found);
  }
  return found;
}

/**
 * A trace id's events up to a second packet fwspec's table marked under the
 * same id: a kernel that derives the id from the packet buffer may give a
 * resent SYN the first one's id, and what the resent one met (`ct state
 * established`) is not what the first did.
 */
function firstPacketOf(events: readonly TraceEvent[]): readonly TraceEvent[] {
  const marks = events.flatMap((e, i) => (e.kind === "packet" && isTraceTable(e.table) ? [i] : []));
  return marks.length > 1 ? events.slice(0, marks[1]) : events;
}

/** The probe whose first packet is wanted, as its trace shows it. */
export interface TracedProbe {
  readonly family: Family;
  /** The prober's addresses: only its packets are its own (two probes to one destination in a step). */
  readonly saddrs?: readonly string[];
  readonly daddr: string;
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  /** A held connection's check: its first packet is a data segment of an established connection, not a SYN. */
  readonly established?: boolean;
  /** The n-th connection (by source port, in trace order) of identical probes in one step; default the first. */
  readonly nth?: number;
  /** A sweep's port: only packets from the sweep's source port (sweepSourcePort); other probes never take sweeps' packets. */
  readonly sport?: number;
}

function matches(p: TracePacket | undefined, probe: TracedProbe): boolean {
  if (p !== undefined && probe.saddrs && (p.saddr === undefined || !probe.saddrs.includes(p.saddr))) return false;
  const first = probe.protocol === "udp" || (probe.established ? !p?.syn : p?.syn);
  if (p !== undefined && (probe.sport !== undefined ? p.sport !== probe.sport : isSweepPort(p.sport))) return false;
  return p !== undefined && p.daddr === probe.daddr && p.dport === probe.port && p.protocol === probe.protocol && first === true;
}

/**
 * Has the host a chain a packet for it passes (iptables' filter INPUT, raw or
 * mangle PREROUTING and INPUT; a native filter chain at prerouting or input),
 * as nft lists it? iptables-nft-save prints `:INPUT ACCEPT` for a built-in
 * chain the kernel does not have: the listing says which exist (reviewer 39).
 */
function hasInputChain(ctx: TraceContext, family: Family): boolean {
  const own = family === "ipv4" ? "ip" : "ip6";
  for (const [table, chains] of ctx.handles) {
    const [tf, name = ""] = table.split(" ");
    if (tf !== own || isTraceTable(table)) continue;
    if ((name === "filter" && chains.has("INPUT")) || ((name === "raw" || name === "mangle") && (chains.has("PREROUTING") || chains.has("INPUT")))) return true;
  }
  return (ctx.saved[family]?.chains ?? []).some((c) => c.hook !== undefined && c.type === "filter" && (c.hook === "input" || c.hook === "prerouting") && !isTraceTable(c.table) && ctx.handles.get(c.table)?.has(c.chain) === true);
}

/**
 * The rule that decided a probe's first packet on one host, from its trace:
 * the first packet is the first traced SYN (or datagram) sent to the probe's
 * destination, as the first event of its trace id shows it (fwspec's table,
 * before any NAT): another probe's packet that a DNAT sent there is not it,
 * nor is a retransmission of it. Every trace id of that packet (a loopback
 * packet gets one per hook) is walked in order, through any rewrite. A drop (or reject) decides at once; otherwise the
 * last accept (a rule's, or a base chain's policy) is the decision. Rules in
 * fwspec's own table are never named; NAT rules are rewrites, not decisions.
 */
export function traceDecision(events: readonly TraceEvent[], probe: TracedProbe, ctx: TraceContext): Decision | undefined {
  const index = indexed(events);
  // Each trace id's first packet, as fwspec's table marked it (original destination and port, source port): the probe's own packets.
  const mine = (index.byOrigin.get(destinationKey(probe.daddr, probe.protocol, probe.port)) ?? []).filter((e) => matches(e.packet, probe));
  const sports = [...new Set(mine.map((e) => e.packet!.sport))];
  if (sports.length <= (probe.nth ?? 0)) return undefined;
  const sport = sports[probe.nth ?? 0];
  // The first packet only: a retransmitted SYN (same source port, a trace id of its own) meets the rules as conntrack
  // sees it by then (`ct state established` once the SYN-ACK was dropped on its way out), not as the first one did.
  const origins = [...new Set(mine.filter((e) => e.packet!.sport === sport).map((e) => e.id))].slice(0, 1);
  // A packet that left by lo is walked on where it came back in (trace-loopback.ts); one that cannot be followed leaves its fate unknown.
  const used = new Set<string>();
  let lost = false;
  const ids = origins.flatMap((id) => {
    const back = reentryOf(index.byId.get(id) ?? [], index.start.get(id) ?? 0, probe.family, index.reentries, used, (e) => natTargetOf(e, ctx), ctx);
    if (back.id !== undefined) used.add(back.id);
    else if (back.loopback) lost = true;
    return back.id !== undefined ? [id, back.id] : [id];
  });
  const rewrites: string[] = [];
  const steps: string[] = [];
  const passed: string[] = [];
  let accepted: Decision | undefined;
  /** Where the accepting chain was entered (trace id, input and output interface): base chains of one hook share it. */
  let acceptedAt: string | undefined;
  let filterEntered = false;
  for (const id of ids) {
    const path = new Map<string, string[]>();
    // The chains as the packet went through them, a goto's source kept (`input → blocked`): what a decision shows.
    // `path` is the call stack: a goto replaces its chain there, so a return goes back past it.
    const trail = new Map<string, string[]>();
    const entered = new Map<string, string>();
    const own = firstPacketOf(index.byId.get(id) ?? []).filter((e) => !isTraceTable(e.table));
    for (const r of silentRewrites(own, probe.family, probe.protocol, ctx.saved[probe.family])) if (!rewrites.includes(r)) rewrites.push(r);
    for (const e of own) {
      if (e.kind === "packet") {
        steps.push(`${e.table} ${e.chain} packet: ${e.text}`);
        path.set(e.table, [e.chain]);
        trail.set(e.table, [e.chain]);
        // The hook as the packet line shows it: its input and output interfaces (an ip table leaves out what an inet one prints).
        entered.set(e.table, `${id} ${/\biif "[^"]*"/.exec(e.text)?.[0] ?? ""} ${/\boif "[^"]*"/.exec(e.text)?.[0] ?? ""}`);
        const chain = `${tableName(e.table)} ${e.chain}`;
        if (!passed.includes(chain)) passed.push(chain);
        if (acceptDecides(e.table, e.chain)) filterEntered = true;
        continue;
      }
      // A rule the trace cannot name (not in the listing read after it): nothing from this trace is evidence.
      if (e.kind === "rule" && e.unnamed) return undefined;
      const stack = path.get(e.table);
      if (stack?.includes(e.chain)) path.set(e.table, stack.slice(0, stack.indexOf(e.chain) + 1)); // back in a calling chain
      const walked = trail.get(e.table);
      if (walked?.includes(e.chain)) trail.set(e.table, walked.slice(0, walked.lastIndexOf(e.chain) + 1));
      steps.push(`${e.table} ${e.chain} ${e.kind === "rule" ? `${e.text}${e.handle !== undefined ? ` # handle ${e.handle}` : ""} (verdict ${e.verdict}${e.target ? ` ${e.target}` : ""})` : `${e.kind} ${e.text}`}`);
      const chains = path.get(e.table) ?? [e.chain];
      if (e.kind === "rule" && (e.verdict === "jump" || e.verdict === "goto") && e.target) {
        path.set(e.table, e.verdict === "jump" ? [...chains, e.target] : [...chains.slice(0, -1), e.target]);
        trail.set(e.table, [...(trail.get(e.table) ?? chains), e.target]);
        continue;
      }
      if (e.kind === "verdict" && e.verdict === "return") {
        path.set(e.table, chains.slice(0, -1));
        const back = chains.at(-2);
        const walkedBack = trail.get(e.table) ?? [];
        if (back !== undefined && walkedBack.includes(back)) trail.set(e.table, walkedBack.slice(0, walkedBack.lastIndexOf(back) + 1));
        continue;
      }
      if (e.kind === "rule" && isRewrite(e, ctx)) {
        const now = unreadDnatDestination(own, own.indexOf(e), ctx);
        const named = `${rewriteName(e, ctx)}${now ? ` (its destination now ${now.daddr} port ${now.dport})` : ""}`;
        if (!rewrites.includes(named)) rewrites.push(named);
        continue;
      }
      const verdict = e.verdict;
      const walkedTo = trail.get(e.table) ?? chains;
      if (verdict !== "drop" && (verdict !== "accept" || !acceptDecides(e.table, walkedTo[0] ?? e.chain))) continue;
      const policy = e.kind === "policy";
      // A policy as its table's tool prints it: `policy DROP` (iptables-save), `policy drop` (nft).
      const named = policy ? { rule: `policy ${nativeTable(tableName(e.table)) ? verdict : verdict.toUpperCase()}`, table: tableName(e.table) } : ruleName(e, ctx);
      const action = verdict === "accept" ? "accept" : !policy && /\breject\b/.test(e.text) ? "reject" : "drop";
      const decision: Decision = {
        host: ctx.host, family: probe.family, table: named.table, path: policy ? [e.chain] : walkedTo.includes(e.chain) ? walkedTo.slice(0, walkedTo.lastIndexOf(e.chain) + 1) : [...walkedTo, e.chain],
        rule: named.rule, action, policy, source: "trace", ...(e.handle !== undefined ? { handle: e.handle } : {}),
      };
      if (action !== "accept") return { ...decision, ...(rewrites.length > 0 ? { rewrites } : {}), ...(probe.established ? { held: true } : {}), steps };
      // Base chains of one hook (the same packet entering each) that all accept it: the rule that accepted it is named,
      // not a later chain's policy that merely did not drop it. A later hook's accept (INPUT after OUTPUT) is the one named.
      const at = entered.get(e.table);
      if (accepted && at !== undefined && at === acceptedAt && policy && !accepted.policy) continue;
      accepted = decision;
      acceptedAt = at;
    }
  }
  // A packet that left by lo and whose way back the trace does not show: what took it there is not known (the counters decide).
  if (lost) return undefined;
  // Tables the trace does not see (legacy ones on an nft host) may still drop what it shows accepted: no accept is claimed.
  if ((ctx.unseen?.[probe.family]?.length ?? 0) > 0) return undefined;
  if (accepted) return { ...accepted, ...(rewrites.length > 0 ? { rewrites } : {}), ...(probe.established ? { held: true } : {}), steps };
  // The packet entered a filtering chain and the trace shows no rule or policy taking it there: the trace is incomplete
  // (read before its verdict line arrived), not "unfiltered" — no decision from it (the counters decide).
  if (filterEntered) return undefined;
  // A netdev table's ingress chains take packets before any table marks them for tracing: what they did is not in the trace.
  if ([...ctx.handles.keys()].some((t) => t.startsWith("netdev "))) return undefined;
  // A packet for this host the trace shows in no chain at all, while the host has a chain at its input hooks: the
  // trace lost it on its way (one that came through a bridge the scenario made gets another trace id: tester 39b),
  // so nothing is claimed (the counters decide), not "no filter chain".
  if (passed.length === 0 && ctx.local?.has(probe.daddr) && hasInputChain(ctx, probe.family)) return undefined;
  // Traced, and nothing that filters decided: no filter chain at the hooks it passed (NAT only, or an empty ruleset).
  return {
    host: ctx.host, family: probe.family, table: "none", path: passed, rule: NO_FILTER_CHAIN, action: "accept", policy: false, unfiltered: true, source: "trace", ...(probe.established ? { held: true } : {}),
    ...(rewrites.length > 0 ? { rewrites } : {}), steps,
  };
}
