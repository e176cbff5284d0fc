/**
 * Pure helpers for applying nftables input: nft's error messages mapped to
 * the lines of the file as written, native table blocks cut from `nft list
 * ruleset` text, and the `nft -f` input that puts native tables back as they
 * were before a failed apply (one transaction).
 */
import stringWidth from "string-width";
import { oneLine } from "../text.ts";

export interface NftProblem {
  /** 1-based line in the file nft read; undefined when nft named none. */
  readonly line: number | undefined;
  /** 1-based column where nft's marks start (with `line`). */
  readonly column?: number;
  /** nft's message, e.g. `syntax error, unexpected newline`, with the offending text when nft showed it. */
  readonly message: string;
  /** The source line nft echoed and its marks under it (`^^^` the offending part, `~~~` context), as nft printed them (tabs kept). */
  readonly excerpt?: { readonly source: string; readonly marks: string };
}

/** A marks line nft prints under the source line: blanks, `^` and `~` only, at least one mark. */
const MARKS = /^[ \t]*[~^][ \t~^]*$/;

/** `FILE:LINE:COL[-COL]: Error: MESSAGE`, as nft prints it (also for `-c`). */
const LOCATED = /^(.*?):(\d+):(\d+)(?:-(\d+))?: Error: (.*)$/;

/**
 * Every error nft reported for `file` (the path it was given), each with its
 * line, column and message, and the source line nft echoed with its marks
 * (an editor's view of what nft could not read: `acept` before the mark of
 * "unexpected newline"). An error without a location keeps its text.
 */
export function nftProblems(stderr: string, file: string): NftProblem[] {
  const problems: NftProblem[] = [];
  const lines = stderr.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimEnd();
    const m = LOCATED.exec(line);
    if (m) {
      const where = m[1]!;
      if (where !== file) {
        problems.push({ line: undefined, message: `${where}:${m[2]}: ${m[5]!.trim()}` });
        continue;
      }
      const source = lines[i + 1];
      const marks = lines[i + 2]?.trimEnd();
      if (source !== undefined && marks !== undefined && MARKS.test(marks) && !LOCATED.test(source)) {
        const shown = inCharacters(source.trimEnd(), marks, Number(m[3]));
        problems.push({ line: Number(m[2]), column: shown.column, message: m[5]!.trim(), excerpt: { source: source.trimEnd(), marks: shown.marks } });
      } else problems.push({ line: Number(m[2]), column: Number(m[3]), message: m[5]!.trim() });
    } else if (/^Error: /.test(line.trim())) problems.push({ line: undefined, message: line.trim().slice("Error: ".length) });
  }
  if (problems.length === 0 && stderr.trim() !== "") problems.push({ line: undefined, message: stderr.trim().split("\n")[0]! });
  return problems.map((p) => ({ ...p, message: withEnoentMeaning(p.message, p.excerpt?.source, p.column) }));
}

/**
 * nft's ENOENT (`Could not process rule: No such file or directory`) says
 * nothing of what is missing (tester 42b): what the line names that may not
 * exist — the chain a `jump`/`goto` names, a `@set` or map — else a table,
 * chain or kernel feature (pure).
 */
export function withEnoentMeaning(message: string, source: string | undefined, column?: number): string {
  if (!/No such file or directory\s*$/.test(message)) return message;
  // The chain a jump names or the `@set` the line names, whichever nft's marks point at.
  const named = source === undefined ? undefined : atColumn(source, /\b(?:jump|goto)\s+([A-Za-z_][\w.-]*)|@([A-Za-z_][\w.-]*)/g, column);
  const what = named?.[1] !== undefined ? `the chain \`${named[1]}\` it jumps to does not exist in that table`
    : named?.[2] !== undefined ? `the set or map \`@${named[2]}\` it names does not exist in that table`
      : "a table, chain, set or map it names does not exist, or the kernel lacks something it uses (a flowtable, a match)";
  return `${message} (${what})`;
}

/**
 * The match of `pattern` (global) in `line` that nft's marks point at: the one whose text holds the 1-based
 * `column`, else the last before it, else the first (a vmap line names several chains: tester 43a).
 */
function atColumn(line: string, pattern: RegExp, column: number | undefined): RegExpExecArray | undefined {
  const all = [...line.matchAll(pattern)];
  if (column === undefined) return all[0];
  const at = column - 1;
  return all.find((m) => m.index <= at && at < m.index + m[0].length) ?? all.filter((m) => m.index <= at).at(-1) ?? all[0];
}

/**
 * nft counts columns and places its marks in bytes: on a line with `é` or an
 * emoji before the error both sit to the right of the text. The column in
 * characters of `source`, and the marks as wide as each character shows in a
 * terminal (pure; unchanged on an ASCII line).
 */
export function inCharacters(source: string, marks: string, byteColumn: number): { column: number; marks: string } {
  let byte = 0;
  let column = byteColumn;
  let out = "";
  for (const [i, c] of [...source].entries()) {
    const size = Buffer.byteLength(c);
    if (byte < byteColumn - 1) column = i + 2;
    const mark = [...marks.slice(byte, byte + size)].find((x) => x === "^" || x === "~");
    // As wide as the character shows in a terminal (two columns for a wide one), so the marks stay under it.
    out += c === "\t" && mark === undefined ? "\t" : (mark ?? " ").repeat(Math.max(1, stringWidth(c)));
    byte += size;
  }
  // Marks past the line's end (nft marks a missing token there): kept as nft placed them, after the line.
  out += marks.slice(byte);
  const chars = [...source].length;
  if (byteColumn - 1 >= byte) column = chars + (byteColumn - 1 - byte) + 1;
  return { column: byteColumn <= 1 ? byteColumn : column, marks: out.trimEnd() };
}

/** `path:3:7: msg` lines for an error message, each followed by nft's source line and marks (indented; controls escaped). */
export function formatNftProblems(problems: readonly NftProblem[], path: string): string {
  return problems.map((p) => `${path}${nftWhere(p)}: ${p.message}${nftExcerpt(p, "  ")}`).join("\n");
}

/** `:LINE:COLUMN`, `:LINE` or nothing. */
export function nftWhere(p: { readonly line: number | undefined; readonly column?: number | undefined }): string {
  return p.line === undefined ? "" : `:${p.line}${p.column === undefined ? "" : `:${p.column}`}`;
}

/** nft's source line and marks on lines of their own, indented (tabs kept so the marks stay under the text; controls escaped). */
export function nftExcerpt(p: { readonly excerpt?: { readonly source: string; readonly marks: string } | undefined }, indent: string): string {
  if (!p.excerpt) return "";
  const shown = (text: string) => text.split("\t").map(oneLine).join("\t");
  return `\n${indent}${shown(p.excerpt.source)}\n${indent}${shown(p.excerpt.marks)}`;
}

/** Top-level `table FAMILY NAME { … }` blocks of `nft list ruleset` text: `family name` → block. */
export function tableBlocksOf(listing: string): Map<string, string> {
  const blocks = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of listing.split("\n")) {
    const open = /^table\s+(\S+)\s+(\S+)\s*\{/.exec(line);
    if (open) {
      name = `${open[1]} ${open[2]}`;
      lines = [line];
      continue;
    }
    if (name === undefined) continue;
    lines.push(line);
    if (line === "}") {
      blocks.set(name, lines.join("\n"));
      name = undefined;
    }
  }
  return blocks;
}

/**
 * `nft -f` input that deletes the native tables present now and loads those
 * of before from their printed blocks: one transaction; "" when nothing is to
 * be done (no native table then or now).
 */
export function nativeRollbackInput(before: ReadonlyMap<string, string>, now: readonly string[]): string {
  if (before.size === 0 && now.length === 0) return "";
  return [...now.map((t) => `delete table ${t}`), ...before.values()].join("\n") + "\n";
}

/** Does nft input start over (`flush ruleset`), deleting every table — also Docker's DNS rules and any other tool's? */
export function flushesRuleset(content: string): boolean {
  return content.split("\n").some((l) => /^\s*flush\s+ruleset\s*(;|#|$)/.test(l));
}

/** An `include` statement in nft input: its 1-based line and the file or pattern it names. */
export interface NftInclude {
  readonly line: number;
  readonly target: string;
}

/**
 * The `include "…"` statements of nft input (comments aside). fwspec loads
 * the one file into the lab with nft -f; what it includes is not there (a
 * pattern matching nothing is no error to nft: those rules would be missing
 * without a word), so the load refuses them (includeProblem).
 */
export function nftIncludes(content: string): NftInclude[] {
  const found: NftInclude[] = [];
  content.split("\n").forEach((raw, i) => {
    const m = /^\s*include\s+"([^"]*)"/.exec(raw);
    if (m) found.push({ line: i + 1, target: m[1]! });
  });
  return found;
}

/** The load-time problem for nft input with `include` statements: each named (the first 5), and what to apply instead. */
export function includeProblem(path: string, found: readonly NftInclude[]): { message: string; hint: string } {
  const shown = found.slice(0, 5).map((x) => `${path}:${x.line}: include ${JSON.stringify(x.target)}`);
  const more = found.length > shown.length ? `, and ${found.length - shown.length} more` : "";
  return {
    message:
      `${path} includes other files (${shown.join("; ")}${more}): fwspec loads only this file into the lab host with nft -f, ` +
      "so the included rules would not be there (nft takes a pattern that matches nothing as no error)",
    hint: "put the included rules into this file, or apply each included file as an `nft:` step of its own, in the order nft would include them",
  };
}

/** An xtables compat expression in nft input: a line of an iptables-nft table as `nft list` prints it. */
export interface XtablesLine {
  /** 1-based line in the file. */
  readonly line: number;
  /** `xt match recent`, `xt target LOG` (quotes as nft printed them dropped). */
  readonly expression: string;
}

const XT = /(?:^|\s)xt\s+(match|target|watcher)\s+"?([A-Za-z0-9_.-]+)"?/;

/**
 * Lines with xtables compat expressions (`xt match recent`): `nft list
 * ruleset` prints iptables-nft rules it cannot translate that way (ufw's
 * `-m recent`, `-m icmp6`), and `nft -f` cannot load them back. Comments,
 * rule comments and log prefixes are no expressions.
 */
export function xtablesCompatLines(content: string): XtablesLine[] {
  const found: XtablesLine[] = [];
  content.split("\n").forEach((raw, i) => {
    const code = raw.replace(/\b(comment|prefix)\s+"[^"]*"/g, "$1").replace(/#.*$/, "");
    const m = XT.exec(code);
    if (m) found.push({ line: i + 1, expression: `xt ${m[1]} ${m[2]}` });
  });
  return found;
}

/** The load-time problem for nft input with xtables compat expressions: every line named (the first 5 shown), and what to apply instead. */
export function xtablesProblem(path: string, found: readonly XtablesLine[]): { message: string; hint: string } {
  const shown = found.slice(0, 5).map((x) => `${path}:${x.line}: ${x.expression}`);
  const more = found.length > shown.length ? `, and ${found.length - shown.length} more` : "";
  return {
    message:
      `${path} cannot be loaded with nft -f: ${found.length} line(s) hold xtables compat expressions, which \`nft list ruleset\` prints for ` +
      `iptables-nft rules it cannot translate and nft cannot read back (${shown.join("; ")}${more})`,
    hint:
      "this is the listing of iptables rules on the nft backend (ufw, or any tool writing iptables rules): apply what that tool restores, " +
      "the iptables-save / ip6tables-save output, with `restore: { ipv4: rules.v4, ipv6: rules.v6 }` (iptables-restore on the nft backend)",
  };
}
