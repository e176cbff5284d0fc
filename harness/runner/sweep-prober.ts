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
import { blankQuoted } from "../rules/nft-canonical.ts";
import { tcpFlagsMatch } from "../rules/packet-match.ts";
import type { SavedRule, SavedRuleset } from "../rules/saved.ts";
import { splitGroups, tokenizeRule } from "../rules/tokenize.ts";

const OUTBOUND = /^(?:output|postrouting)$/i;
const TAKES = /^(?:drop|reject)$/i;

/** nft's `tcp flags rst` (or `tcp flags & (…) == rst`): only resets. */
const NFT_RST_ONLY = /(?:^|\s)tcp flags (?:& \(?[a-z|, ]+\)? == )?rst(?=\s|$)/;

/**
 * A rule that cannot take a SYN-ACK (so neither an ICMP error: it is TCP's):
 * an iptables `--tcp-flags` match a SYN-ACK fails (packet-match.ts
 * tcpFlagsMatch, negation included), nft `tcp flags rst`.
 */
function takesNoSynAck(rule: SavedRule): boolean {
  if (rule.handle !== undefined) return NFT_RST_ONLY.test(blankQuoted(rule.text));
  let groups;
  try {
    groups = splitGroups(tokenizeRule(rule.text));
  } catch {
    return false;
  }
  return groups.some((g) => g.name === "--tcp-flags" && tcpFlagsMatch(g.args[0] ?? "", g.args[1] ?? "", ["SYN", "ACK"]) === g.negated);
}

export interface ProberTook {
  /** The prober's DROP and REJECT rules and drop policies that counted packets, described. */
  readonly took: readonly string[];
  /** None of them can take a SYN-ACK or an ICMP error (takesNoSynAck): only ports answered by a reset can have lost their answer. */
  readonly resetsOnly: boolean;
}

/** What the prober's own rules took between the readings, off the way out. */
export function proberTook(before: SavedRuleset, after: SavedRuleset): ProberTook {
  const rules = counterDeltas(before, after).filter((d) => d.packets > 0 && TAKES.test(d.rule.target ?? "") && !OUTBOUND.test(d.rule.chain));
  const policies = policyDeltas(before, after).filter((p) => TAKES.test(p.policy) && !OUTBOUND.test(p.chain));
  return {
    took: [...rules.map(describeDelta), ...policies.map((p) => `${p.family} ${p.table} ${p.chain} policy ${p.policy} (+${p.packets} packets)`)],
    resetsOnly: policies.length === 0 && rules.every((d) => takesNoSynAck(d.rule)),
  };
}
