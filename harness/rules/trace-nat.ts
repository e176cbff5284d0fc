/**
 * NAT rules a trace does not print (pure). When a trace shows no rule line
 * for an iptables-nft DNAT, SNAT, MASQUERADE or REDIRECT (seen with a
 * monitor whose cached ruleset was stale: the packet just left the nat chain
 * without reaching its policy), what it did shows in the packet itself (the next hook's packet
 * line carries the new destination); which rule did it is read from the
 * saved nat rules of that chain: those with a NAT target that can match the
 * packet and agree with the rewrite seen. Named when one is left, listed when
 * several are, and said plainly when none is.
 */
import type { Family } from "../model/types.ts";
import { walk } from "./first-packet.ts";
import { matchesPacket } from "./packet-match.ts";
import type { SavedRule, SavedRuleset } from "./saved.ts";
import type { TraceEvent, TracePacket } from "./trace-events.ts";
import { tokenizeRule } from "./tokenize.ts";

export const NAT_TARGETS: ReadonlySet<string> = new Set(["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"]);
const DESTINATION_TARGETS = new Set(["DNAT", "REDIRECT", "NETMAP"]);

/** The value after `option` in a rule, if any. */
export function option(text: string, name: string): string | undefined {
  try {
    const tokens = tokenizeRule(text);
    const i = tokens.indexOf(name);
    return i >= 0 ? tokens[i + 1] : undefined;
  } catch {
    return undefined;
  }
}

/** `198.18.1.3:8080` / `[2001:db8::3]:8080` / `198.18.1.3` as address and port. */
function splitTarget(value: string): { address: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?/.exec(value);
  if (v6) return { address: v6[1]!, ...(v6[2] ? { port: Number(v6[2]) } : {}) };
  const v4 = /^([^:/]+)(?::(\d+))?/.exec(value);
  return v4 ? { address: v4[1]!, ...(v4[2] ? { port: Number(v4[2]) } : {}) } : { address: value };
}

/** Could this NAT rule have made the rewrite seen (undefined: the packet's next hook was not traced)? */
function agrees(rule: SavedRule, after: TracePacket | undefined, before: TracePacket): boolean {
  if (after === undefined) return true;
  const destination = after.daddr !== before.daddr || after.dport !== before.dport;
  if (DESTINATION_TARGETS.has(rule.target!) !== destination) return false;
  if (rule.target === "DNAT") {
    const to = option(rule.text, "--to-destination");
    if (to === undefined) return true;
    const t = splitTarget(to);
    return t.address === after.daddr && (t.port === undefined || t.port === after.dport);
  }
  if (rule.target === "REDIRECT") {
    const to = option(rule.text, "--to-ports");
    return to === undefined || to === String(after.dport);
  }
  return true;
}

interface Segment {
  readonly event: TraceEvent;
  readonly rest: TraceEvent[];
}

/**
 * The rewrites of one traced packet (its events in order, fwspec's own table
 * left out) made by iptables-nft NAT targets, as `nat PREROUTING: -A
 * PREROUTING … -j DNAT … (not in the trace: the packet left the chain
 * by a rule, not by its policy, its destination now 198.18.32.2 port 8080)`.
 */
export function silentRewrites(events: readonly TraceEvent[], family: Family, protocol: "tcp" | "udp", saved: SavedRuleset | undefined): string[] {
  const segments: Segment[] = [];
  for (const e of events) {
    if (e.kind === "packet") segments.push({ event: e, rest: [] });
    else segments[segments.length - 1]?.rest.push(e);
  }
  const out: string[] = [];
  segments.forEach((s, i) => {
    const name = s.event.table.split(" ")[1];
    if (name !== "nat" || !s.event.packet) return;
    // Left by the policy, or by a rule the trace shows: nothing silent happened here.
    if (s.rest.some((e) => e.kind === "policy" || (e.kind === "rule" && (e.verdict === "accept" || e.verdict === "drop")))) return;
    const before = s.event.packet;
    const after = segments[i + 1]?.event.packet;
    const changed = after !== undefined && (after.daddr !== before.daddr || after.dport !== before.dport || after.saddr !== before.saddr || after.sport !== before.sport);
    // The packet went on unchanged to a later hook: a rule accepted it without rewriting (or the rewrite was undone): nothing to name.
    if (after !== undefined && !changed) return;
    const packet = { family, protocol, dport: before.dport ?? 0, destination: before.daddr, source: before.saddr, loopback: false };
    const candidates = saved
      ? walk(saved, "nat", s.event.chain).map((w) => w.rule)
        .filter((r) => r.target !== null && NAT_TARGETS.has(r.target) && matchesPacket(r.text, packet) !== "no" && agrees(r, after, before))
      : [];
    const seen = after === undefined ? "" : after.daddr !== before.daddr || after.dport !== before.dport
      ? `, its destination now ${after.daddr}${after.dport !== undefined ? ` port ${after.dport}` : ""}`
      : `, its source now ${after.saddr}${after.sport !== undefined ? ` port ${after.sport}` : ""}`;
    const how = `not in the trace: the packet left the chain by a rule, not by its policy${seen}`;
    if (candidates.length === 1) out.push(`nat ${s.event.chain}: ${candidates[0]!.text} (${how})`);
    else if (candidates.length > 1) out.push(`nat ${s.event.chain}: one of ${candidates.map((r) => r.text).join(" | ")} (${how})`);
    else out.push(`nat ${s.event.chain}: a rule the trace does not show (${how})`);
  });
  return out;
}
