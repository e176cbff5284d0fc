/**
 * A host's "clean" ruleset: the one it booted with (Docker's DNS rules in nat),
 * every other table empty with ACCEPT policies. Pure text work, so it can be
 * tested without a kernel.
 */
import { canonicalSave } from "./saved.ts";
import { createHash } from "node:crypto";

/** Each iptables table's builtin chains. */
export const BUILTIN_CHAINS: Readonly<Record<string, readonly string[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

/** Table name → its block (from `*table` to `COMMIT`), from canonical save text. */
export function tableBlocks(saveText: string): Map<string, string> {
  const blocks = new Map<string, string>();
  let current: string[] | undefined;
  let name = "";
  for (const line of canonicalSave(saveText).split("\n")) {
    if (line.startsWith("*")) {
      name = line.slice(1).trim();
      current = [line];
    } else if (current) {
      current.push(line);
      if (line.trim() === "COMMIT") {
        blocks.set(name, current.join("\n"));
        current = undefined;
      }
    }
  }
  return blocks;
}

export function emptyTable(table: string): string {
  const chains = BUILTIN_CHAINS[table] ?? [];
  return [`*${table}`, ...chains.map((c) => `:${c} ACCEPT [0:0]`), "COMMIT"].join("\n");
}

/** A table with only built-in chains, ACCEPT policies and no rules is the same as no table. */
function isEmptyTable(block: string): boolean {
  return block.split("\n").every((l) => l.startsWith("*") || l === "COMMIT" || /^:\S+ ACCEPT\b/.test(l)) &&
    block.split("\n").filter((l) => l.startsWith(":")).every((l) => {
      const table = block.split("\n")[0]!.slice(1);
      return (BUILTIN_CHAINS[table] ?? []).includes(l.slice(1).split(" ")[0]!);
    });
}

/**
 * Restore input for only the tables whose rules differ from the baseline
 * (counters and comments aside; an empty ACCEPT table is no table); "" when
 * none does. Restoring a table costs more than its size suggests (nat with
 * Docker's DNS rules: tens of ms), so tables nobody changed are left alone —
 * unless `everyTable`: then every table of either is restored, which zeroes
 * all their counters (iptables-restore without -c starts each at zero).
 * Tables named in `dropped` (deleted instead: tablesNotIn) are left out.
 */
export function changedTablesInput(baselineSave: string, currentSave: string, options: { readonly everyTable?: boolean; readonly dropped?: readonly string[] } = {}): string {
  const baseline = tableBlocks(baselineSave);
  const current = tableBlocks(currentSave);
  const dropped = new Set(options.dropped ?? []);
  const effective = (blocks: ReadonlyMap<string, string>, t: string) => {
    const block = blocks.get(t);
    return block === undefined || isEmptyTable(block) ? "" : block;
  };
  const tables = [...new Set([...baseline.keys(), ...current.keys()])].filter((t) => !dropped.has(t) && (options.everyTable === true || effective(baseline, t) !== effective(current, t)));
  return tables.length === 0 ? "" : `${tables.map((t) => baseline.get(t) ?? emptyTable(t)).join("\n")}\n`;
}

/**
 * The tables of `currentSave` the baseline does not have, empty or not: an
 * nft-backend host's reset deletes them (iptables-nft's tables are nftables
 * tables), so the host lists no table a fresh lab's would not; restored
 * empty (as a legacy host's must be), one would show in `iptables-save` and
 * count with its policies.
 */
export function tablesNotIn(baselineSave: string, currentSave: string): string[] {
  const baseline = tableBlocks(baselineSave);
  return [...tableBlocks(currentSave).keys()].filter((t) => !baseline.has(t));
}

/**
 * The tables that are empty (built-in chains, ACCEPT policies, no rule): the
 * same as no table to every comparison, yet such a table's policies count.
 */
export function emptyTables(saveText: string): string[] {
  return [...tableBlocks(saveText)].filter(([, block]) => isEmptyTable(block)).map(([t]) => t);
}

/**
 * The ports of Docker's embedded DNS rules (nat DOCKER_OUTPUT and
 * DOCKER_POSTROUTING, to and from 127.0.0.11), which the engine picks anew
 * for every container: `127.0.0.11:PORT`, `--sport PORT`. The same rules in
 * every lab host, the same digest.
 */
function withoutEngineDnsPorts(block: string): string {
  return block.split("\n").map((line) => (/^-A DOCKER_(OUTPUT|POSTROUTING) .*127\.0\.0\.11\b/.test(line) ? line.replace(/\b(127\.0\.0\.11):\d+\b/g, "$1:PORT").replace(/--sport \d+\b/, "--sport PORT") : line)).join("\n");
}

/** What the ruleset does, ignoring counters, comments, empty ACCEPT tables and the ports of the engine's DNS rules. */
export function effectiveRuleset(saveText: string): string {
  return [...tableBlocks(saveText).entries()]
    .filter(([, block]) => !isEmptyTable(block))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([table, block]) => (table === "nat" ? withoutEngineDnsPorts(block) : block))
    .join("\n");
}

export function effectiveDigest(...saveTexts: string[]): string {
  return createHash("sha256").update(saveTexts.map(effectiveRuleset).join("\n--\n")).digest("hex");
}
