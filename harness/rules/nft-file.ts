/**
 * Pure helpers for applying nftables input: nft's error messages mapped to
 * the lines of the file as written, native table blocks cut from `nft list
 * ruleset` text, and the `nft -f` input that puts native tables back as they
 * were before a failed apply (one transaction).
 */

export interface NftProblem {
  /** 1-based line in the file nft read; undefined when nft named none. */
  readonly line: number | undefined;
  /** nft's message, e.g. `syntax error, unexpected newline`, with the offending text when nft showed it. */
  readonly message: string;
}

/** `FILE:LINE:COL[-COL]: Error: MESSAGE`, as nft prints it (also for `-c`). */
const LOCATED = /^(.*?):(\d+):(\d+)(?:-(\d+))?: Error: (.*)$/;

/**
 * Every error nft reported for `file` (the path it was given), each with its
 * line and message; the source line nft echoes and its caret marks are left
 * out (the report names the line). An error without a location keeps its text.
 */
export function nftProblems(stderr: string, file: string): NftProblem[] {
  const problems: NftProblem[] = [];
  for (const raw of stderr.split("\n")) {
    const line = raw.trimEnd();
    const m = LOCATED.exec(line);
    if (m) {
      const where = m[1]!;
      problems.push({ line: where === file ? Number(m[2]) : undefined, message: where === file ? m[5]!.trim() : `${where}:${m[2]}: ${m[5]!.trim()}` });
    } else if (/^Error: /.test(line.trim())) problems.push({ line: undefined, message: line.trim().slice("Error: ".length) });
  }
  if (problems.length === 0 && stderr.trim() !== "") problems.push({ line: undefined, message: stderr.trim().split("\n")[0]! });
  return problems;
}

/** `path:3: msg` lines for an error message. */
export function formatNftProblems(problems: readonly NftProblem[], path: string): string {
  return problems.map((p) => `${path}${p.line === undefined ? "" : `:${p.line}`}: ${p.message}`).join("\n");
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
