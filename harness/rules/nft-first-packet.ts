/**
 * What a native nftables rule's text (as `nft list ruleset` prints it) says
 * about the packets it can meet, for first-packet.ts: whether it can take a
 * connection's first packet (a `ct state` match of ESTABLISHED/RELATED only,
 * another transport protocol cannot), whether it names interfaces a packet
 * does not cross, and which native base chains a packet meets at a hook, in
 * order. Text it cannot read admits the packet (nothing is excluded on a
 * guess). Pure.
 */
import type { SavedChain } from "./saved.ts";

/** Conntrack states (nft's names) a connection's first packet can be in. */
const FIRST_STATES = new Set(["new", "invalid", "untracked"]);
const ALL_STATES = ["invalid", "new", "established", "related", "untracked"];

/** A value as nft prints it after a selector: a word, a comma list, or an anonymous set `{ a, b }`. */
const VALUE = String.raw`(\{[^}]*\}|[^\s{}]+)`;

function values(text: string): string[] {
  return text.replace(/[{}"]/g, " ").split(/[\s,]+/).filter((v) => v.length > 0);
}

/** Every `ct state` match's states, negation applied; undefined when there is none. */
function statesOf(text: string): Set<string>[] {
  return [...text.matchAll(new RegExp(String.raw`\bct state (!= )?${VALUE}`, "g"))].map((m) => {
    const listed = new Set(values(m[2]!).map((s) => s.toLowerCase()));
    return new Set(m[1] ? ALL_STATES.filter((s) => !listed.has(s)) : listed);
  });
}

/** The transport protocols the rule selects (`tcp dport`, `meta l4proto udp`, `ip protocol`, `ip6 nexthdr`); empty: any. */
function protocolsOf(text: string): Set<string>[] {
  const selected: Set<string>[] = [];
  for (const m of text.matchAll(/(?:^|\s)(tcp|udp|udplite|sctp|dccp) (?:dport|sport|flags|option|sequence|checksum)\b/g)) selected.push(new Set([m[1]!]));
  for (const m of text.matchAll(new RegExp(String.raw`\b(?:meta l4proto|ip protocol|ip6 nexthdr) (!= )?${VALUE}`, "g"))) {
    const listed = new Set(values(m[2]!));
    // A negated protocol admits every other: tcp and udp unless named.
    selected.push(m[1] ? new Set(["tcp", "udp"].filter((p) => !listed.has(p))) : listed);
  }
  return selected;
}

/** False when the rule's text says it cannot match a connection's first packet (of `protocol`, when given). */
export function nftCanTakeFirstPacket(text: string, protocol?: "tcp" | "udp"): boolean {
  if (statesOf(text).some((states) => ![...states].some((s) => FIRST_STATES.has(s)))) return false;
  if (protocol && protocolsOf(text).some((p) => !p.has(protocol))) return false;
  return true;
}

/** Does an `iifname`/`oifname` match (`eth*` a prefix, `!=` negated, a set of names) admit the interface? Unknown: admitted. */
function nameAllows(negated: boolean, value: string, name: string | undefined): boolean {
  if (name === undefined) return true;
  const same = values(value).some((v) => (v.endsWith("*") ? name.startsWith(v.slice(0, -1)) : name === v));
  return negated ? !same : same;
}

/** False when the rule names an input or output interface (`iifname`, `oifname`) the packet does not cross here. */
export function nftCrossesInterfaces(text: string, via: { readonly in?: string | undefined; readonly out?: string | undefined } | undefined): boolean {
  if (!via) return true;
  for (const m of text.matchAll(new RegExp(String.raw`\b(iifname|oifname) (!= )?${VALUE}`, "g"))) {
    if (!nameAllows(m[2] !== undefined, m[3]!, m[1] === "iifname" ? via.in : via.out)) return false;
  }
  return true;
}

/** The netfilter hooks a packet passes, by fwspec's hook names, in order. */
const NATIVE_HOOKS: Readonly<Record<"OUTPUT" | "FORWARD" | "INPUT", readonly string[]>> = {
  OUTPUT: ["output"],
  FORWARD: ["prerouting", "forward"],
  INPUT: ["prerouting", "input"],
};

/** The native base chains (not `nat`: it never drops) a packet meets at a hook, in the order it meets them: by hook, then priority. */
export function nativeBaseChains(chains: readonly SavedChain[], hook: "OUTPUT" | "FORWARD" | "INPUT"): [string, string][] {
  const order = NATIVE_HOOKS[hook];
  return chains
    .filter((c) => c.hook !== undefined && order.includes(c.hook) && c.type !== "nat")
    .sort((a, b) => order.indexOf(a.hook!) - order.indexOf(b.hook!) || (a.priority ?? 0) - (b.priority ?? 0))
    .map((c) => [c.table, c.chain]);
}

/** The native base chains of type nat at prerouting: where a destination NAT (`dnat`) sends a packet on to another host. */
export function nativeDnatChains(chains: readonly SavedChain[]): [string, string][] {
  return chains.filter((c) => c.hook === "prerouting" && c.type === "nat").map((c) => [c.table, c.chain]);
}

/** Does a native rule's text rewrite the destination to another host (`dnat`; `redirect` keeps the packet local)? */
export function nftSendsOn(text: string): boolean {
  return /(?:^|\s)dnat(?:\s|$)/.test(text);
}
