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

/** A rule that matches only TCP resets (`--tcp-flags … RST`, nft `tcp flags rst`): it cannot take a SYN-ACK or an ICMP error. */
const RST_ONLY = /(?:(?<!!\s+)--tcp-flags\s+\S+\s+RST(?=\s|$)|tcp flags (?:& \(?[a-z|, ]+\)? == )?rst(?=\s|$))/;

export interface ProberTook {
  /** The prober's DROP and REJECT rules and drop policies that counted packets, described. */
  readonly took: readonly string[];
  /** Every one of them matches only TCP resets: only ports answered by a reset can have lost their answer. */
  readonly resetsOnly: boolean;
}

/** What the prober's own rules took between the readings, off the way out. */
export function proberTook(before: SavedRuleset, after: SavedRuleset): ProberTook {
  const rules = counterDeltas(before, after).filter((d) => d.packets > 0 && TAKES.test(d.rule.target ?? "") && !OUTBOUND.test(d.rule.chain));
  const policies = policyDeltas(before, after).filter((p) => TAKES.test(p.policy) && !OUTBOUND.test(p.chain));
  return {
    took: [...rules.map(describeDelta), ...policies.map((p) => `${p.family} ${p.table} ${p.chain} policy ${p.policy} (+${p.packets} packets)`)],
    resetsOnly: policies.length === 0 && rules.every((d) => RST_ONLY.test(d.rule.text)),
  };
}
