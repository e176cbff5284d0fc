/**
 * Jumps to no chain in nftables input, found without a lab (pure): `jump
 * NAME` / `goto NAME` (in a rule, a verdict map's elements, a map's) where
 * the file declares no chain NAME in that table. nft refuses such a file
 * only at load time, with `Could not process rule: No such file or
 * directory`; plain `fwspec validate` says it at the jump.
 *
 * Only what is certainly wrong: the file must start over (`flush ruleset`;
 * only what follows its last one is read), so no chain can come from
 * elsewhere (another apply step, the boot ruleset), and include nothing;
 * a chain declared anywhere after the flush counts
 * (in a table block, `add chain`, `create chain`, bare `chain FAMILY TABLE
 * NAME`), whatever its place; a name from a variable (`jump $chain`) or in
 * quotes is not judged, nor is anything once the reading is unsure (braces
 * that do not balance, a `table` or `chain` it cannot read, a `rename chain`).
 * Lines ending in `\\` continue on the next, as nft reads them.
 */
import { closest } from "../scenario/suggest.ts";
import { flushesRuleset, nftIncludes } from "./nft-file.ts";

/** A jump to no chain of its table: 1-based line and column of `jump`/`goto`, the table as `family name`. */
export interface NftMissingJump {
  readonly line: number;
  readonly column: number;
  readonly verb: "jump" | "goto";
  readonly chain: string;
  readonly table: string;
}

const FAMILIES = new Set(["ip", "ip6", "inet", "arp", "bridge", "netdev"]);
const NAME = /^[A-Za-z_][\w.-]*$/;

/** The text with comments and quoted strings blanked (same length, so columns and lines stay). */
function blanked(content: string): string {
  let out = "";
  let quoted = false;
  let comment = false;
  for (const ch of content) {
    if (ch === "\n") {
      comment = false;
      quoted = false;
      out += ch;
    } else if (comment) out += " ";
    else if (quoted) {
      if (ch === '"') quoted = false;
      out += " ";
    } else if (ch === "#") {
      comment = true;
      out += " ";
    } else if (ch === '"') {
      quoted = true;
      out += " ";
    } else out += ch;
  }
  return out;
}

/** `[family] name` words after `table`/`chain`: the table key (`ip` when no family is written), and how many words it took. */
function tableOf(words: readonly string[]): { key: string; used: number } | undefined {
  const [a, b] = words;
  if (a !== undefined && FAMILIES.has(a) && b !== undefined && NAME.test(b)) return { key: `${a} ${b}`, used: 2 };
  if (a !== undefined && NAME.test(a) && !FAMILIES.has(a)) return { key: `ip ${a}`, used: 1 };
  return undefined;
}

interface Token {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Words, `{`, `}` and `;` (a newline ends a statement as `;` does, unless the
 * line ends in `\`, which nft's scanner joins to the next), with where each
 * starts; commas part words (set elements).
 */
function tokens(text: string): Token[] {
  const out: Token[] = [];
  text.split("\n").forEach((raw, i) => {
    const continued = /\\\s*$/.test(raw);
    const line = continued ? raw.replace(/\\\s*$/, "") : raw;
    for (const m of line.matchAll(/[{};]|[^\s{};,]+/g)) out.push({ text: m[0], line: i + 1, column: m.index + 1 });
    if (!continued) out.push({ text: ";", line: i + 1, column: raw.length + 1 });
  });
  return out;
}

/** The text from its last `flush ruleset` on (earlier lines blanked, so lines keep their numbers): what came before is gone at load. */
function fromLastFlush(text: string): string {
  const lines = text.split("\n");
  const last = lines.findLastIndex((l) => /^\s*flush\s+ruleset\s*(;|$)/.test(l));
  return lines.map((l, i) => (i < last ? "" : l)).join("\n");
}

/** The chains the file declares (by table, in order) and every jump naming a chain, or undefined when unsure. */
function readNft(content: string): { chains: Map<string, string[]>; jumps: NftMissingJump[] } | undefined {
  const chains = new Map<string, string[]>();
  const declare = (table: string, name: string) => chains.set(table, [...new Set([...(chains.get(table) ?? []), name])]);
  const jumps: NftMissingJump[] = [];
  // The block stack: `table KEY` blocks, and any other block (chain, set, map, anonymous set, verdict map).
  const stack: ({ kind: "table"; key: string } | { kind: "other" })[] = [];
  let statement: Token[] = [];
  const tableKey = () => [...stack].reverse().find((b): b is { kind: "table"; key: string } => b.kind === "table")?.key;
  /** `[add|create] chain [family] TABLE NAME` at the top level. */
  const flatChain = (words: readonly string[]) => {
    const at = words[0] === "add" || words[0] === "create" ? 1 : 0;
    if (words[at] !== "chain") return;
    const table = tableOf(words.slice(at + 1));
    const name = table && words[at + 1 + table.used];
    if (table && name !== undefined && NAME.test(name)) declare(table.key, name);
  };
  const text = blanked(fromLastFlush(content));
  // A chain may change its name (`rename chain`): not read, so nothing is judged.
  if (/(?:^|[\s;{])rename\s+chain\b/.test(text)) return undefined;
  for (const t of tokens(text)) {
    if (t.text === "{") {
      const words = statement.map((s) => s.text);
      const at = words[0] === "add" || words[0] === "create" ? 1 : 0;
      if (stack.length === 0 && words[at] === "table") {
        const table = tableOf(words.slice(at + 1));
        if (!table) return undefined;
        stack.push({ kind: "table", key: table.key });
        // The table's block starts a statement of its own (`table inet f { chain ssh {` on one line).
        statement = [];
        continue;
      }
      if (stack.length === 1 && stack[0]!.kind === "table" && words[0] === "chain") {
        if (words[1] === undefined || !NAME.test(words[1])) return undefined;
        declare(stack[0]!.key, words[1]);
        stack.push({ kind: "other" });
        statement = [];
        continue;
      }
      if (stack.length === 0) flatChain(words);
      stack.push({ kind: "other" });
      // Other blocks keep the words before the brace as the statement: `vmap {` keeps its rule's words for the jumps inside.
      continue;
    }
    if (t.text === "}") {
      if (stack.length === 0) return undefined;
      stack.pop();
      statement = [];
      continue;
    }
    if (t.text === ";") {
      if (stack.length === 0) flatChain(statement.map((s) => s.text));
      statement = [];
      continue;
    }
    statement.push(t);
    const before = statement.at(-2);
    if (before && (before.text === "jump" || before.text === "goto") && NAME.test(t.text)) {
      const key = stack.length === 0 ? flatRuleTable(statement.map((s) => s.text)) : tableKey();
      if (key !== undefined) jumps.push({ line: before.line, column: before.column, verb: before.text, chain: t.text, table: key });
    }
  }
  return stack.length === 0 ? { chains, jumps } : undefined;
}

/**
 * The jumps to no chain of `content` (nft -f input), in file order; empty when
 * the file does not start over or could not be read for sure.
 */
export function nftMissingJumps(content: string): NftMissingJump[] {
  if (!flushesRuleset(content) || nftIncludes(content).length > 0) return [];
  const read = readNft(content);
  return read === undefined ? [] : read.jumps.filter((j) => !(read.chains.get(j.table) ?? []).includes(j.chain));
}

/** The table of a flat `add rule [family] TABLE CHAIN …` (`insert`, `replace`, bare `rule`). */
function flatRuleTable(words: readonly string[]): string | undefined {
  const at = ["add", "insert", "replace", "create"].includes(words[0] ?? "") ? 1 : 0;
  return words[at] === "rule" ? tableOf(words.slice(at + 1))?.key : undefined;
}

/** How the jump is told: `jump ssh_in: no chain ssh_in in table inet filter (chains there: input, web); …`. */
export function nftMissingJumpMessage(j: NftMissingJump, content: string): string {
  const there = readNft(content)?.chains.get(j.table) ?? [];
  const near = closest(j.chain, there);
  return `${j.verb} ${j.chain}: no chain ${j.chain} in table ${j.table} (${near !== undefined ? `did you mean ${near}? ` : ""}${there.length === 0 ? "the file declares none there" : `chains there: ${there.join(", ")}`}); nft refuses the whole file at load time (\`Could not process rule: No such file or directory\`)`;
}
