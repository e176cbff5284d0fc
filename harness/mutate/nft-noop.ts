/**
 * No-op chains of an nft file (pure): a regular (not base) chain whose every
 * rule is exactly `jump C` or `goto C` to a no-op chain — an empty regular
 * chain is one. A packet entering it comes back to where it would have gone
 * anyway, untouched: `jump C` to a no-op chain does nothing wherever it
 * stands, so deleting it, swapping it with a neighbour or moving it to the end
 * of its chain cannot change a verdict. `goto C` is not claimed as a rule (it
 * leaves its own chain), only inside a no-op chain, where whatever it skips
 * does nothing either. Rules with a match, a counter, a log or any other
 * statement are not read: the chain holding one is no no-op. A chain is known
 * only when every line of it was read as a rule, it was declared in the file
 * and nothing else may write to it (noop-claims.ts); a cycle is no no-op.
 */

/** What a file says of one chain of a table. */
export interface ChainFacts {
  /** A base chain (`type … hook …`): its end is its policy, not a return. */
  readonly base: boolean;
  /** Every line inside its block(s) was read as a rule (no statement over several lines, none with `;`). */
  readonly whole: boolean;
  /** Its rules' words, from its blocks and `add rule` commands. */
  readonly rules: readonly (readonly string[])[];
}

/** The no-op chains among one table's chains (by name). */
export function noopChains(chains: ReadonlyMap<string, ChainFacts>): Set<string> {
  const known = new Map<string, boolean>();
  const noop = (name: string): boolean => {
    const seen = known.get(name);
    if (seen !== undefined) return seen;
    known.set(name, false); // a cycle back here is no no-op
    const c = chains.get(name);
    const is = c !== undefined && !c.base && c.whole && c.rules.every((w) => w.length === 2 && (w[0] === "jump" || w[0] === "goto") && noop(w[1]!));
    known.set(name, is);
    return is;
  };
  return new Set([...chains.keys()].filter(noop));
}

/** The chain a rule of exactly `jump C` names, when C is a no-op chain. */
export function noopJumpTarget(words: readonly string[], noop: ReadonlySet<string>): string | undefined {
  return words.length === 2 && words[0] === "jump" && noop.has(words[1]!) ? words[1] : undefined;
}
