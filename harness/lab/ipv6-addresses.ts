/**
 * Lab hosts' IPv6 addresses, chosen by fwspec (pure). On an engine where it
 * works (ipv6SourceFor), lab networks are IPv4 networks on the engine; each
 * host's IPv6 address on each of its networks is picked here before its
 * container exists, carried in a container label (read back like the
 * engine's IPv4 address: network.ts addressesOf) and added inside the host
 * after it boots (interfaces.ts). An engine network with IPv6 costs Docker
 * 20.10 a re-exec of its own binary per interface and more at every
 * container start: about 0.2 s of the machine's CPU per two-network host
 * (README "Performance").
 */
import { LabError } from "../errors.ts";
import { parseCidr } from "../model/cidr.ts";
import { freeAddresses } from "./free-addresses.ts";
import type { HostSpec } from "../model/types.ts";
import { formatIPv6 } from "../rules/address.ts";

/** Who gives lab hosts their IPv6 addresses: the engine (a network with IPv6), or fwspec (an IPv4 network, addresses from planIpv6). */
export type Ipv6Source = "engine" | "fwspec";

/**
 * Which way an engine of this version (`docker version`'s Version) gets lab
 * hosts IPv6 (pure). fwspec's own only where measured and known to work:
 * Docker before 26, whose IPv6 networks cost a re-exec of the engine per
 * interface at each container start, and whose containers on an IPv4 network
 * keep IPv6 on their interfaces (the lab's sysctls). From 26.0.2 on, the
 * engine turns IPv6 off on such interfaces (and a container cannot turn it
 * back on: /proc/sys is read-only there), so from 26 on, and for a version
 * it cannot read, the engine's.
 */
export function ipv6SourceFor(version: string): Ipv6Source {
  const major = /^(\d+)\.\d+/.exec(version.trim())?.[1];
  return major !== undefined && Number(major) < 26 ? "fwspec" : "engine";
}

/** The label holding a lab network's IPv6 subnet (the engine's network is IPv4 only). */
export const IPV6_SUBNET_LABEL = "fwspec.ipv6-subnet";

/** The container label holding a host's IPv6 address on the lab network `network`. */
export function ipv6Label(network: string): string {
  return `fwspec.ipv6.${network}`;
}

export function ipv6Text(value: bigint): string {
  return formatIPv6([112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((value >> s) & 0xffffn)));
}

/**
 * Each host's IPv6 address on each network it is on (`on`: its networks),
 * by host name, then network. A fixed address (HostSpec.addresses) is kept
 * (written as the engine writes addresses);
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
    for (const [name, { value }] of freeAddresses(hosts.filter((h) => on(h).includes(network)), network, cidr)) {
      if (value === undefined) throw new LabError(`network ${network}: no IPv6 address left in ${subnet} for ${name}`, { hint: "declare a larger IPv6 subnet" });
      // As the engine reports addresses (RFC 5952), however the scenario wrote it: compared as text elsewhere.
      out.get(name)!.set(network, ipv6Text(value));
    }
  }
  return out;
}

/**
 * The boot script's FWSPEC_IPV6 for one host (docker/fwspec-boot): per
 * network, its IPv4 subnet (the interface holding an address in it gets the
 * address) and the IPv6 address with the network's prefix length, so the
 * host holds its IPv6 addresses before it restores rules and runs pre-up
 * lines, as with the engine's.
 */
export function ipv6BootEnv(addresses: ReadonlyMap<string, string>, networks: ReadonlyMap<string, { readonly ipv4Subnet: string; readonly ipv6Subnet: string }>): string {
  return [...addresses].map(([network, a]) => {
    const net = networks.get(network);
    if (!net) throw new LabError(`no network ${network} for IPv6 address ${a}`);
    return `${net.ipv4Subnet},${a}/${net.ipv6Subnet.split("/")[1]}`;
  }).join(" ");
}

/** The container labels carrying one host's IPv6 addresses (planIpv6). */
export function ipv6Labels(addresses: ReadonlyMap<string, string>): Record<string, string> {
  return Object.fromEntries([...addresses].map(([network, a]) => [ipv6Label(network), a]));
}
