/**
 * What an iptables rule's text lets it match, read without a packet (pure):
 * a connection's first packet at all (conntrack states, `--syn`,
 * `--tcp-flags`), a protocol, the interfaces a packet crosses on a host.
 * first-packet.ts decides with these; native nftables rules are read by
 * nft-first-packet.ts.
 */
import { nftCrossesInterfaces } from "./nft-first-packet.ts";
import { tcpFlagsMatch } from "./packet-match.ts";
import type { SavedRule } from "./saved.ts";
import { splitGroups, tokenizeRule } from "./tokenize.ts";
import type { OptionGroup } from "./tokenize.ts";

/** Conntrack states a connection's first packet can be in (NEW; INVALID or UNTRACKED when conntrack says so; SNAT/DNAT once NAT set them up). */
const FIRST_STATES = new Set(["NEW", "INVALID", "UNTRACKED", "SNAT", "DNAT"]);
const ALL_STATES = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"];


/** Can this option group match a connection's first packet (a TCP SYN, or a UDP datagram)? */
const FIRST_PACKET_TESTS: Readonly<Record<string, (g: OptionGroup) => boolean>> = {
  "--ctstate": (g) => statesAllowFirst(g),
  "--state": (g) => statesAllowFirst(g),
  // `--syn` matches a SYN; `! --syn` matches everything else.
  "--syn": (g) => !g.negated,
  "--tcp-flags": (g) => tcpFlagsMatch(g.args[0] ?? "", g.args[1] ?? "", ["SYN"]) !== g.negated,
};

function statesAllowFirst(g: OptionGroup): boolean {
  const listed = new Set((g.args[0] ?? "").toUpperCase().split(","));
  const matched = g.negated ? ALL_STATES.filter((s) => !listed.has(s)) : [...listed];
  return matched.some((s) => FIRST_STATES.has(s));
}

/** Protocol names and numbers as `-p` takes them, for the two protocols a probe's first packet can have. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = { tcp: "tcp", "6": "tcp", udp: "udp", "17": "udp" };

function protocolAllows(g: OptionGroup, protocol: "tcp" | "udp"): boolean {
  const named = (g.args[0] ?? "").toLowerCase();
  if (named === "all" || named === "0") return !g.negated;
  const same = (PROTOCOL_NAMES[named] ?? named) === protocol;
  return g.negated ? !same : same;
}

/** Does every option group of the rule pass `test`? True for text that cannot be read (nothing is excluded on a guess). */
function everyGroup(ruleText: string, test: (g: OptionGroup) => boolean): boolean {
  let groups: OptionGroup[];
  try {
    groups = splitGroups(tokenizeRule(ruleText));
  } catch {
    return true;
  }
  return groups.every(test);
}

/**
 * False when the rule's own text says it cannot match a connection's first
 * packet: it matches only ESTABLISHED/RELATED packets, only non-SYN TCP
 * segments, or (given the probe's protocol) another protocol, such as ICMPv6
 * neighbour discovery. True otherwise, also for text that cannot be read.
 * Ports are not compared: NAT may have rewritten them before the filter sees the packet.
 */
/** False when the rule's `-p` names another protocol than the probe's: none of its packets can meet it. */
export function admitsProtocol(ruleText: string, protocol: "tcp" | "udp"): boolean {
  return everyGroup(ruleText, (g) => (g.name === "-p" || g.name === "--protocol" ? protocolAllows(g, protocol) : true));
}

export function canTakeFirstPacket(ruleText: string, protocol?: "tcp" | "udp"): boolean {
  return everyGroup(ruleText, (g) => {
    if (protocol && (g.name === "-p" || g.name === "--protocol")) return protocolAllows(g, protocol);
    return FIRST_PACKET_TESTS[g.name]?.(g) ?? true;
  });
}

/** The interfaces a probe's first packet enters a host by and leaves it by (undefined: not known, or not at that host). */
export interface Via {
  readonly in?: string | undefined;
  readonly out?: string | undefined;
}

/** Does an `-i`/`-o` group (`eth+` a prefix, `!` negated) admit the interface? An unknown interface is admitted. */
function interfaceAllows(g: OptionGroup, name: string | undefined): boolean {
  if (name === undefined) return true;
  const pattern = g.args[0] ?? "";
  const same = pattern.endsWith("+") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  return g.negated ? !same : same;
}

/**
 * False when the rule names an input or output interface the packet does not
 * cross here (`-A FORWARD -i lan0 -o wan0 -j DROP` meets a router's answers
 * going out, never the probe's packet coming in on wan0). True otherwise, also
 * for text that cannot be read.
 */
export function crossesInterfaces(ruleText: string, via: Via | undefined): boolean {
  if (!via || (via.in === undefined && via.out === undefined)) return true;
  return everyGroup(ruleText, (g) => {
    if (g.name === "-i" || g.name === "--in-interface") return interfaceAllows(g, via.in);
    if (g.name === "-o" || g.name === "--out-interface") return interfaceAllows(g, via.out);
    return true;
  });
}

/** Does the rule (iptables' or native nft's) admit the interfaces the packet crosses here (crossesInterfaces, nftCrossesInterfaces)? */
export const ruleCrossesInterfaces = (r: SavedRule, via: Via | undefined): boolean => (r.handle !== undefined ? nftCrossesInterfaces(r.text, via) : crossesInterfaces(r.text, via));
