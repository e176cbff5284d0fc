/**
 * The native nftables rules of an apply's evidence (the `nft` listing read.ts
 * keeps: `nft -a list ruleset` of the native tables, handles and counter
 * values left out) as saved rules, for rule coverage (pure): one per rule
 * line of a chain, per family its table sees (`ip` IPv4, `ip6` IPv6, `inet`
 * both), positioned in its chain, text as stableRuleText prints it, target
 * from its verdict; `counts` says whether it has a counter statement (a rule
 * without one can never be seen taking a packet).
 */
import { tableFamilies } from "./nft-json.ts";
import { stableRuleText } from "./nft-canonical.ts";
import type { SavedRule } from "./saved.ts";

const TABLE = /^table\s+(\S+)\s+(\S+)\s*\{/;
const CHAIN = /^chain\s+(\S+)\s*\{/;
const VERDICT = /\b(accept|drop|reject|return|queue|continue)\b|\b(jump|goto)\s+(\S+)/g;

/** The named counter a rule updates (`counter name "c"`, `counter name c`); undefined for none (or a counter map). */
function namedCounterOf(text: string): string | undefined {
  const m = /(?:^|\s)counter\s+name\s+("([^"]+)"|([A-Za-z_][\w.-]*))(?=\s|$)/.exec(text);
  return m === null ? undefined : m[2] ?? m[3];
}

/** Does the rule have an anonymous counter of its own (`counter` not followed by `name`)? */
function ownCounter(text: string): boolean {
  return /(?:^|\s)counter(?!\s+name\b)(?=\s|$)/.test(text);
}

function targetOf(text: string): string | null {
  let target: string | null = null;
  for (const m of text.matchAll(VERDICT)) target = m[3] ?? m[1]!.toUpperCase();
  return target;
}

export function nftEvidenceRules(listing: string): SavedRule[] {
  const rules: SavedRule[] = [];
  let table: string | undefined;
  let chain: string | undefined;
  let depth = 0;
  let position = 0;
  for (const raw of listing.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const t = TABLE.exec(line);
    if (t && depth === 0) {
      table = `${t[1]} ${t[2]}`;
      depth = 1;
      continue;
    }
    const c = CHAIN.exec(line);
    if (c && depth === 1) {
      chain = c[1];
      position = 0;
      depth = 2;
      continue;
    }
    if (line === "}") {
      depth = Math.max(0, depth - 1);
      if (depth < 2) chain = undefined;
      continue;
    }
    if (line.endsWith("{")) {
      depth++;
      continue;
    }
    if (depth !== 2 || chain === undefined || table === undefined) continue;
    // The base chain's declaration, not a rule.
    if (/^type\s+\S+\s+hook\s/.test(line) || /^policy\s+\S+;$/.test(line)) continue;
    position++;
    const text = stableRuleText(line);
    for (const family of tableFamilies(table)) {
      rules.push({ family, table, chain, position, text, packets: 0, bytes: 0, target: targetOf(text), comment: null, counts: /\bcounter\b/.test(text) });
    }
  }
  // A named counter more than one rule updates counts their packets together: it shows none of them taking a packet
  // (nft-json.ts ruleCount; tester 45b: such rules read "never matched" while their counter grew).
  const users = new Map<string, Set<string>>();
  for (const r of rules) {
    const name = namedCounterOf(r.text);
    if (name !== undefined) users.set(`${r.table}\0${name}`, new Set([...(users.get(`${r.table}\0${name}`) ?? []), `${r.chain}\0${r.position}`]));
  }
  return rules.map((r) => {
    const name = namedCounterOf(r.text);
    const shared = name !== undefined && (users.get(`${r.table}\0${name}`)?.size ?? 0) > 1;
    return shared && !ownCounter(r.text) ? { ...r, counts: false } : r;
  });
}
