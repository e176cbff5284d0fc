/**
 * Which layer-4 protocols a rule can match (pure): the protocol a rule names
 * (iptables `-p icmp`, nft `meta l4proto { icmp, ipv6-icmp }`, `ip protocol`,
 * `ip6 nexthdr`, or a protocol's own header match such as `tcp dport`) read
 * from its text, so that a counter that moved during a probe is not credited
 * to a probe none of whose packets it can match (tester 45b: an inet rule's
 * one counter, moved by IPv6 neighbour discovery, credited to an IPv4 TCP
 * probe). Conservative: a rule whose protocols are not read plainly (a
 * negation, a set reference, a number not known) may match anything.
 */
import type { Family } from "../model/types.ts";
import { blankQuoted } from "./nft-canonical.ts";

/** Protocol names as iptables and nft print them, and their numbers, to one name each. */
const NAMES: Readonly<Record<string, string>> = {
  tcp: "tcp", "6": "tcp",
  udp: "udp", "17": "udp",
  icmp: "icmp", "1": "icmp",
  "ipv6-icmp": "ipv6-icmp", icmpv6: "ipv6-icmp", "58": "ipv6-icmp",
  sctp: "sctp", "132": "sctp",
  dccp: "dccp", "33": "dccp",
  udplite: "udplite", "136": "udplite",
};

/** `tcp` or `{ icmp, ipv6-icmp }` as a set of names; undefined when any member is not a known name. */
function protocolSet(text: string): Set<string> | undefined {
  const members = text.startsWith("{") ? text.slice(1, -1).split(",") : [text];
  const out = new Set<string>();
  for (const m of members) {
    const name = NAMES[m.trim()];
    if (name === undefined) return undefined;
    out.add(name);
  }
  return out;
}

const intersect = (a: Set<string> | undefined, b: Set<string>) => (a === undefined ? b : new Set([...a].filter((x) => b.has(x))));

/** The protocols the rule can match; undefined: any (nothing said, or not read plainly). */
export function ruleProtocols(ruleText: string): ReadonlySet<string> | undefined {
  const text = blankQuoted(ruleText);
  let found: Set<string> | undefined;
  // iptables: `-p NAME` (a negated `! -p` says nothing plain).
  const ipt = /(?:^|\s)(!\s+)?-p\s+(\S+)/.exec(text);
  if (ipt) {
    if (ipt[1] !== undefined) return undefined;
    const set = protocolSet(ipt[2]!.toLowerCase());
    if (set === undefined) return undefined;
    found = set;
  }
  // nft: `meta l4proto X|{…}`, `ip protocol X|{…}`, `ip6 nexthdr X|{…}` (an operator such as `!=` says nothing plain).
  for (const m of text.matchAll(/(?:^|\s)(?:meta l4proto|ip protocol|ip6 nexthdr)\s+(!=\s+)?(\{[^}]*\}|\S+)/g)) {
    if (m[1] !== undefined) return undefined;
    const set = protocolSet(m[2]!);
    if (set === undefined) return undefined;
    found = intersect(found, set);
  }
  // nft: a protocol's own header (`tcp dport 22`, `icmpv6 type …`) matches only that protocol.
  for (const m of text.matchAll(/(?:^|\s)(tcp|udp|icmp|icmpv6|sctp|dccp|udplite)\s+(?:dport|sport|flags|type|code|option|sequence|checksum|length|window|ack|chunk|vtag|id)\b/g)) {
    found = intersect(found, new Set([NAMES[m[1]!]!]));
  }
  return found;
}

/**
 * Can the rule match one of a probe's packets: the probe's own (tcp or udp),
 * its answers (the same protocol; ICMP of its family when it was refused or
 * unreachable)?
 */
export function matchesProbeProtocol(ruleText: string, family: Family, protocol: "tcp" | "udp", verdict: string): boolean {
  const can = ruleProtocols(ruleText);
  if (can === undefined) return true;
  const packets = [protocol, ...(verdict === "refused" || verdict === "unreachable" ? [family === "ipv4" ? "icmp" : "ipv6-icmp"] : [])];
  return packets.some((p) => can.has(p));
}
