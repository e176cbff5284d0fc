/**
 * nmap reads a sweep's answers with libpcap, before the prober's own rules
 * see them: a prober whose INPUT drops the answers (no ESTABLISHED accept,
 * a REJECT of its own) hears nothing where nmap saw a SYN-ACK or a reset.
 * What the prober's rules took during the sweep, on any chain but the way
 * out (OUTPUT, POSTROUTING: the sweep's own packets, which nmap sees
 * refused), says whether its answered ports can stand (pure).
 */
import { describeDelta } from "../judge/expectation.ts";
import { counterDeltas, policyDeltas } from "../rules/delta.ts";
import type { SavedRuleset } from "../rules/saved.ts";

const OUTBOUND = /^(?:output|postrouting)$/i;
const TAKES = /^(?:drop|reject)$/i;

/** The prober's DROP and REJECT rules and drop policies that counted packets between the readings, off the way out. */
export function proberTook(before: SavedRuleset, after: SavedRuleset): string[] {
  const rules = counterDeltas(before, after).filter((d) => d.packets > 0 && TAKES.test(d.rule.target ?? "") && !OUTBOUND.test(d.rule.chain)).map(describeDelta);
  const policies = policyDeltas(before, after).filter((p) => TAKES.test(p.policy) && !OUTBOUND.test(p.chain)).map((p) => `${p.family} ${p.table} ${p.chain} policy ${p.policy} (+${p.packets} packets)`);
  return [...rules, ...policies];
}
