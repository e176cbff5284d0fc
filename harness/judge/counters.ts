/**
 * Pure: one counter check in one family, judged from two readings of its
 * host's rules — the selector must name exactly one rule, and what that rule
 * counted in between must satisfy the packets/bytes comparisons.
 */
import type { CounterResult } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { counterDeltas } from "../rules/delta.ts";
import { describeSelector, findRules } from "../rules/match.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import type { CounterCheck } from "../scenario/model.ts";
import { compare } from "./verdict.ts";

/** `before` is the host's reading at the previous counters step (or apply); without one the rule's totals count. */
export function judgeCounter(check: CounterCheck, family: Family, before: SavedRuleset | undefined, after: SavedRuleset): CounterResult {
  const base = { kind: "counter", line: check.location.line, host: check.host, family, selector: describeSelector(check.selector) } as const;
  const matches = findRules(after, check.selector);
  if (matches.length !== 1) {
    return {
      ...base, status: "error",
      message: matches.length === 0
        ? `no ${family} rule on ${check.host} matches ${base.selector}`
        : `${matches.length} ${family} rules on ${check.host} match ${base.selector}; make the selector unique (chain and position, or a comment)`,
      packets: null, bytes: null,
    };
  }
  const rule = matches[0]!;
  const delta = before ? counterDeltas(before, after).find((d) => d.rule.table === rule.table && d.rule.chain === rule.chain && d.rule.position === rule.position) : undefined;
  const packets = delta?.packets ?? rule.packets;
  const bytes = delta?.bytes ?? rule.bytes;
  const failures: string[] = [];
  if (check.packets && !compare(check.packets, packets)) failures.push(`packets ${packets}, expected ${check.packets.text}`);
  if (check.bytes && !compare(check.bytes, bytes)) failures.push(`bytes ${bytes}, expected ${check.bytes.text}`);
  return {
    ...base,
    status: failures.length === 0 ? "passed" : "failed",
    message: failures.length === 0 ? `${rule.text}: +${packets} packets, +${bytes} bytes` : `${rule.text}: ${failures.join("; ")}`,
    packets, bytes,
  };
}
