/**
 * The one way lab hosts get addresses fwspec chooses (pure): on a network's
 * subnet, each host without a fixed address of the family gets the lowest
 * address past the gateway (the subnet's first after its network address)
 * that no host of the network holds as its fixed or extra address, in host
 * order; never the IPv4 broadcast address. Used for IPv6 where the engine
 * gives none (ipv6-addresses.ts) and on a network where a fixed address could
 * be taken by an automatic host first (declared.ts chosenAddresses).
 */
import type { Cidr } from "../model/cidr.ts";
import { addressValue, bounds } from "../model/cidr.ts";
import type { HostSpec } from "../model/types.ts";

/** By host name: each member's fixed address as a value, or the free one it gets (undefined once the subnet is full). */
export function freeAddresses(members: readonly HostSpec[], network: string, cidr: Cidr): Map<string, { readonly fixed: boolean; readonly value: bigint | undefined }> {
  const family = cidr.family;
  const fixedOf = (h: HostSpec) => {
    const a = h.addresses?.[network]?.[family];
    return a === undefined ? null : addressValue(a, family);
  };
  const { first, last } = bounds(cidr);
  const taken = new Set<bigint>([first, first + 1n]);
  for (const h of members) {
    for (const a of [h.addresses?.[network]?.[family], ...(h.addresses?.[network]?.extra ?? [])]) {
      const v = a === undefined ? null : addressValue(a, family);
      if (v !== null) taken.add(v);
    }
  }
  const limit = family === "ipv4" ? last - 1n : last;
  const out = new Map<string, { fixed: boolean; value: bigint | undefined }>();
  let next = first + 2n;
  for (const h of members) {
    const fixed = fixedOf(h);
    if (fixed !== null) {
      out.set(h.name, { fixed: true, value: fixed });
      continue;
    }
    while (taken.has(next)) next++;
    out.set(h.name, { fixed: false, value: next <= limit ? next : undefined });
    if (next <= limit) taken.add(next);
  }
  return out;
}
