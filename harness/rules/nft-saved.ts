/**
 * Native nftables rules in the shape the rest of fwspec reads counters in
 * (SavedRuleset): each rule of a table that sees a family's packets (`ip` →
 * IPv4, `ip6` → IPv6, `inet` → both) becomes a SavedRule whose table is
 * `family name` (`inet fw`), text is the rule as `nft -a list ruleset` prints
 * it (counter values left out, `# handle N` kept), target is its verdict in
 * iptables' words (DROP, REJECT, ACCEPT, a jumped-to chain), and counters are
 * its counter statement's (or its named counter's, when no other rule updates
 * that one too). Pure.
 */
import { nativeTable } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { counterKey, type NftReading, ruleCount, sharedCounters, tableFamilies, targetOf } from "./nft-json.ts";
import { type NftTexts, textKey } from "./nft-listing.ts";
import type { SavedChain, SavedNamedCounter, SavedRule, SavedRuleset } from "./saved.ts";

/** The rule's printed text, or — when the listing lacks it — a plain description. */
function printed(texts: NftTexts, table: string, handle: number, fallback: string): string {
  return `${texts.get(textKey(table, handle)) ?? fallback} # handle ${handle}`;
}

/** The family's part of a native nft reading, as saved rules, chains (policies) and named counters. */
export function nftSavedPart(reading: NftReading, texts: NftTexts, family: Family): Pick<SavedRuleset, "rules" | "chains"> & { counters: SavedNamedCounter[]; netdev: string[] } {
  const sees = (table: string) => tableFamilies(table).includes(family);
  const shared = sharedCounters(reading.rules);
  const rules: SavedRule[] = reading.rules.filter((r) => sees(r.table)).map((r) => {
    const count = ruleCount(r, reading.counters, shared);
    return {
      family,
      table: r.table,
      chain: r.chain,
      position: r.position,
      packets: count?.packets ?? 0,
      bytes: count?.bytes ?? 0,
      text: printed(texts, r.table, r.handle, r.verdict ?? "(rule)"),
      target: targetOf(r),
      comment: r.comment,
      handle: r.handle,
      counts: count !== null,
      ...(r.namedCounter !== null && shared.has(counterKey(r.table, r.namedCounter)) ? { sharedCounter: r.namedCounter } : {}),
    };
  });
  // A base chain's policy has no counter in nftables: listed (packets 0), never decisive.
  const chains: SavedChain[] = reading.chains
    .filter((c) => sees(c.table) && c.policy !== null)
    .map((c) => ({
      table: c.table,
      chain: c.chain,
      policy: c.policy!.toUpperCase(),
      packets: 0,
      bytes: 0,
      ...(c.hook !== null ? { hook: c.hook } : {}),
      ...(c.type !== undefined ? { type: c.type } : {}),
      ...(c.priority !== undefined ? { priority: c.priority } : {}),
    }));
  const counters = reading.counters.filter((c) => sees(c.table)).map((c) => ({ table: c.table, name: c.name, packets: c.packets, bytes: c.bytes }));
  // netdev tables' chains (ingress, egress), which no family's reading holds: the packet meets them before (or after) every chain read.
  const netdev = reading.chains.filter((c) => c.table.startsWith("netdev ") && c.hook !== null).map((c) => `${c.table} ${c.chain}`);
  return { rules, chains, counters, netdev };
}

/** An iptables reading with the family's native nft part added. */
export function withNft(saved: SavedRuleset, reading: NftReading, texts: NftTexts): SavedRuleset {
  const part = nftSavedPart(reading, texts, saved.family);
  return { family: saved.family, chains: [...saved.chains, ...part.chains], rules: [...saved.rules, ...part.rules], counters: part.counters, ...(part.netdev.length > 0 ? { netdev: part.netdev } : {}) };
}

/** `netdev filter ingress on server`: the netdev chains of the hosts' readings (SavedRuleset.netdev), which fwspec does not read. */
export function netdevChains(readings: ReadonlyMap<string, SavedRuleset>, hosts: readonly string[]): string[] {
  return hosts.flatMap((h) => (readings.get(h)?.netdev ?? []).map((c) => `${c} on ${h}`));
}

/** Does a reading hold native nftables tables (their chain policies, and rules without a `counter` statement, count nothing)? */
export function holdsNative(saved: SavedRuleset): boolean {
  return saved.rules.some((r) => r.handle !== undefined) || saved.chains.some((c) => nativeTable(c.table));
}

/** Does a rule's counter see packets of both families (an `inet` table)? Then probes of the two families cannot run side by side. */
export function countsBothFamilies(saved: SavedRuleset): boolean {
  return saved.rules.some((r) => r.handle !== undefined && r.table.startsWith("inet ") && r.counts === true) || (saved.counters ?? []).some((c) => c.table.startsWith("inet "));
}
