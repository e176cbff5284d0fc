/**
 * Finding saved rules the way a person names them: by the rule's text (as in a
 * guide: `iptables -A INPUT -p tcp --dport 22 -j ACCEPT`), by table/chain/position,
 * or by comment.
 *
 * A rule's text is compared with the saved form through a canonical key:
 *  - the text may start with `sudo`, `iptables`/`ip6tables` (also a path, `-nft`,
 *    `-legacy`); a command naming the other family never matches;
 *  - `-t/--table` (default filter); one chain verb: `-A`, `-I CHAIN [n]`, `-C`,
 *    `-D`, `-R CHAIN n` or the long forms (the number is ignored). Without a chain
 *    verb the text matches the rule in any chain of its table (normalizeRule gives
 *    chain null). `-D CHAIN n` (delete by number) names no rule and is rejected;
 *  - the remaining options form an order-independent multiset of groups (an option
 *    with its arguments; `!` belongs to the following group, also when written
 *    the deprecated way after the option);
 *  - per option: long names to short (--protocol -p, --source/--src -s,
 *    --destination/--dst -d, --in-interface -i, --out-interface -o, --jump -j,
 *    --goto -g, --match -m, --fragment -f, --destination-port --dport,
 *    --source-port --sport, --destination-ports --dports, --source-ports --sports);
 *    `-m tcp|udp|icmp|icmp6|ipv6-icmp|sctp|...` dropped (iptables adds them);
 *    protocol names lowercased and numbers named (`6` = `tcp`), `-p all` dropped;
 *    addresses in saved form (address.ts), `0.0.0.0/0` and `::/0` dropped;
 *    ports numeric (`ssh` = `22`) and ranges filled (`:1024` = `0:1024`);
 *    multiport lists and --state/--ctstate/--ctstatus lists as sets;
 *    --tcp-flags as flag sets, `--syn` = `--tcp-flags FIN,SYN,RST,ACK SYN`;
 *    ICMP type names as numbers (`echo-request` = `8`, `port-unreachable` = `3/3`);
 *    --reject-with resolved through iptables' own name/alias/prefix table, and
 *    `-j REJECT` without it given the family's default; --log-level names as
 *    numbers, the default level 4 dropped;
 *    values otherwise compared exactly (comments unquoted, case kept).
 *  - `-4`, `-6`, `-w [s]`, `-W n`, `-v`, `-c p b` are dropped.
 * Not handled: getopt abbreviations (`--dest`), joined short options (`-ptcp`),
 * comma lists in -s/-d (iptables makes one rule per address; such text matches none).
 */
import type { Family } from "../model/types.ts";
import type { RuleSelector } from "../scenario/model.ts";
import { isAnyAddress, normalizeAddress } from "./address.ts";
import { nftTextMatches } from "./nft-listing.ts";
import type { SavedRule, SavedRuleset } from "./saved.ts";
import { RuleSyntaxError, splitGroups, tokenizeRule } from "./tokenize.ts";
import type { OptionGroup } from "./tokenize.ts";
import {
  LONG_TO_SHORT, IMPLICIT_MATCHES, PROTOCOL_NAMES, SERVICES, TCP_FLAGS, REJECT_TYPES, REJECT_DEFAULT, ICMP_TYPES, LOG_LEVELS, LOG_DEFAULT_LEVEL,
} from "./iptables-names.ts";

export { RuleSyntaxError, tokenizeRule } from "./tokenize.ts";
export type { RuleSelector } from "../scenario/model.ts";

export interface NormalizedRule {
  readonly table: string;
  /** null when the text has no chain verb: it then matches in any chain of `table`. */
  readonly chain: string | null;
  /** The option groups in canonical form, sorted, joined by spaces. */
  readonly key: string;
  /** The family the text's command names (`iptables` ipv4, `ip6tables` ipv6); null when it names none. */
  readonly commandFamily: Family | null;
}

const COMMAND = /^(?:.*\/)?(ip6?)tables(?:-nft|-legacy)?$/;

const RULE_VERBS = new Set(["-A", "-I", "-C", "-D", "-R"]);
const OTHER_COMMANDS = new Set(["-N", "-X", "-P", "-F", "-Z", "-L", "-S", "-E", "-h"]);
const IGNORED = new Set(["-4", "-6", "-w", "-W", "-v", "-c"]);


/** A port or range as iptables-save prints it: service names numeric, open ends filled (`:1024` = `0:1024`). */
export function normalizePort(port: string): string {
  const one = (p: string): string => {
    const name = p.toLowerCase();
    const known = SERVICES.get(name);
    if (known !== undefined) return String(known);
    return /^\d+$/.test(p) ? String(Number(p)) : name;
  };
  const colon = port.indexOf(":");
  if (colon < 0) return one(port);
  const lo = port.slice(0, colon) === "" ? "0" : one(port.slice(0, colon));
  const hi = port.slice(colon + 1) === "" ? "65535" : one(port.slice(colon + 1));
  return lo === hi ? lo : `${lo}:${hi}`;
}

function sortedSet(values: readonly string[]): string {
  return [...new Set(values)].sort().join(",");
}

function flagSet(value: string): string {
  const bits = new Set<string>();
  for (const raw of value.toUpperCase().split(",")) {
    if (raw === "ALL") for (const f of TCP_FLAGS) bits.add(f);
    else if (raw === "NONE") continue;
    else if ((TCP_FLAGS as readonly string[]).includes(raw)) bits.add(raw);
    else return value;
  }
  const out = TCP_FLAGS.filter((f) => bits.has(f));
  return out.length === 0 ? "NONE" : out.join(",");
}

function normalizeIcmpType(value: string, family: Family): string {
  const v = value.toLowerCase();
  const named = ICMP_TYPES[family].get(v);
  if (named !== undefined) return named;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(v);
  if (m) return m[2] === undefined ? String(Number(m[1])) : `${Number(m[1])}/${Number(m[2])}`;
  return v;
}

/** As iptables reads --reject-with: the first name or alias the value is a case-insensitive prefix of. */
export function resolveRejectType(value: string, family: Family): string {
  const v = value.toLowerCase();
  if (v === "") return v;
  for (const [name, alias] of REJECT_TYPES[family]) if (name.startsWith(v) || alias.startsWith(v)) return name;
  return v;
}

function group(negated: boolean, name: string, args: readonly string[]): OptionGroup {
  return { negated, name, args };
}

/** One group in canonical form; null when it is dropped. */
function normalizeGroup(g: OptionGroup, family: Family): OptionGroup | null {
  const name = LONG_TO_SHORT.get(g.name) ?? g.name;
  const arg = g.args[0];
  switch (name) {
    case "-m":
      if (arg !== undefined && !g.negated && IMPLICIT_MATCHES.has(arg.toLowerCase())) return null;
      return group(g.negated, name, g.args);
    case "-p": {
      if (arg === undefined) return group(g.negated, name, g.args);
      const lower = arg.toLowerCase();
      const proto = PROTOCOL_NAMES.get(lower) ?? lower;
      if (proto === "all" && !g.negated) return null;
      return group(g.negated, name, [proto]);
    }
    case "-s":
    case "-d": {
      if (arg === undefined) return group(g.negated, name, g.args);
      const address = normalizeAddress(arg, family);
      if (isAnyAddress(address) && !g.negated) return null;
      return group(g.negated, name, [address]);
    }
    case "--dport":
    case "--sport":
      return group(g.negated, name, g.args.map(normalizePort));
    case "--dports":
    case "--sports":
    case "--ports":
      return group(g.negated, name, g.args.map((a) => sortedSet(a.split(",").map(normalizePort))));
    case "--state":
    case "--ctstate":
    case "--ctstatus":
      return group(g.negated, name, g.args.map((a) => sortedSet(a.toUpperCase().split(","))));
    case "--tcp-flags":
      return group(g.negated, name, g.args.map(flagSet));
    case "--syn":
      return group(g.negated, "--tcp-flags", ["FIN,SYN,RST,ACK", "SYN"]);
    case "--icmp-type":
    case "--icmpv6-type":
      return group(g.negated, name, g.args.map((a) => normalizeIcmpType(a, family)));
    case "--reject-with":
      return group(g.negated, name, g.args.map((a) => resolveRejectType(a, family)));
    case "--log-level": {
      if (arg === undefined) return group(g.negated, name, g.args);
      const level = LOG_LEVELS.get(arg.toLowerCase()) ?? (/^\d+$/.test(arg) ? Number(arg) : null);
      if (level === null) return group(g.negated, name, g.args);
      if (level === LOG_DEFAULT_LEVEL && !g.negated) return null;
      return group(g.negated, name, [String(level)]);
    }
    default:
      return group(g.negated, name, g.args);
  }
}

const PLAIN_WORD = /^[A-Za-z0-9_\-./:,+=@%]+$/;

function renderGroup(g: OptionGroup): string {
  const words = [g.name, ...g.args].map((w) => (PLAIN_WORD.test(w) ? w : JSON.stringify(w)));
  return `${g.negated ? "! " : ""}${words.join(" ")}`;
}

function syntaxError(text: string, message: string): RuleSyntaxError {
  return new RuleSyntaxError(`rule "${text.trim()}": ${message}`, {
    hint: "write the rule as iptables takes it, e.g. `-A INPUT -p tcp --dport 22 -j ACCEPT`",
  });
}

/**
 * The canonical, comparable form of a rule's text. Throws RuleSyntaxError (an
 * InputError) when the text is not a rule.
 */
export function normalizeRule(text: string, family: Family): NormalizedRule {
  let tokens: string[];
  let groups: OptionGroup[];
  let commandFamily: Family | null = null;
  try {
    tokens = tokenizeRule(text);
    if (tokens[0] === "sudo") tokens = tokens.slice(1);
    const command = tokens[0] === undefined ? null : COMMAND.exec(tokens[0]);
    if (command) {
      commandFamily = command[1] === "ip6" ? "ipv6" : "ipv4";
      tokens = tokens.slice(1);
    }
    groups = splitGroups(tokens);
  } catch (error) {
    if (error instanceof RuleSyntaxError) throw syntaxError(text, error.message);
    throw error;
  }
  if (groups.length === 0) throw syntaxError(text, "no rule given");

  let table: string | null = null;
  let chain: string | null = null;
  let verb: string | null = null;
  let verbNumber: string | undefined;
  const kept: OptionGroup[] = [];
  for (const g of groups) {
    const name = LONG_TO_SHORT.get(g.name) ?? g.name;
    if (name === "-t") {
      if (table !== null) throw syntaxError(text, "more than one table (-t) given");
      if (g.negated) throw syntaxError(text, "-t cannot be negated");
      table = g.args[0] as string;
    } else if (RULE_VERBS.has(name)) {
      if (verb !== null) throw syntaxError(text, `more than one command (${verb} and ${name})`);
      if (g.negated) throw syntaxError(text, `${name} cannot be negated`);
      verb = name;
      const [c, n, ...rest] = g.args;
      if (c === undefined) throw syntaxError(text, `${name} needs a chain`);
      if (rest.length > 0 || (n !== undefined && !/^\d+$/.test(n))) throw syntaxError(text, `unexpected word after ${name} ${c}: "${n}"`);
      if (name === "-R" && n === undefined) throw syntaxError(text, "-R needs a chain and a rule number");
      if (n !== undefined && (name === "-A" || name === "-C")) throw syntaxError(text, `${name} takes no rule number`);
      chain = c;
      verbNumber = n;
    } else if (OTHER_COMMANDS.has(name)) {
      throw syntaxError(text, `${g.name} is not a rule command (use -A, -I, -C, -D or the rule alone)`);
    } else if (!IGNORED.has(name)) {
      const n = normalizeGroup(g, family);
      if (n) kept.push(n);
    }
  }
  if (verb === "-D" && verbNumber !== undefined) {
    if (kept.length > 0) throw syntaxError(text, "-D takes either a rule number or a rule, not both");
    throw new RuleSyntaxError(`rule "${text.trim()}": deletes by number and names no rule`, {
      hint: "select the rule by position (table, chain, position) instead",
    });
  }
  if (kept.length === 0) throw syntaxError(text, "no match or target given");

  const target = kept.find((g) => (g.name === "-j" || g.name === "-g") && !g.negated);
  if (target?.args[0] === "REJECT" && !kept.some((g) => g.name === "--reject-with")) {
    kept.push(group(false, "--reject-with", [REJECT_DEFAULT[family]]));
  }
  const key = kept.map(renderGroup).sort().join(" ");
  return { table: table ?? "filter", chain, key, commandFamily };
}

const savedCache = new WeakMap<SavedRule, NormalizedRule>();

function normalizeSaved(saved: SavedRule): NormalizedRule {
  let n = savedCache.get(saved);
  if (!n) {
    const parsed = normalizeRule(saved.text, saved.family);
    n = { ...parsed, table: saved.table, chain: saved.chain };
    savedCache.set(saved, n);
  }
  return n;
}

function matchesNormalized(person: NormalizedRule, saved: SavedRule): boolean {
  if (person.commandFamily !== null && person.commandFamily !== saved.family) return false;
  if (person.table !== saved.table) return false;
  if (person.chain !== null && person.chain !== saved.chain) return false;
  return person.key === normalizeSaved(saved).key;
}

/** Does a person's text name this saved rule? Throws RuleSyntaxError when the text is not a rule. */
export function ruleMatchesText(personText: string, saved: SavedRule): boolean {
  return matchesNormalized(normalizeRule(personText, saved.family), saved);
}

/** All rules the selector names, in ruleset order (none, one, or several identical rules). */
export function findRules(ruleset: SavedRuleset, selector: RuleSelector): SavedRule[] {
  switch (selector.kind) {
    case "text": {
      const person = normalizeRule(selector.rule, ruleset.family);
      return ruleset.rules.filter((r) => matchesNormalized(person, r));
    }
    case "position":
      return ruleset.rules.filter(
        (r) => r.table === selector.table && r.chain === selector.chain && r.position === selector.position,
      );
    case "comment":
      return ruleset.rules.filter((r) => r.comment === selector.comment && inPlace(r, selector));
    case "nft-text":
      return ruleset.rules.filter((r) => r.handle !== undefined && r.table === selector.table && r.chain === selector.chain && nftTextMatches(selector.rule, r.text, r.table));
    case "handle":
      return ruleset.rules.filter((r) => r.table === selector.table && r.handle === selector.handle && (selector.chain === undefined || r.chain === selector.chain));
    case "named-counter":
      return []; // a named counter is not a rule (judge/counters.ts reads it from the ruleset's counters)
  }
}

/** Is the rule in the selector's table and chain (each only when the selector names it)? */
export function inPlace(rule: SavedRule, where: { readonly table?: string | undefined; readonly chain?: string | undefined }): boolean {
  return (where.table === undefined || rule.table === where.table) && (where.chain === undefined || rule.chain === where.chain);
}

/** How reports name a selector. */
export function describeSelector(selector: RuleSelector): string {
  switch (selector.kind) {
    case "text":
      return `rule "${selector.rule.trim()}"`;
    case "position":
      return `rule ${selector.position} of chain ${selector.chain} in table ${selector.table}`;
    case "comment":
      return `rule with comment ${JSON.stringify(selector.comment)}${selector.chain === undefined ? "" : ` in chain ${selector.chain}`}${selector.table === undefined ? "" : `${selector.chain === undefined ? " in" : " of"} table ${selector.table}`}`;
    case "nft-text":
      return `nft rule "${selector.rule}" in chain ${selector.chain} of table ${selector.table}`;
    case "handle":
      return `nft rule with handle ${selector.handle} in ${selector.chain === undefined ? "" : `chain ${selector.chain} of `}table ${selector.table}`;
    case "named-counter":
      return `nft counter ${selector.name}${selector.table === undefined ? "" : ` in table ${selector.table}`}`;
  }
}
