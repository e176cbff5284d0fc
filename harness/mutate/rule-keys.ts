/**
 * A rule's identity (pure): `family table chain key` of an iptables rule as
 * rules/match.ts normalizes it (so a written rule and a saved one compare
 * equal), `nft table chain #position` of a native nft rule.
 */
import type { Family } from "../model/types.ts";
import { normalizeRule } from "../rules/match.ts";
import { tokenizeRule } from "../rules/tokenize.ts";
import { isNftLine, nftRuleKey } from "./nft-lines.ts";
import { renderLine, type RuleLine } from "./rule-lines.ts";

/** The key of an iptables rule's text (`text` names its table, or it is filter's); undefined when it does not parse. */
export function ruleKey(family: Family, text: string): string | undefined {
  try {
    const n = normalizeRule(text, family);
    return `${family} ${n.table} ${n.chain} ${n.key}`;
  } catch {
    return undefined;
  }
}

/** The key of a rule line (its own table when the words name none). */
export function lineKey(line: RuleLine): string | undefined {
  if (isNftLine(line)) return nftRuleKey(line);
  const words = line.words.some((w) => w === "-t" || w === "--table") ? line.words : ["-t", line.table, ...line.words];
  return ruleKey(line.family, renderLine({ kind: "restore", program: undefined, prefix: "" }, words));
}

/** The key of an iptables line's new text (a Change's `after`, with or without its program), read in the line's table. */
export function changedKey(line: RuleLine, after: string): string | undefined {
  let words: string[];
  try {
    words = tokenizeRule(after);
  } catch {
    return undefined;
  }
  if (words[0] !== undefined && !words[0].startsWith("-")) words = words.slice(1);
  return lineKey({ ...line, words });
}
