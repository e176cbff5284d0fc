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
import { matchesPacket, type ProbePacket } from "./packet-match.ts";
import type { SavedRule, SavedRuleset } from "./saved.ts";

/** Targets that only record a packet. */
const RECORDING = new Set(["LOG", "NFLOG", "ULOG", "AUDIT", "TRACE"]);

/** iptables matches whose answer depends on earlier packets (or on chance). */
const IPT_VARYING = /(?:^|\s)-m\s+(limit|hashlimit|recent|connlimit|statistic|quota2?)(?=\s|$)/;
/** iptables rules that change state other rules read: `-j SET` fills an ipset, `-m recent --set` a recent list. */
const IPT_WRITES = /(?:^|\s)(-j\s+SET|--(?:set|remove|update))(?=\s|$)/;

/** nft expressions whose answer depends on earlier packets (or on chance), compat matches included. */
const NFT_VARYING = /(?:^|\s)(limit|quota|numgen|ct\s+count|meter|xt\s+match\s+(?:limit|hashlimit|recent|connlimit|statistic|quota))(?=\s|$)/;
/** nft statements that change a set other rules read. */
const NFT_WRITES = /(?:^|\s)((?:add|update|delete)\s+@\S+)/;

/** The rule text without quoted strings (comments, log prefixes): a comment saying "limit" is no limit. */
function unquoted(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

const key = (table: string, chain: string) => `${table}\0${chain}`;

/**
 * Chains that only record: every rule logs, counts, returns or jumps to
 * another such chain (ufw's logging chains). A verdict map makes a chain decide.
 */
export function recordingChains(ruleset: SavedRuleset): Set<string> {
  const byChain = new Map<string, SavedRule[]>();
  for (const c of ruleset.chains) if (c.policy === null) byChain.set(key(c.table, c.chain), []);
  for (const r of ruleset.rules) byChain.get(key(r.table, r.chain))?.push(r);
  const recording = new Set(byChain.keys());
  for (let changed = true; changed;) {
    changed = false;
    for (const [k, rules] of byChain) {
      if (!recording.has(k)) continue;
      const records = rules.every((r) => !/(?:^|\s)vmap(?=\s|$)/.test(unquoted(r.text)) && (r.target === null || r.target === "RETURN" || RECORDING.has(r.target) || recording.has(key(r.table, r.target))));
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
  const text = unquoted(rule.text);
  if (rule.handle !== undefined) return (NFT_WRITES.exec(text)?.[1] ?? NFT_VARYING.exec(text)?.[1])?.replace(/\s+/g, " ");
  const writes = IPT_WRITES.exec(text);
  if (writes && (writes[1]!.startsWith("-j") || /-m\s+recent/.test(text))) return writes[1]!.replace(/\s+/g, " ");
  const varying = IPT_VARYING.exec(text);
  return varying ? `-m ${varying[1]}` : undefined;
}

/** Does the rule's verdict matter (a set it fills always does): not when it only logs or returns from a chain that only records. */
function decides(rule: SavedRule, part: string, recording: ReadonlySet<string>): boolean {
  if (/^(?:-j SET|--set|--remove|--update|add @|update @|delete @)/.test(part)) return true;
  if (/(?:^|\s)vmap(?=\s|$)/.test(unquoted(rule.text))) return true;
  const t = rule.target;
  if (t === null || RECORDING.has(t) || recording.has(key(rule.table, t))) return false;
  return !(t === "RETURN" && recording.has(key(rule.table, rule.chain)));
}

/** A rule whose answer depends on earlier packets, with what makes it so. */
export interface VaryingRule {
  readonly host: string;
  readonly rule: SavedRule;
  readonly part: string;
}

/**
 * The first such rule in the readings of the hosts on a probe's path whose
 * verdict matters, or undefined when every packet gets the same answer.
 * `meets`: whether the probe's packets can meet the rule (default: they can);
 * see meetsPacket and meetsPorts.
 */
export function varyingRule(readings: ReadonlyMap<string, SavedRuleset>, meets: (rule: SavedRule) => boolean = () => true): VaryingRule | undefined {
  return varyingRules(readings, meets)[0];
}

/** Every such rule, in the order of the readings and their rules. */
export function varyingRules(readings: ReadonlyMap<string, SavedRuleset>, meets: (rule: SavedRule) => boolean = () => true): VaryingRule[] {
  const out: VaryingRule[] = [];
  for (const [host, reading] of readings) {
    const recording = recordingChains(reading);
    for (const rule of reading.rules) {
      const part = varyingPart(rule);
      if (part === undefined || !decides(rule, part, recording) || !meets(rule)) continue;
      out.push({ host, rule, part });
    }
  }
  return out;
}

/**
 * A probe's first packet can meet the rule: not when an iptables rule's other
 * matches cannot hold for it (another port, another protocol). Interfaces are
 * not judged (whether a probe goes over loopback is not always known here).
 */
export function meetsPacket(packet: Omit<ProbePacket, "loopback">): (rule: SavedRule) => boolean {
  return (rule) => rule.handle !== undefined || /(?:^|\s)(?:-i|-o|--in-interface|--out-interface)\s/.test(rule.text) || matchesPacket(rule.text, { ...packet, loopback: false }) !== "no";
}

/**
 * The destination ports an iptables rule names (`--dport 22`, `--dports
 * 80,443`, `--dport 1000:2000`) as ranges; undefined when it names none, negates
 * them, or is a native nft rule (any port, as far as fwspec can tell).
 */
export function rulePorts(rule: SavedRule): (readonly [number, number])[] | undefined {
  if (rule.handle !== undefined) return undefined;
  const named = /(?:^|\s)--(?:dport|destination-port|dports|destination-ports)\s+(\S+)/.exec(rule.text);
  if (!named || /(?:^|\s)!\s+--d(?:port|estination-port)/.test(rule.text)) return undefined;
  const ranges = named[1]!.split(",").map((p) => {
    const [a, b = a] = p.split(":").map(Number);
    return [a!, b!] as const;
  });
  return ranges.every(([a, b]) => Number.isInteger(a) && Number.isInteger(b)) ? ranges : undefined;
}

/** An iptables rule for another protocol (`-p icmp` when sweeping TCP) meets none of a sweep's packets. */
function otherProtocol(rule: SavedRule, protocol: "tcp" | "udp"): boolean {
  if (rule.handle !== undefined) return false;
  const p = /(?:^|\s)(!\s+)?(?:-p|--protocol)\s+(\S+)/.exec(rule.text);
  if (!p || p[1] !== undefined) return false;
  const named = { tcp: ["tcp", "6"], udp: ["udp", "17"] }[protocol];
  return !named.includes(p[2]!.toLowerCase());
}

/** A sweep's packets (`protocol`, ports first..last) can meet the rule: not an iptables rule for another protocol, or naming destination ports none of them in the range. */
export function meetsPorts(first: number, last: number, protocol: "tcp" | "udp" = "tcp"): (rule: SavedRule) => boolean {
  return (rule) => {
    if (otherProtocol(rule, protocol)) return false;
    const ranges = rulePorts(rule);
    return ranges === undefined || ranges.some(([a, b]) => a <= last && b >= first);
  };
}

/** `server's rule \`-A INPUT … -m limit …\` (-m limit)`, for notes and errors. */
export function describeVarying(v: VaryingRule): string {
  return `${v.host}'s rule \`${v.rule.text.replace(/\s+# handle \d+$/, "")}\` (${v.part})`;
}

/** Why a probe with no answer ran to its own end although a DROP rule may have taken its first packet. */
export function waitedNote(v: VaryingRule): string {
  return `not decided early: ${describeVarying(v)} answers by what came before, so a retransmitted packet may be let through; the probe ran to its own end`;
}
