/**
 * What each rule counted between two readings of the same host and family.
 */
import { FwspecError } from "../errors.ts";
import type { SavedRule, SavedRuleset } from "./saved.ts";

export interface RuleDelta {
  /** The after-reading of the rule. */
  readonly rule: SavedRule;
  readonly packets: number;
  readonly bytes: number;
}

/** Two readings that cannot be compared (different families). */
export class RulesetMismatchError extends FwspecError {}

function pairKey(r: SavedRule): string {
  return `${r.table}\u0000${r.chain}\u0000${r.position}\u0000${r.text}`;
}

/**
 * One delta per rule of `after`, in its order. A rule is paired with the
 * `before` rule of the same table, chain, position and text. A rule without
 * such a partner (new, or moved by an insert above it) counts from zero, and so
 * does a rule whose packet or byte counter went down (the counters were zeroed
 * in between).
 */
export function counterDeltas(before: SavedRuleset, after: SavedRuleset): RuleDelta[] {
  if (before.family !== after.family) {
    throw new RulesetMismatchError(`cannot compare an ${before.family} reading with an ${after.family} reading`);
  }
  const earlier = new Map<string, SavedRule>();
  for (const r of before.rules) earlier.set(pairKey(r), r);
  return after.rules.map((rule) => {
    const old = earlier.get(pairKey(rule));
    if (!old || rule.packets < old.packets || rule.bytes < old.bytes) {
      return { rule, packets: rule.packets, bytes: rule.bytes };
    }
    return { rule, packets: rule.packets - old.packets, bytes: rule.bytes - old.bytes };
  });
}
