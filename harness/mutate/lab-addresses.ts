/**
 * Does a scenario make its lab carry addresses outside the lab ranges (pure)?
 * reach.ts's address arguments rest on the lab's packets travelling only
 * between the lab ranges and loopback; these break that:
 * - a rule that rewrites an address (iptables `-j DNAT`/`SNAT`/`NETMAP`/
 *   `MASQUERADE`/`REDIRECT`/`SNPT`/`DNPT`, nft `dnat`/`snat`/`masquerade`/
 *   `redirect`, `ip daddr set X`, a raw `@nh,… set`) to an address outside
 *   the lab ranges, or to one it does not name as a literal (MASQUERADE,
 *   REDIRECT, a map, a variable): packets carry that address after it;
 * - `ip addr|route|link|tunnel|nexthop|xfrm add|replace|change|append|prepend`
 *   naming an address outside the lab ranges, an `ip -batch` file, an
 *   `ifconfig` with such an address: a host then has or routes one;
 * - a `run` step `nft -f FILE` (rules the scenario does not show).
 * Read from every line of every apply source (heredoc bodies and opaque
 * script lines too, which rule-lines.ts leaves out) and every `run` step's
 * words. A `run` step of a program that may send anything is reach.ts's
 * concern (run-programs.ts), as is a ping's `-I` source (pingSource).
 */
import { type Cidr, parseCidr, within } from "../model/cidr.ts";
import { LAB_RANGES, LOOPBACK_RANGES } from "../model/targets.ts";
import type { Family } from "../model/types.ts";
import type { RuleSource, Scenario } from "../scenario/model.ts";
import { isAddressPlaceholder } from "./run-programs.ts";

const RANGES: readonly Cidr[] = (["ipv4", "ipv6"] as const).flatMap((f) => [parseCidr(LAB_RANGES[f], f)!, parseCidr(LOOPBACK_RANGES[f], f)!]);

/** `198.18.1.2`, `2001:db8::/64` as a CIDR (a bare address: a host prefix), or null. */
function addressCidr(text: string): Cidr | null {
  const family: Family = text.includes(":") ? "ipv6" : "ipv4";
  return parseCidr(text.includes("/") ? text : `${text}/${family === "ipv4" ? 32 : 128}`, family);
}

/** Is a NAT target (`198.18.1.2:80`, `[2001:db8::1]:80`, `198.18.1.2-198.18.1.9`, `10.0.0.0/8`, `{{server.ipv4}}`) inside the lab ranges or loopback? */
export function labTarget(word: string): boolean {
  const text = word.replace(/[,;]+$/, "");
  const bracketed = /^\[([^\]]+)\](:[\d-]+)?$/.exec(text);
  // A port follows an IPv4 address or a placeholder; an IPv6 address takes one only in brackets.
  const inner = bracketed ? bracketed[1]! : text.includes(".") || text.includes("{{") ? text.replace(/:[\d-]+$/, "") : text;
  if (isAddressPlaceholder(inner.replace(/\/\d+$/, ""))) return true;
  return inner.split("-").every((part) => {
    const c = addressCidr(part);
    return c !== null && RANGES.some((r) => within(c, r));
  });
}

/** Is the word an IPv4/IPv6 literal (a CIDR too)? MACs and names are not. */
function isAddressWord(word: string): boolean {
  return addressCidr(word.replace(/[,;]+$/, "")) !== null;
}

const IPT_REWRITES = new Set(["DNAT", "SNAT", "NETMAP", "MASQUERADE", "REDIRECT", "SNPT", "DNPT"]);
/** Targets whose new address is the value of one of these options. */
const IPT_TARGET_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  DNAT: ["--to-destination"], SNAT: ["--to-source"], NETMAP: ["--to"],
};

/** An iptables rule's words: a rewrite to an address outside the lab, or to none named. */
function iptRewrite(words: readonly string[]): boolean {
  const targets = words.flatMap((w, i) => ((w === "-j" || w === "--jump") && IPT_REWRITES.has(words[i + 1] ?? "") ? [words[i + 1]!] : []));
  if (targets.length === 0) return false;
  const options = targets.map((t) => IPT_TARGET_OPTIONS[t]);
  if (options.some((o) => o === undefined)) return true;
  const names = options.flat() as string[];
  const values = words.flatMap((w, i) => (names.includes(w) && words[i + 1] !== undefined ? [words[i + 1]!] : []));
  return values.length === 0 || !values.every(labTarget);
}

/** The words after which an nft `dnat`/`snat` is a statement (not `ct status dnat`). */
const NAT_FOLLOWERS = new Set(["to", "ip", "ip6", "inet", "prefix"]);
/** Words before which `redirect`/`masquerade` is a value (`icmp type redirect`, a set item), not a statement. */
const VALUE_BEFORE = new Set(["type", "code", "status", "{", "==", "!=", "--icmp-type", "--icmpv6-type"]);

/** An nft rule's words: a rewrite to an address outside the lab, or to none named. */
function nftRewrite(words: readonly string[]): boolean {
  return words.some((w, i) => {
    const before = words[i - 1] ?? "";
    const after = words[i + 1];
    if ((w === "dnat" || w === "snat") && NAT_FOLLOWERS.has(after ?? "")) {
      const to = words.indexOf("to", i + 1);
      const target = to < 0 ? undefined : words[to + 1];
      return words[i + 2] === "prefix" || after === "prefix" || target === undefined || !labTarget(target);
    }
    if ((w === "masquerade" || w === "redirect") && !VALUE_BEFORE.has(before) && !before.endsWith(",") && after !== "}" && after !== ":") return true;
    if (w !== "set") return false;
    if (before.startsWith("@")) return true;
    const field = before === "saddr" || before === "daddr";
    const ipField = field && (words[i - 2] === "ip" || words[i - 2] === "ip6");
    return ipField && (after === undefined || !labTarget(after));
  });
}

const IP_OBJECTS = ["address", "route", "link", "tunnel", "nexthop", "xfrm"];
const IP_VERBS = new Set(["add", "replace", "change", "append", "prepend"]);
/** ip options that take a value. */
const IP_VALUE_OPTIONS = new Set(["-f", "-family", "-n", "-netns", "-rc", "-rcvbuf", "-l", "-loops"]);

/** `ip addr add 10.9.9.9/24 dev eth0`, `ip route add 10.0.0.0/8 …`, `ip -batch FILE`: may give a host an address outside the lab. */
function ipAddsAddresses(words: readonly string[]): boolean {
  let i = 1;
  while (words[i]?.startsWith("-")) {
    if (words[i] === "-b" || words[i] === "-batch") return true;
    i += IP_VALUE_OPTIONS.has(words[i]!) ? 2 : 1;
  }
  const object = words[i] ?? "";
  // ip reads a prefix of an object name as that object (`a`, `addr`, `r`, `ro`); `a` is address, `r` is route.
  const named = object !== "" && IP_OBJECTS.some((o) => o.startsWith(object));
  if (!named || !IP_VERBS.has(words[i + 1] ?? "")) return false;
  return words.slice(i + 2).some((w) => isAddressWord(w) && !labTarget(w));
}

/** Does a command's or rule line's words (from their program on) let the lab carry an address outside the lab ranges? */
export function addsOtherAddresses(words: readonly string[]): boolean {
  if (words.length === 0) return false;
  if (iptRewrite(words) || nftRewrite(words)) return true;
  if (words.some((w, i) => w === "ip" && ipAddsAddresses(words.slice(i)))) return true;
  const ifconfig = words.indexOf("ifconfig");
  if (ifconfig >= 0 && words.slice(ifconfig + 1).some((w) => isAddressWord(w) && !labTarget(w))) return true;
  return words[0] === "nft" && words.some((w) => w === "-f" || w === "--file" || w.startsWith("--file="));
}

/** A line or argument list as words: split on blanks and `;`, `#` comments dropped, placeholders tight. */
function wordsOf(text: string): string[] {
  const code = text.replace(/(^|\s)#.*$/, "");
  return code.replace(/\{\{\s*([^}]*?)\s*\}\}/g, "{{$1}}").split(/[\s;]+/).map((w) => w.replace(/^["']|["']$/g, "")).filter((w) => w !== "");
}

function sourceLines(source: RuleSource): string[][] {
  if (source.kind === "commands") return source.commands.map((argv) => argv.flatMap(wordsOf));
  return source.content.split("\n").map(wordsOf);
}

/** Does the scenario let the lab carry addresses outside the lab ranges (a rewrite, an added address or route)? */
export function carriesOtherAddresses(scenario: Scenario): boolean {
  return scenario.steps.some((step) => {
    if (step.kind === "apply") return step.sources.some((source) => sourceLines(source).some(addsOtherAddresses));
    if (step.kind === "run") return addsOtherAddresses(step.command.flatMap(wordsOf));
    return false;
  });
}
