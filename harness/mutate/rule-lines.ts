/**
 * The rules a scenario applies, line by line, for mutation (pure): every
 * iptables/ip6tables command that adds a rule (`-A`/`-I`), from apply steps'
 * command lists, scripts (only lines that are plain iptables/ip6tables
 * commands; everything else, heredoc bodies included, is left alone) and
 * restore files (`-A`/`-I` lines inside a `*table`). Each line knows where it
 * was written and how to write it back with other words.
 */
import type { Family } from "../model/types.ts";
import { tightPlaceholders } from "../scenario/placeholders.ts";
import type { ApplyStep, RuleSource, Scenario } from "../scenario/model.ts";
import { splitCommand } from "../scenario/shellwords.ts";
import { tokenizeRule } from "../rules/tokenize.ts";
import { commandFamily } from "../rules/syntax-lines.ts";
import { nftFileLines, withoutSharedPositions } from "./nft-lines.ts";
import { withoutUnknownNoops } from "./noop-claims.ts";
import { commandUserChains, restoreUserChains, type UserChains, withNoopJumps } from "./ipt-noop.ts";
import { withEndingJumps } from "./ipt-ending.ts";

export type SourceKind = RuleSource["kind"];

/** One iptables/ip6tables line of a source (rule-adding or not: `-F`, `-N` break adjacency). */
export interface RuleLine {
  readonly step: number;
  readonly source: number;
  /** Index of the command (commands) or of the line (script, restore: 0-based). */
  readonly index: number;
  readonly kind: SourceKind;
  readonly host: string;
  readonly family: Family;
  readonly table: string;
  /** The chain of `-A`/`-I`; undefined for lines that add no rule. */
  readonly chain: string | undefined;
  /** `-A` or `-I` (long forms read as these); undefined for lines that add no rule. */
  readonly verb: "-A" | "-I" | undefined;
  /** The program (commands, scripts): `iptables`, `ip6tables`; restore lines have none. */
  readonly program: string | undefined;
  /** The words after the program (restore: the line's words, counters removed). */
  readonly words: readonly string[];
  /** The line as written. */
  readonly text: string;
  readonly file: string;
  /** 1-based line in `file`. */
  readonly line: number;
  /** Restore lines: a `[p:b] ` counters prefix to keep. */
  readonly prefix: string;
  /** The host was rebooted (saved rules may have come back) or had an opaque script line before this line. */
  readonly afterReboot: boolean;
  /** A rule of exactly a jump to a chain with no rule that acts (nft-noop.ts, ipt-noop.ts): that chain. */
  readonly noopJump?: string;
  /** A rule of an nft chain with no rule that acts (nft-noop.ts): deleting or reordering it leaves that chain one. */
  readonly noopChain?: true;
  /** An nft rule behind one that ends every packet's walk through its chain (nft-dead.ts): that rule's text. */
  readonly unreachedBehind?: string;
  /** An nft rule of exactly `jump C`/`goto C` where every packet entering C gets one verdict (nft-dead.ts): that verdict. */
  readonly jumpVerdict?: string;
  /** A rule jumping (`-j C`, nft `jump C`) to a chain of its source every packet entering ends in (ipt-ending.ts, nft-dead.ts): C. */
  readonly endingJump?: string;
}

const VERBS: Readonly<Record<string, "-A" | "-I">> = { "-A": "-A", "--append": "-A", "-I": "-I", "--insert": "-I" };

/** The table (`-t`), verb and chain of a rule's words. */
export function ruleShape(words: readonly string[], table = "filter"): { table: string; verb: "-A" | "-I" | undefined; chain: string | undefined } {
  let verb: "-A" | "-I" | undefined;
  let chain: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === "-t" || w === "--table") && words[i + 1] !== undefined) table = words[++i]!;
    else if (VERBS[w] && verb === undefined && words[i + 1] !== undefined) {
      verb = VERBS[w];
      chain = words[++i];
    }
  }
  return { table, verb, chain };
}

/** A word as a shell (scripts) or iptables-restore (restore files) reads it back; nft words are kept as written. */
function quoted(word: string, kind: SourceKind): string {
  if (kind === "nft") return word;
  if (word !== "" && /^[A-Za-z0-9_.,:/=+@%{}[\]!-]+$/.test(word)) return word;
  return kind === "restore" ? `"${word.replace(/(["\\])/g, "\\$1")}"` : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The line written back with `words` instead of its own. */
export function renderLine(line: Pick<RuleLine, "kind" | "program" | "prefix">, words: readonly string[]): string {
  const all = line.program === undefined ? words : [line.program, ...words];
  return line.prefix + all.map((w) => quoted(w, line.kind)).join(" ");
}

/** The command list's argv for the line with `words`. */
export function lineArgv(line: Pick<RuleLine, "program">, words: readonly string[]): string[] {
  return [line.program ?? "iptables", ...words];
}

type Where = Pick<RuleLine, "step" | "source" | "host" | "kind" | "afterReboot">;

function commandLines(where: Where, source: Extract<RuleSource, { kind: "commands" }>, step: ApplyStep): RuleLine[] {
  return source.commands.flatMap((argv, index) => {
    const family = commandFamily(argv);
    if (!family) return [];
    const words = argv.slice(1);
    const at = source.locations?.[index] ?? step.location;
    return [{ ...where, index, family, ...ruleShape(words), program: argv[0], words, text: argv.join(" "), file: at.file, line: at.line, prefix: "" }];
  });
}

/** A script's plain iptables/ip6tables lines (heredoc bodies and lines with shell syntax are skipped). */
function scriptLines(where: Where, path: string, content: string): RuleLine[] {
  const out: RuleLine[] = [];
  let heredocEnd: string | undefined;
  for (const [index, raw] of content.split("\n").entries()) {
    const text = raw.trim();
    if (heredocEnd !== undefined) {
      if (text === heredocEnd) heredocEnd = undefined;
      continue;
    }
    const heredoc = /<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(text);
    if (heredoc) {
      heredocEnd = heredoc[1];
      continue;
    }
    if (text === "" || text.startsWith("#") || /[$`;&|<>\\(){}*?]/.test(text.replace(/\{\{[^{}]*\}\}/g, ""))) continue;
    const split = splitCommand(tightPlaceholders(text));
    if (!split.ok) continue;
    const family = commandFamily(split.argv);
    if (!family) continue;
    const words = split.argv.slice(1);
    out.push({ ...where, index, family, ...ruleShape(words), program: split.argv[0], words, text: raw, file: path, line: index + 1, prefix: "" });
  }
  return out;
}

function restoreLines(where: Where, family: Family, path: string, content: string): RuleLine[] {
  const out: RuleLine[] = [];
  let table: string | undefined;
  for (const [index, raw] of content.split("\n").entries()) {
    const text = raw.trim();
    const header = /^\*(\S+)$/.exec(text);
    if (header) table = header[1];
    else if (text === "COMMIT") table = undefined;
    if (table === undefined || !text.startsWith("-") && !text.startsWith("[")) continue;
    const prefix = /^\[\d+:\d+\]\s+/.exec(text)?.[0] ?? "";
    let words: string[];
    try {
      words = tokenizeRule(tightPlaceholders(text.slice(prefix.length)));
    } catch {
      continue;
    }
    out.push({ ...where, index, family, ...ruleShape(words, table), program: undefined, words, text: raw, file: path, line: index + 1, prefix });
  }
  return out;
}

/** An iptables source's lines with its jumps to empty chains (ipt-noop.ts) and to chains every packet ends in (ipt-ending.ts) marked. */
function withChainMarks(lines: readonly RuleLine[], chains: UserChains): RuleLine[] {
  return withEndingJumps(withNoopJumps(lines, chains.empty), chains.known);
}

/** Every iptables/ip6tables line and nft rule, policy and set line of the scenario's apply steps, in step, source and line order. */
export function scenarioRuleLines(scenario: Scenario): RuleLine[] {
  return withoutUnknownNoops(withoutSharedPositions(scenario.steps.flatMap((step, stepIndex) => {
    if (step.kind !== "apply") return [];
    const afterReboot = scenario.steps.slice(0, stepIndex).some((s) => s.kind === "reboot" && s.host === step.host);
    return step.sources.flatMap((source, sourceIndex) => {
      const where: Where = { step: stepIndex, source: sourceIndex, host: step.host, kind: source.kind, afterReboot };
      switch (source.kind) {
        case "commands": {
          const lines = commandLines(where, source, step);
          return withChainMarks(lines, commandUserChains(lines, { commands: source.commands.length }));
        }
        case "script": {
          const lines = scriptLines(where, source.path, source.content);
          return withChainMarks(lines, commandUserChains(lines, { content: source.content }));
        }
        case "restore": {
          const lines = restoreLines(where, source.family, source.path, source.content);
          return withChainMarks(lines, restoreUserChains(source.family, source.content, lines));
        }
        case "nft":
          return nftFileLines(where, source.path, source.content);
      }
    });
  })), scenario);
}

/** Lines that add a rule. */
export function addsRule(line: RuleLine): boolean {
  return line.verb !== undefined && line.chain !== undefined;
}
