/**
 * A probe whose packets never left its host (pure): docker/fwspec-neighbour
 * notes when the next hop toward the target has no link-layer address (its
 * neighbour entry INCOMPLETE or FAILED, ARP or IPv6 neighbour discovery
 * unanswered); fwspec-probe adds the note when it stops a TCP probe, and the
 * harness asks after any other probe that got no answer (probes/probe.ts),
 * then asks the router on its path, whose note ends `at ROUTER`;
 * probes/reply-neighbour.ts asks the target itself about its way back to the
 * prober, its note ending `at TARGET replying` (its answer never left: a
 * ruleset dropping the prober's neighbour advertisements).
 * Counters that moved meanwhile counted those lookups, not the probe's packet.
 */
import type { Family } from "../model/types.ts";

const NOTE = /^fwspec-probe: neighbour (\S+) unresolved \((INCOMPLETE|FAILED)\)(?: at (\S+)( replying)?)?$/m;

export interface UnresolvedNeighbour {
  /** The next hop: the target itself on its link, else the router toward it. */
  readonly address: string;
  readonly state: "INCOMPLETE" | "FAILED";
  /** The router on the probe's path that held the entry (its packet got that far); absent: the prober held it. */
  readonly at?: string;
  /** `at` is the probe's target, whose answer never left it: the entry is its way back to the prober (`address`: the prober, or the router toward it). */
  readonly replying?: true;
}

/** The unresolved next hop fwspec-probe noted in a probe's stderr, if any. */
export function unresolvedNeighbour(stderr: string): UnresolvedNeighbour | undefined {
  const m = NOTE.exec(stderr);
  return m ? { address: m[1]!, state: m[2] as UnresolvedNeighbour["state"], ...(m[3] !== undefined ? { at: m[3] } : {}), ...(m[4] !== undefined ? { replying: true as const } : {}) } : undefined;
}

/** The state of an unresolved entry in `ip neigh show to ADDRESS` output (`2001:db8::2 dev eth0 INCOMPLETE`), or undefined. */
export function neighbourState(shown: string): "INCOMPLETE" | "FAILED" | undefined {
  const m = /(?:^|\s)(INCOMPLETE|FAILED)(?=\s|$)/.exec(shown);
  return m ? (m[1] as "INCOMPLETE" | "FAILED") : undefined;
}

/** What the hosts on the link must let through so a peer can find its neighbour, per family (iptables' and nft's words both). */
export function neighbourHint(family: Family): string {
  if (family === "ipv4") return "ARP went unanswered (an arp table, or the peer is gone)";
  return "IPv6 neighbour discovery is ICMPv6: the host asked must accept neighbour solicitations (type 135) and send advertisements (type 136), and the asking host must send the solicitations (its OUTPUT) and accept advertisements (`-p ipv6-icmp --icmpv6-type 135 -j ACCEPT` and 136; nft `icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept`)";
}
