/**
 * Interface names a loaded ruleset matches on, and those a host does not have
 * (pure). A rule for `-i eth1` on a host whose interfaces are `wan0` and
 * `lan0` never matches, silently; the apply step says so (rules/apply.ts).
 * Read from what was loaded (iptables-save, nft's listing), so a script's
 * variables are resolved. Wildcards as written: iptables' `eth+` and nft's
 * `"eth*"` match a prefix. A netdev chain's `device` too: the kernel may
 * attach it to no interface without a word (tester 43a).
 */
import type { LoadedRuleset } from "./read.ts";
import { savedRuleTokens } from "./tokenize.ts";

const IPTABLES_FLAGS = new Set(["-i", "-o", "--in-interface", "--out-interface"]);

/** `iif "lo"`, `oifname { "wan0", "ppp*" }`, `meta iifname != "eth1"`: the names after an interface match. */
const NFT_MATCH = /\b(?:iif|oif|iifname|oifname)\s+(?:!=\s*)?(\{[^}]*\}|"[^"]*"|[^\s;{}]+)/g;

function fromSave(save: string): string[] {
  return savedRuleTokens(save).flatMap((tokens) => tokens.flatMap((t, i) => (IPTABLES_FLAGS.has(t) && tokens[i + 1] !== undefined ? [tokens[i + 1]!] : [])));
}

/**
 * A fib lookup's keys, and a result that names no interface (`fib saddr . iif
 * oif missing`, `… oif 0`, `fib daddr type local`): `iif`/`oif` there are
 * words of the lookup. A result compared with a name (`fib daddr oifname
 * "lan0"`) keeps that name, an interface the rule matches.
 */
const FIB = /\bfib\s+(?:saddr|daddr|mark|iif|oif)(?:\s*\.\s*(?:saddr|daddr|mark|iif|oif))*\s+(?:(?:oifname|oif)\s+(?:!=\s*)?(?:missing|exists|\d+)\b|type\b|(?=oifname|oif))/g;

function fromNft(listing: string): string[] {
  // A comment is text, not a match: `comment "iif foo"` names nothing; nor does a fib lookup.
  const text = listing.replace(/\bcomment\s+"[^"]*"/g, "").replace(FIB, "fib ");
  // A named set (`iifname @lan_ifs`), a map keyed by the name (`iifname vmap { … }`) or a concatenation
  // (`iifname . tcp dport vmap { … }`, `ip saddr . iifname { 198.18.0.5 . "ens18" }`) is no interface name.
  return [...text.matchAll(NFT_MATCH)].filter((m) => !/^(?:@|v?map$|\.$)/.test(m[1]!) && !/\.\s*$/.test(text.slice(0, m.index)) && !/"\s*\.|\.\s*"/.test(m[1]!)).flatMap((m) => m[1]!.replace(/^\{|\}$/g, "").split(",").map((n) => n.trim().replace(/^"|"$/g, "")).filter((n) => n !== ""));
}

/** A netdev (or ingress) base chain's device(s), as nft lists them: `hook ingress device "ens18"`, `devices = { "a", "b" }` (a flowtable's too); not a set or chain named `device(s)` (reviewer 43). */
const NFT_DEVICES = /\bhook\s+\w+\s+device\s+("[^"]*"|[A-Za-z0-9_.:-]+)|\bdevices\s*=\s*(\{[^}]*\})/g;

function devicesOf(listing: string): string[] {
  const text = listing.replace(/\bcomment\s+"[^"]*"/g, "");
  return [...text.matchAll(NFT_DEVICES)].flatMap((m) => (m[1] ?? m[2]!).replace(/^\{|\}$/g, "").split(",").map((n) => n.trim().replace(/^"|"$/g, "")).filter((n) => n !== "" && !n.startsWith("$")));
}

/** Every interface name the rules match on, sorted, each once. */
export function interfacesNamed(loaded: Pick<LoadedRuleset, "ipv4" | "ipv6" | "nft">): string[] {
  return [...new Set([...fromSave(loaded.ipv4), ...fromSave(loaded.ipv6), ...fromNft(loaded.nft ?? ""), ...devicesOf(loaded.nft ?? "")])].sort();
}

/** The names (as written) no interface of the host has; `eth+` / `eth*` match a prefix. */
export function missingInterfaces(named: readonly string[], have: readonly string[]): string[] {
  const matches = (name: string) => {
    const prefix = /[+*]$/.test(name) ? name.slice(0, -1) : undefined;
    return have.some((h) => (prefix === undefined ? h === name : h.startsWith(prefix)));
  };
  return [...new Set(named)].filter((n) => !matches(n));
}
