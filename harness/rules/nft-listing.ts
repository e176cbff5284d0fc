/**
 * The printed form of native nft rules (what `nft list ruleset` shows a
 * person), from `nft -a list ruleset`, keyed by table and handle so it pairs
 * with the JSON reading (nft-json.ts). Only the text is taken from here; the
 * counter values in it are removed (`counter packets 3 bytes 180` → `counter`)
 * so a rule's text does not change as it counts. Also: comparing a person's
 * rule text with a printed rule. Pure.
 */

import { canonicalNftRule, stableRuleText } from "./nft-canonical.ts";

/** `table\0handle` → the rule as printed, without its handle comment and counter values. */
export type NftTexts = ReadonlyMap<string, string>;

export function textKey(table: string, handle: number): string {
  return `${table}\u0000${handle}`;
}

const TABLE_OPEN = /^table\s+(\S+)\s+(\S+)\s*\{/;
const HANDLE = /\s+# handle (\d+)\s*$/;


/** Parses `nft -a list ruleset`: every rule line (one ending in `# handle N` that opens no block). */
export function parseNftListing(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let table: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const t = TABLE_OPEN.exec(line);
    if (t && !raw.startsWith("\t")) {
      table = `${t[1]} ${t[2]}`;
      continue;
    }
    const h = HANDLE.exec(line);
    if (!h || table === undefined) continue;
    const body = line.slice(0, h.index).trim();
    if (body.endsWith("{")) continue; // a chain, set, map or counter block, not a rule
    out.set(textKey(table, Number(h[1])), stableRuleText(body));
  }
  return out;
}

/**
 * A person's rule text compared with a printed rule (nft-canonical.ts):
 * spaces, counter values and a bare `counter` aside, quotes around simple
 * words optional (`iif lo` = `iif "lo"`), and the other ways of writing what
 * nft prints alike (element and flag order, service names, implied protocol
 * matches). `table` (`inet fw`) is the rule's table.
 */
export function nftTextMatches(person: string, printed: string, table?: string): boolean {
  // The canonical forms leave `meta nfproto` out (the listing may not print it): where both texts name one, it must agree.
  const [a, b] = [nfprotoOf(person), nfprotoOf(printed)];
  if (a !== undefined && b !== undefined && a !== b) return false;
  return canonicalNftRule(person, table) === canonicalNftRule(printed, table);
}

/** The family a rule's `meta nfproto ipv4|ipv6` names, if it names one. */
export function nfprotoOf(rule: string): "ipv4" | "ipv6" | undefined {
  return /(?:^|\s)meta nfproto (ipv4|ipv6)(?=\s)/.exec(rule)?.[1] as "ipv4" | "ipv6" | undefined;
}

/**
 * What a native nft rule's `reject` answers, in nft's words, from the rule as
 * `nft list ruleset` prints it: `icmpx admin-prohibited`, `tcp reset`,
 * `icmp host-prohibited` (`type` left out); a bare `reject` answers port
 * unreachable in the packet's family. Undefined when the rule rejects nothing
 * (its comment aside).
 */
export function nftRejectAnswer(printed: string, family: "ipv4" | "ipv6"): string | undefined {
  const code = printed.replace(/\s+# handle \d+\s*$/, "").replace(/\bcomment\s+"[^"]*"/g, "comment");
  const m = /(?:^|\s)reject(?:\s+with\s+(?:(tcp\s+reset)|(icmpx|icmpv6|icmp)\s+(?:type\s+)?(\S+)))?(?:\s|$)/.exec(code);
  if (!m) return undefined;
  if (m[1] !== undefined) return "tcp reset";
  if (m[2] !== undefined) return `${m[2]} ${m[3]}`;
  return family === "ipv6" ? "icmpv6 port-unreachable" : "icmp port-unreachable";
}
