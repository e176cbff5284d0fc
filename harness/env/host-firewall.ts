/**
 * The machine's own firewall, read (never written) at the start and end of a
 * run: fwspec must leave it byte-identical. Counters and timestamps are left
 * out; a tool that is missing or refuses (not root) reads as "unavailable".
 */
import { execa } from "execa";
import { canonicalSave } from "../rules/saved.ts";

export interface HostFirewallSnapshot {
  readonly iptables: string;
  readonly ip6tables: string;
  readonly nft: string;
}

async function read(command: string, args: string[]): Promise<string> {
  const r = await execa(command, args, { reject: false, timeout: 15_000 });
  if (r.failed || r.exitCode !== 0) return `(unavailable: ${command} ${String(r.exitCode ?? r.code ?? "")})`;
  return r.stdout;
}

export function stripNftCounters(text: string): string {
  return text.replace(/\s+counter packets \d+ bytes \d+/g, " counter");
}

export async function snapshotHostFirewall(): Promise<HostFirewallSnapshot> {
  const [v4, v6, nft] = await Promise.all([read("iptables-save", []), read("ip6tables-save", []), read("nft", ["list", "ruleset"])]);
  return { iptables: canonicalSave(v4), ip6tables: canonicalSave(v6), nft: stripNftCounters(nft) };
}

/** Names of the parts that differ. */
export function compareSnapshots(before: HostFirewallSnapshot, after: HostFirewallSnapshot): string[] {
  return (["iptables", "ip6tables", "nft"] as const).filter((k) => before[k] !== after[k]);
}
