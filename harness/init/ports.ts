/**
 * The ports a ruleset names, for `fwspec init --from`: every destination port
 * (`--dport`, `--dports` lists of multiport, both ends of a range) of a tcp or
 * udp rule in any table and chain except the outgoing ones (OUTPUT,
 * POSTROUTING), in both families, sorted and capped. Pure: it takes parsed
 * rulesets (rules/saved.ts).
 */
import { normalizePort } from "../rules/match.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import { splitGroups, tokenizeRule } from "../rules/tokenize.ts";

export type PortProtocol = "tcp" | "udp";

export interface NamedPort {
  readonly protocol: PortProtocol;
  readonly port: number;
}

export interface PortSelection {
  /** The ports listeners are proposed for, at most `max`, tcp first, ascending. */
  readonly ports: readonly NamedPort[];
  /** Named ports left out by the cap. */
  readonly omitted: readonly NamedPort[];
}

/** Listeners proposed at most (each is probed in two families). */
export const MAX_PROPOSED_PORTS = 16;

const OUTGOING = new Set(["OUTPUT", "POSTROUTING"]);
const PROTOCOLS: Readonly<Record<string, PortProtocol>> = { tcp: "tcp", "6": "tcp", udp: "udp", "17": "udp" };
const DPORT = new Set(["--dport", "--destination-port", "--dports", "--destination-ports"]);

/** The ports and ranges of one `--dport`/`--dports` value, each as [low, high] (a port: [p, p]). */
export function rangesOfValue(value: string): [number, number][] {
  const out: [number, number][] = [];
  for (const item of value.split(",")) {
    const ends = normalizePort(item.trim()).split(":").map((e) => (/^\d+$/.test(e) ? Number(e) : NaN));
    const lo = ends[0] ?? NaN;
    const hi = ends[1] ?? lo;
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo <= hi && hi <= 65535) out.push([lo, hi]);
  }
  return out;
}

/** The destination port ranges one saved rule names, with its protocol (none for a rule that does not parse or names no tcp/udp). */
export function rangesOfRule(text: string): { protocol: PortProtocol; range: [number, number] }[] {
  let groups;
  try {
    groups = splitGroups(tokenizeRule(text));
  } catch {
    return [];
  }
  const proto = groups.find((g) => (g.name === "-p" || g.name === "--protocol") && !g.negated)?.args[0]?.toLowerCase();
  const protocol = proto === undefined ? undefined : PROTOCOLS[proto];
  if (protocol === undefined) return [];
  return groups.filter((g) => DPORT.has(g.name)).flatMap((g) => g.args.flatMap(rangesOfValue)).map((range) => ({ protocol, range }));
}

/** The ports one saved rule names: each port, and both ends of each range (port 0 left out). */
export function portsOfRule(text: string): NamedPort[] {
  return rangesOfRule(text).flatMap(({ protocol, range: [lo, hi] }) => [...new Set([lo, hi])].filter((port) => port >= 1).map((port) => ({ protocol, port })));
}

function key(p: NamedPort): string {
  return `${p.protocol}/${p.port}`;
}

/** The incoming rules of the rulesets (OUTPUT and POSTROUTING left out). */
function incoming(rulesets: readonly SavedRuleset[]): string[] {
  return rulesets.flatMap((rs) => rs.rules.filter((r) => !OUTGOING.has(r.chain)).map((r) => r.text));
}

/** The ports the rulesets name, deduplicated, tcp before udp, ascending, at most `max`. */
export function namedPorts(rulesets: readonly SavedRuleset[], max = MAX_PROPOSED_PORTS): PortSelection {
  const seen = new Map<string, NamedPort>();
  for (const text of incoming(rulesets)) for (const p of portsOfRule(text)) seen.set(key(p), p);
  const all = [...seen.values()].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port);
  return { ports: all.slice(0, max), omitted: all.slice(max) };
}

/** A tcp port no incoming rule names, also not inside a range (the default path through the rules): 8080, or the next free one. */
export function unnamedTcpPort(rulesets: readonly SavedRuleset[]): number {
  const ranges = incoming(rulesets).flatMap(rangesOfRule).filter((r) => r.protocol === "tcp").map((r) => r.range);
  let port = 8080;
  while (port < 65535 && ranges.some(([lo, hi]) => port >= lo && port <= hi)) port++;
  return port;
}
