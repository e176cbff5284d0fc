/**
 * Lab networks on the Docker engine: each is an internal bridge on a free slot
 * of the address plan (addresses.ts), kept away from the machine by
 * isolation.ts. Where fwspec gives hosts their IPv6 addresses
 * (ipv6-addresses.ts ipv6SourceFor: Docker before 26, which would spend a
 * re-exec of its own binary per interface on each container start), the
 * engine knows the network's IPv4 subnet only, the IPv6 one is in a label;
 * elsewhere the network has both. Also: which addresses a container has on
 * the lab's networks (the engine's IPv4 address; fwspec's IPv6 label, else
 * the engine's IPv6 address), and removing networks when a lab goes.
 */
import type Dockerode from "dockerode";
import pRetry from "p-retry";
import { LabError } from "../errors.ts";
import { type Cidr, overlaps, parseCidr } from "../model/cidr.ts";
import type { FamilyAddresses, HostSpec } from "../model/types.ts";
import { engineSubnets, withDeclared } from "./declared.ts";
import { pickSlot, SLOT_COUNT, type SubnetPlan, subnetForSlot } from "./addresses.ts";
import { ISOLATION_NETWORK_OPTIONS, isolateNetwork } from "./isolation.ts";
import { type Ipv6Source, ipv6SourceFor, IPV6_SUBNET_LABEL, ipv6Label } from "./ipv6-addresses.ts";
import type { HostAddresses, LabNetworkInfo, NetworkAddresses } from "./types.ts";
import { forgetStuck, noteStuck, refusedInUse, staleNetworks, type StuckNetwork } from "./stuck-network.ts";

/** A lab network: what the layers above see (name, subnets) plus Docker's name and id. */
export interface LabNetwork extends LabNetworkInfo {
  /** Docker's name for it. */
  readonly dockerName: string;
  readonly id: string;
  readonly plan: SubnetPlan;
}

/** The slots (addresses.ts) that overlap a network on the engine or a subnet to avoid (a lab's declared ones). */
export async function takenSlots(docker: Dockerode, avoid: readonly Cidr[] = []): Promise<Set<number>> {
  const taken = new Set<number>();
  // Both families: a network with a declared IPv4 subnet keeps its slot's automatic IPv6 one, which the engine may not know (ipv6-addresses.ts).
  const used = [...(await engineSubnets(docker)).map((e) => e.cidr), ...avoid];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const plan = subnetForSlot(slot);
    const mine = [parseCidr(plan.ipv4Subnet, "ipv4")!, parseCidr(plan.ipv6Subnet, "ipv6")!];
    if (used.some((c) => mine.some((m) => overlaps(c, m)))) taken.add(slot);
  }
  return taken;
}

/** Creates and isolates one network on a free slot; retried when another lab takes the slot first. */
export async function createNetwork(
  docker: Dockerode,
  name: string,
  dockerName: string,
  labels: Record<string, string>,
  declared?: FamilyAddresses,
  avoid: readonly Cidr[] = [],
  reserved: { readonly ipv4: Record<string, string>; readonly ipv6: Record<string, string> } = { ipv4: {}, ipv6: {} },
  ipv6: Ipv6Source = "engine",
): Promise<LabNetwork> {
  return pRetry(
    async () => {
      // Declared families replace the automatic ones; automatic ones never overlap any declared subnet of the lab.
      const plan = withDeclared(subnetForSlot(pickSlot(await takenSlots(docker, avoid))), declared);
      const network = await docker.createNetwork({
        Name: dockerName,
        Driver: "bridge",
        // No gateway route out of the lab: probes can reach lab addresses and nothing else.
        Internal: true,
        // Where fwspec gives IPv6 (ipv6-addresses.ts), the engine knows none: the subnet is in the label, each host adds its address.
        EnableIPv6: ipv6 === "engine",
        CheckDuplicate: true,
        Labels: { ...labels, [IPV6_SUBNET_LABEL]: plan.ipv6Subnet },
        // The host bridge gets no IPv4 address; isolateNetwork does the rest (lab hosts cannot reach the machine).
        Options: { ...ISOLATION_NETWORK_OPTIONS },
        IPAM: {
          Driver: "default",
          Config: [
            // Hosts' extra addresses (added in the hosts later) are reserved: never a host's automatic address.
            { Subnet: plan.ipv4Subnet, Gateway: plan.ipv4Gateway, ...(Object.keys(reserved.ipv4).length > 0 ? { AuxiliaryAddresses: reserved.ipv4 } : {}) },
            ...(ipv6 === "engine" ? [{ Subnet: plan.ipv6Subnet, Gateway: plan.ipv6Gateway, ...(Object.keys(reserved.ipv6).length > 0 ? { AuxiliaryAddresses: reserved.ipv6 } : {}) }] : []),
          ],
        },
      });
      try {
        await isolateNetwork(docker, network.id);
      } catch (error) {
        await network.remove().catch(() => undefined);
        throw error;
      }
      return { name, dockerName, id: network.id, plan, ipv4Subnet: plan.ipv4Subnet, ipv6Subnet: plan.ipv6Subnet };
    },
    {
      retries: 8,
      minTimeout: 50,
      maxRetryTime: 15_000,
      // Another lab took the same subnet between our look and our create.
      shouldRetry: ({ error }) => !(error instanceof LabError) && /overlap|already|in use/i.test(error.message),
    },
  );
}

/**
 * Removes networks (their containers must be gone); one already gone is fine,
 * other failures are retried, then left to the sweeps. One the engine still
 * refuses as in use is returned (and noted: stuck-network.ts), for the lab to say so.
 */
export async function removeNetworks(docker: Dockerode, networkIds: readonly string[], retry: { readonly retries: number; readonly maxRetryTime: number } = { retries: 5, maxRetryTime: 5000 }): Promise<StuckNetwork[]> {
  const stuck: StuckNetwork[] = [];
  await Promise.all(
    networkIds.map((networkId) =>
      pRetry(
        async () => {
          try {
            await docker.getNetwork(networkId).remove();
          } catch (error) {
            if ((error as { statusCode?: number }).statusCode === 404) return;
            throw error;
          }
        },
        { retries: retry.retries, minTimeout: 100, maxRetryTime: retry.maxRetryTime },
      ).catch(async (error: unknown) => {
        const found = refusedInUse(error) ? await stuckNetwork(docker, networkId) : undefined;
        if (found && found !== "gone") stuck.push(found);
      }),
    ),
  );
  noteStuck(docker, stuck);
  return stuck;
}

/** A network the engine refused to remove, as it lists it now: `gone` when someone removed it since, undefined when it cannot be read. */
export async function stuckNetwork(docker: Dockerode, networkId: string): Promise<StuckNetwork | "gone" | undefined> {
  try {
    const info: Dockerode.NetworkInspectInfo = await docker.getNetwork(networkId).inspect();
    return { name: info.Name, attached: Object.values(info.Containers ?? {}).map((c) => c.Name ?? "?") };
  } catch (error) {
    return (error as { statusCode?: number }).statusCode === 404 ? "gone" : undefined;
  }
}

/**
 * Tries once more to remove each network noted stale on this engine client
 * (stuck-network.ts; this run's own, or one a sweep found left by a run that
 * is gone): one the engine now lets go, or that is gone, is no longer noted.
 */
export async function retryStale(docker: Dockerode): Promise<void> {
  for (const name of staleNetworks(docker).keys()) {
    try {
      await docker.getNetwork(name).remove();
      forgetStuck(docker, name);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) forgetStuck(docker, name);
    }
  }
}

/** The lab-level networks a host is attached to: its own list, else the first network. */
export function hostNetworks(spec: HostSpec, all: readonly string[]): readonly string[] {
  return spec.networks && spec.networks.length > 0 ? spec.networks : [all[0]!];
}

/** Who gives this engine's lab hosts their IPv6 addresses (ipv6-addresses.ts ipv6SourceFor), asked once per client. */
const sources = new WeakMap<Dockerode, Promise<Ipv6Source>>();
export function engineIpv6Source(docker: Dockerode): Promise<Ipv6Source> {
  let source = sources.get(docker);
  if (!source) {
    source = docker.version().then((v) => ipv6SourceFor(v.Version ?? ""), () => "engine" as const);
    sources.set(docker, source);
  }
  return source;
}

/** A container's addresses on each lab network it is attached to, in the lab's network order: the engine's IPv4 address, fwspec's IPv6 label (else the engine's IPv6 address). */
export function addressesOf(info: Dockerode.ContainerInspectInfo, networks: ReadonlyMap<string, LabNetwork>, host: string): NetworkAddresses {
  const map = new Map<string, HostAddresses>();
  for (const [name, net] of networks) {
    const settings = info.NetworkSettings.Networks[net.dockerName];
    if (!settings) continue;
    const ipv6 = info.Config.Labels?.[ipv6Label(name)] ?? settings.GlobalIPv6Address;
    if (!settings.IPAddress || !ipv6) {
      throw new LabError(`${host} has no ${settings.IPAddress ? "IPv6" : "IPv4"} address on ${name}`, { hint: `see \`docker inspect ${info.Name.replace(/^\//, "")}\`: a container fwspec did not start, or started by another version` });
    }
    map.set(name, { ipv4: settings.IPAddress, ipv6 });
  }
  return map;
}

/** A container's MAC address on each lab network it is attached to: how its interfaces are found inside it. */
export function macsOf(info: Dockerode.ContainerInspectInfo, networks: ReadonlyMap<string, LabNetwork>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, net] of networks) {
    const mac = info.NetworkSettings.Networks[net.dockerName]?.MacAddress;
    if (mac) map.set(name, mac.toLowerCase());
  }
  return map;
}
