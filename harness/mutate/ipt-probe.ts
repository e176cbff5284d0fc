/**
 * What a host's iptables rules do with a probe's first packet (pure), as far
 * as fwspec's reading of the rule text can tell; undefined where it cannot.
 * The iptables twin of nft-probe.ts: a suggested check must hold with the
 * rules as written and fail with the mutant (suggest-weigh.ts).
 *
 * The rules are the host's one apply step, replayed line by line on tables
 * that start empty with ACCEPT policies: restore files (each `*table` starts
 * that table over, `:CHAIN POLICY` sets a policy), command lists and scripts
 * of plain iptables/ip6tables lines (`-A`, `-I [n]`, `-P`, `-N`, `-F`, `-X`,
 * `-Z`). The probe (a TCP SYN or UDP datagram opening a new flow, from a peer
 * or from the host itself to localhost) walks the filter table's INPUT chain,
 * into user chains (`-j`, `-g`, RETURN, LOG and the like pass it on), to a
 * verdict or the policy. Undecided (undefined) when:
 * - the host has more than one apply step, a `run` step or a reboot; a
 *   source is nft, or a script or command list holds anything but plain
 *   iptables lines (`set -e` aside); a line does something not replayed here;
 *   a legacy host loads two restore files of one family (the second keeps
 *   the policies it does not declare there);
 * - another table than filter has a rule or a policy other than ACCEPT, or
 *   the filter OUTPUT chain (the host's answers, its own probe's packets) has
 *   a rule or a policy other than ACCEPT;
 * - a rule the probe reaches has a match or target not modelled
 *   (packet-match.ts optionHolds: protocol, ports, multiport, conntrack state,
 *   `-i lo`, TCP flags, comments; here: addresses — the peer's source when the
 *   probe says where it leaves from, else the lab ranges; loopback addresses
 *   for the host's own probe — and source ports, which hold for a probe when
 *   they hold the kernel's whole ephemeral range).
 * A peer's IPv6 probe needs neighbour discovery: decided only when INPUT
 * accepts both neighbour solicitations and advertisements from the peer
 * (a connection state of established or related never holds for them;
 * whether conntrack calls them new, invalid or untracked is not modelled).
 */
import { addressValue, type Cidr, contains, overlaps, parseCidr, within } from "../model/cidr.ts";
import { LAB_RANGES } from "../model/targets.ts";
import { FAMILIES, type Family } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";
import { type OptionGroup, splitGroups } from "../rules/tokenize.ts";
import { optionHolds } from "../rules/packet-match.ts";
import { resolveRejectType } from "../rules/match.ts";
import { REJECT_VERDICTS } from "../rules/decisive.ts";
import { iptablesDports } from "../rules/dports.ts";
import { BUILTIN_CHAINS } from "../rules/reset.ts";
import type { Fate, Probe } from "./nft-probe.ts";
import { type RuleLine, scenarioRuleLines } from "./rule-lines.ts";
import { isNftLine } from "./nft-lines.ts";

/** One table of one family: chain → policy (builtin chains; null for a user chain) and its rules (the words after `-A CHAIN`). */
interface Table {
  readonly chains: Map<string, { policy: string | null; rules: string[][] }>;
}

/** A host's rules as the model reads them: each family's tables. */
export type IptHostRules = Readonly<Record<Family, ReadonlyMap<string, Table>>>;


function freshTable(name: string): Table | undefined {
  const builtin = BUILTIN_CHAINS[name];
  return builtin ? { chains: new Map(builtin.map((c) => [c, { policy: "ACCEPT", rules: [] }])) } : undefined;
}

/** A script line that changes no rule: blank, a comment, a shebang, `set -e` and its kin. */
const QUIET = /^(#.*|set(\s+[-+][a-z]+)+|)$/;

/**
 * Replays one line's words (`-t T`, `-w`, then one command) on the family's tables; false when the model does not
 * replay it. `restoreTable`: the table of a restore file's section.
 */
function replay(tables: Map<string, Table>, words: readonly string[], restoreTable?: string): boolean {
  let table = restoreTable ?? "filter";
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === "-t" || w === "--table") && restoreTable === undefined && words[i + 1] !== undefined) table = words[++i]!;
    else if (w === "-w" || w === "--wait") {
      if (/^\d+$/.test(words[i + 1] ?? "")) i++;
    } else rest.push(w);
  }
  if (!tables.has(table)) {
    const t = freshTable(table);
    if (!t) return false;
    tables.set(table, t);
  }
  const { chains } = tables.get(table)!;
  const [command, chain, ...args] = rest;
  const named = chain !== undefined && !chain.startsWith("-") ? chains.get(chain) : undefined;
  switch (command) {
    case "-A":
    case "--append":
      if (!named) return false;
      named.rules.push(args);
      return true;
    case "-I":
    case "--insert": {
      if (!named) return false;
      const at = /^\d+$/.test(args[0] ?? "") ? Number(args.shift()) : 1;
      if (at < 1 || at > named.rules.length + 1) return false;
      named.rules.splice(at - 1, 0, args);
      return true;
    }
    case "-P":
    case "--policy":
      if (!named || named.policy === null || args.length !== 1) return false;
      named.policy = args[0]!;
      return true;
    case "-N":
    case "--new-chain":
      if (chain === undefined || chains.has(chain) || args.length > 0) return false;
      chains.set(chain, { policy: null, rules: [] });
      return true;
    case "-F":
    case "--flush":
      if (chain === undefined) for (const c of chains.values()) c.rules.length = 0;
      else if (named && args.length === 0) named.rules.length = 0;
      else return false;
      return true;
    case "-X":
    case "--delete-chain":
      if (chain === undefined) for (const [name, c] of chains) { if (c.policy === null) chains.delete(name); }
      else if (named?.policy === null && named.rules.length === 0) chains.delete(chain);
      else return false;
      return true;
    case "-Z":
    case "--zero":
      return true;
    default:
      return false;
  }
}

/** The host's tables (a mutant's: read its own scenario); undefined when the model cannot read them (see the top). */
export function iptHostRules(scenario: Scenario, host: string): IptHostRules | undefined {
  const applies = scenario.steps.filter((s) => s.kind === "apply" && s.host === host);
  const step = applies[0];
  if (applies.length !== 1 || step?.kind !== "apply") return undefined;
  if (scenario.steps.some((s) => (s.kind === "run" || s.kind === "reboot") && s.host === host)) return undefined;
  // A second restore file of a family: iptables-nft starts its tables over, iptables-legacy keeps the policies the file
  // does not declare (reviewer 44): not modelled there.
  const legacy = scenario.hosts.find((h) => h.name === host)?.backend === "legacy";
  if (legacy && FAMILIES.some((f) => step.sources.filter((s) => s.kind === "restore" && s.family === f).length > 1)) return undefined;
  const stepIndex = scenario.steps.indexOf(step);
  const lines = scenarioRuleLines(scenario).filter((l) => l.host === host && l.step === stepIndex);
  if (lines.some((l) => isNftLine(l) || l.afterReboot)) return undefined;
  const tables: Record<Family, Map<string, Table>> = { ipv4: new Map(), ipv6: new Map() };
  for (const f of FAMILIES) tables[f].set("filter", freshTable("filter")!);
  const play = (l: RuleLine, restoreTable?: string): boolean => replay(tables[l.family], l.words, restoreTable);
  for (const [sourceIndex, source] of step.sources.entries()) {
    const own = lines.filter((l) => l.source === sourceIndex);
    const byIndex = new Map(own.map((l) => [l.index, l]));
    if (source.kind === "nft") return undefined;
    if (source.kind === "commands") {
      if (own.length !== source.commands.length) return undefined;
      if (!own.every((l) => play(l))) return undefined;
      continue;
    }
    const content = source.content.split("\n");
    if (source.kind === "script") {
      for (const [index, raw] of content.entries()) {
        const l = byIndex.get(index);
        if (l ? !play(l) : !QUIET.test(raw.trim())) return undefined;
      }
      continue;
    }
    // A restore file: each `*table` section starts its table over (its policies from `:CHAIN POLICY` lines).
    let table: string | undefined;
    for (const [index, raw] of content.entries()) {
      const text = raw.trim();
      if (text === "" || text.startsWith("#")) continue;
      const header = /^\*(\S+)$/.exec(text);
      if (header) {
        table = header[1]!;
        const fresh = freshTable(table);
        if (!fresh) return undefined;
        tables[source.family].set(table, fresh);
        continue;
      }
      if (table === undefined) return undefined;
      if (text === "COMMIT") {
        table = undefined;
        continue;
      }
      const chain = /^:(\S+)\s+(\S+)(?:\s+\[\d+:\d+\])?$/.exec(text);
      if (chain) {
        const chains = tables[source.family].get(table)!.chains;
        const builtin = chains.get(chain[1]!);
        if (builtin?.policy != null) builtin.policy = chain[2]!;
        else if (!builtin && chain[2] === "-") chains.set(chain[1]!, { policy: null, rules: [] });
        else return undefined;
        continue;
      }
      const l = byIndex.get(index);
      if (!l || !play(l, table)) return undefined;
    }
    if (table !== undefined) return undefined;
  }
  return tables;
}

/** The destination ports the rules name (both ends of a range), in rule order. */
export function iptNamedPorts(rules: IptHostRules): number[] {
  const out = new Set<number>();
  for (const f of FAMILIES) {
    for (const t of rules[f].values()) for (const c of t.chains.values()) for (const r of c.rules) for (const [a, b] of iptablesDports(r.join(" ")) ?? []) out.add(a).add(b);
  }
  return [...out];
}

/** The source ranges the rules name (`-s`, negated ones too), in rule order. */
export function iptNamedSources(rules: IptHostRules): Cidr[] {
  const out = new Map<string, Cidr>();
  for (const f of FAMILIES) {
    for (const t of rules[f].values()) {
      for (const c of t.chains.values()) {
        for (const r of c.rules) {
          r.forEach((w, i) => {
            if (w !== "-s" && w !== "--source" && w !== "--src") return;
            for (const v of (r[i + 1] ?? "").split(",")) {
              const cidr = parseCidr(v.includes("/") ? v : `${v}/${f === "ipv4" ? 32 : 128}`, f);
              if (cidr) out.set(`${cidr.family} ${cidr.base} ${cidr.prefix}`, cidr);
            }
          });
        }
      }
    }
  }
  return [...out.values()];
}

/** A probe's packet, or one of the neighbour discovery messages a peer's IPv6 probe needs. */
type Packet = Probe & { readonly nd?: "solicit" | "advert" };

const LAB: Readonly<Record<Family, Cidr>> = { ipv4: parseCidr(LAB_RANGES.ipv4, "ipv4")!, ipv6: parseCidr(LAB_RANGES.ipv6, "ipv6")! };
const LOCALHOST: Readonly<Record<Family, string>> = { ipv4: "127.0.0.1", ipv6: "::1" };
const ICMPV6 = new Set(["ipv6-icmp", "icmpv6", "icmp6", "58"]);
const ND_TYPE: Readonly<Record<"solicit" | "advert", { readonly type: number; readonly names: readonly string[] }>> = {
  solicit: { type: 135, names: ["neighbour-solicitation", "neighbor-solicitation"] },
  advert: { type: 136, names: ["neighbour-advertisement", "neighbor-advertisement"] },
};
/** ICMPv6 type names ip6tables knows that are no neighbour discovery (a rule naming one does not match it). */
const OTHER_ICMPV6 = ["destination-unreachable", "no-route", "communication-prohibited", "address-unreachable", "port-unreachable", "packet-too-big", "time-exceeded", "ttl-exceeded", "ttl-zero-during-transit", "ttl-zero-during-reassembly", "parameter-problem", "bad-header", "unknown-header-type", "unknown-option", "echo-request", "ping", "echo-reply", "pong", "router-solicitation", "router-advertisement", "redirect"];

/** Does `--icmpv6-type VALUE` hold a neighbour discovery message: `136`, `136/0`, its name (or a prefix ip6tables reads as it); undefined when not known. */
function icmpv6TypeHolds(value: string, nd: "solicit" | "advert"): boolean | undefined {
  const n = /^(\d+)(?:\/(\d+))?$/.exec(value);
  if (n) return Number(n[1]) === ND_TYPE[nd].type && (n[2] === undefined || Number(n[2]) === 0);
  const named = (names: readonly string[]) => names.some((name) => name.startsWith(value));
  if (value === "") return undefined;
  const mine = named(ND_TYPE[nd].names);
  const other = named(ND_TYPE[nd === "solicit" ? "advert" : "solicit"].names) || named(OTHER_ICMPV6);
  return mine && !other ? true : !mine && other ? false : undefined;
}
/** Options of the targets modelled (REJECT's answer), never matches. */
const TARGET_OPTION = /^--reject-with$/;
/** Targets that only record or count a packet and pass it on. */
const PASSING = new Set(["LOG", "NFLOG", "ULOG"]);

/** The probe's fate with these rules, or undefined when the model cannot tell. */
export function iptProbeFate(rules: IptHostRules, probe: Probe): Fate | undefined {
  const tables = rules[probe.family];
  for (const [name, t] of tables) {
    for (const [chain, c] of t.chains) {
      const quiet = c.rules.length === 0 && (c.policy === null || c.policy === "ACCEPT");
      if (!quiet && (name !== "filter" || chain === "OUTPUT")) return undefined;
    }
  }
  const chains = tables.get("filter")!.chains;
  if (probe.family === "ipv6" && !probe.loopback) {
    for (const nd of ["solicit", "advert"] as const) if (walk(chains, "INPUT", { ...probe, nd }, 0) !== "accepted") return undefined;
  }
  const fate = walk(chains, "INPUT", probe, 0);
  return fate === "return" ? undefined : fate;
}

/** Where a chain's walk ends: a fate, `return` (a user chain's end or RETURN), or undefined (not modelled). */
function walk(chains: Table["chains"], name: string, packet: Packet, depth: number): Fate | "return" | undefined {
  const chain = chains.get(name);
  if (!chain || depth > 16) return undefined;
  for (const words of chain.rules) {
    let groups: OptionGroup[];
    try {
      groups = splitGroups(words);
    } catch {
      return undefined;
    }
    const t = groups.findIndex((g) => ["-j", "--jump", "-g", "--goto"].includes(g.name));
    const target = t < 0 ? undefined : groups[t]!.args[0];
    if (target === undefined || PASSING.has(target)) continue;
    // iptables takes options in any order: the target's own (`--reject-with`) are no matches; any other option is,
    // wherever it was written (`-j DROP -p tcp --dport 23`: reviewer 44).
    const m = matchOf(groups.filter((g, i) => i !== t && !TARGET_OPTION.test(g.name)), packet);
    if (m === "no") continue;
    if (m === "unknown") return undefined;
    if (target === "ACCEPT") return "accepted";
    if (target === "DROP") return "dropped";
    // RETURN leaves a user chain; in a builtin chain the policy decides.
    if (target === "RETURN") {
      if (chain.policy === null) return "return";
      break;
    }
    if (target === "REJECT") return packet.nd ? "dropped" : rejectFate(groups.filter((g) => TARGET_OPTION.test(g.name)), packet);
    const sub = chains.get(target);
    if (!sub || sub.policy !== null) return undefined;
    const end = walk(chains, target, packet, depth + 1);
    if (end === undefined) return undefined;
    if (end !== "return") return end;
    // A goto's chain returns to where this chain was entered from: for a builtin chain, its policy.
    if (groups[t]!.name === "-g" || groups[t]!.name === "--goto") break;
  }
  if (chain.policy === null) return "return";
  return chain.policy === "ACCEPT" ? "accepted" : chain.policy === "DROP" ? "dropped" : undefined;
}

/** What a REJECT's answer makes of the probe (its options after `-j REJECT`). */
function rejectFate(options: readonly OptionGroup[], packet: Packet): Fate | undefined {
  if (options.some((g) => g.name !== "--reject-with")) return undefined;
  const given = options[0]?.args[0];
  if (given === undefined) return "refused:icmp";
  const kind = resolveRejectType(given, packet.family);
  if (kind === "tcp-reset") return packet.protocol === "tcp" ? "refused:rst" : undefined;
  const verdict = REJECT_VERDICTS[kind];
  return verdict === "refused" ? "refused:icmp" : verdict === "unreachable" ? "unreachable" : undefined;
}

/** Does an address option's value hold the packet's address (a list: any of it)? */
function addressHolds(value: string, packet: Packet, field: "source" | "destination"): boolean | undefined {
  if (packet.nd) return undefined; // link-local and multicast addresses too
  const each = value.split(",").map((v) => {
    const cidr = parseCidr(v.includes("/") ? v : `${v}/${packet.family === "ipv4" ? 32 : 128}`, packet.family);
    if (cidr === null || addressValue(cidr.text.split("/")[0]!, packet.family) === null) return undefined;
    if (packet.loopback) return contains(cidr, LOCALHOST[packet.family]);
    const range = field === "source" && packet.source?.family === packet.family ? packet.source : LAB[packet.family];
    return !overlaps(cidr, range) ? false : within(range, cidr) ? true : undefined;
  });
  return each.includes(true) ? true : each.includes(undefined) ? undefined : false;
}

/** The ports a probe's connection may leave from: the kernel's default ephemeral range (net.ipv4.ip_local_port_range). */
const EPHEMERAL: readonly [number, number] = [32768, 60999];

/** Does a source port option (`--sport 1024:65535`, `--sports 67,68`) hold the probe's ephemeral port: for every one, for none, or not known? */
function sourcePortHolds(value: string): boolean | undefined {
  const ranges = value.split(",").map((p) => /^(\d+)(?::(\d*))?$/.exec(p)).map((m) => (m ? [Number(m[1]), m[2] === undefined ? Number(m[1]) : m[2] === "" ? 65535 : Number(m[2])] as const : undefined));
  if (ranges.some((r) => r === undefined)) return undefined;
  const [lo, hi] = EPHEMERAL;
  if (ranges.some((r) => r![0] <= lo && hi <= r![1])) return true;
  return ranges.every((r) => r![1] < lo || r![0] > hi) ? false : undefined;
}

/** One option's answer for a neighbour discovery message. */
function ndHolds(g: OptionGroup, packet: Packet & { nd: "solicit" | "advert" }): boolean | undefined {
  const arg = (g.args[0] ?? "").toLowerCase();
  switch (g.name) {
    case "-p":
    case "--protocol":
      return ICMPV6.has(arg) || arg === "all" || arg === "0";
    case "-m":
    case "--match":
      return ["icmp6", "icmpv6", "ipv6-icmp", "comment", "hl", "conntrack", "state"].includes(arg) ? true : undefined;
    case "--icmpv6-type":
      return icmpv6TypeHolds(arg, packet.nd);
    case "--hl-eq":
      return arg === "255";
    case "--state":
    case "--ctstate":
      // Never part of a connection; new, invalid or untracked: not modelled.
      return arg.toUpperCase().split(",").every((s) => ["ESTABLISHED", "RELATED", "DNAT", "SNAT"].includes(s)) ? false : undefined;
    case "--comment":
      return true;
    case "-i":
    case "--in-interface":
      return (arg === "lo" || arg === "lo+") ? false : undefined;
    default:
      return undefined;
  }
}

/** The rule's matches for the packet: each understood and holding, one failing, or one not modelled. */
function matchOf(groups: readonly OptionGroup[], packet: Packet): "yes" | "no" | "unknown" {
  let unknown = false;
  for (const g of groups) {
    let h: boolean | undefined;
    if (g.name === "-s" || g.name === "--source" || g.name === "--src") h = addressHolds(g.args[0] ?? "", packet, "source");
    else if (g.name === "-d" || g.name === "--destination" || g.name === "--dst") h = addressHolds(g.args[0] ?? "", packet, "destination");
    else if (packet.nd) h = ndHolds(g, { ...packet, nd: packet.nd });
    else if (["--sport", "--source-port", "--sports", "--source-ports"].includes(g.name)) h = sourcePortHolds(g.args[0] ?? "");
    else h = optionHolds(g, { family: packet.family, protocol: packet.protocol, dport: packet.port, loopback: packet.loopback });
    if (h === undefined) unknown = true;
    else if (h === g.negated) return "no";
  }
  return unknown ? "unknown" : "yes";
}
