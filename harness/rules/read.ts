/**
 * Reads a firewall host's rules once per family (`iptables-save -c`,
 * `ip6tables-save -c`, side by side) and gives both views of that one reading:
 * the loaded ruleset (evidence and digest) and every rule's counters. On a
 * host with native nftables rules (nft-read.ts) their JSON reading is added:
 * rules of its `ip`/`ip6`/`inet` tables and named counters to each family's
 * counters, the printed native tables to the evidence and digest.
 */
import { createHash } from "node:crypto";
import type { LabHost } from "../lab/types.ts";
import { FAMILIES, type Family } from "../model/types.ts";
import { effectiveDigest } from "./reset.ts";
import { hasNative, type NativeNft, readNative } from "./nft-read.ts";
import { withNft } from "./nft-saved.ts";
import { parseSave, type SavedRuleset, withoutRuleCounters } from "./saved.ts";

export interface LoadedRuleset {
  readonly ipv4: string;
  readonly ipv6: string;
  /** The native nftables tables as nft prints them (counter values left out); absent on hosts without native rules. */
  readonly nft?: string;
  /**
   * Tables iptables-save says it cannot show (a hand-written `table ip filter` with chains iptables-nft cannot
   * read), as nft prints them: evidence and digest only (apply.ts withUnshownTables); no reading counts them.
   */
  readonly unshown?: string;
  /** sha256 of what both rulesets do (no counters, comments or empty ACCEPT tables), and of the native nft tables when present. */
  readonly digest: string;
}

export type CounterReading = Readonly<Record<Family, SavedRuleset>>;

/** One reading of a host's rules: what is loaded, and the counters at that moment. */
export interface HostRules {
  readonly loaded: LoadedRuleset;
  readonly counters: CounterReading;
}

export const SAVE: Readonly<Record<Family, string>> = { ipv4: "iptables-save", ipv6: "ip6tables-save" };
export const RESTORE: Readonly<Record<Family, string>> = { ipv4: "iptables-restore", ipv6: "ip6tables-restore" };

/** Both views of `iptables-save -c` / `ip6tables-save -c` output, and of a native nft reading if any (pure). */
export function hostRulesFrom(saved: Readonly<Record<Family, string>>, nft?: NativeNft): HostRules {
  const ipv4 = withoutRuleCounters(saved.ipv4);
  const ipv6 = withoutRuleCounters(saved.ipv6);
  const counters = { ipv4: parseSave(saved.ipv4, "ipv4"), ipv6: parseSave(saved.ipv6, "ipv6") };
  if (!nft) return { loaded: { ipv4, ipv6, digest: effectiveDigest(ipv4, ipv6) }, counters };
  return {
    loaded: { ipv4, ipv6, nft: nft.listing, digest: createHash("sha256").update(`${effectiveDigest(ipv4, ipv6)}\n--nft--\n${nft.listing}`).digest("hex") },
    counters: { ipv4: withNft(counters.ipv4, nft.reading, nft.texts), ipv6: withNft(counters.ipv6, nft.reading, nft.texts) },
  };
}

/** One family's rules with counters. */
export async function readFamilySave(host: LabHost, family: Family): Promise<string> {
  return (await host.run([SAVE[family], "-c"], `reading the ${family} rules and counters`, { light: true })).stdout;
}

export async function readFamilyCounters(host: LabHost, family: Family): Promise<SavedRuleset> {
  if (!hasNative(host)) return parseSave(await readFamilySave(host, family), family);
  const [save, nft] = await Promise.all([readFamilySave(host, family), readNative(host)]);
  return withNft(parseSave(save, family), nft.reading, nft.texts);
}

export async function readRules(host: LabHost): Promise<HostRules> {
  const [ipv4, ipv6, nft] = await Promise.all([...FAMILIES.map((f) => readFamilySave(host, f)), hasNative(host) ? readNative(host) : undefined]);
  return hostRulesFrom({ ipv4: ipv4 as string, ipv6: ipv6 as string }, nft as NativeNft | undefined);
}

export async function readCounters(host: LabHost): Promise<CounterReading> {
  return (await readRules(host)).counters;
}
