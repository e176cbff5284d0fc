/**
 * Unicast addresses a loaded ruleset matches on that no lab host can hold
 * (pure): lab networks lie in 198.18.0.0/15 and 2001:db8::/32, so a rule for
 * `-s 10.20.0.0/16` or `ip daddr 203.0.113.5` never matches lab traffic, and
 * what the real host lets that network do is not tested. The apply step (and
 * so `record` and `init --from`) says so (rules/apply.ts). Read from what was
 * loaded (iptables-save, nft's listing). Loopback, link-local, multicast,
 * broadcast and the unspecified address are no such address: rules name them
 * for traffic the lab has too.
 */
import { overlaps, parseCidr, type Cidr } from "../model/cidr.ts";
import type { Family } from "../model/types.ts";
import type { LoadedRuleset } from "./read.ts";
import { savedRuleTokens } from "./tokenize.ts";

const IPTABLES_FLAGS = new Set(["-s", "-d", "--source", "--destination", "--src", "--dst"]);
const RANGE_FLAGS = new Set(["--src-range", "--dst-range"]);
/** `ip saddr 10.0.0.0/8`, `ip6 daddr { fd00::/8, … }`: the values after an address match (named sets, and `!=`, which holds for lab addresses, aside). */
const NFT_MATCH = /\b(?:ip6?)\s+(?:saddr|daddr)\s+(\{[^}]*\}|[^\s;{}@!]+)/g;

const must = (text: string, family: Family): Cidr => parseCidr(text, family)!;
/** Where a lab host's address can be, or traffic the lab has anyway (loopback, link-local, multicast, any). */
const PLACEABLE: Readonly<Record<Family, readonly Cidr[]>> = {
  ipv4: ["198.18.0.0/15", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32", "0.0.0.0/32"].map((c) => must(c, "ipv4")),
  ipv6: ["2001:db8::/32", "::1/128", "fe80::/10", "ff00::/8", "::/128"].map((c) => must(c, "ipv6")),
};

function cidrOf(text: string): { cidr: Cidr; text: string } | undefined {
  const family: Family = text.includes(":") ? "ipv6" : "ipv4";
  const withPrefix = text.includes("/") ? text : `${text}/${family === "ipv4" ? 32 : 128}`;
  const cidr = parseCidr(withPrefix, family);
  return cidr ? { cidr, text } : undefined;
}

function fromSave(save: string): string[] {
  return savedRuleTokens(save).flatMap((tokens) => tokens.flatMap((t, i) => {
    const v = tokens[i + 1];
    // A negated match (`! -s 172.16.0.0/12`) holds for every lab address: no note.
    if (v === undefined || tokens[i - 1] === "!") return [];
    return IPTABLES_FLAGS.has(t) ? v.split(",") : RANGE_FLAGS.has(t) ? v.split("-") : [];
  }));
}

function fromNft(listing: string): string[] {
  const text = listing.replace(/\bcomment\s+"[^"]*"/g, "");
  return [...text.matchAll(NFT_MATCH)].flatMap((m) => m[1]!.replace(/^\{|\}$/g, "").split(",").map((a) => a.trim()).filter((a) => a !== "" && !a.startsWith("$")))
    .flatMap((a) => (a.includes("-") && !a.includes("/") ? a.split("-") : [a]));
}

/** The unicast addresses and networks (as written, each once, sorted) the rules match that no lab host can hold. */
export function addressesOutsideLab(loaded: Pick<LoadedRuleset, "ipv4" | "ipv6" | "nft">): string[] {
  const written = [...fromSave(loaded.ipv4), ...fromSave(loaded.ipv6), ...fromNft(loaded.nft ?? "")];
  const outside = written.map(cidrOf).filter((c): c is { cidr: Cidr; text: string } => c !== undefined && c.cidr.prefix > 0 && !PLACEABLE[c.cidr.family].some((p) => overlaps(p, c.cidr)));
  return [...new Set(outside.map((c) => c.text))].sort();
}
