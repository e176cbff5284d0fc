/**
 * Keeps lab hosts away from the machine itself, without touching the machine's
 * firewall: each lab network's host bridge gets no IPv4 address (engine option
 * inhibit_ipv4), then fwspec sets kernel options of that bridge, an interface it
 * created and which vanishes with the network:
 *   disable_ipv6=1   no IPv6 gateway or link-local address; IPv6 arriving on it is dropped
 *   rp_filter=1      IPv4 from the lab fails the reverse-path check (no route points
 *                    back at an address-less bridge), for local delivery and forwarding
 *   arp_ignore=8     the machine never answers ARP on it
 *   forwarding=0     nothing received there is forwarded, even if ip_forward is turned on
 * Containers still talk to each other (the bridge switches frames; it needs no address).
 * Then the bridge is read back: an engine that ignored inhibit_ipv4 (the bridge
 * got 198.18.x.1, so a route back exists and rp_filter would pass) stops the
 * lab. `planIsolation` and `bridgeAddressProblem` are pure; `isolateNetwork`
 * writes the settings under /proc/sys and reads the bridge's addresses.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type Dockerode from "dockerode";
import { interfaceAddresses, type Interfaces } from "../env/interfaces.ts";
import { LabError } from "../errors.ts";

/** Network options for createNetwork: the bridge gets no IPv4 address. */
export const ISOLATION_NETWORK_OPTIONS: Readonly<Record<string, string>> = {
  "com.docker.network.bridge.inhibit_ipv4": "true",
};

/** The host bridge Docker creates for a bridge network. */
export function bridgeName(networkId: string): string {
  return `br-${networkId.slice(0, 12)}`;
}

export interface BridgeSetting {
  /** Under /proc/sys. */
  readonly path: string;
  readonly value: string;
}

export type IsolationPlan =
  | { readonly kind: "apply"; readonly bridge: string; readonly settings: readonly BridgeSetting[] }
  /** The engine runs elsewhere: its bridges are not this machine's to set. */
  | { readonly kind: "cannot"; readonly warning: string };

/** Pure: what to set for the network `networkId` of an engine on this machine (`local`) or elsewhere. */
export function planIsolation(networkId: string, local: boolean): IsolationPlan {
  const bridge = bridgeName(networkId);
  if (!local) {
    return {
      kind: "cannot",
      warning:
        `fwspec: WARNING: the Docker engine is not on this machine, so fwspec cannot set ${bridge}'s kernel options ` +
        "(disable_ipv6, rp_filter, arp_ignore, forwarding): lab hosts may be able to connect to the engine's machine " +
        "through that bridge; use an engine on this machine to keep lab hosts away from it",
    };
  }
  return {
    kind: "apply",
    bridge,
    settings: [
      { path: `/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, value: "1" },
      { path: `/proc/sys/net/ipv4/conf/${bridge}/rp_filter`, value: "1" },
      { path: `/proc/sys/net/ipv4/conf/${bridge}/arp_ignore`, value: "8" },
      { path: `/proc/sys/net/ipv4/conf/${bridge}/forwarding`, value: "0" },
    ],
  };
}

/** A unix socket, or TCP to loopback, is an engine on this machine. */
export function engineIsLocal(docker: Dockerode): boolean {
  const modem = (docker as unknown as { modem?: { socketPath?: unknown; host?: unknown } }).modem;
  if (typeof modem?.socketPath === "string" && modem.socketPath !== "") return true;
  return typeof modem?.host === "string" && ["localhost", "127.0.0.1", "::1"].includes(modem.host);
}

/** Pure: why the bridge still having addresses makes the lab unsafe, or undefined when it has none. */
export function bridgeAddressProblem(bridge: string, interfaces: Interfaces): string | undefined {
  const left = (interfaces[bridge] ?? []).map((a) => a.address);
  return left.length === 0 ? undefined : `the lab network's bridge ${bridge} still has the address(es) ${left.join(", ")} after fwspec's settings; lab hosts could reach this machine through it`;
}

let warned = false;

/** Applies the plan; a setting that cannot be written or does not read back is a LabError (the lab must not start). */
export async function isolateNetwork(docker: Dockerode, networkId: string): Promise<void> {
  // Visible here means local, whatever the engine's address looks like (tcp:// to this machine's own address).
  const plan = planIsolation(networkId, existsSync(`/sys/class/net/${bridgeName(networkId)}`) || engineIsLocal(docker));
  if (plan.kind === "cannot") {
    // Once per process: loud, but not once per network.
    if (!warned) process.stderr.write(`${plan.warning}\n`);
    warned = true;
    return;
  }
  const hint =
    "fwspec sets kernel options of each lab network's bridge so lab hosts cannot reach this machine; " +
    "run fwspec as root with the Docker engine in this machine's network namespace (not rootless Docker), or set DOCKER_HOST to an engine on another machine";
  if (!existsSync(`/sys/class/net/${plan.bridge}`)) {
    throw new LabError(`the lab network's bridge ${plan.bridge} is not visible on this machine; fwspec cannot keep lab hosts away from the machine`, { hint });
  }
  for (const s of plan.settings) {
    let read: string;
    try {
      writeFileSync(s.path, s.value);
      read = readFileSync(s.path, "utf8").trim();
    } catch (error) {
      throw new LabError(`cannot set ${s.path} to ${s.value} (${(error as Error).message}); fwspec cannot keep lab hosts away from the machine`, { hint, cause: error });
    }
    if (read !== s.value) throw new LabError(`${s.path} reads ${read} after writing ${s.value}; fwspec cannot keep lab hosts away from the machine`, { hint });
  }
  let addresses: Interfaces;
  try {
    addresses = await interfaceAddresses(plan.bridge);
  } catch (error) {
    throw new LabError(`cannot read the addresses of the lab network's bridge ${plan.bridge} (${(error as Error).message}); fwspec cannot keep lab hosts away from the machine`, { hint, cause: error });
  }
  const problem = bridgeAddressProblem(plan.bridge, addresses);
  if (problem) throw new LabError(problem, { hint: "the engine must honour com.docker.network.bridge.inhibit_ipv4 (Docker 20.10 and later do)" });
}
