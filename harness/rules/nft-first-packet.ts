/**
 * What a native nftables rule's text (as `nft list ruleset` prints it) says
 * about the packets it can meet, for first-packet.ts: whether it can take a
 * connection's first packet (a `ct state` match of ESTABLISHED/RELATED only
 * cannot), whether it can meet the probe's transport protocol at all, whether
 * it names interfaces a packet does not cross, the chains it jumps to (also
 * from a verdict map), and which native base chains a packet meets at a hook,
 * in order. Comments are not read; text it cannot read (a concatenation
 * `iifname . oifname { … }`) admits the packet: nothing is excluded on a guess. Pure.
 */
import type { SavedChain } from "./saved.ts";

/** Conntrack states (nft's names) a connection's first packet can be in. */
const FIRST_STATES = new Set(["new", "invalid", "untracked"]);
const ALL_STATES = ["invalid", "new", "established", "related", "untracked"];

/** A value as nft prints it after a selector: a word, a comma list, or an anonymous set `{ a, b }`; not followed by a concatenation. */
const VALUE = String.raw`(\{[^}]*\}|[^\s{}.][^\s{}]*(?=\s|$)(?!\s\.))`;

function values(text: string): string[] {
  return text.replace(/[{}"]/g, " ").split(/[\s,]+/).filter((v) => v.length > 0);
}

/** The rule's matches and statements: its comment and nft's `# handle N` left out (a comment may say anything). */
function readable(text: string): string {
  return text.replace(/(^|\s)comment "(?:[^"\\]|\\.)*"/g, " ").replace(/\s#\s*handle\s+\d+\s*$/, "");
}

/** Every `ct state` match's states, negation applied. */
function statesOf(text: string): Set<string>[] {
  return [...readable(text).matchAll(new RegExp(String.raw`\bct state (!= )?${VALUE}`, "g"))].map((m) => {
    const listed = new Set(values(m[2]!).map((s) => s.toLowerCase()));
    return new Set(m[1] ? ALL_STATES.filter((s) => !listed.has(s)) : listed);
  });
}

/** The transport protocols the rule selects (`tcp dport`, `meta l4proto udp`, `ip protocol`, `ip6 nexthdr`); empty: any. */
function protocolsOf(text: string): Set<string>[] {
  const rule = readable(text);
  const selected: Set<string>[] = [];
  for (const m of rule.matchAll(/(?:^|\s)(tcp|udp|udplite|sctp|dccp) (?:dport|sport|flags|option|sequence|checksum)\b/g)) selected.push(new Set([m[1]!]));
  for (const m of rule.matchAll(new RegExp(String.raw`\b(?:meta l4proto|ip protocol|ip6 nexthdr) (!= )?${VALUE}`, "g"))) {
    // A map keyed by the protocol (`meta l4proto vmap { tcp : jump tcpin }`) or a named set: any protocol.
    if (/^(?:@|v?map$)/.test(m[2]!)) continue;
    const listed = new Set(values(m[2]!));
    // A negated protocol admits every other: tcp and udp unless named.
    selected.push(m[1] ? new Set(["tcp", "udp"].filter((p) => !listed.has(p))) : listed);
  }
  return selected;
}

/** False when the rule's text says it cannot match a connection's first packet (a `ct state` of established or related packets only). */
export function nftCanTakeFirstPacket(text: string): boolean {
  return !statesOf(text).some((states) => ![...states].some((s) => FIRST_STATES.has(s)));
}

/** False when the rule selects another transport protocol than the probe's: none of its packets can meet it. */
export function nftAdmitsProtocol(text: string, protocol: "tcp" | "udp"): boolean {
  return protocolsOf(text).every((p) => p.has(protocol));
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
  const t = readable(text);
  for (const m of t.matchAll(new RegExp(String.raw`\b(iifname|oifname) (!= )?${VALUE}`, "g"))) {
    // A named set (`iifname @lan_ifs`), a map keyed by the name (`iifname vmap { … }`) or a concatenation's later
    // part (`ip saddr . iifname != { … }`, reviewer 39): names not read here, unknown.
    if (/^(?:@|v?map$)/.test(m[3]!) || /\.\s*$/.test(t.slice(0, m.index))) continue;
    if (!nameAllows(m[2] !== undefined, m[3]!, m[1] === "iifname" ? via.in : via.out)) return false;
  }
  return true;
}

/** Does a native rule decide through a verdict map (`iifname vmap { "lan0" : jump lan }`): its verdict and matches depend on the key? */
export function usesVerdictMap(text: string): boolean {
  return /(?:^|\s)vmap(?=\s|$)/.test(readable(text));
}

/** The chains a native rule sends packets to: its `jump`/`goto`, and those of a verdict map (`vmap { "lan0" : jump lan }`). */
export function nftJumps(text: string): string[] {
  return [...readable(text).matchAll(/\b(?:jump|goto) ([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!.replace(/[,}]$/, ""));
}

/** The netfilter hooks a packet passes, by fwspec's hook names, in order. */
const NATIVE_HOOKS: Readonly<Record<"OUTPUT" | "FORWARD" | "INPUT", readonly string[]>> = {
  OUTPUT: ["output"],
  FORWARD: ["prerouting", "forward"],
  INPUT: ["prerouting", "input"],
};

/** A base chain a packet meets at a hook: its stage (0: prerouting, 1: the hook itself) and priority, to order it among iptables' tables. */
export interface BaseChain {
  readonly table: string;
  readonly chain: string;
  readonly stage: number;
  readonly priority: number;
}

/** The native base chains (not `nat`: it never drops) a packet meets at a hook, in the order it meets them: by stage, then priority. */
export function nativeBaseChains(chains: readonly SavedChain[], hook: "OUTPUT" | "FORWARD" | "INPUT"): BaseChain[] {
  const order = NATIVE_HOOKS[hook];
  return chains
    .filter((c) => c.hook !== undefined && order.includes(c.hook) && c.type !== "nat")
    .map((c) => ({ table: c.table, chain: c.chain, stage: c.hook === "prerouting" && hook !== "OUTPUT" ? 0 : 1, priority: c.priority ?? 0 }))
    .sort((a, b) => a.stage - b.stage || a.priority - b.priority);
}

/** The native base chains of type nat at prerouting: where a destination NAT (`dnat`) sends a packet on to another host. */
export function nativeDnatChains(chains: readonly SavedChain[]): [string, string][] {
  return chains.filter((c) => c.hook === "prerouting" && c.type === "nat").map((c) => [c.table, c.chain]);
}

/** Does a native rule rewrite the destination to another host (`dnat to …`, `dnat ip to …`; `redirect` keeps the packet local)? */
export function nftSendsOn(text: string): boolean {
  return /(?:^|\s)dnat (?:(?:ip|ip6) )?to\s/.test(readable(text));
}
