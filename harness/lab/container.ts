/**
 * One lab host's container (testcontainers): the lab image with the host's
 * name, environment for the boot script, capabilities and kernel settings;
 * the process-wide container runtime preparation; removing containers.
 */
import type Dockerode from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import { imageExists } from "../env/images.ts";
import type { HostSpec } from "../model/types.ts";

export const RYUK_IMAGE = "testcontainers/ryuk:0.14.0";
/** fwspec-boot creates it once rules are restored and listeners started. */
export const READY_FILE = "/run/fwspec-ready";

/** Kernel settings of every lab host (per network namespace, so harmless to the machine). */
export const HOST_SYSCTLS: Readonly<Record<string, string>> = {
  // Without these, REJECT answers turn into timeouts after a few probes.
  "net.ipv4.icmp_ratelimit": "0",
  "net.ipv6.icmp.ratelimit": "0",
  // Nor past the namespace's limit on all ICMP and ICMPv6 errors it sends (1000 a second after a burst of 50): a sweep
  // sends thousands of packets a second, and the kernel's port unreachables for closed UDP ports went missing, read as
  // dropped where a single probe reads refused (a tester's 1-200/udp sweep).
  "net.ipv4.icmp_msgs_per_sec": "100000",
  "net.ipv4.icmp_msgs_burst": "10000",
  // New IPv6 addresses usable at once (no tentative DAD state).
  "net.ipv6.conf.all.accept_dad": "0",
  "net.ipv6.conf.default.accept_dad": "0",
  "net.ipv6.conf.all.disable_ipv6": "0",
  // A host forwards only when the scenario says it routes (ROUTER_SYSCTLS): a new network namespace otherwise
  // inherits IPv4 forwarding from the machine (devconf_inherit_init_net 0), on in many CI runners, so a
  // host's FORWARD chain would be reachable on one machine and not on another (mutate's reach.ts counts on it).
  "net.ipv4.ip_forward": "0",
  "net.ipv6.conf.all.forwarding": "0",
  // Sweeps' source ports (rules/trace.ts SWEEP_SOURCE_PORT, inside the ephemeral range): no connection of a
  // single probe or listener picks one, so a step's trace tells sweeps' packets apart (both families).
  "net.ipv4.ip_local_reserved_ports": "60000-60999",
};

export const ROUTER_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.ipv6.conf.all.forwarding": "1",
};

/** A host's kernel settings: every host's, forwarding on only for a router. */
export function hostSysctls(spec: Pick<HostSpec, "router">): Record<string, string> {
  return { ...HOST_SYSCTLS, ...(spec.router === true ? ROUTER_SYSCTLS : {}) };
}

/**
 * testcontainers, loaded when a container starts: a run on warm labs, `validate`
 * or `--help` never start one, and loading it costs a few hundred milliseconds.
 */
let testcontainers: Promise<typeof import("testcontainers")> | undefined;
function loadTestcontainers(): Promise<typeof import("testcontainers")> {
  return (testcontainers ??= import("testcontainers"));
}

/** Starts one lab host's container: the lab image with the host's name, boot environment, capabilities and kernel settings. */
export async function startHostContainer(image: string, spec: HostSpec, containerName: string, network: string, labels: Record<string, string>, endpoint?: object, ipv6Boot?: string): Promise<StartedTestContainer> {
  const { GenericContainer } = await loadTestcontainers();
  class LabHostContainer extends GenericContainer {
    constructor() {
      super(image);
      // Fixed addresses on the home network (declared.ts endpointConfig).
      if (endpoint) this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: endpoint } };
      this.withName(containerName)
        .withHostname(spec.name)
        .withNetworkMode(network)
        .withLabels(labels)
        .withEnvironment({
          FWSPEC_HOST: spec.name,
          FWSPEC_LISTEN: spec.listen.map((l) => `${l.protocol}/${l.port}`).join(" "),
          FWSPEC_BACKEND: spec.backend,
          // The IPv6 addresses fwspec chose (ipv6-addresses.ts ipv6BootEnv), added before the boot restores rules.
          ...(ipv6Boot ? { FWSPEC_IPV6: ipv6Boot } : {}),
        })
        .withStartupTimeout(30_000);
      // Every host gets NET_ADMIN: firewall hosts for rules, routed labs for routes, renamed interfaces and extra
      // addresses (interfaces.ts) for `ip`, and a lab lent to the next scenario ends every host's TCP connections
      // with `ss -K` (SOCK_DESTROY needs it; runner/shared-lab.ts). Rules are still applied only to firewall hosts
      // (the scenario says so); isolation.integration.test.ts proves the machine unreachable from such a host.
      this.withAddedCapabilities("NET_ADMIN");
      this.hostConfig.Sysctls = hostSysctls(spec);
      // The engine's DNS forwards names it does not know (none of the lab's) to these servers: the host's own loopback,
      // where nothing answers, never the machine's resolver (a rule naming a host by DNS name, `-s attacker.example`, is
      // looked up when loaded: tester 44d; Docker 20.10 forwards from internal networks too, CVE-2024-29018).
      this.hostConfig.Dns = ["127.0.0.1"];
      this.hostConfig.Init = true;
      this.hostConfig.Privileged = false;
      // fwspec-boot leaves fwspec-agent --attached on the container's stdin and stdout (a warm lab's taker attaches
      // to it instead of starting an exec per host: lab/agent.ts Agent.attach): stdin stays open between attaches,
      // and nothing is logged (the agent's replies are no log; the boot writes /run/fwspec-boot.log).
      this.createOpts.OpenStdin = true;
      this.createOpts.StdinOnce = false;
      this.hostConfig.LogConfig = { Type: "none", Config: {} };
    }
  }
  return await new LabHostContainer().start();
}

/**
 * testcontainers looks its reaper up once per process under a file lock polled
 * every 500 ms; done before parallel starts, they do not queue on that lock.
 * Call it once before starting labs side by side.
 */
export async function prepareContainerRuntime(docker: Dockerode): Promise<void> {
  // No registry to pull Ryuk from: without its image, fwspec cleans up itself (labels, sweeps).
  if (!(await imageExists(docker, RYUK_IMAGE))) process.env["TESTCONTAINERS_RYUK_DISABLED"] = "true";
  const { getContainerRuntimeClient, getReaper } = await loadTestcontainers();
  await getReaper(await getContainerRuntimeClient());
}

/**
 * Does testcontainers' reaper (Ryuk) run for this process's containers? Asked
 * after prepareContainerRuntime (which turns it off when its image is
 * missing): the reaper removes every container this process started once the
 * process ends, so no lab it started can be left warm.
 */
export function reaperRemovesLabs(): boolean {
  return process.env["TESTCONTAINERS_RYUK_DISABLED"] !== "true";
}

/** Removes containers with their volumes; failures are left to the sweeps. */
export async function removeContainers(docker: Dockerode, containerIds: readonly string[]): Promise<void> {
  await Promise.allSettled(containerIds.map((id) => docker.getContainer(id).remove({ force: true, v: true })));
}
