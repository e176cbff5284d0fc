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
