/**
 * Jumps to nothing in iptables-restore input: `-j`/`-g` naming neither a
 * standard verdict, a target extension iptables can load, nor a chain the
 * table creates. iptables-nft's restore does not notice them with `--test`
 * and refuses them only when it commits the table, naming the COMMIT line
 * (`Chain 'ACCPET' does not exist`, `Error occurred at line: 7`); the legacy
 * backend names the rule's line (`Couldn't load target \`ACCPET'`). This
 * finds the rule lines themselves, so a refusal is reported where it was
 * written: `-j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)`.
 * Pure: the target extensions come from the lab host (extensionTargets on its
 * xtables folder listing), the rest from the file.
 */
import type { Family } from "../model/types.ts";
import { closest } from "../scenario/suggest.ts";
import { restoreErrorLine, toolMessage } from "./syntax-lines.ts";
import { tokenizeRule } from "./tokenize.ts";

/** Verdicts of the standard target (libxt_standard), which no extension file names. */
export const VERDICTS: readonly string[] = ["ACCEPT", "DROP", "RETURN", "QUEUE"];

/** Built-in chains of every table: never a missing chain (jumping to one is another error). */
export const BUILT_IN_CHAINS: readonly string[] = ["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"];

const EXTENSION_PREFIX: Readonly<Record<Family, RegExp>> = { ipv4: /^lib(?:xt|ipt)_([A-Za-z0-9_]+)\.so$/, ipv6: /^lib(?:xt|ip6t)_([A-Za-z0-9_]+)\.so$/ };

/**
 * The target names a family's iptables can load, from the file names of the
 * xtables extension folder (`libxt_LOG.so`, `libipt_REJECT.so`,
 * `libip6t_REJECT.so`): target modules are the upper-case ones (`libxt_mark`
 * is the match, `libxt_MARK` the target); ebtables' and arptables' are not
 * iptables'. Undefined when the listing names none (it could not be read).
 */
export function extensionTargets(files: readonly string[], family: Family): ReadonlySet<string> | undefined {
  const names = files.map((f) => EXTENSION_PREFIX[family].exec(f.trim())?.[1]).filter((n): n is string => n !== undefined);
  if (names.length === 0) return undefined;
  return new Set(names.filter((n) => n === n.toUpperCase() && /[A-Z]/.test(n)));
}

export interface Jump {
  /** 1-based line of the rule. */
  readonly line: number;
  readonly option: "-j" | "-g";
  readonly name: string;
}

/** One `*table` … `COMMIT` block: its lines, the chains it creates, the jumps of its rules. */
interface Block {
  readonly first: number;
  last: number;
  readonly chains: Set<string>;
  readonly jumps: Jump[];
}

const JUMP: Readonly<Record<string, "-j" | "-g">> = { "-j": "-j", "--jump": "-j", "-g": "-g", "--goto": "-g" };
const CREATES = new Set(["-N", "--new-chain"]);
const RENAMES = new Set(["-E", "--rename-chain"]);

/** The words of a rule line (a counters prefix `[p:b]` left out), or undefined when it is no rule line or cannot be read. */
function ruleWords(text: string): string[] | undefined {
  const body = text.replace(/^\[\d+:\d+\]\s+/, "");
  if (!body.startsWith("-")) return undefined;
  try {
    return tokenizeRule(body);
  } catch {
    return undefined;
  }
}

/** The table blocks of restore input, each with the chains it creates and its jumps. */
function tableBlocks(content: string): Block[] {
  const blocks: Block[] = [];
  let block: Block | undefined;
  for (const [index, raw] of content.split("\n").entries()) {
    const text = raw.trim();
    const line = index + 1;
    if (/^\*\S+$/.test(text)) {
      block = { first: line, last: line, chains: new Set(BUILT_IN_CHAINS), jumps: [] };
      blocks.push(block);
      continue;
    }
    if (block === undefined) continue;
    block.last = line;
    if (text === "COMMIT") {
      block = undefined;
      continue;
    }
    const declared = /^:(\S+)/.exec(text);
    if (declared) block.chains.add(declared[1]!);
    const words = ruleWords(text) ?? [];
    for (const [i, word] of words.entries()) {
      const value = words[i + 1];
      if (value === undefined) break;
      if (CREATES.has(word)) block.chains.add(value);
      if (RENAMES.has(word) && words[i + 2] !== undefined) block.chains.add(words[i + 2]!);
      const option = JUMP[word];
      if (option) block.jumps.push({ line, option, name: value });
    }
  }
  return blocks;
}

/** Every chain restore input creates (`:WEB`, `-N`, `-E`'s new name), of any of its tables. */
export function restoreChains(content: string): Set<string> {
  return new Set(tableBlocks(content).flatMap((b) => [...b.chains]).filter((c) => !BUILT_IN_CHAINS.includes(c)));
}

/** A jump to nothing: no chain of its table, no verdict, and the chain the tool named or (when the extension list was read) no target iptables can load. */
function missing(jump: Jump, block: Block, targets: ReadonlySet<string> | undefined, named: string | undefined): boolean {
  if (block.chains.has(jump.name) || VERDICTS.includes(jump.name)) return false;
  return jump.name === named || (targets !== undefined && !targets.has(jump.name));
}

/**
 * The jumps to nothing of the table block holding line `at` (every block when
 * `at` is undefined or outside any); when `at` is a rule line with a jump, that
 * line's only. `targets`: the loadable target names (undefined: not known, then
 * only `named` is missing). `named`: what the tool said it cannot find.
 */
export function missingJumps(content: string, targets: ReadonlySet<string> | undefined, at?: number, named?: string): Jump[] {
  const blocks = tableBlocks(content);
  const holding = at === undefined ? undefined : blocks.find((b) => b.first <= at && at <= b.last);
  return (holding ? [holding] : blocks).flatMap((b) => {
    const onLine = b.jumps.filter((j) => j.line === at);
    return (onLine.length > 0 ? onLine : b.jumps).filter((j) => missing(j, b, targets, named));
  });
}

/** The chain or target a restore tool's message says it cannot find (both backends' words). */
export function namedMissing(stderr: string): string | undefined {
  return (/Chain '([^']+)' does not exist/.exec(stderr) ?? /Couldn't load target `([^']+)'/.exec(stderr))?.[1];
}

/** `-j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)`, the suggestion one of the verdicts, `targets` or `chains`. */
export function noSuchTarget(jump: Pick<Jump, "option" | "name">, targets: Iterable<string>, chains: Iterable<string>): string {
  const suggestion = closest(jump.name, [...VERDICTS, ...targets, ...[...chains].filter((c) => !BUILT_IN_CHAINS.includes(c))]);
  return `${jump.option} ${jump.name}: no chain or target named ${jump.name}${suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`}`;
}

/** A jump of restore input to nothing, in words (noSuchTarget, its table's chains the suggestions). */
export function missingMessage(jump: Jump, content: string, targets: ReadonlySet<string> | undefined): string {
  const block = tableBlocks(content).find((b) => b.first <= jump.line && jump.line <= b.last);
  return noSuchTarget(jump, targets ?? [], block?.chains ?? []);
}

/** A refusal that may be a jump to nothing: the tool names a missing chain or target, or failed at a COMMIT line (worth reading the extension list for). */
export function mayBeMissingJump(content: string, stderr: string): boolean {
  const at = restoreErrorLine(stderr);
  return namedMissing(stderr) !== undefined || (at !== undefined && content.split("\n")[at - 1]?.trim() === "COMMIT");
}

export interface ExplainedLine {
  readonly line: number;
  readonly message: string;
}

/**
 * A restore tool's refusal as the rule lines that jump to nothing, each with
 * what is wrong and, on the jump the tool named (or on each when it named
 * none), the tool's own words and where it said it failed when that was
 * another line (the table's COMMIT). Undefined when the refusal is not about
 * a jump to nothing: the caller reports it as it was.
 */
export function explainMissingJumps(content: string, stderr: string, targets: ReadonlySet<string> | undefined): ExplainedLine[] | undefined {
  if (!mayBeMissingJump(content, stderr)) return undefined;
  const named = namedMissing(stderr);
  const at = restoreErrorLine(stderr);
  const atText = at === undefined ? undefined : content.split("\n")[at - 1]?.trim();
  const jumps = missingJumps(content, targets, at, named);
  if (jumps.length === 0) return undefined;
  const tool = toolMessage(stderr);
  return jumps.map((jump) => {
    const own = named === undefined || jump.name === named;
    const where = at !== undefined && at !== jump.line ? ` (reported at line ${at}${atText === "COMMIT" ? ", the table's COMMIT" : ""})` : "";
    return { line: jump.line, message: `${missingMessage(jump, content, targets)}${own ? `; ${tool}${where}` : ""}` };
  });
}
