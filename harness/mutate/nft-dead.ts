/**
 * Rules no packet reaches, in an nft file (pure): a rule behind one that ends
 * every packet's walk through its chain. A rule ends every walk when it has no
 * match before its verdict (a `counter` at most) and its verdict is `accept`,
 * `drop`, a `reject` that nft adds no protocol match to (bare, `with icmpx …`,
 * or `with icmp …` in an ip table, `with icmpv6 …` in an ip6 table), or a
 * `jump`/`goto` to a chain every packet ends in. A chain every packet ends in
 * is a regular chain of the same table, read whole, with no `return`, whose
 * every `goto` (matched or not) leads to such a chain too, and with at least
 * one rule that ends every walk: whatever the order of its rules, a packet
 * entering it is accepted, dropped or rejected there (a `jump` from it comes
 * back to it; a `goto` from a chain it jumps to comes back to it too).
 *
 * Changing or deleting an unreached rule, swapping two unreached rules or
 * moving an unreached rule to the end of its chain keeps it unreached: no
 * verdict can change. Swapping it with the rule that ends the walk does not.
 * Only rules written in their chain's block count (an `insert rule` command
 * may put a rule anywhere), and the claims are dropped where another source
 * may write the table (noop-claims.ts).
 */
import { type ChainFacts, noopJumpTarget } from "./nft-noop.ts";
import type { NftRuleLine } from "./nft-lines.ts";
import type { RuleLine } from "./rule-lines.ts";

/** The reject arguments a table's family allows with no protocol match added by nft. */
const PLAIN_REJECT: Readonly<Record<string, readonly string[]>> = { inet: ["icmpx"], ip: ["icmpx", "icmp"], ip6: ["icmpx", "icmpv6"] };

/** The words without a trailing `comment "…"`. */
function withoutComment(words: readonly string[]): readonly string[] {
  return words.at(-2) === "comment" && words.at(-1)!.startsWith('"') ? words.slice(0, -2) : words;
}

/** Does a rule of these words end every packet's walk that reaches it? `ending`: the chains every packet ends in. */
export function endsEveryWalk(rule: readonly string[], tableFamily: string, ending: (chain: string) => boolean): boolean {
  let words = withoutComment(rule);
  if (words[0] === "counter") words = words[1] === "packets" && words[3] === "bytes" ? words.slice(5) : words.slice(1);
  const [verdict, ...rest] = words;
  if (verdict === "accept" || verdict === "drop") return rest.length === 0;
  if (verdict === "jump" || verdict === "goto") return rest.length === 1 && ending(rest[0]!);
  if (verdict !== "reject") return false;
  if (rest.length === 0) return true;
  return rest[0] === "with" && (PLAIN_REJECT[tableFamily] ?? []).includes(rest[1] ?? "") && rest.length >= 3 && rest.length <= 4;
}

/** The chains of one table every packet entering them ends in (see above). */
export function endingChains(chains: ReadonlyMap<string, ChainFacts>, tableFamily: string): Set<string> {
  const known = new Map<string, boolean>();
  const ending = (name: string): boolean => {
    const seen = known.get(name);
    if (seen !== undefined) return seen;
    known.set(name, false); // a cycle back here ends nothing
    const c = chains.get(name);
    const rules = (c?.rules ?? []).map(withoutComment);
    // A goto anywhere in the chain must lead to a chain every packet ends in: where one falls off its end, the walk returns past this chain.
    const gotos = rules.filter((w) => w.includes("goto"));
    const is = c !== undefined && !c.base && c.whole && !rules.some((w) => w.includes("return"))
      && gotos.every((w) => w.at(-2) === "goto" && ending(w.at(-1)!))
      && rules.some((w) => endsEveryWalk(w, tableFamily, ending));
    known.set(name, is);
    return is;
  };
  return new Set([...chains.keys()].filter(ending));
}

/**
 * Each rule of the file behind a rule that ends every walk through its chain, with that rule. `chainFacts`: per
 * `family table`, its chains (nft-lines.ts); only rules written in their chain's block are read.
 */
export function unreachedRules(rules: readonly NftRuleLine[], chainFacts: ReadonlyMap<string, ReadonlyMap<string, ChainFacts>>): Map<NftRuleLine, NftRuleLine> {
  const out = new Map<NftRuleLine, NftRuleLine>();
  const byChain = new Map<string, NftRuleLine[]>();
  for (const l of rules) if (l.nft.role === "rule") byChain.set(`${l.table}\n${l.chain}`, [...(byChain.get(`${l.table}\n${l.chain}`) ?? []), l]);
  const ending = new Map([...chainFacts].map(([table, chains]) => [table, endingChains(chains, table.split(" ")[0]!)]));
  for (const chain of byChain.values()) {
    if (chain.some((l) => /\S/.test(l.prefix)) || chainFacts.get(chain[0]!.table)?.get(chain[0]!.chain!)?.whole !== true) continue;
    const ends = ending.get(chain[0]!.table) ?? new Set<string>();
    const at = chain.findIndex((l) => endsEveryWalk(l.words, l.nft.tableFamily, (c) => ends.has(c)));
    if (at >= 0) for (const l of chain.slice(at + 1)) out.set(l, chain[at]!);
  }
  return out;
}

/** Why a mutant whose every edited line is an unreached rule cannot change a verdict, or undefined. */
export function unreachedReason(lines: readonly RuleLine[]): string | undefined {
  if (lines.length === 0 || lines.some((l) => l.unreachedBehind === undefined)) return undefined;
  const behind = [...new Set(lines.map((l) => l.unreachedBehind!))];
  return `no packet reaches ${lines.length === 1 ? "this rule" : "these rules"}: ${behind.map((t) => `\`${t}\``).join(", ")} before ${lines.length === 1 ? "it" : "them"} in the chain ends every packet's walk through it (an unconditional verdict, or a jump to a chain every packet ends in), and the change keeps ${lines.length === 1 ? "it" : "them"} behind that rule`;
}

/**
 * Per chain of one table, the one verdict every packet entering it gets, when there is one: its rules up to the
 * first that acts are jumps to no-op chains (nft-noop.ts), and that one is exactly `accept`, `drop`, a
 * plain reject (as endsEveryWalk), or exactly `jump C`/`goto C` to a chain with such a verdict. Then an exact
 * `jump`/`goto` to the chain decides as that verdict would (firewalld's forward zone: empty chains, then
 * `reject with icmpx admin-prohibited`).
 */
export function chainVerdicts(chains: ReadonlyMap<string, ChainFacts>, noop: ReadonlySet<string>, tableFamily: string): Map<string, string> {
  const known = new Map<string, string | null>();
  const verdict = (name: string): string | undefined => {
    const seen = known.get(name);
    if (seen !== undefined) return seen ?? undefined;
    known.set(name, null); // a cycle back here has no verdict
    const c = chains.get(name);
    let found: string | undefined;
    if (c !== undefined && !c.base && c.whole) {
      for (const w of c.rules.map(withoutComment)) {
        // (a goto to a no-op chain is no such rule: it leaves this chain for the caller, with no verdict)
        if (noopJumpTarget(w, noop) !== undefined) continue;
        if (w.length === 2 && (w[0] === "jump" || w[0] === "goto")) found = verdict(w[1]!);
        else if (w[0] !== "counter" && endsEveryWalk(w, tableFamily, () => false)) found = w.join(" ");
        break;
      }
    }
    known.set(name, found ?? null);
    return found;
  };
  return new Map([...chains.keys()].flatMap((name) => {
    const v = verdict(name);
    return v === undefined ? [] : [[name, v] as [string, string]];
  }));
}
