/**
 * Reads a firewall host's rules once per family (`iptables-save -c`,
 * `ip6tables-save -c`, side by side) and gives both views of that one reading:
 * the loaded ruleset (evidence and digest) and every rule's counters.
 */
import type { LabHost } from "../lab/types.ts";
import { FAMILIES, type Family } from "../model/types.ts";
import { effectiveDigest } from "./reset.ts";
import { parseSave, type SavedRuleset, withoutRuleCounters } from "./saved.ts";

export interface LoadedRuleset {
  readonly ipv4: string;
  readonly ipv6: string;
  /** sha256 of what both rulesets do (no counters, comments or empty ACCEPT tables). */
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

/** Both views of `iptables-save -c` / `ip6tables-save -c` output (pure). */
export function hostRulesFrom(saved: Readonly<Record<Family, string>>): HostRules {
  const ipv4 = withoutRuleCounters(saved.ipv4);
  const ipv6 = withoutRuleCounters(saved.ipv6);
  return {
    loaded: { ipv4, ipv6, digest: effectiveDigest(ipv4, ipv6) },
    counters: { ipv4: parseSave(saved.ipv4, "ipv4"), ipv6: parseSave(saved.ipv6, "ipv6") },
  };
}

/** One family's rules with counters. */
export async function readFamilySave(host: LabHost, family: Family): Promise<string> {
  return (await host.run([SAVE[family], "-c"], `reading the ${family} rules and counters`, { light: true })).stdout;
}

export async function readFamilyCounters(host: LabHost, family: Family): Promise<SavedRuleset> {
  return parseSave(await readFamilySave(host, family), family);
}

export async function readRules(host: LabHost): Promise<HostRules> {
  const [ipv4, ipv6] = await Promise.all(FAMILIES.map((f) => readFamilySave(host, f)));
  return hostRulesFrom({ ipv4: ipv4!, ipv6: ipv6! });
}

export async function readCounters(host: LabHost): Promise<CounterReading> {
  return (await readRules(host)).counters;
}
