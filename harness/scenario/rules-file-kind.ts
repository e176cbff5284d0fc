/**
 * A rules file loaded the wrong way (pure): an iptables-save file as a
 * script (`*filter: not found` in the lab), an nft ruleset as
 * iptables-restore input ("rejected (no message)"), a script as an nft file
 * (one error per line) — found by what the file looks like (rules-lookalike.ts)
 * and said before any lab starts, with the apply form that loads it. And
 * Windows line endings, which every loader stumbles on (`DROP\r` is no target).
 */
import { rulesLookalike, type RulesKind } from "./rules-lookalike.ts";

/** How an apply step loads a file; `init`: read by `fwspec init --from`, which takes iptables-save files. */
export type LoadedAs = "script" | "restore" | "nft" | "init";

const EXPECTS: Readonly<Record<LoadedAs, RulesKind>> = { script: "script", restore: "iptables-save", nft: "nft", init: "iptables-save" };

const LOOKS: Readonly<Record<RulesKind, string>> = {
  "iptables-save": "an iptables-save file (iptables-restore input)",
  nft: "an nftables ruleset (nft -f input)",
  script: "a shell script of firewall commands",
};

const AS: Readonly<Record<LoadedAs, string>> = {
  script: "`script:` runs it with sh -e",
  restore: "`restore:` feeds it to iptables-restore",
  nft: "`nft:` loads it with nft -f",
  init: "`init --from` reads iptables-save files only (iptables-restore input)",
};

function form(kind: RulesKind, written: string): string {
  if (kind === "iptables-save") return `\`apply: { host: HOST, restore: { ipv4: ${written} } }\` (\`ipv6:\` for an ip6tables-save file)`;
  if (kind === "nft") return `\`apply: { host: HOST, nft: ${written} }\``;
  return `\`apply: { host: HOST, script: ${written} }\``;
}

export interface FileProblem {
  readonly message: string;
  readonly hint: string;
}

/**
 * What is wrong with loading `content` (the file `written`) as `as`, or
 * undefined. `pasted`: the file as a command typed where fwspec runs names it
 * (shell-quoted; default `written`), for the commands in hints.
 */
export function rulesFileProblem(content: string, written: string, as: LoadedAs, pasted: string = written): FileProblem | undefined {
  const crlf = content.indexOf("\r\n");
  if (crlf >= 0) {
    const line = content.slice(0, crlf).split("\n").length;
    return {
      message: `\`${written}\` has Windows line endings (CR LF, first on line ${line}): the lab's tools would read each line's CR as part of its last word`,
      hint: `convert it to LF line endings, e.g. \`sed -i 's/\\r$//' ${pasted}\` or \`dos2unix ${pasted}\` (and \`* text eol=lf\` in .gitattributes keeps it so)`,
    };
  }
  // Old Mac line endings: a shell reads the whole file as one line (a script that starts with a comment does nothing),
  // iptables-restore finds no COMMIT (tester 44d).
  if (content.includes("\r")) {
    return {
      message: `\`${written}\` has carriage returns (CR) that end no line (old Mac line endings): the lab's tools would read it as one line`,
      hint: `convert it to LF line endings, e.g. \`sed -i 's/\\r/\\n/g' ${pasted}\` or \`mac2unix ${pasted}\``,
    };
  }
  const looks = rulesLookalike(content);
  if (looks === undefined || looks.kind === EXPECTS[as]) return EXPECTS[as] === "iptables-save" ? uncommitted(content, written) : undefined;
  return {
    message: `\`${written}\` looks like ${LOOKS[looks.kind]} (line ${looks.line}: \`${looks.text.length > 60 ? `${looks.text.slice(0, 60)}…` : looks.text}\`), but ${AS[as]}`,
    hint: as === "init"
      ? `write the scenario without --from (\`init\` alone writes a working example) and load this file with ${form(looks.kind, written)}; or give --from the output of \`iptables-save\` (and --v6 that of \`ip6tables-save\`)`
      : `load it with ${form(looks.kind, written)}`,
  };
}

/**
 * A table block of iptables-restore input with no COMMIT before the next
 * table or the end (pure): iptables-restore refuses the whole file ("COMMIT
 * expected at line N", a line after the last), which names no line of it
 * (tester 42a). Said at the table's line.
 */
function uncommitted(content: string, written: string): FileProblem | undefined {
  let open: { table: string; line: number } | undefined;
  const lines = content.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const table = /^\*(\S+)/.exec(line);
    if (table && open) break;
    if (table) open = { table: table[1]!, line: i + 1 };
    else if (line === "COMMIT") open = undefined;
  }
  if (!open) return undefined;
  return {
    message: `\`${written}\` has no COMMIT for its *${open.table} table (line ${open.line}) before ${lines.slice(open.line).some((l) => /^\s*\*/.test(l)) ? "the next table" : "its end"}: iptables-restore refuses the whole file`,
    hint: "end each table block with a line `COMMIT`, as iptables-save writes it",
  };
}
