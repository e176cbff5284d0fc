/**
 * The lines of a native nftables ruleset file, for mutation (pure): every
 * rule inside a `chain NAME { … }` block of a `table FAMILY NAME { … }`, every
 * base chain's `policy` declaration, every single-line `elements = { … }` of a
 * named set, and top-level `add rule|insert rule FAMILY TABLE CHAIN …`
 * commands. Each becomes a RuleLine (kind "nft") whose words are the line's
 * tokens (quoted strings kept whole, a trailing `#` comment left out) and whose
 * prefix is the indentation (or the `add rule …` head), so a mutant rewrites
 * exactly one line and every other line keeps its number.
 */
import type { Family } from "../model/types.ts";
import type { RuleLine } from "./rule-lines.ts";
import { chainVerdicts, endingChains, unreachedRules } from "./nft-dead.ts";
import { type ChainFacts, noopChains, noopJumpTarget } from "./nft-noop.ts";

/** What an nft line declares. */
export type NftRole = "rule" | "policy" | "elements";

export interface NftLineInfo {
  readonly role: NftRole;
  /** The table's family: ip, ip6, inet, arp, bridge, netdev. */
  readonly tableFamily: string;
  /** The chain's type (`filter`, `nat`, `route`) for base chains; undefined for regular chains and sets. */
  readonly chainType: string | undefined;
  /** The base chain's hook (`input`, `prerouting`, …); undefined for regular chains and sets. */
  readonly hook?: string;
  /** Rules: the families whose packets the rule can match (ip → ipv4, ip6 → ipv6, `ip saddr` in inet → ipv4). */
  readonly families: readonly Family[];
  /** Rules: 1-based among the chain's rules in this file; undefined when the table is also written by another source. */
  readonly position: number | undefined;
  /** Rules: does the rule count packets (a `counter` statement)? */
  readonly counts: boolean;
  /** Sets: the set's name. */
  readonly set?: string;
  /** Base chains' rules and policies: the chain's priority as a number (`filter` 0, `raw` -300, `filter - 5`), when nft's named priorities give one. */
  readonly priority?: number;
  /**
   * Every line of the file was read (nft-probe.ts): no top-level statement left alone (`include`, `add chain`, an
   * `insert rule`), no one-line chain and no rule over several lines or several on one line.
   */
  readonly readWhole?: true;
}

/** A RuleLine of an nft source carries its nft facts. */
export type NftRuleLine = RuleLine & { readonly nft: NftLineInfo };

/** `{` minus `}` outside quoted strings. */
function braceDelta(words: readonly string[]): number {
  let d = 0;
  for (const w of words) if (!w.startsWith('"')) for (const ch of w) d += ch === "{" ? 1 : ch === "}" ? -1 : 0;
  return d;
}

export function isNftLine(line: RuleLine): line is NftRuleLine {
  return (line as Partial<NftRuleLine>).nft !== undefined;
}

/** Words of an nft line: whitespace-separated, `"…"` kept whole, a `#` comment outside quotes ends the line. */
export function nftTokens(text: string): string[] {
  const out: string[] = [];
  let word = "";
  let quoted = false;
  for (const ch of text) {
    if (quoted) {
      word += ch;
      if (ch === '"') quoted = false;
    } else if (ch === '"') {
      word += ch;
      quoted = true;
    } else if (ch === "#" && word === "") break;
    else if (/\s/.test(ch)) {
      if (word !== "") out.push(word);
      word = "";
    } else word += ch;
  }
  if (word !== "") out.push(word);
  return out;
}

const FAMILY_OF_TABLE: Readonly<Record<string, readonly Family[]>> = { ip: ["ipv4"], ip6: ["ipv6"] };

/** Families a rule's words restrict it to, within a table of `tableFamily`. */
export function ruleFamilies(words: readonly string[], tableFamily: string): readonly Family[] {
  const fixed = Object.hasOwn(FAMILY_OF_TABLE, tableFamily) ? FAMILY_OF_TABLE[tableFamily] : undefined;
  if (fixed) return fixed;
  const has = (w: string) => words.includes(w);
  const nfproto = words.findIndex((w, i) => w === "nfproto" && words[i - 1] === "meta");
  const proto = nfproto >= 0 ? words[nfproto + 1] : undefined;
  if (proto === "ipv4" || (has("ip") && !has("ip6"))) return ["ipv4"];
  if (proto === "ipv6" || (has("ip6") && !has("ip"))) return ["ipv6"];
  return ["ipv4", "ipv6"];
}

/** nft's named priorities in ip, ip6 and inet tables. */
const NAMED_PRIORITIES: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

/** The priority of a `type … hook … priority P;` line's words as a number (`-10`, `filter`, `filter - 5`), or undefined. */
export function chainPriority(words: readonly string[]): number | undefined {
  const i = words.indexOf("priority");
  if (i < 0) return undefined;
  const end = words.findIndex((w, j) => j > i && w.endsWith(";"));
  const text = words.slice(i + 1, end < 0 ? words.length : end + 1).join(" ").replace(/;$/, "").trim();
  const m = /^(?:(-?\d+)|([a-z]+)(?:\s*([+-])\s*(\d+))?)$/.exec(text);
  if (!m) return undefined;
  if (m[1] !== undefined) return Number(m[1]);
  const named = Object.hasOwn(NAMED_PRIORITIES, m[2]!) ? NAMED_PRIORITIES[m[2]!]! : undefined;
  return named === undefined ? undefined : named + (m[3] === "-" ? -1 : 1) * Number(m[4] ?? 0);
}

type Where = Pick<RuleLine, "step" | "source" | "host" | "kind" | "afterReboot">;

interface Block {
  readonly kind: "table" | "chain" | "set" | "other";
  readonly name: string;
}

/** Every mutable line of an nft file, in line order. */
export function nftFileLines(where: Where, file: string, content: string): NftRuleLine[] {
  const out: NftRuleLine[] = [];
  const stack: Block[] = [];
  let table: { family: string; name: string } | undefined;
  let chainType: string | undefined;
  let hook: string | undefined;
  let priority: number | undefined;
  // A one-line chain block (not read) or a top-level add/insert rule: the file is not read whole.
  let partial = false;
  const positions = new Map<string, number>();
  // Chains with a rule left alone (over several lines, several on one line): their rules' positions are not known.
  const unpositioned = new Set<string>();
  // For no-op chains: chains declared in a block (base or not), lines inside each block and rules read from them.
  const declared = new Map<string, boolean>();
  const chainLines = new Map<string, number>();
  const blockRules = new Map<string, number>();
  let opaque = false; // a top-level statement that may write chains (`include`, `add chain`, …)
  const base = (index: number, raw: string) => ({ ...where, index, program: undefined, text: raw, file, line: index + 1, verb: undefined });
  const rule = (index: number, raw: string, family: string, tableName: string, chain: string, words: string[], prefix: string, type: string | undefined, hookName: string | undefined, at: number | undefined) => {
    const key = `${family} ${tableName} ${chain}`;
    const position = (positions.get(key) ?? 0) + 1;
    positions.set(key, position);
    const families = ruleFamilies(words, family);
    out.push({
      ...base(index, raw), family: families[0]!, table: `${family} ${tableName}`, chain, words, prefix,
      nft: { role: "rule", tableFamily: family, chainType: type, ...(hookName ? { hook: hookName } : {}), families, position, counts: words.includes("counter"), ...(at !== undefined ? { priority: at } : {}) },
    });
  };
  // Open braces of a statement written over several lines (`tcp dport {` … `} accept`): its lines are left alone.
  let pending = 0;
  for (const [index, raw] of content.split("\n").entries()) {
    const words = nftTokens(raw);
    if (words.length === 0) continue;
    const indent = /^\s*/.exec(raw)![0];
    const top = stack.at(-1);
    const chainKey = top?.kind === "chain" && table ? `${table.family} ${table.name} ${top.name}` : undefined;
    if (chainKey && !(words.length === 1 && words[0] === "}" && pending === 0) && !["type", "policy", "comment"].includes(words[0]!)) chainLines.set(chainKey, (chainLines.get(chainKey) ?? 0) + 1);
    if (pending > 0) {
      pending += braceDelta(words);
      continue;
    }
    const opensStatement = top !== undefined && top.kind !== "table" && braceDelta(words) > 0;
    if (opensStatement) {
      pending = braceDelta(words);
      if (top.kind === "chain" && table) unpositioned.add(`${table.family} ${table.name} ${top.name}`);
      continue;
    }
    if (words.length === 1 && words[0] === "}") {
      const closed = stack.pop();
      if (closed?.kind === "table") table = undefined;
      if (closed?.kind === "chain") chainType = hook = priority = undefined;
      continue;
    }
    if (words.at(-1) === "{" && words.length >= 2) {
      // A block opens: `table inet x {`, `chain input {`, `set s {`, `counter c {`, …
      if (words[0] === "table" && words.length === 4) {
        table = { family: words[1]!, name: words[2]! };
        stack.push({ kind: "table", name: words[2]! });
      } else if (top?.kind === "table" && words[0] === "chain" && words.length === 3) {
        stack.push({ kind: "chain", name: words[1]! });
        if (table) declared.set(`${table.family} ${table.name} ${words[1]}`, declared.get(`${table.family} ${table.name} ${words[1]}`) ?? false);
      }
      // A named set's or map's block: its `elements = { … }` line is mutated (set-element) and read into the rules that name it.
      else if (top?.kind === "table" && (words[0] === "set" || words[0] === "map") && words.length === 3) stack.push({ kind: "set", name: words[1]! });
      else {
        opaque ||= stack.length === 0;
        stack.push({ kind: "other", name: words[0]! });
      }
      continue;
    }
    if (words.includes("{") && words.includes("}") && ["table", "chain", "set", "map", "counter", "quota", "flowtable"].includes(words[0]!)) {
      // a one-line block; a chain's is not read, so neither is the chain
      if (words[0] === "chain" && top?.kind === "table" && table) chainLines.set(`${table.family} ${table.name} ${words[1]}`, Infinity);
      partial ||= words[0] === "chain";
      opaque ||= stack.length === 0;
      continue;
    }
    if (top?.kind === "chain" && table) {
      if (words[0] === "type") {
        chainType = words[1];
        hook = words[2] === "hook" ? words[3] : undefined;
        priority = hook === undefined ? undefined : chainPriority(words);
        declared.set(`${table.family} ${table.name} ${top.name}`, true);
        if (words.includes("policy")) out.push(policyLine(base(index, raw), table, top.name, chainType, hook, words, indent, priority));
        continue;
      }
      if (words[0] === "comment") continue; // the chain's own comment
      if (words[0] === "policy") {
        out.push(policyLine(base(index, raw), table, top.name, chainType, hook, words, indent, priority));
        continue;
      }
      if (words.includes(";") || words.some((w) => !w.startsWith('"') && w.includes(";"))) {
        unpositioned.add(`${table.family} ${table.name} ${top.name}`);
        continue; // several statements on one line: left alone
      }
      rule(index, raw, table.family, table.name, top.name, words, indent, chainType, hook, priority);
      blockRules.set(chainKey!, (blockRules.get(chainKey!) ?? 0) + 1);
      continue;
    }
    if (top?.kind === "set" && table && words[0] === "elements" && words[1] === "=" && words[2] === "{" && words.at(-1) === "}") {
      out.push({
        ...base(index, raw), family: "ipv4", table: `${table.family} ${table.name}`, chain: undefined, words, prefix: indent,
        nft: { role: "elements", tableFamily: table.family, chainType: undefined, families: ruleFamilies([], table.family), position: undefined, counts: false, set: top.name },
      });
      continue;
    }
    if (stack.length === 0 && (words[0] === "add" || words[0] === "insert") && words[1] === "rule" && words.length > 5 && !words.some((w) => w.includes(";"))) {
      const [, , family, tableName, chain] = words as [string, string, string, string, string];
      const head = /^\s*\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+/.exec(raw)![0];
      rule(index, raw, family, tableName, chain, words.slice(5), head, undefined, undefined, undefined);
      partial = true;
    } else if (stack.length === 0 && !(words[0] === "flush" && words[1] === "ruleset") && words[0] !== "define") opaque = true;
  }
  const facts = opaque ? new Map<string, Map<string, ChainFacts>>() : chainFactsByTable(out, declared, (key) => (chainLines.get(key) ?? 0) === (blockRules.get(key) ?? 0) && !unpositioned.has(key));
  const noop = new Map([...facts].map(([table, chains]) => [table, noopChains(chains)]));
  const unreached = unreachedRules(out, facts);
  const verdicts = new Map([...facts].map(([table, chains]) => [table, chainVerdicts(chains, noop.get(table) ?? new Set(), table.split(" ")[0]!)]));
  const ending = new Map([...facts].map(([table, chains]) => [table, endingChains(chains, table.split(" ")[0]!)]));
  const whole = !opaque && !partial && pending === 0 && stack.length === 0 && [...facts.values()].every((chains) => [...chains.values()].every((c) => c.whole));
  return out.map((read) => {
    const l: NftRuleLine = whole ? { ...read, nft: { ...read.nft, readWhole: true } } : read;
    if (l.nft.role !== "rule") return l;
    const chains = noop.get(l.table) ?? new Set();
    const target = noopJumpTarget(l.words, chains);
    const inNoop = chains.has(l.chain!);
    const behind = unreached.get(read)?.text.trim();
    const acts = l.words.length === 2 && (l.words[0] === "jump" || l.words[0] === "goto") ? verdicts.get(l.table)?.get(l.words[1]!) : undefined;
    const v = ownVerdictIndex(l.words);
    const ends = l.words[v] === "jump" && ending.get(l.table)?.has(l.words[v + 1] ?? "") ? l.words[v + 1] : undefined;
    const nft = unpositioned.has(`${l.table} ${l.chain}`) ? { ...l.nft, position: undefined } : l.nft;
    const marks = { ...(target ? { noopJump: target } : {}), ...(inNoop ? { noopChain: true as const } : {}), ...(behind ? { unreachedBehind: behind } : {}), ...(acts ? { jumpVerdict: acts } : {}), ...(ends ? { endingJump: ends } : {}) };
    return nft === l.nft && Object.keys(marks).length === 0 ? l : { ...l, nft, ...marks };
  });
}

/** Per `family table`, the chains declared in the file and their rules; `whole`: every line of the chain was read as a rule. */
function chainFactsByTable(lines: readonly NftRuleLine[], declared: ReadonlyMap<string, boolean>, whole: (key: string) => boolean): Map<string, Map<string, ChainFacts>> {
  const tables = new Map<string, Map<string, ChainFacts>>();
  for (const [key, base] of declared) {
    const [family, name, chain] = key.split(" ") as [string, string, string];
    const rules = lines.filter((l) => l.nft.role === "rule" && l.table === `${family} ${name}` && l.chain === chain).map((l) => l.words);
    const table = tables.get(`${family} ${name}`) ?? new Map<string, ChainFacts>();
    tables.set(`${family} ${name}`, table.set(chain, { base, whole: whole(key), rules }));
  }
  return tables;
}

function policyLine(base: Omit<RuleLine, "family" | "table" | "chain" | "words" | "prefix">, table: { family: string; name: string }, chain: string, chainType: string | undefined, hook: string | undefined, words: string[], indent: string, priority: number | undefined): NftRuleLine {
  return {
    ...base, family: "ipv4", table: `${table.family} ${table.name}`, chain, words, prefix: indent,
    nft: { role: "policy", tableFamily: table.family, chainType, ...(hook ? { hook } : {}), families: ruleFamilies([], table.family), position: undefined, counts: false, ...(priority !== undefined ? { priority } : {}) },
  };
}

/**
 * Rule positions hold only when one source writes a table: where two nft
 * sources of a host name the same table, their rules get no position.
 */
export function withoutSharedPositions(lines: readonly RuleLine[]): RuleLine[] {
  const sources = new Map<string, Set<string>>();
  for (const l of lines) {
    if (!isNftLine(l)) continue;
    const key = `${l.host} ${l.table}`;
    sources.set(key, (sources.get(key) ?? new Set()).add(`${l.step}/${l.source}`));
  }
  return lines.map((l) => (isNftLine(l) && l.nft.position !== undefined && sources.get(`${l.host} ${l.table}`)!.size > 1 ? { ...l, nft: { ...l.nft, position: undefined } } : l));
}

/** A counting nft rule's identity as a `decidedBy` line names it (`inet filter input #3`); undefined when it cannot be known. */
export function nftRuleKey(line: NftRuleLine): string | undefined {
  if (line.nft.role !== "rule" || !line.nft.counts || line.nft.position === undefined) return undefined;
  return `nft ${line.table} ${line.chain} #${line.nft.position}`;
}

/** The verdict word of a rule (`accept`, `drop`, `reject`, `jump`, `goto`, `return`), its index, or -1. */
export function verdictIndex(words: readonly string[]): number {
  for (let i = words.length - 1; i >= 0; i--) {
    if (["accept", "drop", "reject", "jump", "goto", "return", "queue", "continue"].includes(words[i]!)) return i;
  }
  return -1;
}

/**
 * The rule's own verdict, or -1: one inside a verdict map (`tcp dport vmap {
 * 22 : accept, 80 : drop }`) is an element's, which only the packets of that
 * key get, not the rule's.
 */
export function ownVerdictIndex(words: readonly string[]): number {
  const v = verdictIndex(words);
  let depth = 0;
  for (let i = 0; i < v; i++) depth += words[i] === "{" ? 1 : words[i] === "}" ? -1 : 0;
  return depth > 0 ? -1 : v;
}

/** The reject statement's arguments (`with tcp reset`, `with icmpx type admin-prohibited`): [start, end) of the words after `reject`. */
export function rejectArgs(words: readonly string[], at: number): [number, number] {
  let i = at + 1;
  if (words[i] !== "with") return [i, i];
  i++;
  if (words[i] === "tcp") return [at + 1, Math.min(words.length, i + 2)];
  if (["icmp", "icmpv6", "icmpx"].includes(words[i] ?? "")) {
    i++;
    if (words[i] === "type") i++;
    return [at + 1, Math.min(words.length, i + 1)];
  }
  return [at + 1, i];
}

/** Does the rule match TCP only (`tcp dport`, `meta l4proto tcp`, `ip protocol tcp`)? */
export function matchesTcp(words: readonly string[]): boolean {
  return matchesOnly(words, "tcp", ["dport", "sport", "flags"]);
}

/** Does the rule match UDP only (`udp dport`, `meta l4proto udp`, `ip protocol udp`)? */
export function matchesUdp(words: readonly string[]): boolean {
  return matchesOnly(words, "udp", ["dport", "sport"]);
}

function matchesOnly(words: readonly string[], protocol: string, fields: readonly string[]): boolean {
  return words.some((w, i) => (w === protocol && fields.includes(words[i + 1] ?? "")) || (["l4proto", "protocol", "nexthdr"].includes(w) && words[i + 1] === protocol));
}

/** A port below every source port a probe's packets leave from: Linux's ephemeral range (32768–60999), sweeps' inside it (rules/trace.ts SWEEP_SOURCE_PORT). */
const LOWEST_PROBE_SOURCE_PORT = 30909;

/** `22`, `1-1024`, `{ 22, 80-81 }` from `at`: the ports, or undefined (a named set, a negation, a service name). */
function portValues(words: readonly string[], at: number): number[][] | undefined {
  const one = (w: string): number[] | undefined => {
    const m = /^(\d+)(?:-(\d+))?,?$/.exec(w);
    return m ? [Number(m[1]), Number(m[2] ?? m[1])] : undefined;
  };
  if (words[at] !== "{") {
    const v = one(words[at] ?? "");
    return v ? [v] : undefined;
  }
  const out: number[][] = [];
  for (let i = at + 1; i < words.length && words[i] !== "}"; i++) {
    const v = one(words[i]!);
    if (!v) return undefined;
    out.push(v);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Can the rule match only a probe's own packets towards its target, never an answer to a probe (whose destination
 * port is the prober's source port, at least LOWEST_PROBE_SOURCE_PORT), an ICMP error or neighbour discovery? Yes
 * when it names `tcp dport` or `udp dport` (so TCP or UDP only) with every port below that.
 */
export function matchesProbeDirectionOnly(words: readonly string[]): boolean {
  return words.some((w, i) => {
    if ((w !== "tcp" && w !== "udp") || words[i + 1] !== "dport") return false;
    const ports = portValues(words, i + 2);
    return ports !== undefined && ports.every(([, last]) => last! < LOWEST_PROBE_SOURCE_PORT);
  });
}
