/**
 * The machine's own firewall, read (never written) at the start and end of a
 * run: fwspec must leave it byte-identical. Counters and timestamps are left
 * out. A tool that is missing or refuses (not root) makes its part
 * "unavailable": such a part is not compared, and `uncheckedWarning` says so.
 */
import { loadExeca } from "./load-execa.ts";
import { canonicalSave } from "../rules/saved.ts";
import { fwspecCommand } from "../invocation.ts";

export const FIREWALL_PARTS = ["iptables", "ip6tables", "nft"] as const;
export type FirewallPart = (typeof FIREWALL_PARTS)[number];

/** The command that reads each part. */
export const PART_COMMANDS: Readonly<Record<FirewallPart, readonly [string, ...string[]]>> = {
  iptables: ["iptables-save"],
  ip6tables: ["ip6tables-save"],
  nft: ["nft", "list", "ruleset"],
};

export type PartReading = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

export type HostFirewallSnapshot = Readonly<Record<FirewallPart, PartReading>>;

export interface SnapshotComparison {
  /** Read both times, and different. */
  readonly changed: readonly FirewallPart[];
  /** Could not be read before or after: not compared. */
  readonly unchecked: readonly { readonly part: FirewallPart; readonly reason: string }[];
}

/** Where a system tool may be: on PATH, else in the sbin folders a non-root PATH often lacks (Debian's default user PATH). */
export function toolCandidates(command: string): string[] {
  return [command, `/usr/sbin/${command}`, `/sbin/${command}`];
}

async function read(part: FirewallPart): Promise<PartReading> {
  const [command, ...args] = PART_COMMANDS[part];
  const { execa } = await loadExeca();
  let r;
  for (const candidate of toolCandidates(command)) {
    r = await execa(candidate, args, { reject: false, timeout: 15_000 });
    if (r.code !== "ENOENT") break;
  }
  if (!r || r.code === "ENOENT") return { ok: false, reason: `${command} is not installed` };
  if (r.failed || r.exitCode !== 0) {
    const why = r.stderr.trim().split("\n")[0] || r.code || `exit ${String(r.exitCode)}`;
    return { ok: false, reason: `${command} failed (${why})` };
  }
  return { ok: true, text: part === "nft" ? stripNftCounters(r.stdout) : canonicalSave(r.stdout) };
}

export function stripNftCounters(text: string): string {
  return text.replace(/\s+counter packets \d+ bytes \d+/g, " counter");
}

export async function snapshotHostFirewall(): Promise<HostFirewallSnapshot> {
  const [iptables, ip6tables, nft] = await Promise.all(FIREWALL_PARTS.map(read));
  return { iptables: iptables!, ip6tables: ip6tables!, nft: nft! };
}

/** Pure: which parts changed, and which could not be compared (and why). */
export function compareSnapshots(before: HostFirewallSnapshot, after: HostFirewallSnapshot): SnapshotComparison {
  const changed: FirewallPart[] = [];
  const unchecked: { part: FirewallPart; reason: string }[] = [];
  for (const part of FIREWALL_PARTS) {
    const [b, a] = [before[part], after[part]];
    if (!b.ok || !a.ok) unchecked.push({ part, reason: !b.ok ? b.reason : (a as { reason: string }).reason });
    else if (b.text !== a.text) changed.push(part);
  }
  return { changed, unchecked };
}

/** One warning line for stderr when some part was not compared; undefined when everything was. `invocation` starts the setup command (harness/invocation.ts). */
export function uncheckedWarning(comparison: SnapshotComparison, invocation?: string): string | undefined {
  if (comparison.unchecked.length === 0) return undefined;
  const parts = comparison.unchecked.map((u) => `${u.part} rules (${u.reason})`).join(", ");
  return `fwspec: WARNING: the machine's own firewall was NOT compared before and after this run for: ${parts}; fix: run \`${fwspecCommand("setup", invocation)}\` as root (it installs nftables), or run fwspec as root\n`;
}
