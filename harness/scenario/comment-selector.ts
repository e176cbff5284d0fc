/**
 * The `comment:` selector of a `counters` item, for iptables rules
 * (`-m comment --comment`) and native nftables rules (`comment "..."`) alike:
 * the rule carrying the comment, in the `table` and `chain` given (else in any),
 * so rules sharing a comment across tables can still be told apart.
 */
import type { CheckBase } from "./context.ts";
import type { Path } from "./locate.ts";
import type { RuleSelector } from "./model.ts";
import { truncate } from "./values.ts";

/** The selector, or undefined after reporting a comment no rule can carry. */
export function commentSelector(ctx: CheckBase, c: { readonly comment: string; readonly table?: string | undefined; readonly chain?: string | undefined }, p: Path): RuleSelector | undefined {
  if (c.comment.trim() === "" || /[\0\n\r"]/.test(c.comment) || c.comment.length > 256) {
    ctx.problem([...p, "comment"], `invalid rule comment \`${truncate(c.comment)}\``, "a comment selector is the text of `-m comment --comment` (iptables) or `comment \"...\"` (nftables): one line, up to 256 characters, without double quotes");
    return undefined;
  }
  return { kind: "comment", comment: c.comment, ...(c.table !== undefined ? { table: c.table } : {}), ...(c.chain !== undefined ? { chain: c.chain } : {}) };
}
