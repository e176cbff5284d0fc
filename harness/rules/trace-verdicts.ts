/**
 * What a line of an nftables trace means for a probe's decision (pure): a
 * rule that rewrites the packet (NAT) is no decision, and an accept in a
 * chain that filters nothing (NAT, raw, mangle, the routing hooks) decides
 * nothing either. Used by rules/trace.ts.
 */

const NAT = /\b(dnat|snat|masquerade|redirect)\b/;
/** A `ct status` match (`ct status dnat`, `ct status != snat`, `ct status { dnat, snat }`, `ct status & dnat == dnat`): it names NAT, it rewrites nothing. */
const CT_STATUS = /\bct status\s+(?:(?:!=|==|&)\s*)?(?:\{[^}]*\}|\([^)]*\)|\S+)(?:\s*(?:==|!=)\s*(?:\{[^}]*\}|\S+))?/g;

/**
 * Does this rule (as nft prints it) rewrite the packet (`dnat to`, `snat to`,
 * `masquerade`, `redirect`)? A match on a connection's NAT status (`ct status
 * dnat`: iptables' `--ctstate DNAT`) or a comment naming NAT is not a rewrite:
 * such a rule filters, and can take a connection's first packet.
 */
export function rewritesPacket(text: string): boolean {
  return NAT.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(CT_STATUS, ""));
}

/** An accept that only ends a table nothing is filtered in (NAT, raw, mangle, the routing hooks) does not decide. */
export function acceptDecides(table: string, chain: string): boolean {
  const name = table.split(" ")[1] ?? "";
  // firewalld's one inet table names its chains by type: `nat_POSTROUTING`, `mangle_PREROUTING` never filter either.
  return !["nat", "raw", "mangle"].includes(name) && !/^(pre|post)routing$/i.test(chain) && !/^(nat|mangle|raw)_/i.test(chain);
}
