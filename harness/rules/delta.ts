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

/** What a built-in chain's policy counted between two readings (packets that fell off the chain's end). */
export interface PolicyDelta {
  readonly family: SavedRuleset["family"];
  readonly table: string;
  readonly chain: string;
  readonly policy: string;
  readonly packets: number;
  /** The firewall host whose policy it is, when the reading named it (probes/observe.ts countersMoved). */
  readonly host?: string;
}

/** Policies whose packet counter went up, paired by table and chain (a changed policy or zeroed counter is left out). */
export function policyDeltas(before: SavedRuleset, after: SavedRuleset): PolicyDelta[] {
  if (before.family !== after.family) return [];
  const earlier = new Map(before.chains.map((c) => [`${c.table}\u0000${c.chain}`, c]));
  return after.chains.flatMap((c) => {
    const old = earlier.get(`${c.table}\u0000${c.chain}`);
    if (c.policy === null || !old || old.policy !== c.policy || c.packets <= old.packets) return [];
    return [{ family: after.family, table: c.table, chain: c.chain, policy: c.policy, packets: c.packets - old.packets }];
  });
}

/**
 * Packets each rule of `after` counted since `before`, for attributing packets
 * to one probe: a rule that is new, moved or was zeroed counts nothing (its
 * packets cannot be told apart from earlier ones).
 */
export function attributablePackets(before: SavedRuleset, after: SavedRuleset): (rule: SavedRule) => number {
  const earlier = new Map<string, SavedRule>();
  for (const r of before.rules) earlier.set(pairKey(r), r);
  return (rule) => {
    const old = earlier.get(pairKey(rule));
    return !old || rule.packets < old.packets ? 0 : rule.packets - old.packets;
  };
}
