/**
 * The no-op claims of rule lines (pure): a rule that only jumps to a chain
 * with no rule that acts (nft: nft-noop.ts; iptables: an empty user chain,
 * ipt-noop.ts), or a rule of such an nft chain, can be deleted, swapped with a
 * neighbour or moved without changing a verdict (the operators give the
 * reason, noopReason). The claims are read from one source's text, so they
 * hold only when nothing else may write to the chains: not on a host that is
 * rebooted, that runs a step that may write rules (run-programs.ts), or that
 * has another apply source that may write the same tables (any other source,
 * except that a restore file of one family cannot touch the other family's
 * iptables tables, and an nft file made only of `table` blocks cannot touch
 * the nft tables it does not name).
 */
import type { Family } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";
import type { RuleLine } from "./rule-lines.ts";
import { nftTokens } from "./nft-lines.ts";
import { writesNoRules } from "./run-programs.ts";

/** Why deleting the rule, or moving it anywhere in its chain, cannot change a verdict, or undefined. */
export function noopReason(line: RuleLine): string | undefined {
  if (line.noopJump !== undefined) {
    return line.kind === "nft"
      ? `\`jump ${line.noopJump}\` leads only to chains with no rule that acts: a no-op wherever it stands`
      : `\`-j ${line.noopJump}\` leads to a chain with no rule (created empty by this ${line.kind === "commands" ? "command list" : line.kind === "script" ? "script" : "file"}, written by nothing else): a no-op wherever it stands`;
  }
  if (line.noopChain) return `\`${line.chain}\` has no rule that acts (only jumps or gotos to chains with none): without this rule, or with its rules in another order, it still does nothing`;
  return undefined;
}

interface Source {
  readonly step: number;
  readonly source: number;
  /** A restore file's family: it writes only that family's iptables tables. */
  readonly restoreFamily: Family | undefined;
  /** An nft file made only of `table` blocks: the tables it names (`inet filter`); it writes no other. */
  readonly nftTables: ReadonlySet<string> | undefined;
}

/**
 * The tables (`family name`) of nft input whose top level is nothing but
 * `table [FAMILY] NAME { … }` blocks (and `define`s, comments, blank lines):
 * every command in it writes one of them. Undefined for anything else at the
 * top level (`add rule`, `flush ruleset`, `delete table`, …) or an `include`
 * anywhere: such input may write any table.
 */
export function nftTablesOnly(content: string): Set<string> | undefined {
  const tables = new Set<string>();
  let depth = 0;
  for (const raw of content.split("\n")) {
    const words = nftTokens(raw);
    if (words.length === 0) continue;
    if (words.includes("include")) return undefined;
    if (depth === 0 && words[0] !== "define") {
      const brace = words[0] === "table" ? words.indexOf("{") : -1;
      if (brace === 3) tables.add(`${words[1]} ${words[2]}`);
      else if (brace === 2) tables.add(`ip ${words[1]}`); // no family: ip
      else return undefined;
    }
    for (const w of words) if (!w.startsWith('"')) for (const ch of w) depth += ch === "{" ? 1 : ch === "}" ? -1 : 0;
    if (depth < 0) return undefined;
  }
  return depth === 0 ? tables : undefined;
}

/** May `other` write the chains `line` jumps to or stands in? */
function mayWrite(other: Source, line: RuleLine): boolean {
  if (other.step === line.step && other.source === line.source) return false;
  if (line.kind === "nft") return other.nftTables === undefined || other.nftTables.has(line.table);
  return other.restoreFamily === undefined || other.restoreFamily === line.family;
}

/** The lines with the no-op, unreached-rule (nft-dead.ts) and ending-chain (ipt-ending.ts) claims that cannot be known from their own source taken away. */
export function withoutUnknownNoops(lines: readonly RuleLine[], scenario: Scenario): RuleLine[] {
  const unsure = new Set<string>();
  const sources = new Map<string, Source[]>();
  for (const [step, s] of scenario.steps.entries()) {
    if (s.kind === "apply") {
      const mine = s.sources.map((src, source) => ({
        step, source, restoreFamily: src.kind === "restore" ? src.family : undefined, nftTables: src.kind === "nft" ? nftTablesOnly(src.content) : undefined,
      }));
      sources.set(s.host, [...(sources.get(s.host) ?? []), ...mine]);
    }
    if ((s.kind === "run" && !writesNoRules(s.command)) || s.kind === "reboot") unsure.add(s.host);
  }
  return lines.map((l) => {
    if (l.noopJump === undefined && !l.noopChain && l.unreachedBehind === undefined && l.jumpVerdict === undefined && l.endingJump === undefined) return l;
    if (!unsure.has(l.host) && !(sources.get(l.host) ?? []).some((o) => mayWrite(o, l))) return l;
    const { noopJump: _, noopChain: __, unreachedBehind: ___, jumpVerdict: ____, endingJump: _____, ...rest } = l;
    return rest;
  });
}
