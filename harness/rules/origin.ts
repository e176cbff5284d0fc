/**
 * Where the rule that decided a probe was written (pure): the line of the
 * user's rules file (an iptables-restore file, a script, an nft file) or of
 * the scenario (a command list) that a Decision's rule came from, so a report
 * can say `rules.v4:12` next to `-A INPUT -p tcp … -j DROP`.
 *
 * Matched by meaning, as counter checks name rules (match.ts: `-p tcp
 * --dport 22` is `-p tcp -m tcp --dport 22`); native nft rules by nft's
 * canonical text within their table and chain (nft-listing.ts), policies by
 * the chain's policy line. Only the sources of apply steps on the decision's
 * host that ran before the probe are read, and only an unambiguous answer is
 * given: a rule written on two lines (or in two files) that both match gets
 * no origin, nor does one written with shell variables or built by a
 * generator. Never guessed: no origin is better than a wrong line.
 */
import path from "node:path";
import type { Decision, RuleOrigin } from "../model/results.ts";
import { nativeTable } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import type { ApplyStep, RuleSource } from "../scenario/model.ts";
import { ruleMatchesText } from "./match.ts";
import { nfprotoOf, nftTextMatches } from "./nft-listing.ts";
import type { SavedRule } from "./saved.ts";
import { restoreWords, tokenizeRule } from "./tokenize.ts";

/** A line a rule may have come from: its file, 1-based line, and what it says. */
interface Candidate {
  readonly file: string;
  readonly line: number;
  readonly matches: (d: Decision) => boolean;
}

/** A person's nft rule that says its family (`meta nfproto ipv6 …`, which nft's listing may leave out): the decision's must be it. */
function nfprotoFits(rule: string, d: Pick<Decision, "family">): boolean {
  const named = nfprotoOf(rule);
  return named === undefined || named === d.family;
}

/**
 * Is the decision's table this nft table? A native table named as iptables-nft's own (`table ip nat`) is named as
 * iptables names it (`nat`: trace.ts tableName), for the family it holds (tester 44b: its DNAT rewrites had no line).
 */
function inNftTable(d: Pick<Decision, "table" | "family">, table: string): boolean {
  if (d.table === table) return true;
  const m = /^(ip|ip6) (\S+)$/.exec(table);
  return m !== null && d.table === m[2] && d.family === (m[1] === "ip" ? "ipv4" : "ipv6");
}

/** The chain a decision names: the last chain of its path (the policy's chain for a policy). */
function chainOf(d: Decision): string | undefined {
  return d.policy ? d.path[0] : d.path[d.path.length - 1];
}

/** A Decision's iptables rule as a SavedRule, for match.ts. */
function savedOf(d: Decision): SavedRule {
  return { family: d.family, table: d.table, chain: chainOf(d) ?? "", position: 0, packets: 0, bytes: 0, text: d.rule, target: null, comment: null };
}

/** Does a person's rule text (a restore line with its table, a command) name the decision's iptables rule? */
function namesRule(text: string, d: Decision): boolean {
  if (d.policy || d.unfiltered || nativeTable(d.table)) return false;
  try {
    return ruleMatchesText(text, savedOf(d));
  } catch {
    return false; // not a rule (a flush, a chain, a variable the shell would expand)
  }
}

/** Does `iptables [-t T] -P CHAIN POLICY` (as words) set the decision's policy? */
function setsPolicy(words: readonly string[], d: Decision): boolean {
  if (!d.policy || nativeTable(d.table)) return false;
  const program = words[0] ?? "";
  const family: Family | undefined = /(^|\/)ip6tables(-nft|-legacy)?$/.test(program) ? "ipv6" : /(^|\/)iptables(-nft|-legacy)?$/.test(program) ? "ipv4" : undefined;
  if (family !== d.family) return false;
  const at = (names: readonly string[]) => {
    const i = words.findIndex((w) => names.includes(w));
    return i < 0 ? undefined : i;
  };
  const t = at(["-t", "--table"]);
  const p = at(["-P", "--policy"]);
  if (p === undefined) return false;
  const table = t === undefined ? "filter" : words[t + 1];
  return table === d.table && words[p + 1] === chainOf(d) && (words[p + 2] ?? "").toUpperCase() === policyWord(d);
}

/** `DROP` of a decision's `policy DROP` / `policy drop`. */
function policyWord(d: Decision): string {
  return d.rule.replace(/^policy\s+/i, "").trim().toUpperCase();
}

function words(line: string): string[] | undefined {
  try {
    return tokenizeRule(line);
  } catch {
    return undefined;
  }
}

/** iptables-restore input: `*table`, `:CHAIN POLICY [p:b]`, `-A …` lines. */
function restoreCandidates(source: Extract<RuleSource, { kind: "restore" }>): Candidate[] {
  const out: Candidate[] = [];
  let table = "filter";
  source.content.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    const m = /^\*(\S+)/.exec(line);
    if (m) table = m[1]!;
    const here = table;
    const chain = /^:(\S+)\s+(\S+)/.exec(line);
    if (chain) {
      out.push({ file: source.path, line: i + 1, matches: (d) => d.policy && !nativeTable(d.table) && d.family === source.family && d.table === here && chainOf(d) === chain[1] && chain[2]!.toUpperCase() === policyWord(d) });
    } else if (/^-[AI]\s/.test(line)) {
      // Split as iptables-restore splits it (a backslash in quotes escapes any character), then quoted as match.ts reads words.
      const text = restoreText(line);
      if (text !== undefined) out.push({ file: source.path, line: i + 1, matches: (d) => d.family === source.family && namesRule(`-t ${here} ${text}`, d) });
    }
  });
  return out;
}

/** A command (a script's line, a command list's argv): a rule it adds, or a policy it sets; an `nft add rule …` as an nft file's flat line. */
function commandCandidate(file: string, line: number, text: string): Candidate | undefined {
  const w = words(text);
  // nft joins its arguments with blanks and reads them as one statement (`nft add rule inet fw input 'tcp dport 22' accept`,
  // `nft 'add rule …'`), after options that only change what it prints (-a, -e); with another (-c: only checked) it is not read.
  if (w && /(^|\/)nft$/.test(w[0] ?? "")) {
    const first = w.findIndex((x, i) => i > 0 && !NFT_PRINT_OPTIONS.has(x));
    const statement = first < 0 ? "" : w.slice(first).join(" ");
    return /^(?:add|insert)\s/.test(statement) ? flatNftCandidate(file, line, statement) : undefined;
  }
  if (!w || !/(^|\/)ip6?tables(-nft|-legacy)?$/.test(w[0] ?? "") || !w.some((x) => ["-A", "--append", "-I", "--insert", "-P", "--policy"].includes(x))) return undefined;
  return { file, line, matches: (d) => setsPolicy(w, d) || namesRule(text, d) };
}

/** nft options that change only what it prints: a command with them still adds its rule. */
const NFT_PRINT_OPTIONS = new Set(["-a", "--handle", "-e", "--echo", "-n", "--numeric"]);

/** `add rule [FAMILY] TABLE CHAIN [position N] RULE` (or `insert rule`; no family: nft's default, ip), as an nft file's flat line or an `nft` command's arguments. */
const FLAT_NFT_RULE = /^(?:add|insert)\s+rule\s+(?:(ip|ip6|inet|arp|bridge|netdev)\s+)?(\S+)\s+(\S+)\s+(?:(?:position|index|handle)\s+\d+\s+)?(.+)$/;

function flatNftCandidate(file: string, line: number, statement: string): Candidate | undefined {
  const flat = FLAT_NFT_RULE.exec(statement);
  if (!flat) return undefined;
  const [, family = "ip", name, chainName, rule] = flat;
  const table = `${family} ${name}`;
  return { file, line, matches: (d) => !d.policy && inNftTable(d, table) && chainOf(d) === chainName && nfprotoFits(rule!, d) && nftTextMatches(rule!, d.rule, table) };
}

/** A script's commands with the line each starts on: lines ending in `\\` continue on the next (as the guides write long rules). */
function scriptCommands(content: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let open: { line: number; text: string } | undefined;
  content.split("\n").forEach((raw, i) => {
    // A comment ends at its line, a backslash at its end included.
    const continues = /\\$/.test(raw) && !(open === undefined && raw.trim().startsWith("#"));
    const part = continues ? raw.replace(/\\$/, "").trim() : raw.trim();
    open = open ? { line: open.line, text: `${open.text} ${part}` } : { line: i + 1, text: part };
    if (!continues) {
      out.push(open);
      open = undefined;
    }
  });
  if (open) out.push(open);
  return out;
}

function scriptCandidates(source: Extract<RuleSource, { kind: "script" }>): Candidate[] {
  return scriptCommands(source.content).flatMap(({ line, text: raw }) => {
    const text = raw.replace(/^sudo\s+/, "");
    const c = text.startsWith("#") ? undefined : commandCandidate(source.path, line, text);
    return c ? [c] : [];
  });
}

/** A restore line's words (tokenize.ts restoreWords) as match.ts reads rule text, or undefined for a line iptables-restore would refuse. */
function restoreText(line: string): string | undefined {
  try {
    return joined(restoreWords(line));
  } catch {
    return undefined;
  }
}

/** A command's words as a rule text match.ts can read back (quoted where a word holds blanks or quotes). */
function joined(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

function commandsCandidates(source: Extract<RuleSource, { kind: "commands" }>, step: ApplyStep): Candidate[] {
  return source.commands.flatMap((argv, i) => {
    const at = source.locations?.[i] ?? step.location;
    const c = commandCandidate(at.file, at.line, joined(argv));
    return c ? [c] : [];
  });
}

/**
 * An nft file: `table FAMILY NAME {` blocks with `chain NAME {` blocks (rules
 * and the `type … policy drop;` header), and flat `add rule FAMILY TABLE CHAIN …` lines.
 */
/**
 * An nft file's statements as nft reads them, each with the line it starts
 * on: comments gone, lines ending in `\\` joined to the next, and `$NAME`
 * replaced by what `define NAME = …` gave it (the nftables.conf way of
 * naming ports and addresses). Pure.
 */
export function nftStatements(content: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const defines = new Map<string, string>();
  const expand = (text: string) => text.replace(/\$([A-Za-z_][\w]*)/g, (all, name: string) => defines.get(name) ?? all);
  let open: { line: number; text: string } | undefined;
  content.split("\n").forEach((raw, i) => {
    const code = raw.replace(/(^|\s)#.*$/, "").trim();
    const continues = code.endsWith("\\");
    const part = continues ? code.slice(0, -1).trim() : code;
    open = open ? { line: open.line, text: `${open.text} ${part}`.trim() } : { line: i + 1, text: part };
    if (continues) return;
    const statement = open;
    open = undefined;
    const define = /^define\s+([A-Za-z_][\w]*)\s*=\s*(.+)$/.exec(statement.text);
    if (define) defines.set(define[1]!, expand(define[2]!.trim()));
    else if (statement.text !== "") out.push({ line: statement.line, text: expand(statement.text) });
  });
  if (open !== undefined && (open as { text: string }).text !== "") out.push(open);
  return out;
}

function nftCandidates(source: Extract<RuleSource, { kind: "nft" }>): Candidate[] {
  const out: Candidate[] = [];
  // The blocks open at this line: a table (`inet fw`), a chain, or anything else (a set, a map, a flowtable, a counter).
  const open: { kind: "table" | "chain" | "other"; name: string }[] = [];
  nftStatements(source.content).forEach(({ line: at, text: line }) => {
    const i = at - 1;
    const table = open.length === 1 && open[0]!.kind === "table" ? open[0]!.name : undefined;
    const chain = open.length === 2 && open[1]!.kind === "chain" ? open[1]!.name : undefined;
    const t = /^table\s+(ip|ip6|inet|arp|bridge|netdev)\s+(\S+)\s*\{$/.exec(line);
    const c = /^chain\s+(\S+)\s*\{$/.exec(line);
    const flat = open.length === 0 ? flatNftCandidate(source.path, i + 1, line) : undefined;
    if (t && open.length === 0) {
      open.push({ kind: "table", name: `${t[1]} ${t[2]}` });
    } else if (c && table !== undefined) {
      open.push({ kind: "chain", name: c[1]! });
    } else if (line === "}") {
      open.pop();
    } else if (/\{$/.test(line) && !/\}/.test(line)) {
      open.push({ kind: "other", name: line });
    } else if (flat) {
      out.push(flat);
    } else if (chain !== undefined) {
      const inTable = open[0]!.name;
      const policy = /\bpolicy\s+(accept|drop)\s*;?/.exec(line);
      if (policy) {
        out.push({ file: source.path, line: i + 1, matches: (d) => d.policy && inNftTable(d, inTable) && chainOf(d) === chain && policyWord(d) === policy[1]!.toUpperCase() });
      } else if (!/^type\s/.test(line)) {
        out.push({ file: source.path, line: i + 1, matches: (d) => !d.policy && inNftTable(d, inTable) && chainOf(d) === chain && nfprotoFits(line, d) && nftTextMatches(line.replace(/;$/, ""), d.rule, inTable) });
      }
    }
  });
  return out;
}

function candidatesOf(source: RuleSource, step: ApplyStep): Candidate[] {
  switch (source.kind) {
    case "restore":
      return restoreCandidates(source);
    case "script":
      return scriptCandidates(source);
    case "commands":
      return commandsCandidates(source, step);
    case "nft":
      return nftCandidates(source);
  }
}

/**
 * The rule-writing lines of the apply steps on each host, for decisionOrigin.
 * `applies`: the apply steps that ran before the probe, in order.
 */
export function ruleCandidates(applies: readonly ApplyStep[]): ReadonlyMap<string, readonly Candidate[]> {
  const byHost = new Map<string, Candidate[]>();
  for (const step of applies) {
    const list = byHost.get(step.host) ?? [];
    for (const source of step.sources) list.push(...candidatesOf(source, step));
    byHost.set(step.host, list);
  }
  return byHost;
}

/**
 * The line that wrote the decision's rule (or policy) on its host (by the
 * scenario's name), when exactly one line does; shown relative to the scenario's folder.
 */
export function decisionOrigin(d: Decision, candidates: ReadonlyMap<string, readonly Candidate[]>, scenarioFile: string): RuleOrigin | undefined {
  if (d.unfiltered) return undefined;
  const found = (candidates.get(d.host) ?? []).filter((c) => c.matches(d));
  const distinct = new Map(found.map((c) => [`${c.file}:${c.line}`, c]));
  if (distinct.size !== 1) return undefined;
  const [only] = distinct.values();
  // A scenario defined in code (`<inline>`) has no file to point into.
  if (!path.isAbsolute(only!.file)) return undefined;
  const shown = path.relative(path.dirname(scenarioFile), only!.file).split(path.sep).join("/") || path.basename(only!.file);
  return { file: only!.file, line: only!.line, shown };
}

/** `nat PREROUTING: -A PREROUTING … -j DNAT … [handle 4]`, `inet router_nat prerouting: … dnat ip to …`: a NAT rewrite as trace.ts names it. */
const REWRITE = /^((?:(?:ip|ip6|inet|arp|bridge|netdev) )?\S+) (\S+): (.*?)(?: \[handle \d+\])?$/;

/**
 * A NAT rewrite of the decision's packet (Decision.rewrites) with the line
 * that wrote its rule appended (`… [handle 4] (rules.v4:12)`), when exactly
 * one line did; else the rewrite as it was.
 */
export function rewriteWithOrigin(rewrite: string, d: Pick<Decision, "host" | "family">, candidates: ReadonlyMap<string, readonly Candidate[]>, scenarioFile: string): string {
  const m = REWRITE.exec(rewrite);
  if (!m) return rewrite;
  const origin = decisionOrigin({ host: d.host, family: d.family, table: m[1]!, path: [m[2]!], rule: m[3]!, action: "accept", policy: false, source: "trace" }, candidates, scenarioFile);
  return origin ? `${rewrite} (${origin.shown}:${origin.line})` : rewrite;
}

/** The decision with the line that wrote its rule and each NAT rewrite's (decisionOrigin, rewriteWithOrigin); as it was when it has its origin already. */
export function locatedDecision(d: Decision, candidates: ReadonlyMap<string, readonly Candidate[]>, scenarioFile: string): Decision {
  if (d.origin) return d;
  const origin = decisionOrigin(d, candidates, scenarioFile);
  const rewrites = d.rewrites?.map((r) => rewriteWithOrigin(r, d, candidates, scenarioFile));
  return { ...d, ...(origin ? { origin } : {}), ...(rewrites ? { rewrites } : {}) };
}

