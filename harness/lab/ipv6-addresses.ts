/**
 * Lab hosts' IPv6 addresses, chosen by fwspec (pure). Lab networks are IPv4
 * networks on the engine; each host's IPv6 address on each of its networks is
 * picked here before its container exists, carried in a container label
 * (read back like the engine's IPv4 address: network.ts addressesOf) and
 * added inside the host after it boots (interfaces.ts). An engine network
 * with IPv6 costs Docker 20.10 a re-exec of its own binary per interface and
 * more at every container start: about 0.2 s of the machine's CPU per
 * two-network host (README "Performance").
 */
import { LabError } from "../errors.ts";
import { addressValue, bounds, parseCidr } from "../model/cidr.ts";
import type { HostSpec } from "../model/types.ts";
import { formatIPv6 } from "../rules/address.ts";

/** The label holding a lab network's IPv6 subnet (the engine's network is IPv4 only). */
export const IPV6_SUBNET_LABEL = "fwspec.ipv6-subnet";

/** The container label holding a host's IPv6 address on the lab network `network`. */
export function ipv6Label(network: string): string {
  return `fwspec.ipv6.${network}`;
}

function text(value: bigint): string {
  return formatIPv6([112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((value >> s) & 0xffffn)));
}

/**
 * Each host's IPv6 address on each network it is on (`on`: its networks),
 * by host name, then network. A fixed address (HostSpec.addresses) is kept;
 * every other host gets the lowest address from the subnet's second on that
 * is nobody's fixed or extra address, in host order (the first is the
 * gateway, the lab bridge's on an engine network with IPv6). A subnet with
 * no address left is a LabError.
 */
export function planIpv6(hosts: readonly HostSpec[], on: (spec: HostSpec) => readonly string[], subnets: ReadonlyMap<string, string>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>(hosts.map((h) => [h.name, new Map()]));
  for (const [network, subnet] of subnets) {
    const cidr = parseCidr(subnet, "ipv6");
    if (!cidr) throw new LabError(`network ${network}: ${subnet} is no IPv6 subnet`);
    const { first, last } = bounds(cidr);
    const members = hosts.filter((h) => on(h).includes(network));
    const taken = new Set<bigint>([first, first + 1n]);
    for (const h of members) {
      const fams = h.addresses?.[network];
      for (const a of [fams?.ipv6, ...(fams?.extra ?? [])]) {
        const v = a === undefined ? null : addressValue(a, "ipv6");
        if (v !== null) taken.add(v);
      }
    }
    let next = first + 2n;
    for (const h of members) {
      const fixed = h.addresses?.[network]?.ipv6;
      if (fixed !== undefined) {
        out.get(h.name)!.set(network, fixed);
        continue;
      }
      while (taken.has(next)) next++;
      if (next > last) throw new LabError(`network ${network}: no IPv6 address left in ${subnet} for ${h.name}`, { hint: "declare a larger IPv6 subnet" });
      taken.add(next);
      out.get(h.name)!.set(network, text(next));
    }
  }
  return out;
}

/** The container labels carrying one host's IPv6 addresses (planIpv6). */
export function ipv6Labels(addresses: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...addresses].map(([network, a]) => [ipv6Label(network), a]));
}
