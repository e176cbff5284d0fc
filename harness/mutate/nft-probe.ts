/**
 * What a host's native nft rules do with a probe's first packet (pure), as
 * far as fwspec's reading of the rule text can tell; undefined where it
 * cannot. A suggested check must hold with the rules as written and fail with
 * the mutant (suggest.ts): this decides both.
 *
 * The probe is a TCP SYN or UDP datagram opening a new flow to a port of the
 * host, from a peer (over the lab network) or from the host itself to
 * localhost (over lo). It crosses every base chain of the input hook of its
 * family's tables (ip, ip6, inet), lowest priority first: a drop or reject ends
 * it, an accept passes it to the next chain, the last chain's accept admits
 * it. Its other hooks (prerouting; output and postrouting, for the host's
 * own probe and for every answer) must leave it alone: base chains there
 * with no rule and policy accept. The forward hook sees no packet addressed to
 * the host. Undecided (undefined) when:
 * - the host's rules come from more than one source, from no nft file, from a
 *   file not read whole (nft-lines.ts readWhole), or a `run` step or a reboot
 *   may change them;
 * - a netdev, bridge or arp table has a base chain; a chain on the probe's path
 *   has another type than filter with rules, an unknown priority, or the same
 *   priority as another;
 * - a rule the probe reaches has a match not modelled (a named set, a source
 *   port, an interface other than lo for a peer's probe, a limit, …) or a
 *   verdict that goes elsewhere (`jump`, `goto`, `return`, `queue`).
 * Modelled matches: `ct state` (the first packet is new), `iif`/`iifname`
 * (lo), `meta l4proto`, `ip protocol`, `ip6 nexthdr`, `meta nfproto`,
 * `tcp|udp dport` (ports, ranges, anonymous sets, `!=`), other `tcp`/`udp`/
 * `icmp`/`icmpv6` fields (only for the protocol), `ip|ip6 saddr|daddr` (the
 * family; loopback addresses for the host's own probe; for a peer's, its
 * source when the probe says where it leaves from — an address, or the range
 * its address lies in — else the lab ranges; sets, named ones too, and `!=`).
 * A peer's IPv6 probe needs neighbour discovery: decided only when the rules
 * accept ICMPv6 neighbour solicitations and advertisements from the peer.
 */
import { addressValue, type Cidr, contains, overlaps, parseCidr, within } from "../model/cidr.ts";
import { LAB_RANGES } from "../model/targets.ts";
import type { Family } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";
import type { Change } from "./mutants.ts";
import { isNftLine, type NftRuleLine, nftTokens, rejectArgs, verdictIndex } from "./nft-lines.ts";
import { scenarioRuleLines } from "./rule-lines.ts";

export interface Probe {
  readonly family: Family;
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  /** From the host itself to localhost (over lo); else from a peer. */
  readonly loopback: boolean;
  /** A peer's source, when known: its address (a /32 or /128), or the range it lies in. Else anywhere in the lab ranges. */
  readonly source?: Cidr | undefined;
}

/** A probe's packet, or (`nd`) the ICMPv6 neighbour discovery a peer's IPv6 probe needs. */
type Packet = Omit<Probe, "protocol"> & { readonly protocol: Probe["protocol"] | "nd" };

/** What the probe meets: admitted to the port (open if something listens), or ended by a rule or policy. */
export type Fate = "accepted" | "dropped" | "refused:rst" | "refused:icmp" | "unreachable";

interface Chain {
  readonly tableFamily: string;
  readonly type: string | undefined;
  readonly hook: string | undefined;
  readonly priority: number | undefined;
  /** undefined: not read. */
  readonly policy: string | undefined;
  readonly rules: readonly (readonly string[])[];
}

/** A host's base chains as the model reads them. */
export type HostRules = readonly Chain[];

const IP_FAMILIES: Readonly<Record<string, readonly Family[]>> = { ip: ["ipv4"], ip6: ["ipv6"], inet: ["ipv4", "ipv6"] };

/** The words of a changed line's text, split into rules at `;` (a move-end writes the moved rule after another on its line). */
function statements(text: string): string[][] {
  const out: string[][] = [[]];
  for (const w of nftTokens(text)) {
    if (w.endsWith(";") && !w.startsWith('"')) {
      if (w.length > 1) out.at(-1)!.push(w.slice(0, -1));
      out.push([]);
    } else out.at(-1)!.push(w);
  }
  return out.filter((s) => s.length > 0);
}

function policyOf(words: readonly string[]): string | undefined {
  const i = words.indexOf("policy");
  return i < 0 ? undefined : words[i + 1]?.replace(/;$/, "");
}

/**
 * The host's base chains, with `changes` (a mutant's) made to its lines; undefined when the model cannot read them
 * (see above).
 */
export function hostRules(scenario: Scenario, host: string, changes: readonly Change[] = []): HostRules | undefined {
  const applies = scenario.steps.filter((s) => s.kind === "apply" && s.host === host);
  if (applies.length !== 1 || applies[0]!.kind !== "apply" || applies[0]!.sources.length !== 1 || applies[0]!.sources[0]!.kind !== "nft") return undefined;
  if (scenario.steps.some((s) => (s.kind === "run" || s.kind === "reboot") && s.host === host)) return undefined;
  const lines = scenarioRuleLines(scenario).filter((l) => l.host === host);
  if (!lines.every((l): l is NftRuleLine => isNftLine(l) && l.nft.readWhole === true && !/\S/.test(l.prefix))) return undefined;
  const changed = (l: NftRuleLine) => changes.find((c) => c.file === l.file && c.line === l.line);
  // A named set's elements (one `elements = { … }` line): its rules read as if they named them (`@ports` → `{ 22, 443 }`).
  const sets = new Map<string, readonly string[]>();
  for (const l of lines) {
    if (l.nft.role !== "elements") continue;
    const c = changed(l);
    sets.set(`${l.table} @${l.nft.set}`, c ? (c.after === null ? ["{", "}"] : nftTokens(c.after).slice(2)) : l.words.slice(2));
  }
  const named = (words: readonly string[], table: string) => words.flatMap((w) => sets.get(`${table} ${w}`) ?? [w]);
  const chains = new Map<string, { tableFamily: string; type: string | undefined; hook: string | undefined; priority: number | undefined; policy: string | undefined; rules: string[][] }>();
  for (const l of lines) {
    if (l.nft.role === "elements" || l.nft.hook === undefined) continue;
    const key = `${l.table} ${l.chain}`;
    const chain = chains.get(key) ?? { tableFamily: l.nft.tableFamily, type: l.nft.chainType, hook: l.nft.hook, priority: l.nft.priority, policy: "accept", rules: [] };
    chains.set(key, chain);
    const change = changed(l);
    if (l.nft.role === "policy") chain.policy = policyOf(change ? nftTokens(change.after ?? "") : l.words);
    else chain.rules.push(...(change ? (change.after === null ? [] : statements(change.after)) : [[...l.words]]).map((w) => named(w, l.table)));
  }
  return [...chains.values()];
}

/** The destination ports the rules name (both ends of a range), in rule order. */
export function namedPorts(rules: HostRules): number[] {
  const out = new Set<number>();
  for (const words of rules.flatMap((c) => c.rules)) {
    words.forEach((w, i) => {
      if ((w !== "tcp" && w !== "udp") || words[i + 1] !== "dport") return;
      for (const v of valuesAt(words, i + 2)?.values ?? []) for (const p of /^(\d+)(?:-(\d+))?$/.exec(v)?.slice(1) ?? []) if (p !== undefined) out.add(Number(p));
    });
  }
  return [...out];
}

/** The source ranges the rules name (`ip saddr`, `ip6 saddr`: each element of a set, named sets too, negated ones too), in rule order. */
export function namedSources(rules: HostRules): Cidr[] {
  const out = new Map<string, Cidr>();
  for (const words of rules.flatMap((c) => c.rules)) {
    words.forEach((w, i) => {
      if ((w !== "ip" && w !== "ip6") || words[i + 1] !== "saddr") return;
      const family: Family = w === "ip" ? "ipv4" : "ipv6";
      for (const v of valuesAt(words, i + 2)?.values ?? []) {
        const cidr = parseCidr(v.includes("/") ? v : `${v}/${family === "ipv4" ? 32 : 128}`, family);
        if (cidr) out.set(`${cidr.family} ${cidr.base} ${cidr.prefix}`, cidr);
      }
    });
  }
  return [...out.values()];
}

/** The probe's fate with these rules, or undefined when the model cannot tell. */
export function probeFate(rules: HostRules, probe: Probe): Fate | undefined {
  if (probe.family === "ipv6" && !probe.loopback && packetFate(rules, { ...probe, protocol: "nd" }) !== "accepted") return undefined;
  return packetFate(rules, probe);
}

function packetFate(rules: HostRules, probe: Packet): Fate | undefined {
  const mine = rules.filter((c) => !Object.hasOwn(IP_FAMILIES, c.tableFamily) || IP_FAMILIES[c.tableFamily]!.includes(probe.family));
  if (mine.some((c) => !Object.hasOwn(IP_FAMILIES, c.tableFamily))) return undefined;
  const input = mine.filter((c) => c.hook === "input");
  const elsewhere = mine.filter((c) => c.hook !== "input" && c.hook !== "forward");
  if (elsewhere.some((c) => c.rules.length > 0 || c.policy !== "accept")) return undefined;
  if (input.some((c) => c.type !== "filter" && (c.rules.length > 0 || c.policy !== "accept"))) return undefined;
  const filters = input.filter((c) => c.type === "filter");
  const priorities = filters.map((c) => c.priority);
  if (filters.length > 1 && (priorities.some((p) => p === undefined) || new Set(priorities).size < priorities.length)) return undefined;
  for (const chain of [...filters].sort((a, b) => a.priority! - b.priority!)) {
    const fate = chainFate(chain, probe);
    if (fate !== "accepted") return fate;
  }
  return "accepted";
}

function chainFate(chain: Chain, probe: Packet): Fate | undefined {
  for (const words of chain.rules) {
    const rule = ruleOf(words, chain.tableFamily, probe);
    if (rule === undefined) return undefined;
    if (rule.matches === "no" || rule.verdict === undefined) continue;
    if (rule.matches === "unknown") return undefined;
    if (rule.verdict === "accept") return "accepted";
    return rule.verdict;
  }
  return chain.policy === "accept" ? "accepted" : chain.policy === "drop" ? "dropped" : undefined;
}

type Match = "yes" | "no" | "unknown";

/** A rule's match for the probe and its verdict (undefined: none, a statement only); undefined when the verdict is not modelled. */
function ruleOf(rule: readonly string[], tableFamily: string, probe: Packet): { matches: Match; verdict: "accept" | Exclude<Fate, "accepted"> | undefined } | undefined {
  const words = rule.at(-2) === "comment" && rule.at(-1)!.startsWith('"') ? rule.slice(0, -2) : rule;
  // A verdict map (`vmap @ports`, a named map whose elements the file does not list on a line of their own, or
  // inline): a verdict per key, which this model does not read; never a rule without a verdict.
  if (words.includes("vmap")) return undefined;
  const v = verdictIndex(words);
  const before = v < 0 ? words : words.slice(0, v);
  const matches = [matchOf(before, probe)];
  if (v < 0) return { matches: matches[0]!, verdict: undefined };
  const verdict = words[v]!;
  if (verdict === "accept" || verdict === "drop") return v === words.length - 1 ? { matches: matches[0]!, verdict: verdict === "drop" ? "dropped" : "accept" } : undefined;
  if (verdict !== "reject") return matches[0] === "no" ? { matches: "no", verdict: undefined } : undefined;
  const [s, e] = rejectArgs(words, v);
  if (e !== words.length) return undefined;
  const args = words.slice(s, e);
  // nft adds a match to a reject with a protocol's answer: `with tcp reset` is for TCP, `with icmp …` for IPv4.
  if (args[1] === "tcp") matches.push(probe.protocol === "tcp" ? "yes" : "no");
  if (args[1] === "icmp" && tableFamily === "inet") matches.push(probe.family === "ipv4" ? "yes" : "no");
  if (args[1] === "icmpv6" && tableFamily === "inet") matches.push(probe.family === "ipv6" ? "yes" : "no");
  const code = args.at(-1);
  const fate = args.length === 0 || code === "port-unreachable" ? "refused:icmp" : args[1] === "tcp" ? "refused:rst" : "unreachable";
  return { matches: all(matches), verdict: fate };
}

function all(matches: readonly Match[]): Match {
  return matches.includes("no") ? "no" : matches.includes("unknown") ? "unknown" : "yes";
}

/** The values from `at`: `22`, `a,b`, `{ a, b }`, with `!=` before them; undefined for a named set or a missing value. */
function valuesAt(words: readonly string[], at: number): { values: string[]; negated: boolean; next: number } | undefined {
  const negated = words[at] === "!=";
  let i = negated ? at + 1 : at;
  if (words[i] === "==") i++;
  const first = words[i];
  if (first === undefined || first.startsWith("@") || first.startsWith("$")) return undefined;
  if (first !== "{") return { values: first.split(",").filter((x) => x !== ""), negated, next: i + 1 };
  const values: string[] = [];
  for (i++; i < words.length && words[i] !== "}"; i++) values.push(...words[i]!.split(",").filter((x) => x !== ""));
  return i < words.length ? { values, negated, next: i + 1 } : undefined;
}

function oneOf(found: { values: string[]; negated: boolean }, test: (value: string) => boolean | undefined): Match {
  const each = found.values.map(test);
  if (each.includes(undefined)) return "unknown";
  return each.includes(true) !== found.negated ? "yes" : "no";
}

/** The names and numbers a protocol match may give each packet's protocol. */
const PROTOCOL_NAMES: Readonly<Record<Packet["protocol"], readonly string[]>> = { tcp: ["tcp", "6"], udp: ["udp", "17"], nd: ["ipv6-icmp", "icmpv6", "58"] };
/** Neighbour solicitations and advertisements. */
const ND_TYPES: readonly (readonly string[])[] = [["nd-neighbor-solicit", "135"], ["nd-neighbor-advert", "136"]];
const CT_STATES = new Set(["new", "established", "related", "invalid", "untracked"]);
const LAB: Readonly<Record<Family, Cidr>> = { ipv4: parseCidr(LAB_RANGES.ipv4, "ipv4")!, ipv6: parseCidr(LAB_RANGES.ipv6, "ipv6")! };
const LOCALHOST: Readonly<Record<Family, string>> = { ipv4: "127.0.0.1", ipv6: "::1" };

function portIn(value: string, port: number): boolean | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  return m ? port >= Number(m[1]) && port <= Number(m[2] ?? m[1]) : undefined;
}

/**
 * Does an address value hold the probe's address (the host's own probe: loopback; a peer's source: its known
 * address or range, else somewhere in the lab range; a peer's destination: somewhere in the lab range)?
 */
function addressIn(value: string, probe: Packet, field: string): boolean | undefined {
  const cidr = parseCidr(value.includes("/") ? value : `${value}/${probe.family === "ipv4" ? 32 : 128}`, probe.family);
  if (probe.protocol === "nd") return undefined; // link-local and multicast addresses too
  if (cidr === null || addressValue(cidr.text.split("/")[0]!, probe.family) === null) return undefined;
  if (probe.loopback) return contains(cidr, LOCALHOST[probe.family]);
  const range = field === "saddr" && probe.source?.family === probe.family ? probe.source : LAB[probe.family];
  return !overlaps(cidr, range) ? false : within(range, cidr) ? true : undefined;
}

/** The matches before a rule's verdict, for the probe's first packet: each understood, or unknown. */
function matchOf(words: readonly string[], probe: Packet): Match {
  const out: Match[] = [];
  for (let i = 0; i < words.length;) {
    const w = words[i]!;
    const key = w === "meta" ? words[i + 1] : w;
    const at = w === "meta" ? i + 2 : i + 1;
    if (w === "counter") {
      i += words[i + 1] === "name" ? 3 : words[i + 1] === "packets" ? 5 : 1;
      continue;
    }
    if (w === "log") {
      for (i++; ["prefix", "level", "flags", "group"].includes(words[i] ?? ""); i += 2);
      continue;
    }
    const field = (k: string) => w !== "meta" && words[i + 1] === k;
    let found: ReturnType<typeof valuesAt>;
    let test: ((value: string) => boolean | undefined) | undefined;
    // Neighbour discovery is never part of a connection (established, related); whether conntrack calls it new or untracked is not modelled.
    if (w === "ct" && words[i + 1] === "state" && (found = valuesAt(words, i + 2))) test = (s) => (!CT_STATES.has(s) ? undefined : probe.protocol !== "nd" ? s === "new" : s === "established" || s === "related" ? false : undefined);
    else if ((key === "iif" || key === "iifname") && (found = valuesAt(words, at))) test = (name) => (name.replace(/"/g, "") === "lo" ? probe.loopback : probe.loopback ? false : undefined);
    else if ((key === "l4proto" || (w === "ip" && field("protocol")) || (w === "ip6" && field("nexthdr"))) && (found = valuesAt(words, key === "l4proto" ? at : i + 2))) {
      if (w === "ip" && probe.family !== "ipv4") out.push("no");
      if (w === "ip6" && probe.family !== "ipv6") out.push("no");
      test = (p) => PROTOCOL_NAMES[probe.protocol].includes(p);
    } else if ((key === "nfproto" || (w === "meta" && key === "protocol")) && (found = valuesAt(words, at))) test = (f) => (f === "ipv4" || f === "ip" ? probe.family === "ipv4" : f === "ipv6" || f === "ip6" ? probe.family === "ipv6" : undefined);
    else if ((w === "tcp" || w === "udp") && words[i + 1] !== undefined) {
      if (w !== probe.protocol) out.push("no");
      else if (words[i + 1] === "dport" && (found = valuesAt(words, i + 2))) test = (p) => portIn(p, probe.port);
      else return all([...out, "unknown"]);
      i = found ? found.next : i + 3;
      if (found && test) out.push(oneOf(found, test));
      found = undefined;
      continue;
    } else if ((w === "icmp" || w === "icmpv6") && words[i + 1] !== undefined) {
      found = valuesAt(words, i + 2);
      if (w === "icmp" || probe.protocol !== "nd") out.push("no");
      else if (words[i + 1] !== "type" || !found || found.negated) return all([...out, "unknown"]);
      else {
        // Both kinds of neighbour discovery, or neither: else one of them is left to the rules after.
        const kinds = ND_TYPES.map((names) => found!.values.some((t) => names.includes(t)));
        out.push(kinds.every(Boolean) ? "yes" : kinds.some(Boolean) ? "unknown" : "no");
      }
      if (!found) return all(out);
      i = found.next;
      continue;
    } else if ((w === "ip" || w === "ip6") && (words[i + 1] === "saddr" || words[i + 1] === "daddr")) {
      if ((w === "ip") !== (probe.family === "ipv4")) out.push("no");
      found = valuesAt(words, i + 2);
      if (!found) return all([...out, "unknown"]);
      const field = words[i + 1]!;
      test = (a) => addressIn(a.replace(/,$/, ""), probe, field);
    } else return all([...out, "unknown"]);
    if (!found || !test) return all([...out, "unknown"]);
    out.push(oneOf(found, test));
    i = found.next;
  }
  return all(out);
}
