/**
 * Rules whose answer to a packet depends on packets before it: rate limits,
 * quotas, random choice, connection counts, and sets or `recent` lists that
 * rules fill as packets pass. With such a rule where a probe's packet can
 * meet it, a DROP taking the first packet does not say the retransmission
 * will be taken too (a SYN over an SSH rate limit, a greylisting set): the
 * probe must run to its own end, and a sweep's many packets would change
 * what they test. A rate limit in front of logging (ufw's `-m limit … -j
 * LOG`, a jump to a chain that only logs and returns) changes no verdict and
 * is not counted. Pure.
 */
import { iptablesDports, nftDports, type PortRanges, vmapJumpPorts } from "./dports.ts";
import { matchesPacket, type ProbePacket } from "./packet-match.ts";
import type { SavedRule, SavedRuleset } from "./saved.ts";
import { ruleCrossesInterfaces, type Via } from "./first-packet-text.ts";
import { blankQuoted } from "./nft-canonical.ts";
import { nftJumps, usesVerdictMap } from "./nft-first-packet.ts";

/** Targets that only record a packet. */
const RECORDING = new Set(["LOG", "NFLOG", "ULOG", "AUDIT", "TRACE"]);

/** iptables matches whose answer depends on earlier packets (or on chance). */
const IPT_VARYING = /(?:^|\s)-m\s+(limit|hashlimit|recent|connlimit|statistic|quota2?)(?=\s|$)/;
/** iptables rules that change state other rules read: `-j SET` fills an ipset, `-m recent --set` a recent list. */
const IPT_WRITES = /(?:^|\s)(-j\s+SET|--(?:set|remove|update))(?=\s|$)/;

/** nft expressions whose answer depends on earlier packets (or on chance), compat matches included. */
const NFT_VARYING = /(?:^|\s)(limit|quota|numgen|ct\s+count|meter)(?=\s|$)/;
/** A compat match nft shows for an iptables-nft rule it cannot translate (`xt match recent`; some versions quote the name). */
const XT_VARYING = /(?:^|\s)xt\s+match\s+"?(limit|hashlimit|recent|connlimit|statistic|quota)"?(?=\s|$)/;
/** nft statements that change a set other rules read. */
const NFT_WRITES = /(?:^|\s)((?:add|update|delete)\s+@\S+)/;


const key = (table: string, chain: string) => `${table}\0${chain}`;

/**
 * Chains that only record: every rule logs, counts, returns or jumps to
 * another such chain (ufw's logging chains). A verdict map makes a chain decide.
 */
export function recordingChains(ruleset: SavedRuleset): Set<string> {
  const byChain = new Map<string, SavedRule[]>();
  // iptables lists its user chains (policy `-`); a native nft reading lists base chains only, its regular chains appear in their rules.
  for (const c of ruleset.chains) if (c.policy === null) byChain.set(key(c.table, c.chain), []);
  for (const r of ruleset.rules) if (!isBase(ruleset, r.table, r.chain) && !byChain.has(key(r.table, r.chain))) byChain.set(key(r.table, r.chain), []);
  for (const r of ruleset.rules) byChain.get(key(r.table, r.chain))?.push(r);
  const recording = new Set(byChain.keys());
  for (let changed = true; changed;) {
    changed = false;
    for (const [k, rules] of byChain) {
      if (!recording.has(k)) continue;
      const records = rules.every((r) => !usesVerdictMap(r.text) && (r.target === null || r.target === "RETURN" || RECORDING.has(r.target) || recording.has(key(r.table, r.target))));
      if (!records) {
        recording.delete(k);
        changed = true;
      }
    }
  }
  return recording;
}

/** What makes `rule` answer differently to a later packet, or undefined: `-m limit`, `update @seen4`… Its verdict aside. */
export function varyingPart(rule: SavedRule): string | undefined {
  const text = blankQuoted(rule.text);
  if (rule.handle !== undefined) {
    const xt = XT_VARYING.exec(rule.text);
    return (NFT_WRITES.exec(text)?.[1] ?? NFT_VARYING.exec(text)?.[1] ?? (xt ? `xt match ${xt[1]}` : undefined))?.replace(/\s+/g, " ");
  }
  const writes = IPT_WRITES.exec(text);
  if (writes && (writes[1]!.startsWith("-j") || /-m\s+recent/.test(text))) return writes[1]!.replace(/\s+/g, " ");
  const varying = IPT_VARYING.exec(text);
  return varying ? `-m ${varying[1]}` : undefined;
}

/** Does the rule's verdict matter (a set it fills always does): not when it only logs or returns from a chain that only records. */
function decides(rule: SavedRule, part: string, recording: ReadonlySet<string>): boolean {
  if (/^(?:-j SET|--set|--remove|--update|add @|update @|delete @)/.test(part)) return true;
  if (usesVerdictMap(rule.text)) return true;
  const t = rule.target;
  if (t === null || RECORDING.has(t) || recording.has(key(rule.table, t))) return false;
  return !(t === "RETURN" && recording.has(key(rule.table, rule.chain)));
}

/** A rule whose answer depends on earlier packets, with what makes it so. */
export interface VaryingRule {
  readonly host: string;
  readonly rule: SavedRule;
  readonly part: string;
  /** The destination ports of the packets that can meet it (its own match, or the jumps into its chain); absent: any port. */
  readonly ports?: PortRanges;
  /** It answers by the packet's shape (rules/packet-shape.ts), not by the packets before it. */
  readonly shape?: true;
}

/** Whether a probe's (or a sweep's) packets can meet a rule on `host`, judged by the rule's own matches (meetsPacket, meetsPorts) and, for a probe, the interfaces its packet crosses there. */
export type Meets = (rule: SavedRule, host: string) => boolean;

const isBase = (reading: SavedRuleset, table: string, chain: string) => reading.chains.some((c) => c.table === table && c.chain === chain && c.policy !== null);

/**
 * The first such rule in the readings of the hosts on a probe's path whose
 * verdict matters and that its packets can meet (`meets`, and some jump into
 * its chain that they can meet, down from a base chain), or undefined when
 * every packet gets the same answer.
 */
export function varyingRule(readings: ReadonlyMap<string, SavedRuleset>, meets: Meets = () => true): VaryingRule | undefined {
  return varyingRules(readings, meets)[0];
}

/**
 * The first such rule a probe's first packet can meet on its watched hosts'
 * readings: its protocol and, unless a rule there rewrites ports (DNAT,
 * REDIRECT), its destination port judged (meetsPacket), and the interfaces
 * it or its answer crosses on each host (`viaOf`, probes/path-interfaces.ts;
 * a host's unknown, or any host's where a rule rewrites the destination:
 * every interface).
 */
export function probeVaryingRule(readings: ReadonlyMap<string, SavedRuleset>, packet: Omit<ProbePacket, "loopback">, viaOf: (host: string) => Via | undefined = () => undefined): VaryingRule | undefined {
  const rewrites = rewritesPorts(readings);
  const meets = meetsPacket(packet, !rewrites);
  // A rewritten destination (DNAT, REDIRECT) may take another way out than the probed address's: interfaces unknown.
  const via = rewrites ? () => undefined : viaOf;
  // The answer crosses each host the other way (in where the probe went out; at the probe's ends "" on the other
  // side: the answer starts or ends there), to the prober's local port: a rule that may let a later answer through
  // holds the verdict up too, its state, addresses and source ports not judged (they are the answer's, not the
  // probe's; reviewer 39: a router's `--sport 8081 -m conntrack --ctstate ESTABLISHED … --rcheck -j ACCEPT`), its
  // destination ports only where they leave out every local port (32768-60999: a lab host's /proc/sys is read-only).
  const toLocalPort = (rule: SavedRule) => rulePorts(rule)?.some(([a, b]) => a <= LOCAL_PORTS[1] && b >= LOCAL_PORTS[0]) ?? true;
  const ofProtocol = meetsPacket(packet, false);
  const answerMeets = (rule: SavedRule, v: Via | undefined) => ofProtocol(rule) && toLocalPort(rule) && ruleCrossesInterfaces(rule, v === undefined ? undefined : { in: v.out ?? "", out: v.in ?? "" });
  // The ports the jumps into its chain limit its packets to (a verdict map's keys: `tcp dport vmap { 8080 : jump web }`
  // sends only 8080 there; tester 43a: a rate limit in such a chain held up every drop on the host): the probe's port,
  // or for its answer a local port, among them.
  const reachable = (v: VaryingRule) => rewrites || v.ports === undefined || v.ports.some(([a, b]) => (a <= packet.dport && packet.dport <= b) || (a <= LOCAL_PORTS[1] && b >= LOCAL_PORTS[0]));
  return varyingRules(readings, (rule, host) => (meets(rule) && ruleCrossesInterfaces(rule, via(host))) || answerMeets(rule, via(host))).find(reachable);
}

/** The kernel's local (ephemeral) ports a prober's connection leaves from: Linux's default ip_local_port_range. */
const LOCAL_PORTS = [32768, 60999] as const;

/** Every such rule, in the order of the readings and their rules (`partOf`: what makes a rule one; packet-shape.ts's shapePart for rules on a packet's shape). */
export function varyingRules(readings: ReadonlyMap<string, SavedRuleset>, meets: Meets = () => true, partOf: (rule: SavedRule) => string | undefined = varyingPart): VaryingRule[] {
  const out: VaryingRule[] = [];
  for (const [host, reading] of readings) {
    const recording = recordingChains(reading);
    const here = (rule: SavedRule) => meets(rule, host);
    for (const rule of reading.rules) {
      const part = partOf(rule);
      if (part === undefined || !decides(rule, part, recording) || !here(rule)) continue;
      const reach = reachingPorts(reading, rule.table, rule.chain, here, new Set());
      if (reach === false) continue;
      // Its own ports, else those of the jumps into its chain: its packets have both.
      const ports = rulePorts(rule) ?? reach;
      out.push({ host, rule, part, ...(ports ? { ports } : {}) });
    }
  }
  return out;
}

/**
 * The destination ports of the packets that can meet `rule` (`meets`): its own, else those the jumps into its chain
 * (verdict maps by their keys) limit them to; undefined: any; false: no packet it allows reaches the rule's chain.
 */
export function portsReaching(reading: SavedRuleset, rule: SavedRule, meets: (rule: SavedRule) => boolean): PortRanges | undefined | false {
  const reach = reachingPorts(reading, rule.table, rule.chain, meets, new Set());
  if (reach === false) return false;
  return rulePorts(rule) ?? reach;
}

/**
 * A native rule whose verdict map may send a packet to `chain`: one that names
 * `jump chain` / `goto chain` among its elements, or a named map (`vmap @m`),
 * whose elements are not in the rule's text (tester 39a: a greylist chain
 * reached only through `tcp dport vmap { 80 : jump grey }` was taken for one
 * no packet reaches).
 */
function mapMayJump(rule: SavedRule, chain: string): boolean {
  if (rule.handle === undefined || !usesVerdictMap(rule.text)) return false;
  return /(?:^|\s)vmap\s+@/.test(blankQuoted(rule.text)) || nftJumps(rule.text).includes(chain);
}

/**
 * Can packets that `meets` allows reach `chain`: false when no jump into it
 * can be met from a base chain; else the destination ports those jumps limit
 * them to (undefined: any port). A base chain is reached by every packet.
 */
function reachingPorts(reading: SavedRuleset, table: string, chain: string, meets: (rule: SavedRule) => boolean, seen: Set<string>): PortRanges | undefined | false {
  if (isBase(reading, table, chain)) return undefined;
  const k = key(table, chain);
  if (seen.has(k)) return false;
  seen.add(k);
  let any = false;
  const ranges: (readonly [number, number])[] = [];
  let unlimited = false;
  for (const r of reading.rules) {
    if (r.table !== table || !(r.target === chain || mapMayJump(r, chain)) || !meets(r)) continue;
    const above = reachingPorts(reading, r.table, r.chain, meets, new Set(seen));
    if (above === false) continue;
    any = true;
    // A port-keyed verdict map sends only its keys' ports there (tester 39b: a sweep took `tcp dport vmap { 80 : jump grey }` for any port).
    const keyed = r.target === chain ? undefined : vmapJumpPorts(r.text, chain);
    const mine = (keyed !== undefined && keyed.length > 0 ? keyed : undefined) ?? rulePorts(r) ?? above;
    if (mine === undefined) unlimited = true;
    else ranges.push(...mine);
  }
  if (!any) return false;
  return unlimited ? undefined : ranges;
}

/** The engine's embedded DNS (its DNAT of 127.0.0.11 in every container on a user-defined network): rewrites no lab traffic. */
const ENGINE_DNS = /(?:^|\s)-d 127\.0\.0\.11(?:\/32)?\s/;

/** Rules that rewrite a packet's destination port on the way (DNAT, REDIRECT; nft `dnat`, `redirect`): then ports say nothing on other hosts. */
export function rewritesPorts(readings: ReadonlyMap<string, SavedRuleset>): boolean {
  return [...readings.values()].some((r) => r.rules.some((x) => ((x.target === "DNAT" || x.target === "REDIRECT") && !ENGINE_DNS.test(x.text)) || (x.handle !== undefined && /(?:^|\s)(?:dnat|redirect)(?=\s|$)/.test(blankQuoted(x.text)))));
}

/**
 * The protocol a rule is limited to: iptables `-p tcp`; nft `tcp dport …`,
 * `icmp type …`, `meta l4proto udp`, `ip protocol icmp` (a `reject with icmp
 * type …` statement is no match). Undefined when it names none or negates it.
 */
export function ruleProtocol(rule: SavedRule): string | undefined {
  if (rule.handle === undefined) {
    const p = /(?:^|\s)(!\s+)?(?:-p|--protocol)\s+(\S+)/.exec(rule.text);
    if (!p || p[1] !== undefined) return undefined;
    return ({ "6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp" } as Record<string, string>)[p[2]!] ?? p[2]!.toLowerCase();
  }
  const text = blankQuoted(rule.text);
  // Not a verdict map keyed by the protocol (`meta l4proto vmap { tcp : jump tcpin }`: reviewer 39), nor a named set.
  const meta = /(?:^|\s)(?:meta\s+l4proto|ip\s+protocol|ip6\s+nexthdr)\s+(?!!=|v?map\b)(\w[\w-]*)/.exec(text);
  if (meta) return meta[1];
  const match = /(?<!with\s)(?:^|\s)(tcp|udp|icmp|icmpv6|sctp|dccp)\s+(?:dport|sport|flags|type|code)\b/.exec(text);
  return match?.[1];
}

/** Could a packet of `protocol` meet a rule limited to `named`? */
function sameProtocol(named: string | undefined, protocol: "tcp" | "udp"): boolean {
  return named === undefined || named === protocol || named === "all";
}

/** The destination ports a rule names (rules/dports.ts), iptables or native. */
export function rulePorts(rule: SavedRule): PortRanges | undefined {
  return rule.handle !== undefined ? nftDports(rule.text) : iptablesDports(rule.text);
}

/**
 * A probe's first packet can meet the rule: not a rule of another protocol,
 * nor (where no rule on the path rewrites ports: `byPort`) one whose
 * destination ports or other iptables matches cannot hold for it.
 * Interfaces are not judged here (probeVaryingRule judges them where the
 * packet's are known).
 */
export function meetsPacket(packet: Omit<ProbePacket, "loopback">, byPort = true): (rule: SavedRule) => boolean {
  return (rule) => {
    if (!sameProtocol(ruleProtocol(rule), packet.protocol)) return false;
    if (!byPort) return true;
    if (rule.handle !== undefined) {
      const ranges = rulePorts(rule);
      return ranges === undefined || ranges.some(([a, b]) => a <= packet.dport && packet.dport <= b);
    }
    // Its other matches judged; its interfaces are judged apart (probeVaryingRule), where they are known.
    return matchesPacket(rule.text.replace(/(^|\s)(?:!\s+)?(?:-i|-o|--in-interface|--out-interface)\s+\S+/g, "$1"), { ...packet, loopback: false }) !== "no";
  };
}

/** A sweep's packets (`protocol`, ports first..last) can meet the rule: not one of another protocol, nor (with `byPort`) one naming destination ports none of them in the range. */
export function meetsPorts(first: number, last: number, protocol: "tcp" | "udp" = "tcp", byPort = true): (rule: SavedRule) => boolean {
  return (rule) => {
    if (!sameProtocol(ruleProtocol(rule), protocol)) return false;
    const ranges = byPort ? rulePorts(rule) : undefined;
    return ranges === undefined || ranges.some(([a, b]) => a <= last && b >= first);
  };
}

/** `server's rule \`-A INPUT … -m limit …\` (-m limit)`, for notes and errors. */
export function describeVarying(v: VaryingRule): string {
  return `${v.host}'s rule \`${v.rule.text.replace(/\s+# handle \d+$/, "")}\` (${v.part})`;
}

/** Why the rule's ports are probed one by one in a sweep: `answers by the packets before it`. */
export function varyingWhy(v: VaryingRule): string {
  return v.shape ? "matches the packet's shape (length, TCP options, TTL), in which nmap's SYN differs from a client's," : "answers by the packets before it";
}

/** Why a probe with no answer ran to its own end although a DROP rule may have taken its first packet. */
export function waitedNote(v: VaryingRule): string {
  return `not decided early: ${describeVarying(v)} answers by what came before, so a retransmitted packet may be let through; the probe ran to its own end`;
}
