/**
 * Would a saved rule match a probe's first packet? (pure) A conservative
 * three-valued answer used to find shadowed rules: "match" only when every
 * match option of the rule is understood and holds for the packet (a TCP SYN
 * or a UDP datagram opening a new flow), "no" when any understood option
 * fails, otherwise "unknown" (an option not modelled, a source address or
 * port fwspec does not know, an interface other than loopback). And whether
 * an earlier rule covers a later one (takes every packet it would match).
 */
import { parseCidr, contains } from "../model/cidr.ts";
import type { Family } from "../model/types.ts";
import { normalizePort } from "./match.ts";
import { type OptionGroup, splitGroups, tokenizeRule } from "./tokenize.ts";
import { iptablesDports, type PortRanges } from "./dports.ts";

export type PacketMatch = "match" | "no" | "unknown";

/** The first packet of a probe as a firewall host on its path sees it. */
export interface ProbePacket {
  readonly family: Family;
  readonly protocol: "tcp" | "udp";
  readonly dport: number;
  /** The address probed, when known. */
  readonly destination?: string | undefined;
  /** The probe's source address, when known (loopback probes: the loopback address). */
  readonly source?: string | undefined;
  /** The probe goes over the loopback interface (the prober probes itself). */
  readonly loopback: boolean;
}

const PROTOCOLS: Readonly<Record<string, string>> = { "6": "tcp", "17": "udp", "0": "all" };
/** Match modules whose options are modelled below (or that only name a protocol's options). */
const KNOWN_MODULES = new Set(["tcp", "udp", "multiport", "state", "conntrack", "comment"]);
const TCP_FLAGS = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"];

function flagSet(text: string): Set<string> {
  const out = new Set<string>();
  for (const f of text.toUpperCase().split(",")) {
    if (f === "ALL") TCP_FLAGS.forEach((x) => out.add(x));
    else if (f !== "NONE") out.add(f);
  }
  return out;
}

/** Does a TCP segment carrying `packet` flags (`["SYN"]`, `["SYN", "ACK"]`) pass `--tcp-flags mask compare` (its negation aside)? */
export function tcpFlagsMatch(mask: string, compare: string, packet: readonly string[]): boolean {
  const want = flagSet(compare);
  const seen = new Set([...flagSet(mask)].filter((f) => packet.includes(f)));
  return seen.size === want.size && [...want].every((f) => seen.has(f));
}

function inPortSpec(spec: string, port: number): boolean | undefined {
  const n = normalizePort(spec);
  const m = /^(\d+)(?::(\d+))?$/.exec(n);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return port >= lo && port <= hi;
}

function inPortList(list: string, port: number): boolean | undefined {
  let any = false;
  for (const part of list.split(",")) {
    const r = inPortSpec(part, port);
    if (r === undefined) return undefined;
    any ||= r;
  }
  return any;
}

function inAddress(value: string, address: string | undefined, family: Family): boolean | undefined {
  if (address === undefined) return undefined;
  const cidr = parseCidr(value.includes("/") ? value : `${value}/${family === "ipv4" ? 32 : 128}`, family);
  return cidr ? contains(cidr, address) : undefined;
}

/** One option's answer for the packet: true/false, or undefined when not known. */
export function optionHolds(g: OptionGroup, p: ProbePacket): boolean | undefined {
  const arg = g.args[0] ?? "";
  switch (g.name) {
    case "-p":
    case "--protocol": {
      const proto = PROTOCOLS[arg.toLowerCase()] ?? arg.toLowerCase();
      return proto === "all" || proto === p.protocol;
    }
    case "-s":
    case "--source":
    case "--src":
      return inAddress(arg, p.source, p.family);
    case "-d":
    case "--destination":
    case "--dst":
      return inAddress(arg, p.destination, p.family);
    case "-i":
    case "--in-interface":
    case "-o":
    case "--out-interface": {
      const pattern = arg.endsWith("+") ? arg.slice(0, -1) : undefined;
      const isLo = pattern === undefined ? arg === "lo" : "lo".startsWith(pattern);
      // Over loopback the interface is `lo`; otherwise it is not, but which one is not known.
      if (p.loopback) return isLo;
      return isLo && pattern === undefined ? false : undefined;
    }
    case "--dport":
    case "--destination-port":
      return inPortSpec(arg, p.dport);
    case "--dports":
    case "--destination-ports":
      return inPortList(arg, p.dport);
    case "--ports":
      // Source or destination: a hit on the destination port decides, the source port is not known.
      return inPortList(arg, p.dport) === true ? true : undefined;
    case "--state":
    case "--ctstate": {
      // A first packet is NEW; it is DNAT (SNAT) too when NAT rewrote its connection, which is not known here.
      const states = arg.toUpperCase().split(",");
      if (states.includes("NEW")) return true;
      return states.includes("DNAT") || states.includes("SNAT") ? undefined : false;
    }
    case "--syn":
      return p.protocol === "tcp";
    case "--tcp-flags":
      // The first packet is a SYN: flags within the mask must equal the comparison set.
      return tcpFlagsMatch(arg, g.args[1] ?? "", ["SYN"]);
    case "-f":
    case "--fragment":
      return false;
    case "--comment":
      return true;
    case "-m":
    case "--match":
      return KNOWN_MODULES.has(arg.toLowerCase()) ? true : undefined;
    default:
      return undefined;
  }
}

/** Would `ruleText` (as iptables-save prints it) match the probe's first packet? */
export function matchesPacket(ruleText: string, packet: ProbePacket): PacketMatch {
  let groups: OptionGroup[];
  try {
    groups = splitGroups(tokenizeRule(ruleText));
  } catch {
    return "unknown";
  }
  let unknown = false;
  for (const g of groups) {
    if (g.name === "-A" || g.name === "--append") continue;
    // The target and its options decide what happens, not whether the rule matches.
    if (g.name === "-j" || g.name === "--jump" || g.name === "-g" || g.name === "--goto") break;
    const h = optionHolds(g, packet);
    if (h === undefined) unknown = true;
    else if (h === g.negated) return "no";
  }
  return unknown ? "unknown" : "match";
}

/** Match options that restrict nothing: implicit protocol modules, comments. */
const NEUTRAL = /^(-m (tcp|udp|icmp|icmp6|ipv6-icmp|sctp|comment)|--comment .*)$/;

function conditions(ruleText: string): Set<string> | undefined {
  let groups: OptionGroup[];
  try {
    groups = splitGroups(tokenizeRule(ruleText));
  } catch {
    return undefined;
  }
  const out = new Set<string>();
  for (const g of groups) {
    if (g.name === "-A" || g.name === "--append") continue;
    if (g.name === "-j" || g.name === "--jump" || g.name === "-g" || g.name === "--goto") break;
    const text = `${g.negated ? "! " : ""}${[g.name, ...g.args].join(" ")}`;
    if (!NEUTRAL.test(text) || g.negated) out.add(text);
  }
  return out;
}

/** Targets after which a packet never reaches the chain's next rule (with `-g`, any chain). */
const TAKING = new Set(["ACCEPT", "DROP", "REJECT", "RETURN"]);

/**
 * Does `earlier` take every packet `later` would match (both as
 * iptables-save prints them)? Conservatively: when it ends the packet's walk
 * of the chain (ACCEPT, DROP, REJECT, RETURN, or a `-g` goto; a `-j` jump to a
 * chain that may return, LOG or no target takes nothing for good) and each of
 * its conditions is also one of `later`'s (so `-p tcp` covers `-p tcp --dport
 * 8080`, and a port range or multiport list the ports inside it; a rate
 * limit or another address does not count as covering).
 */
export function covers(earlier: string, later: string): boolean {
  const target = /(?:^|\s)-([jg])\s+(\S+)/.exec(earlier);
  if (!target || (target[1] === "j" && !TAKING.has(target[2]!))) return false;
  const e = conditions(earlier);
  const l = conditions(later);
  if (e === undefined || l === undefined) return false;
  // Destination ports by value: `--dport 80:90` and `-m multiport --dports 80,85` cover the ports inside them.
  const ep = iptablesDports(earlier);
  const lp = iptablesDports(later);
  const rest = (set: Set<string>, ports: PortRanges | undefined) => [...set].filter((c) => ports === undefined || !PORT_CONDITION.test(c));
  const within = ep === undefined || (lp !== undefined && lp.every(([a, b]) => ep.some(([x, y]) => x <= a && b <= y)));
  const others = new Set(rest(l, lp));
  return within && rest(e, ep).every((c) => others.has(c));
}

/** A destination-port condition as conditions() writes it (compared by value in covers). */
const PORT_CONDITION = /^(?:--dports?|--destination-ports?) |^-m multiport$/;
