/**
 * A host's declared addresses (pure): its fixed address per family and its
 * extra addresses on each network, as one list; and which network holds a
 * given address (compared by value, so `2001:db8:7::99` and
 * `2001:db8:7:0::99` are one address).
 */
import { addressValue } from "./cidr.ts";
import { FAMILIES, type Family, type HostNetworkAddresses } from "./types.ts";

export interface DeclaredAddress {
  readonly network: string;
  readonly family: Family;
  /** As written in the scenario. */
  readonly address: string;
  readonly extra: boolean;
}

export function declaredAddresses(addresses: Readonly<Record<string, HostNetworkAddresses>> | undefined): DeclaredAddress[] {
  const out: DeclaredAddress[] = [];
  for (const [network, a] of Object.entries(addresses ?? {})) {
    for (const family of FAMILIES) {
      const fixed = a[family];
      if (fixed !== undefined) out.push({ network, family, address: fixed, extra: false });
    }
    for (const x of a.extra ?? []) out.push({ network, family: x.includes(":") ? "ipv6" : "ipv4", address: x, extra: true });
  }
  return out;
}

/** The declared address equal to `address` (of `family`), if the host holds it. */
export function findDeclared(addresses: Readonly<Record<string, HostNetworkAddresses>> | undefined, address: string, family: Family): DeclaredAddress | undefined {
  const value = addressValue(address, family);
  if (value === null) return undefined;
  return declaredAddresses(addresses).find((d) => d.family === family && addressValue(d.address, family) === value);
}
