/**
 * Reading `iptables-save -c` / `ip6tables-save -c` output (with or without
 * counters) into tables, chains and rules with their counters; and the
 * canonical form used to compare whole rulesets (see reset.ts for the digest).
 */
import { FwspecError } from "../errors.ts";
import type { FwspecErrorOptions } from "../errors.ts";
import type { Family } from "../model/types.ts";
import { splitGroups, tokenizeRule } from "./tokenize.ts";
import type { OptionGroup } from "./tokenize.ts";

export interface SavedChain {
  readonly table: string;
  readonly chain: string;
  /** ACCEPT, DROP, ... for built-in chains; null for user chains (`-`). */
  readonly policy: string | null;
  readonly packets: number;
  readonly bytes: number;
  /** A native nftables base chain's hook (`input`, `output`, `forward`, `prerouting`, …), type (`filter`, `nat`, `route`) and priority. */
  readonly hook?: string;
  readonly type?: string;
  readonly priority?: number;
}

export interface SavedRule {
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  /** 1-based within its chain. */
  readonly position: number;
  readonly packets: number;
  readonly bytes: number;
  /** The rule as saved, without counters: `-A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT`. */
  readonly text: string;
  /** Value of `-j` or `-g`; null for a rule without a target (counting only). */
  readonly target: string | null;
  /** Value of `--comment`, unquoted; the first one if a rule has several. */
  readonly comment: string | null;
  /** Native nftables rules only (table is then `family name`, e.g. `inet fw`): the rule's handle. */
  readonly handle?: number;
  /** Native nftables rules only: false when the rule has no counter statement (its counts are always 0). */
  readonly counts?: boolean;
  /** Native nftables rules only: the named counter it updates, when other rules update it too (then `counts` is false: the counts are not this rule's). */
  readonly sharedCounter?: string;
}

/** A named nftables counter (`counter name x`), read with the rules. */
export interface SavedNamedCounter {
  /** `family name` of its table. */
  readonly table: string;
  readonly name: string;
  readonly packets: number;
  readonly bytes: number;
}

export interface SavedRuleset {
  readonly family: Family;
  readonly chains: SavedChain[];
  readonly rules: SavedRule[];
  /** Named nftables counters of native tables that see this family's packets (absent: the host has no native nft rules). */
  readonly counters?: SavedNamedCounter[];
  /**
   * Base chains of netdev tables (`netdev filter ingress`, an egress chain): no family's reading holds them, yet they
   * see a packet before (or after) every chain fwspec reads (absent: none).
   */
  readonly netdev?: readonly string[];
}

/** iptables-save output that cannot be read; names the 1-based line. */
export class SaveFormatError extends FwspecError {
  readonly line: number;
  constructor(line: number, message: string, options: FwspecErrorOptions = {}) {
    super(`iptables-save output, line ${line}: ${message}`, options);
    this.line = line;
  }
}

const TABLE_LINE = /^\*(\S+)$/;
const CHAIN_LINE = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?$/;
const COUNTED_RULE = /^\[(\d+):(\d+)\]\s+(.*)$/;
const RULE_COUNTERS_PREFIX = /^\[\d+:\d+\]\s+/;
const CHAIN_COUNTERS_SUFFIX = /^(:\S+\s+\S+)\s+\[\d+:\d+\]$/;

function shown(line: string): string {
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

export function parseSave(text: string, family: Family): SavedRuleset {
  const chains: SavedChain[] = [];
  const rules: SavedRule[] = [];
  const positions = new Map<string, number>();
  let table: { name: string; line: number } | null = null;

  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;

    const tableMatch = TABLE_LINE.exec(line);
    if (tableMatch) {
      if (table) throw new SaveFormatError(lineNo, `table "${tableMatch[1]}" starts before table "${table.name}" (line ${table.line}) was committed`);
      table = { name: tableMatch[1] as string, line: lineNo };
      continue;
    }
    if (line === "COMMIT") {
      if (!table) throw new SaveFormatError(lineNo, "COMMIT outside a table");
      table = null;
      continue;
    }
    if (!table) throw new SaveFormatError(lineNo, `expected "*table" before "${shown(line)}"`);

    if (line.startsWith(":")) {
      const m = CHAIN_LINE.exec(line);
      if (!m) throw new SaveFormatError(lineNo, `malformed chain line "${shown(line)}" (expected ":CHAIN POLICY [packets:bytes]")`);
      const policy = m[2] as string;
      chains.push({
        table: table.name,
        chain: m[1] as string,
        policy: policy === "-" ? null : policy,
        packets: m[3] === undefined ? 0 : Number(m[3]),
        bytes: m[4] === undefined ? 0 : Number(m[4]),
      });
      continue;
    }

    let packets = 0;
    let bytes = 0;
    let ruleText = line;
    if (line.startsWith("[")) {
      const m = COUNTED_RULE.exec(line);
      if (!m) throw new SaveFormatError(lineNo, `malformed counters in "${shown(line)}" (expected "[packets:bytes] -A CHAIN ...")`);
      packets = Number(m[1]);
      bytes = Number(m[2]);
      ruleText = (m[3] as string).trim();
    }
    if (!ruleText.startsWith("-A ") && !ruleText.startsWith("-A\t")) {
      throw new SaveFormatError(lineNo, `expected a rule ("-A CHAIN ..."), a chain (":CHAIN ...") or COMMIT, got "${shown(line)}"`);
    }

    let groups: OptionGroup[];
    try {
      groups = splitGroups(tokenizeRule(ruleText));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new SaveFormatError(lineNo, `${why}: "${shown(line)}"`, { cause: error });
    }
    const append = groups[0];
    if (!append || append.name !== "-A" || append.negated || append.args.length !== 1) {
      throw new SaveFormatError(lineNo, `expected "-A CHAIN" at the start of "${shown(line)}"`);
    }
    const chain = append.args[0] as string;
    const targetGroup = groups.find((g) => g.name === "-j" || g.name === "-g" || g.name === "--jump" || g.name === "--goto");
    const commentGroup = groups.find((g) => g.name === "--comment");
    const key = `${table.name}\u0000${chain}`;
    const position = (positions.get(key) ?? 0) + 1;
    positions.set(key, position);
    rules.push({
      family,
      table: table.name,
      chain,
      position,
      packets,
      bytes,
      text: ruleText,
      target: targetGroup?.args[0] ?? null,
      comment: commentGroup?.args[0] ?? null,
    });
  }

  if (table) throw new SaveFormatError(table.line, `table "${table.name}" is never committed (no COMMIT line)`);
  return { family, chains, rules };
}

/**
 * The ruleset without what changes when nothing changed: `# ...` lines, rule
 * counters (`[5:300] -A ...` -> `-A ...`), chain counters (`:INPUT ACCEPT [5:300]`
 * -> `:INPUT ACCEPT`), blank lines and surrounding whitespace. Lenient: lines it
 * does not recognise are kept as they are, never rejected.
 */
export function canonicalSave(text: string): string {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    out.push(line.replace(RULE_COUNTERS_PREFIX, "").replace(CHAIN_COUNTERS_SUFFIX, "$1"));
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}


/** `iptables-save -c` text as `iptables-save` prints it: rule counters dropped, everything else kept. */
export function withoutRuleCounters(text: string): string {
  return text.split("\n").map((line) => line.replace(RULE_COUNTERS_PREFIX, "")).join("\n");
}
