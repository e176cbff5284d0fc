/**
 * Pure: one counter check in one family, judged from two readings of its
 * host's rules — the selector must name exactly one rule, and what that rule
 * counted in between must satisfy the packets/bytes comparisons.
 */
import type { CounterResult } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { counterDeltas } from "../rules/delta.ts";
import { iptablesOwned } from "../rules/host-state.ts";
import { describeSelector, findRules, inPlace } from "../rules/match.ts";
import type { SavedRule, SavedRuleset } from "../rules/saved.ts";
import type { CounterCheck, RuleSelector } from "../scenario/model.ts";
import { nearest } from "../scenario/suggest.ts";
import { ruleProtocol } from "../rules/stateful.ts";
import { compare } from "./verdict.ts";

/**
 * `before` is the host's reading at the previous counters step (or apply); without one the rule's totals count.
 * `otherFamily`: the host's reading of the other family now, which a check matching no rule is compared with (the
 * rule may be loaded there only: the check then says to name that family).
 */
export function judgeCounter(check: CounterCheck, family: Family, before: SavedRuleset | undefined, after: SavedRuleset, otherFamily?: SavedRuleset): CounterResult {
  const base = { kind: "counter", line: check.location.line, host: check.host, family, selector: describeSelector(check.selector) } as const;
  if (check.selector.kind === "named-counter") return judgeNamedCounter(check, family, before, after, base);
  const matches = findRules(after, check.selector);
  if (matches.length !== 1) {
    return {
      ...base, status: "error",
      message: matches.length === 0
        ? `no ${family} rule on ${check.host} matches ${base.selector}${loadedInOther(check, family, otherFamily) ?? missingTableNote(check, after) ?? `${nearestNote(after, check.selector)}${otherFamilyNote(check.selector, family, after)}`}${iptablesNameNote(check.selector)}`
        : `${matches.length} ${family} rules on ${check.host} match ${base.selector}${notUnique(check.selector, matches)}`,
      packets: null, bytes: null,
    };
  }
  const rule = matches[0]!;
  if (rule.counts === false) {
    const message = rule.sharedCounter !== undefined
      ? `${rule.text} updates the named counter ${rule.sharedCounter}, which another rule of ${rule.table} updates too (or several): what it counts is theirs together, not this rule's (check the named counter, \`counter: ${rule.sharedCounter}\`, or give the rule a \`counter\` of its own)`
      : `${rule.text} has no counter statement: nftables counts only rules with \`counter\` (add it to the rule)`;
    return { ...base, status: "error", message, packets: null, bytes: null };
  }
  const delta = before ? counterDeltas(before, after).find((d) => d.rule.table === rule.table && d.rule.chain === rule.chain && d.rule.position === rule.position) : undefined;
  const packets = delta?.packets ?? rule.packets;
  const bytes = delta?.bytes ?? rule.bytes;
  const old = before?.rules.find((r) => r.table === rule.table && r.chain === rule.chain && r.position === rule.position && r.text === rule.text);
  return compared(check, base, rule.text, packets, bytes, rule.table, old !== undefined && (rule.packets < old.packets || rule.bytes < old.bytes), takesSilently(rule));
}

/** A rule that drops what it takes (nft's `drop` is DROP too: nft-json.ts targetOf), and can take TCP: a probe it takes gets no answer and, unless stopped early, resends its SYN into it. */
function takesSilently(rule: SavedRule): boolean {
  const protocol = ruleProtocol(rule);
  return rule.target === "DROP" && (protocol === undefined || protocol === "tcp" || protocol === "all");
}

/** Did the check fail because more was counted than it allows (what the other family's packets can explain)? */
function tooMany(check: CounterCheck, packets: number, bytes: number): boolean {
  const over = (c: CounterCheck["packets"], n: number) => c !== undefined && !compare(c, n) && n > c.value;
  return over(check.packets, packets) || over(check.bytes, bytes);
}

/** A failed check of an inet rule: the other family's probes count on it too, a one-family expectation's parity probe among them (tester 42b). */
const INET_PARITY_NOTE = "; the other family's probes count on it too, the parity probes of one-family expectations included (`parity: off` leaves those out)";

/** A failed check of a DROP rule that counted more than allowed: a TCP probe it took, left to its timeout, resends its SYN, each copy counted (tester 43a: 2 per probe, blamed on parity alone). */
const RESENT_NOTE = "; a TCP probe not decided early (run to its timeout) resends its SYN after about 1 s, and each copy counts";

const ZEROED_NOTE = "; its counter went down since the previous reading, so something in the host zeroed it meanwhile (`iptables -Z`, `iptables -L -Z`, `nft reset counters`) and this counts only from then";

/** An inet table's counter holds IPv4 and IPv6 packets together, whichever family's reading it came from: said so. */
function inetNote(table: string): string {
  return table.startsWith("inet ") ? " (inet: IPv4 and IPv6 together)" : "";
}

/** How to make a selector that named several rules name one, fitting its kind; a comment's rules say where they are. */
function notUnique(selector: RuleSelector, matches: readonly SavedRule[]): string {
  if (selector.kind !== "comment") return "; make the selector unique (chain and position, or a comment)";
  const places = [...new Set(matches.map((r) => `${r.table} ${r.chain}`))];
  const one = matches[0]?.handle === undefined ? "by `chain:` and `position:`" : "by `handle:` (or `chain:` and `position:`)";
  if (places.length === 1) return ` (all in ${places[0]}); make the selector unique: give the rules distinct comments, or select one ${one}`;
  const tables = new Set(matches.map((r) => r.table));
  const narrow = tables.size === 1 ? "add `chain:`" : tables.size === places.length ? "add `table:`" : "add `table:` and `chain:`";
  return ` (in ${places.join(", ")}); make the selector unique: ${narrow}, or give the rules distinct comments`;
}

type Base = Pick<CounterResult, "kind" | "line" | "host" | "family" | "selector">;

/**
 * For a selector that matched no rule: the loaded rule nearest it by edit
 * distance (a rule's text among iptables rules of the chain it names; a
 * comment among the rules' comments), so a typo or a changed port shows.
 */
export function nearestNote(after: SavedRuleset, selector: RuleSelector): string {
  const iptables = after.rules.filter((r) => r.handle === undefined);
  let wanted: string;
  let candidates: string[];
  if (selector.kind === "text") {
    wanted = selector.rule.trim();
    const chain = /^-[AI]\s+(\S+)/.exec(wanted)?.[1];
    candidates = iptables.filter((r) => chain === undefined || r.chain === chain).map((r) => r.text);
  } else if (selector.kind === "comment") {
    wanted = selector.comment;
    candidates = after.rules.flatMap((r) => (typeof r.comment === "string" && inPlace(r, selector) ? [r.comment] : []));
  } else {
    return "";
  }
  const best = nearest(wanted, new Set(candidates))?.value;
  return best === undefined ? "" : `; the nearest loaded ${selector.kind === "comment" ? "comment" : "rule"}: ${selector.kind === "comment" ? JSON.stringify(best) : `\`${best}\``}`;
}

/** `zeroed`: the counter went down since the previous reading (something in the host zeroed it): it counts from then, and a failure says so. */
function compared(check: CounterCheck, base: Base, what: string, packets: number, bytes: number, table: string, zeroed = false, silent = false): CounterResult {
  // A comment (or text) selector without its table that found an inet rule: one counter of both families, which a check
  // labelled with one family would pass on the other's packets (validate refuses it when the table is named).
  if (check.familyGiven && table.startsWith("inet ")) {
    return {
      ...base, status: "error", packets: null, bytes: null,
      message: `${what} is in table ${table}, which counts IPv4 and IPv6 together: \`family: ${check.families.length > 1 ? "both" : check.families[0]}\` cannot be checked apart; leave \`family\` out, or check a rule that matches only one family`,
    } as CounterResult;
  }
  const failures: string[] = [];
  if (check.packets && !compare(check.packets, packets)) failures.push(`packets ${packets}, expected ${check.packets.text}`);
  if (check.bytes && !compare(check.bytes, bytes)) failures.push(`bytes ${bytes}, expected ${check.bytes.text}`);
  return {
    ...base,
    status: failures.length === 0 ? "passed" : "failed",
    message: `${what}: ${failures.length === 0 ? `+${packets} packets, +${bytes} bytes` : failures.join("; ")}${inetNote(table)}${table.startsWith("inet ") && tooMany(check, packets, bytes) ? INET_PARITY_NOTE : ""}${silent && packets >= 2 && tooMany(check, packets, bytes) ? RESENT_NOTE : ""}${zeroed && failures.length > 0 ? ZEROED_NOTE : ""}`,
    packets, bytes,
  } as CounterResult;
}

/** A named nftables counter: what it counted between the two readings (from zero when it is new or was reset). */
function judgeNamedCounter(check: CounterCheck, family: Family, before: SavedRuleset | undefined, after: SavedRuleset, base: Base): CounterResult {
  const selector = check.selector as Extract<CounterCheck["selector"], { kind: "named-counter" }>;
  const pick = (r: SavedRuleset | undefined) => (r?.counters ?? []).filter((c) => c.name === selector.name && (selector.table === undefined || c.table === selector.table));
  const now = pick(after);
  if (now.length !== 1) {
    return {
      ...base, status: "error", packets: null, bytes: null,
      message: now.length === 0
        ? missingCounter(selector, check.host, family, after)
        : `${now.length} nft counters named ${selector.name} on ${check.host} (tables ${now.map((c) => c.table).join(", ")}); name the table`,
    } as CounterResult;
  }
  const counter = now[0]!;
  const old = pick(before).find((c) => c.table === counter.table);
  const zeroed = old !== undefined && (counter.packets < old.packets || counter.bytes < old.bytes);
  const fresh = !old || zeroed;
  return compared(check, base, `counter ${selector.name} in table ${counter.table}`, counter.packets - (fresh ? 0 : old.packets), counter.bytes - (fresh ? 0 : old.bytes), counter.table, zeroed);
}

/** `no named counter \`nosuch\` on server for ipv4 (named counters there: a, b)`, or `(it has none)`: what the selector could have meant. */
function missingCounter(selector: Extract<RuleSelector, { kind: "named-counter" }>, host: string, family: Family, after: SavedRuleset): string {
  const where = selector.table === undefined ? `on ${host}` : `in table ${selector.table} on ${host}`;
  const names = [...new Set((after.counters ?? []).filter((c) => selector.table === undefined || c.table === selector.table).map((c) => c.name))];
  return `no named counter \`${selector.name}\` ${where} for ${family} (${names.length === 0 ? "it has none" : `named counters there: ${names.join(", ")}`})${otherFamilyNote(selector, family, after)}`;
}

/**
 * A comment or named counter looked up without a table on a host with native nft tables: the IPv4 reading holds
 * no `ip6` table (nor the IPv6 reading an `ip` one), so say how to look in the other family's.
 */
/** A native table named like one of iptables' own (`ip filter`): read as iptables-nft's, its native chains are not seen (rules/apply.ts says so on the apply). */
function iptablesNameNote(selector: RuleSelector): string {
  const table = "table" in selector ? selector.table : undefined;
  if (table === undefined || !iptablesOwned(table, "nft") || (selector.kind !== "nft-text" && selector.kind !== "handle")) return "";
  return `; fwspec reads \`${table}\` as iptables-nft's own table, whose view cannot show native nftables chains in it: name the table otherwise (\`table inet filter\`, \`table ip fw\`)`;
}

/** `; web has no table inet filtr (its tables: inet filter; did you mean inet filter?)` when the selector's table is none of the host's (tester 42b). */
function missingTableNote(check: CounterCheck, after: SavedRuleset): string | undefined {
  const table = "table" in check.selector ? check.selector.table : undefined;
  // `ip filter` and the like are read as iptables-nft's own tables (iptablesNameNote says so).
  if (table === undefined || iptablesOwned(table, "nft")) return undefined;
  const tables = [...new Set([...after.rules.map((r) => r.table), ...(after.chains ?? []).map((c) => c.table)])];
  // No rules at all in this family (nothing loaded): no table is there to name.
  if (tables.includes(table) || tables.length === 0) return undefined;
  const near = nearest(table, tables);
  // A near spelling only (`inet filtr`), not another short name (`nat` for `raw`: reviewer).
  const suggestion = near !== undefined && near.distance <= Math.max(1, Math.floor(table.length / 5)) ? `; did you mean ${near.value}?` : "";
  return `; ${check.host} has no table ${table} in its ${after.family} rules (its tables: ${tables.join(", ")}${suggestion})`;
}

/** `; the ipv6 rules on api have it: add \`family: ipv6\` …` when exactly one of the other family's rules matches (tester 41a). */
function loadedInOther(check: CounterCheck, family: Family, other: SavedRuleset | undefined): string | undefined {
  // A position matches whatever rule is there; a check that names both families already reads the other one.
  if (!other || other.family === family || check.selector.kind === "named-counter" || check.selector.kind === "position" || check.families.length > 1) return undefined;
  if (findRules(other, check.selector).length !== 1) return undefined;
  return `; the ${other.family} rules on ${check.host} have it: add \`family: ${other.family}\` to the check (a counter check reads the ${family} rules unless it names its family)`;
}

function otherFamilyNote(selector: RuleSelector, family: Family, after: SavedRuleset): string {
  if ((selector.kind !== "comment" && selector.kind !== "named-counter") || selector.table !== undefined || after.counters === undefined) return "";
  const [table, other] = family === "ipv4" ? ["ip6", "ipv6"] : ["ip", "ipv4"];
  // A named counter takes no `family` without its table (validate refuses it: it may be an inet table's, counting both).
  return `; an ${table} table's rules are read only for ${other}: name its \`table: ${table} NAME\`${selector.kind === "comment" ? ` or add \`family: ${other}\`` : ""}`;
}
