/**
 * `counters` items: one rule (by its text, its chain and position, or its
 * comment) on a firewall host, and comparisons of its packet and byte counts.
 * A rule's text names its table with `-t nat` (or `table: nat`); default filter.
 */
import { RuleSyntaxError } from "../rules/tokenize.ts";
import { COMPARISON } from "../model/names.ts";
import { normalizeRule } from "../rules/match.ts";
import { commentSelector } from "./comment-selector.ts";
import type { CheckBase, CheckContext } from "./context.ts";
import { firewallHost, locationOf } from "./context.ts";
import { at } from "./diagnostics.ts";
import { COMPARISON_HELP } from "./hints.ts";
import type { Path } from "./locate.ts";
import { namedCounterFamilyProblem, nftCheckFamily, nftSelector, selectsNft } from "./nft-counters.ts";
import type { Comparison, ComparisonOp, CounterCheck, RuleSelector } from "./model.ts";
import { isIptablesTable } from "../model/types.ts";
import { schemas } from "./schema.ts";
import { familiesOf, truncate, unsafeWhat } from "./values.ts";

const CHAIN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,28}$/;
/** A rule as `iptables -S` prints it, optionally preceded by its table (`-t nat -A PREROUTING …`); group 1: that table. */
const RULE_TEXT = /^(?:(?:-t|--table)(?:\s+|=)(\S+)\s+)?-A\s+\S+/;

/** `">= 1"`, `"== 0"` or a bare number (==). */
function comparison(ctx: CheckBase, value: string | number, p: Path): Comparison | undefined {
  if (typeof value === "number") return { op: "==", value, text: String(value) };
  const m = COMPARISON.exec(value);
  if (m) {
    const n = Number(value.replace(/[^0-9]/g, ""));
    if (Number.isSafeInteger(n)) return { op: (m[1] ?? "==") as ComparisonOp, value: n, text: value.trim() };
    ctx.problem(p, `\`${truncate(value)}\`: the number is too large`, COMPARISON_HELP);
    return undefined;
  }
  let hint = COMPARISON_HELP;
  const op = /^\s*(=>|=<|=|<>|≥|≤)\s*[0-9]+\s*$/.exec(value)?.[1];
  const fixes: Record<string, string> = { "=>": ">=", "=<": "<=", "=": "==", "<>": "!=", "≥": ">=", "≤": "<=" };
  if (op !== undefined) hint = `did you mean \`${fixes[op]}\`? ${COMPARISON_HELP}`;
  else if (/-\s*[0-9]/.test(value)) hint = `counts are never negative; ${COMPARISON_HELP}`;
  ctx.problem(p, `invalid comparison \`${truncate(value)}\``, hint);
  return undefined;
}

/** An iptables chain name; reports one that is not. */
function validChain(ctx: CheckBase, chain: string, p: Path): boolean {
  if (CHAIN.test(chain)) return true;
  const unsafe = unsafeWhat(chain);
  ctx.problem(p, unsafe ? `chain name contains ${unsafe}` : `invalid chain name \`${truncate(chain)}\``, "a chain name is up to 29 letters, digits, `_`, `.` or `-`, e.g. `INPUT`, `DOCKER-USER`");
  return false;
}

/** One `counters` item: a rule selector, a firewall host, and `packets` and/or `bytes`. */
export function checkCounter(ctx: CheckContext, item: unknown, p: Path): CounterCheck | undefined {
  const parsed = schemas.counterCheck.safeParse(item);
  if (!parsed.success) return undefined;
  const c = parsed.data;
  let ok = true;
  // `chain` narrows a comment selector; with `position` it is a selector of its own.
  const chainSelects = c.position !== undefined || (c.chain !== undefined && c.comment === undefined);
  const selectors = [c.rule !== undefined ? "rule" : undefined, chainSelects ? "chain" : undefined, c.comment !== undefined ? "comment" : undefined].filter(
    (s): s is string => s !== undefined,
  );
  let selector: RuleSelector | undefined;
  const placeholder = c.rule === undefined ? null : /\{\{[^{}]*?\}\}|\{\{/.exec(c.rule);
  if (placeholder) {
    // Only apply and run steps get the lab's addresses (placeholders.ts); a counter rule is matched as written.
    ctx.problem([...p, "rule"], `placeholders like \`${truncate(placeholder[0])}\` are not filled in a counter check's rule`, "select the rule by `comment:` (give it `-m comment --comment NAME` in the apply step) or by `chain:` and `position:`, or fix the host's address (`subnets:` and `addresses:`) and write it literally", at(placeholder.index));
    return undefined;
  }
  const selectorHint = "select the rule by `rule: <as iptables -S prints it>`, by `chain:` and `position:`, or by `comment:` (narrowed by `table:` and `chain:` if given; nftables: see the `table: inet fw` forms)";
  if (selectsNft(c)) {
    selector = nftSelector(ctx, c, p);
    if (!selector) ok = false;
  } else if (selectors.length === 0) {
    ctx.problem(p, "a counter check needs a rule selector", selectorHint);
    ok = false;
  } else if (selectors.length > 1) {
    ctx.problem([...p, selectors[1] === "chain" ? (c.chain !== undefined ? "chain" : "position") : (selectors[1] as string)], `a counter check selects one rule one way; this one has both \`${selectors[0]}\` and \`${selectors[1]}\``, selectorHint, { atKey: true });
    ok = false;
  } else if (c.rule !== undefined) {
    const rule = c.rule.trim();
    if (/[\0\n\r]/.test(rule)) {
      ctx.problem([...p, "rule"], "a rule may not contain line breaks or NUL bytes", "write the rule on one line");
      ok = false;
    } else if (!RULE_TEXT.test(rule)) {
      ctx.problem([...p, "rule"], `\`rule\` must be written as \`iptables -S\` prints it, starting with \`-A CHAIN\`, got \`${truncate(rule)}\``, "e.g. `rule: -A INPUT -p tcp --dport 8080 -j DROP` (without `iptables`); a rule of another table: `-t nat -A PREROUTING …` or `table: nat`; for an nftables rule add its `table: inet fw` and `chain: input`");
      ok = false;
    } else {
      // A table other than filter: `-t nat` in the text, or `table: nat` beside it (the matcher reads `-t`).
      const own = RULE_TEXT.exec(rule)?.[1];
      if (c.table !== undefined && own !== undefined) {
        ctx.problem([...p, "table"], `\`table: ${c.table}\` and the rule's own \`-t ${own}\``, "name the table once: in the rule (`-t nat -A …`) or with `table:`", { atKey: true });
        ok = false;
      } else selector = { kind: "text", rule: c.table !== undefined ? `-t ${c.table} ${rule}` : rule };
    }
  } else if (c.comment !== undefined) {
    if (c.chain !== undefined && !validChain(ctx, c.chain, [...p, "chain"])) ok = false;
    else selector = commentSelector(ctx, { comment: c.comment, table: c.table, chain: c.chain }, p);
    if (!selector) ok = false;
  } else {
    if (c.chain === undefined) {
      ctx.problem([...p, "position"], "`position` needs a `chain`", "e.g. `{ chain: INPUT, position: 1 }`", { atKey: true });
      ok = false;
    } else if (c.position === undefined) {
      ctx.problem([...p, "chain"], "`chain` needs a `position`", `e.g. \`{ chain: ${c.chain}, position: 1 }\``, { atKey: true });
      ok = false;
    } else if (!validChain(ctx, c.chain, [...p, "chain"])) {
      ok = false;
    } else {
      selector = { kind: "position", table: c.table ?? "filter", chain: c.chain, position: c.position };
    }
  }
  if (c.table !== undefined && !isIptablesTable(c.table) && !selectsNft(c)) ok = false;
  const host = firewallHost(ctx, c.host, [...p, "host"], p, "`- { host: HOST, rule: ..., packets: ... }`");
  if (!host) ok = false;
  if (c.packets === undefined && c.bytes === undefined) {
    ctx.problem(p, "a counter check needs `packets` or `bytes` (or both)", "e.g. `packets: \">= 1\"`");
    ok = false;
  }
  const packets = c.packets === undefined ? undefined : comparison(ctx, c.packets, [...p, "packets"]);
  const bytes = c.bytes === undefined ? undefined : comparison(ctx, c.bytes, [...p, "bytes"]);
  if ((c.packets !== undefined && !packets) || (c.bytes !== undefined && !bytes)) ok = false;
  const named = namedCounterFamilyProblem(c);
  // An iptables rule's check without `family` reads the scenario's one family when it has one (`family: ipv6`: its
  // ip6tables rules, not IPv4's: tester 42a), else IPv4; an nft table's family is the table's.
  const nftTable = c.table !== undefined && /^(ip|ip6|inet|arp|bridge|netdev) /.test(c.table);
  const inherited = c.family === undefined && !nftTable && ctx.defaultFamilies.length === 1 ? ctx.defaultFamilies[0] : undefined;
  const family = named ?? nftCheckFamily(c.table, c.family ?? inherited);
  if ("problem" in family) {
    ctx.problem([...p, c.family === undefined ? "table" : "family"], family.problem, family.hint, { atKey: true });
    ok = false;
  }
  if (!ok || !selector || !host || "problem" in family) return undefined;
  // The rule's words as the run compares them (rules/match.ts), in each family it is read in: a word iptables would refuse is found now, not after a lab started.
  if (selector.kind === "text") {
    for (const f of familiesOf(family.family)) {
      try {
        normalizeRule(selector.rule, f);
      } catch (error) {
        if (!(error instanceof RuleSyntaxError)) throw error;
        ctx.problem([...p, "rule"], error.message, error.hint ?? "write the rule as `iptables -S` prints it");
        return undefined;
      }
    }
  }
  return {
    host,
    families: familiesOf(family.family),
    ...(c.family !== undefined ? { familyGiven: true as const } : {}),
    selector,
    ...(packets ? { packets } : {}),
    ...(bytes ? { bytes } : {}),
    location: locationOf(ctx, p),
  };
}
