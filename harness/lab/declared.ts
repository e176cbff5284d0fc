/**
 * Declared subnets on the Docker engine: the subnet plan of a network whose
 * scenario declares its IPv4 and/or IPv6 subnet (the other family stays
 * automatic), the automatic slots a lab must avoid, and a clear error when a
 * declared subnet is already used by another network on the engine (a running
 * lab, or one the engine will not remove: stuck-network.ts).
 */
import type Dockerode from "dockerode";
import { LabError } from "../errors.ts";
import { addressText, type Cidr, gatewayOf, overlaps, parseCidr } from "../model/cidr.ts";

export { declaredCidrs } from "../model/cidr.ts";
import { FAMILIES, type Family, type FamilyAddresses, type HostSpec } from "../model/types.ts";
import type { SubnetPlan } from "./addresses.ts";
import { type Ipv6Source, IPV6_SUBNET_LABEL, ipv6Text } from "./ipv6-addresses.ts";
import { freeAddresses } from "./free-addresses.ts";
import { type StuckNetwork, stuckHint, stuckReason } from "./stuck-network.ts";
import { fwspecCommand } from "../invocation.ts";

/** A declared subnet held by a network the engine will not remove before it restarts: waiting does not help. */
export class StuckSubnetError extends LabError {}

/** An automatic plan with the declared families put in (gateway: the subnet's first address). */
export function withDeclared(plan: SubnetPlan, declared: FamilyAddresses | undefined): SubnetPlan {
  const v4 = declared?.ipv4 === undefined ? null : parseCidr(declared.ipv4, "ipv4");
  const v6 = declared?.ipv6 === undefined ? null : parseCidr(declared.ipv6, "ipv6");
  return {
    ...plan,
    ...(v4 ? { ipv4Subnet: v4.text, ipv4Gateway: gatewayOf(v4) } : {}),
    ...(v6 ? { ipv6Subnet: v6.text, ipv6Gateway: gatewayOf(v6) } : {}),
  };
}

/** The subnets every network on the engine uses, with the network's name (a lab network's IPv6 subnet from its label). */
export async function engineSubnets(docker: Dockerode): Promise<{ network: string; cidr: Cidr }[]> {
  const out: { network: string; cidr: Cidr }[] = [];
  for (const n of await docker.listNetworks()) {
    const labelled = n.Labels?.[IPV6_SUBNET_LABEL];
    for (const subnet of [...(n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ""), ...(labelled === undefined ? [] : [labelled])]) {
      const cidr = parseCidr(subnet, "ipv4") ?? parseCidr(subnet, "ipv6");
      if (cidr) out.push({ network: n.Name, cidr });
    }
  }
  return out;
}

/** A lab that stays on the engine by design, by its network's name: kept (`--keep`, by its run) or left warm (`--reuse`). */
export type LabsHeld = ReadonlyMap<string, { readonly run: string; readonly warm: boolean }>;

/**
 * Throws a LabError when a declared subnet overlaps a network already on the
 * engine; a StuckSubnetError when no wait ends it: that network is one of
 * `stale` (left behind, refused by the engine) or of a lab `held` (kept for
 * up to a day, or warm), whose removal the hint names.
 */
export function checkDeclaredFree(lab: string, declared: readonly Cidr[], engine: readonly { network: string; cidr: Cidr }[], stale: ReadonlyMap<string, StuckNetwork> = new Map(), invocation?: string, held: LabsHeld = new Map()): void {
  for (const d of declared) {
    const clash = engine.find((e) => overlaps(e.cidr, d));
    const stuck = clash ? stale.get(clash.network) : undefined;
    if (clash && stuck) {
      throw new StuckSubnetError(`lab ${lab}: declared subnet ${d.text} overlaps ${clash.cidr.text} of network ${clash.network}, left behind and refused removal by the container engine: ${stuckReason(stuck)}`, { hint: stuckHint(invocation) });
    }
    const holder = clash ? held.get(clash.network) : undefined;
    if (clash && holder) {
      const [what, remove] = holder.warm
        ? ["a lab left warm by a --reuse run (kept up to 15 minutes)", fwspecCommand("cleanup --kept", invocation)]
        : [`a lab kept by run ${holder.run} (--keep or --keep-on-failure; kept up to a day)`, fwspecCommand(`cleanup --run ${holder.run}`, invocation)];
      throw new StuckSubnetError(`lab ${lab}: declared subnet ${d.text} overlaps ${clash.cidr.text} of network ${clash.network}, which belongs to ${what}`, { hint: `remove it with \`${remove}\`, or declare another subnet` });
    }
    if (clash) {
      throw new LabError(`lab ${lab}: declared subnet ${d.text} overlaps ${clash.cidr.text} of network ${clash.network}, already on the container engine`, {
        hint: "another lab (perhaps another fwspec run) uses that subnet: wait for it to finish, or declare another subnet",
      });
    }
  }
}

/** Docker's endpoint settings for a host's fixed addresses on one network (none: automatic; an IPv6 one only when the engine gives IPv6 addresses: ipv6-addresses.ts). */
export function endpointConfig(fixed: FamilyAddresses | undefined, ipv6: Ipv6Source = "engine"): { IPAMConfig: { IPv4Address?: string; IPv6Address?: string } } | undefined {
  const v6 = ipv6 === "engine" ? fixed?.ipv6 : undefined;
  if (fixed?.ipv4 === undefined && v6 === undefined) return undefined;
  return { IPAMConfig: { ...(fixed?.ipv4 !== undefined ? { IPv4Address: fixed.ipv4 } : {}), ...(v6 !== undefined ? { IPv6Address: v6 } : {}) } };
}

/**
 * On a network where some hosts have a fixed address of a family, the address
 * each other host on it gets (pure; by host name): the engine gives the
 * lowest free address to whichever container connects first, which can be
 * one a fixed host has not claimed yet (`Address already in use`), so fwspec
 * chooses them: the lowest past the gateway that no host holds or reserves
 * (extra addresses). None where no host's address is fixed, or the subnet is full.
 */
export function chosenAddresses(hosts: readonly HostSpec[], networksOf: (spec: HostSpec) => readonly string[], network: string, subnet: string, family: Family): Map<string, string> {
  const cidr = parseCidr(subnet, family);
  const on = hosts.filter((h) => networksOf(h).includes(network));
  const out = new Map<string, string>();
  if (!cidr || !on.some((h) => h.addresses?.[network]?.[family] !== undefined)) return out;
  // A subnet with no address left: the engine's turn for the rest.
  for (const [name, { fixed, value }] of freeAddresses(on, network, cidr)) if (!fixed && value !== undefined) out.set(name, family === "ipv6" ? ipv6Text(value) : addressText(value, family));
  return out;
}

/**
 * The extra addresses hosts hold on a network, keyed for the network's IPAM
 * `AuxiliaryAddresses` by family: reserved there, the engine never gives one
 * of them to another host as its automatic address (where fwspec gives IPv6
 * addresses, ipv6-addresses.ts skips the IPv6 ones).
 */
export function reservedAddresses(hosts: readonly HostSpec[], network: string): { ipv4: Record<string, string>; ipv6: Record<string, string> } {
  const out: { ipv4: Record<string, string>; ipv6: Record<string, string> } = { ipv4: {}, ipv6: {} };
  for (const h of hosts) {
    (h.addresses?.[network]?.extra ?? []).forEach((a, i) => {
      out[a.includes(":") ? "ipv6" : "ipv4"][`fwspec-${h.name}-${i}`] = a;
    });
  }
  return out;
}
