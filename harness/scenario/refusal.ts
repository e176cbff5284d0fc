/**
 * The stricter `refused` verdict words of the compact grammar: `refused:rst`
 * (a TCP reset came back: a closed port, or REJECT --reject-with tcp-reset)
 * and `refused:icmp` (an ICMP/ICMPv6 port unreachable came back: REJECT's
 * default, or a closed UDP port). Plain `refused` accepts either.
 */
import type { Refusal } from "../model/types.ts";

export type { Refusal } from "../model/types.ts";

export const REFUSAL_KINDS = ["rst", "icmp"] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

export const REFUSAL_OF_KIND: Readonly<Record<RefusalKind, Refusal>> = { rst: "tcp-reset", icmp: "icmp-port-unreachable" };

/** `refused:rst` → refused with kind rst; a word without `:` → itself; `refused:xyz` → the unknown kind. */
export function splitRefusal(word: string): { readonly verdict: string; readonly kind?: RefusalKind; readonly unknownKind?: string } {
  const m = /^refused:(.*)$/.exec(word);
  if (!m) return { verdict: word };
  const kind = m[1]!;
  return (REFUSAL_KINDS as readonly string[]).includes(kind) ? { verdict: "refused", kind: kind as RefusalKind } : { verdict: "refused", unknownKind: kind };
}
