/**
 * Reads a host's native nftables rules (tables iptables does not manage on
 * its backend) with nftables' JSON: `nft -j list ruleset` for handles,
 * comments, verdicts and counters, and — only when a rule is new to this
 * reader — `nft -a list ruleset` for the rules' printed form, kept per host
 * by table, handle and expressions. Hosts read here are those an apply gave
 * something other than iptables input (markNative); others cost nothing more.
 */
import type { LabHost } from "../lab/types.ts";
import { iptablesOwned } from "./host-state.ts";
import { type NftReading, parseNftJson } from "./nft-json.ts";
import { parseNftListing, textKey } from "./nft-listing.ts";
import { isTraceTable } from "./trace-events.ts";

export interface NativeNft {
  readonly reading: NftReading;
  /** `table\0handle` → printed rule text (nft-listing.ts). */
  readonly texts: ReadonlyMap<string, string>;
  /** The native tables as `nft list` prints them (counter values left out): evidence. */
  readonly listing: string;
}

const native = new WeakMap<LabHost, boolean>();
const cache = new WeakMap<LabHost, { texts: Map<string, string>; listing: string; keys: string }>();

/** From now on (until a reset) this host's readings include its native nft rules. */
export function markNative(host: LabHost, on: boolean): void {
  native.set(host, on);
  if (!on) cache.delete(host);
}

export function hasNative(host: LabHost): boolean {
  return native.get(host) === true;
}

/** The native tables of `nft -a list ruleset` output, without counter values (evidence and digest). */
export function nativeListing(text: string, keep: (table: string) => boolean): string {
  const out: string[] = [];
  let keeping = false;
  for (const line of text.split("\n")) {
    const t = /^table\s+(\S+)\s+(\S+)/.exec(line);
    if (t) keeping = keep(`${t[1]} ${t[2]}`);
    if (keeping) out.push(line.replace(/\s+# handle \d+$/, "").replace(/\bcounter packets \d+ bytes \d+/g, "counter").replace(/^(\s*)packets \d+ bytes \d+$/, "$1packets - bytes -"));
  }
  return out.join("\n").trim();
}

export async function readNative(host: LabHost): Promise<NativeNft> {
  const keep = (table: string) => !iptablesOwned(table, host.spec.backend) && !isTraceTable(table);
  const json = await host.run(["nft", "-j", "list", "ruleset"], "reading the nftables rules and counters", { light: true });
  const reading = parseNftJson(json.stdout, keep);
  const keys = reading.rules.map((r) => `${textKey(r.table, r.handle)}\u0000${r.key}`).join("\n");
  let known = cache.get(host);
  if (!known || known.keys !== keys) {
    const listed = await host.run(["nft", "-a", "list", "ruleset"], "reading the nftables rules as nft prints them", { light: true });
    const texts = parseNftListing(listed.stdout);
    known = { texts, listing: nativeListing(listed.stdout, keep), keys };
    cache.set(host, known);
  }
  return { reading, texts: known.texts, listing: known.listing };
}
