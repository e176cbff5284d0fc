/**
 * CIDR arithmetic for the address plan (pure): parse `198.18.7.0/24` or
 * `2001:db8:7::/64`, test containment and overlap, and the ranges a declared
 * subnet must stay in. Used by the scenario checks (declared subnets and host
 * addresses) and by the lab (automatic subnets never collide with declared ones).
 */
import { parseIPv4, parseIPv6 } from "../rules/address.ts";
import { FAMILIES, type Family, type FamilyAddresses } from "./types.ts";

export interface Cidr {
  readonly family: Family;
  /** The network address as an integer (host bits may be set when parsed loosely). */
  readonly base: bigint;
  readonly prefix: number;
  readonly text: string;
}

const BITS: Record<Family, number> = { ipv4: 32, ipv6: 128 };

/** An address as an integer, or null when it is not a literal of that family. */
export function addressValue(text: string, family: Family): bigint | null {
  const parts = family === "ipv4" ? parseIPv4(text) : parseIPv6(text);
  if (!parts) return null;
  const width = family === "ipv4" ? 8n : 16n;
  return parts.reduce((acc, p) => (acc << width) | BigInt(p), 0n);
}

/** `a.b.c.d/n` or `x::/n` of the family, or null. */
export function parseCidr(text: string, family: Family): Cidr | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const prefix = Number(m[2]);
  if (prefix > BITS[family]) return null;
  const base = addressValue(m[1]!, family);
  return base === null ? null : { family, base, prefix, text: text.trim() };
}

function mask(c: Pick<Cidr, "family" | "prefix">): bigint {
  const bits = BigInt(BITS[c.family]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(c.prefix))) - 1n);
}

/** Are the host bits of the network address all zero? (`198.18.7.0/24` yes, `198.18.7.1/24` no) */
export function isAligned(c: Cidr): boolean {
  return (c.base & mask(c)) === c.base;
}

/** Does the subnet hold the address (an integer of the same family)? */
export function containsValue(c: Cidr, value: bigint): boolean {
  return (value & mask(c)) === (c.base & mask(c));
}

/** Does the subnet hold the address (text)? */
export function contains(c: Cidr, address: string): boolean {
  const v = addressValue(address, c.family);
  return v !== null && containsValue(c, v);
}

/** Do two subnets of one family share any address? */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = a.prefix <= b.prefix ? a : b;
  const longer = shorter === a ? b : a;
  return containsValue(shorter, longer.base);
}

/** Is `inner` entirely inside `outer`? */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && containsValue(outer, inner.base);
}

/** The first and last address of a subnet (network and broadcast for IPv4). */
export function bounds(c: Cidr): { first: bigint; last: bigint } {
  const first = c.base & mask(c);
  return { first, last: first | (((1n << BigInt(BITS[c.family])) - 1n) ^ mask(c)) };
}

const must = (text: string, family: Family): Cidr => parseCidr(text, family)!;

/** Where declared subnets may go: the benchmarking range's lower half and the documentation range. */
export const DECLARABLE: Record<Family, Cidr> = { ipv4: must("198.18.0.0/16", "ipv4"), ipv6: must("2001:db8::/32", "ipv6") };
/** Kept for the engine (198.19.0.0/17 and 198.19.255.0/24: its pools and bridge) and for automatic lab subnets (198.19.128.0/17, 2001:db8:f5::/48; lab/addresses.ts). */
export const RESERVED: Record<Family, readonly Cidr[]> = { ipv4: [must("198.19.0.0/16", "ipv4")], ipv6: [must("2001:db8:f5::/48", "ipv6")] };
/** Prefix lengths a declared subnet may have: room for a gateway and a few hosts. */
export const PREFIX_RANGE: Record<Family, readonly [number, number]> = { ipv4: [16, 29], ipv6: [48, 120] };

/** An address of the family as text (IPv6 written in full hextets, which every tool accepts). */
export function addressText(value: bigint, family: Family): string {
  if (family === "ipv4") return [24n, 16n, 8n, 0n].map((s) => (value >> s) & 255n).join(".");
  return [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((value >> s) & 0xffffn).toString(16)).join(":");
}

/** One spelling for an address of either family (full hextets for IPv6: addressText), or the text as it is when it is none. */
export function sameSpelling(text: string): string {
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  for (const family of ["ipv4", "ipv6"] as const) {
    const v = addressValue(bare, family);
    if (v !== null) return addressText(v, family);
  }
  return text;
}

/** The gateway (lab bridge) of a declared subnet: the first address after the network address. */
export function gatewayOf(c: Cidr): string {
  return addressText(bounds(c).first + 1n, c.family);
}

/** Declared subnets (by network name), parsed (the scenario checks made sure they parse). */
export function declaredCidrs(subnets: Readonly<Record<string, FamilyAddresses>> | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const fams of Object.values(subnets ?? {})) {
    for (const f of FAMILIES) {
      const c = fams[f] === undefined ? null : parseCidr(fams[f], f);
      if (c) out.push(c);
    }
  }
  return out;
}
