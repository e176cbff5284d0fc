/**
 * The lab: named hosts on one private Docker network (IPv4 in 198.18.0.0/16,
 * IPv6 in 2001:db8::/32). The only module that knows Docker. Configured `Lab`
 * → `StartedLab` (AsyncDisposable: `await using lab = await new Lab(…).start()`).
 */
import { randomBytes } from "node:crypto";
import { readlinkSync } from "node:fs";
import type Dockerode from "dockerode";
import pLimit from "p-limit";
import pRetry from "p-retry";
import { GenericContainer, getContainerRuntimeClient, getReaper, type StartedTestContainer } from "testcontainers";
import { imageExists } from "../env/images.ts";
import { CommandError, LabError } from "../errors.ts";
import { HOST_NAME as NAME } from "../model/names.ts";
import { DEFAULT_NETWORK, type Family, type HostSpec } from "../model/types.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { pickSlot, type SubnetPlan, subnetForSlot } from "./addresses.ts";
import { AgentPool, type AgentReply } from "./agent.ts";
import { ISOLATION_NETWORK_OPTIONS, isolateNetwork } from "./isolation.ts";
import { type CommandTarget, type ExecOptions, type ExecResult, reproCommand } from "./exec.ts";
import { commandLimits, DEFAULT_COMMAND_TIMEOUT_SECONDS, timedOutError } from "./limits.ts";
import { LabRegistry, newRunId, removeLab, resourceLabels, sweepOrphans } from "./resources.ts";

export const RYUK_IMAGE = "testcontainers/ryuk:0.14.0";
/** fwspec-boot creates it once rules are restored and listeners started. */
export const READY_FILE = "/run/fwspec-ready";

/** Kernel settings of every lab host (per network namespace, so harmless to the machine). */
export const HOST_SYSCTLS: Readonly<Record<string, string>> = {
  // Without these, REJECT answers turn into timeouts after a few probes.
  "net.ipv4.icmp_ratelimit": "0",
  "net.ipv6.icmp.ratelimit": "0",
  // New IPv6 addresses usable at once (no tentative DAD state).
  "net.ipv6.conf.all.accept_dad": "0",
  "net.ipv6.conf.default.accept_dad": "0",
  "net.ipv6.conf.all.disable_ipv6": "0",
};

export interface LabOptions {
  /** Short name, part of container names: fwspec-<run>-<lab>-<4 hex>-<host>. */
  readonly name: string;
  readonly hosts: readonly HostSpec[];
  /** Network names; hosts list theirs in HostSpec.networks. Default: one network, DEFAULT_NETWORK. */
  readonly networks?: readonly string[];
  readonly docker: Dockerode;
  /** The lab image tag (from ensureLabImage). */
  readonly image: string;
  /** Groups every resource of this process's run; defaults to a fresh id. */
  readonly runId?: string;
  /** Live labs are registered here so a signal handler can dispose them. */
  readonly registry?: LabRegistry;
  readonly progress?: Progress;
  /** Limit for one in-container command, in seconds (default DEFAULT_COMMAND_TIMEOUT_SECONDS). */
  readonly commandTimeoutSeconds?: number;
}

/** `FWSPEC_TRACE=1`: every in-container command on stderr, with its start (ms since the process began) and duration. */
const TRACE = process.env["FWSPEC_TRACE"] === "1";

/** Shell text (no scenario text in it): stdin to the file "$1", mode 0755. */
const WRITE_STAGED = 'mkdir -p -- "${1%/*}" && cat > "$1" && chmod 0755 "$1"';
const STAGE_FAILED = "fwspec-stage: cannot write";

export const ROUTER_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_forward": "1",
  "net.ipv6.conf.all.forwarding": "1",
};

class LabHostContainer extends GenericContainer {
  constructor(image: string, spec: HostSpec, containerName: string, network: string, labels: Record<string, string>, needsNetAdmin: boolean) {
    super(image);
    this.withName(containerName)
      .withHostname(spec.name)
      .withNetworkMode(network)
      .withLabels(labels)
      .withEnvironment({
        FWSPEC_HOST: spec.name,
        FWSPEC_LISTEN: spec.listen.map((l) => `${l.protocol}/${l.port}`).join(" "),
        FWSPEC_BACKEND: spec.backend,
      })
      .withStartupTimeout(30_000);
    // Firewall hosts need NET_ADMIN for rules; in routed labs every host needs it for its routes.
    if (spec.firewall || needsNetAdmin) this.withAddedCapabilities("NET_ADMIN");
    this.hostConfig.Sysctls = { ...HOST_SYSCTLS, ...(spec.router ? ROUTER_SYSCTLS : {}) };
    this.hostConfig.Init = true;
    this.hostConfig.Privileged = false;
  }
}

export interface HostAddresses {
  readonly ipv4: string;
  readonly ipv6: string;
}

/** Addresses of a host on each of its networks, in the host's network order. */
export type NetworkAddresses = ReadonlyMap<string, HostAddresses>;

/** A running lab host. Commands are argument arrays run with docker exec. */
export class StartedHost implements CommandTarget {
  readonly spec: HostSpec;
  readonly containerName: string;
  /** Per network; re-read after a reboot. */
  #networkAddresses: NetworkAddresses;
  readonly #container: StartedTestContainer;
  readonly #docker: Dockerode;
  /** Commands go through fwspec-agent processes in the container (one exec each, reused). */
  readonly agents: AgentPool;
  /** Every command's limit unless it names its own (see limits.ts). */
  readonly commandTimeoutSeconds: number;
  #isolationChecked = false;

  constructor(spec: HostSpec, container: StartedTestContainer, addresses: NetworkAddresses, docker: Dockerode, commandTimeoutSeconds = DEFAULT_COMMAND_TIMEOUT_SECONDS) {
    this.spec = spec;
    this.commandTimeoutSeconds = commandTimeoutSeconds;
    this.#container = container;
    this.containerName = container.getName().replace(/^\//, "");
    this.#networkAddresses = addresses;
    this.#docker = docker;
    this.agents = new AgentPool(docker, () => this.id, spec.name);
  }

  /** Addresses on the host's first (home) network. */
  get addresses(): HostAddresses {
    return [...this.#networkAddresses.values()][0]!;
  }

  get networkAddresses(): NetworkAddresses {
    return this.#networkAddresses;
  }

  /** The network names this host is attached to (lab-level names). */
  get networks(): string[] {
    return [...this.#networkAddresses.keys()];
  }

  addressOn(network: string, family: Family): string | undefined {
    const a = this.#networkAddresses.get(network);
    return a ? (family === "ipv4" ? a.ipv4 : a.ipv6) : undefined;
  }

  /** Restarts the container as a reboot: fresh network namespace, boot script runs again. */
  async restart(addressesOf: (info: Dockerode.ContainerInspectInfo) => NetworkAddresses): Promise<void> {
    // The new boot writes the ready file again; an old one must not look like it.
    await this.exec(["rm", "-f", READY_FILE]).catch(() => undefined);
    this.agents.reset();
    await this.#container.restart({ timeout: 0 });
    const info = await this.#docker.getContainer(this.id).inspect();
    this.#networkAddresses = addressesOf(info);
    this.#isolationChecked = false;
  }

  get name(): string {
    return this.spec.name;
  }

  get id(): string {
    return this.#container.getId();
  }

  loopback(family: Family): string {
    return family === "ipv4" ? "127.0.0.1" : "::1";
  }

  /**
   * Runs a command; a failure to run it at all (container gone) throws LabError,
   * one that runs into its time limit a CommandError. A non-zero exit is data.
   */
  async exec(command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const { timedOut, limitSeconds, ...r } = await this.#exec(command, options);
    if (timedOut) throw timedOutError(this.name, command, limitSeconds, r);
    return r;
  }

  async #exec(command: readonly string[], options: ExecOptions): Promise<ExecResult & Pick<AgentReply, "timedOut"> & { limitSeconds: number }> {
    const started = performance.now();
    const limits = commandLimits(this.commandTimeoutSeconds, options);
    try {
      const r = await this.agents.run(command, options.stdin ?? "", limits);
      if (TRACE) process.stderr.write(`fwspec trace ${started.toFixed(0).padStart(6)} ms +${(performance.now() - started).toFixed(0).padStart(4)} ms ${this.name}: ${command.join(" ").slice(0, 100)} -> ${r.exitCode}${r.timedOut ? " (timed out)" : ""}\n`);
      return { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: Math.round(performance.now() - started), timedOut: r.timedOut, limitSeconds: limits.limitSeconds };
    } catch (error) {
      throw new LabError(`cannot run \`${command.join(" ")}\` on ${this.name} (${this.containerName}): ${(error as Error).message}`, { cause: error });
    }
  }

  /** Runs a command that must succeed; otherwise a CommandError with its output. */
  async run(command: readonly string[], what: string, options: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.exec(command, options);
    if (r.exitCode !== 0) {
      throw new CommandError(`${what} failed on ${this.name}`, { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    }
    return r;
  }

  repro(command: readonly string[]): string {
    return reproCommand(this.containerName, command);
  }

  /** Writes a file inside the host (mode 0755), through the command channel. */
  async copyFile(content: string, target: string): Promise<void> {
    await this.run(["sh", "-c", WRITE_STAGED, "fwspec-write", target], `writing ${target}`, { stdin: content });
  }

  /**
   * Writes `content` to `target` (as copyFile) and runs `command` right after,
   * in one round trip; a failure to write is told apart from the command's own.
   */
  async runStaged(content: string, target: string, command: readonly string[], what: string): Promise<ExecResult> {
    const script = `${WRITE_STAGED} || { echo "${STAGE_FAILED} $1" >&2; exit 197; }; shift; exec "$@"`;
    const { timedOut, limitSeconds, ...r } = await this.#exec(["sh", "-c", script, "fwspec-stage", target, ...command], { stdin: content });
    if (timedOut) throw timedOutError(this.name, command, limitSeconds, r);
    if (r.exitCode === 197 && r.stderr.endsWith(`${STAGE_FAILED} ${target}\n`)) {
      throw new CommandError(`writing ${target} failed on ${this.name}`, { command: r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    }
    if (r.exitCode !== 0) {
      throw new CommandError(`${what} failed on ${this.name}`, { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    }
    return { ...r, command };
  }

  /**
   * Refuses to touch a host that shares the machine's network namespace, runs
   * privileged, or uses host networking. Checked once per host start.
   */
  async assertIsolated(): Promise<void> {
    if (this.#isolationChecked) return;
    const info = await this.#docker.getContainer(this.id).inspect();
    if (info.HostConfig.Privileged) throw new LabError(`${this.name} runs privileged; fwspec refuses to apply rules there`);
    if (info.HostConfig.NetworkMode === "host") throw new LabError(`${this.name} uses host networking; fwspec refuses to apply rules there`);
    let own: string | undefined;
    try {
      own = readlinkSync("/proc/self/ns/net");
    } catch {
      own = undefined; // not Linux, or no /proc: the engine is elsewhere, its namespaces are not ours
    }
    const theirs = (await this.run(["readlink", "/proc/1/ns/net"], "reading the network namespace", { light: true })).stdout.trim();
    if (own !== undefined && theirs === own) {
      throw new LabError(`${this.name} shares this machine's network namespace (${own}); fwspec refuses to apply rules there`);
    }
    this.#isolationChecked = true;
  }
}

export interface LabNetwork {
  /** The scenario's name for it (lan, dmz). */
  readonly name: string;
  /** Docker's name for it. */
  readonly dockerName: string;
  readonly id: string;
  readonly plan: SubnetPlan;
}

export class StartedLab implements AsyncDisposable {
  readonly name: string;
  readonly runId: string;
  readonly networks: ReadonlyMap<string, LabNetwork>;
  readonly hosts: ReadonlyMap<string, StartedHost>;
  readonly #docker: Dockerode;
  readonly #registry: LabRegistry | undefined;
  readonly #progress: Progress;
  #disposed = false;

  constructor(name: string, runId: string, networks: ReadonlyMap<string, LabNetwork>, hosts: ReadonlyMap<string, StartedHost>, docker: Dockerode, progress: Progress, registry?: LabRegistry) {
    this.name = name;
    this.runId = runId;
    this.networks = networks;
    this.hosts = hosts;
    this.#docker = docker;
    this.#progress = progress;
    this.#registry = registry;
    registry?.add(this);
  }

  /** The first network (the only one in a single-network lab). */
  get network(): LabNetwork {
    return [...this.networks.values()][0]!;
  }

  /**
   * The address `to` is reached at from `from`: on a network they share, else
   * on the target's home network (through a router).
   */
  addressFor(from: StartedHost, to: StartedHost, family: Family): string {
    const shared = to.networks.find((n) => from.networks.includes(n));
    const a = to.addressOn(shared ?? to.networks[0]!, family);
    if (!a) throw new LabError(`${to.name} has no ${family} address`);
    return a;
  }

  /** Reboots a host: container restart, then routes, IPv6 settling and warm-up again. */
  async reboot(name: string): Promise<void> {
    const host = this.host(name);
    this.#progress.info(`rebooting ${name}`);
    await host.restart((info) => addressesOf(info, this.networks, name));
    await prepareHosts(this, this.#progress, [host]);
  }

  host(name: string): StartedHost {
    const host = this.hosts.get(name);
    if (!host) throw new LabError(`no host \`${name}\` in lab ${this.name} (hosts: ${[...this.hosts.keys()].join(", ")})`);
    return host;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#registry?.delete(this);
    for (const h of this.hosts.values()) h.agents.reset();
    await destroy(this.#docker, [...this.hosts.values()].map((h) => h.id), [...this.networks.values()].map((n) => n.id));
  }
}

async function destroy(docker: Dockerode, containerIds: readonly string[], networkIds: readonly string[]): Promise<void> {
  await Promise.allSettled(containerIds.map((id) => docker.getContainer(id).remove({ force: true, v: true })));
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
        { retries: 5, minTimeout: 100, maxRetryTime: 5000 },
      ).catch(() => undefined),
    ),
  );
}

export async function takenSlots(docker: Dockerode): Promise<Set<number>> {
  const taken = new Set<number>();
  for (const n of await docker.listNetworks()) {
    for (const c of n.IPAM?.Config ?? []) {
      const m = /^198\.18\.(\d+)\.0\/24$/.exec(c.Subnet ?? "");
      if (m) taken.add(Number(m[1]));
    }
  }
  return taken;
}

async function createNetwork(docker: Dockerode, name: string, dockerName: string, labels: Record<string, string>): Promise<LabNetwork> {
  return pRetry(
    async () => {
      const plan = subnetForSlot(pickSlot(await takenSlots(docker)));
      const network = await docker.createNetwork({
        Name: dockerName,
        Driver: "bridge",
        // No gateway route out of the lab: probes can reach lab addresses and nothing else.
        Internal: true,
        EnableIPv6: true,
        CheckDuplicate: true,
        Labels: labels,
        // The host bridge gets no IPv4 address; isolateNetwork does the rest (lab hosts cannot reach the machine).
        Options: { ...ISOLATION_NETWORK_OPTIONS },
        IPAM: {
          Driver: "default",
          Config: [
            { Subnet: plan.ipv4Subnet, Gateway: plan.ipv4Gateway },
            { Subnet: plan.ipv6Subnet, Gateway: plan.ipv6Gateway },
          ],
        },
      });
      try {
        isolateNetwork(docker, network.id);
      } catch (error) {
        await network.remove().catch(() => undefined);
        throw error;
      }
      return { name, dockerName, id: network.id, plan };
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

function networkAddresses(info: Dockerode.ContainerInspectInfo, network: string, host: string): HostAddresses {
  const settings = info.NetworkSettings.Networks[network];
  if (!settings?.IPAddress || !settings.GlobalIPv6Address) {
    throw new LabError(`${host} has no IPv4 and IPv6 address on ${network}`, { hint: "the engine must support IPv6 networks (EnableIPv6)" });
  }
  return { ipv4: settings.IPAddress, ipv6: settings.GlobalIPv6Address };
}

function hostNetworks(spec: HostSpec, all: readonly string[]): readonly string[] {
  return spec.networks && spec.networks.length > 0 ? spec.networks : [all[0]!];
}

function addressesOf(info: Dockerode.ContainerInspectInfo, networks: ReadonlyMap<string, LabNetwork>, host: string): NetworkAddresses {
  const map = new Map<string, HostAddresses>();
  const attached = Object.keys(info.NetworkSettings.Networks);
  for (const [name, net] of networks) {
    if (attached.includes(net.dockerName)) map.set(name, networkAddresses(info, net.dockerName, host));
  }
  return map;
}

export class Lab {
  readonly #options: LabOptions;

  constructor(options: LabOptions) {
    if (!NAME.test(options.name)) throw new LabError(`lab name \`${options.name}\` must match ${NAME}`);
    if (options.hosts.length === 0) throw new LabError("a lab needs at least one host");
    const seen = new Set<string>();
    for (const h of options.hosts) {
      if (!NAME.test(h.name)) throw new LabError(`host name \`${h.name}\` must match ${NAME}`);
      if (seen.has(h.name)) throw new LabError(`host \`${h.name}\` is declared twice`);
      seen.add(h.name);
    }
    this.#options = options;
  }

  async start(): Promise<StartedLab> {
    const { docker, image, hosts, name } = this.#options;
    const progress = this.#options.progress ?? silentProgress;
    const runId = this.#options.runId ?? newRunId();
    // Labs of one run may share a name (parallel test workers, files with one base
    // name): a short random part keeps their containers, networks and labels apart.
    const instance = `${name}-${randomBytes(2).toString("hex")}`;
    const labels = resourceLabels(runId, instance);
    const networkNames = this.#options.networks && this.#options.networks.length > 0 ? this.#options.networks : [DEFAULT_NETWORK];
    const routed = networkNames.length > 1;
    await sweepOrphans(docker);
    await prepareContainerRuntime(docker);

    const prefix = `fwspec-${runId}-${instance}`;
    progress.step(`lab ${name}: starting ${hosts.length} host(s) on ${networkNames.length} network(s)`);
    const networks = new Map<string, LabNetwork>();
    const started: StartedTestContainer[] = [];
    try {
      for (const n of networkNames) {
        networks.set(n, await createNetwork(docker, n, networkNames.length === 1 ? prefix : `${prefix}-${n}`, labels));
      }
      const containers = await Promise.all(
        hosts.map(async (spec) => {
          const [home, ...others] = hostNetworks(spec, networkNames).map((n) => networks.get(n)!);
          const c = await new LabHostContainer(image, spec, `${prefix}-${spec.name}`, home!.dockerName, labels, routed).start();
          started.push(c);
          for (const other of others) await docker.getNetwork(other.id).connect({ Container: c.getId() });
          return [spec, c] as const;
        }),
      );
      const map = new Map<string, StartedHost>();
      for (const [spec, c] of containers) {
        const info = await docker.getContainer(c.getId()).inspect();
        map.set(spec.name, new StartedHost(spec, c, addressesOf(info, networks, spec.name), docker, this.#options.commandTimeoutSeconds));
      }
      const lab = new StartedLab(name, runId, networks, map, docker, progress, this.#options.registry);
      try {
        await prepareHosts(lab, progress, [...map.values()]);
      } catch (error) {
        await lab[Symbol.asyncDispose]();
        throw error;
      }
      progress.info(`lab ${name}: ready on ${[...networks.values()].map((n) => `${n.plan.ipv4Subnet} and ${n.plan.ipv6Subnet}`).join(", ")}`);
      return lab;
    } catch (error) {
      await destroy(docker, started.map((c) => c.getId()), [...networks.values()].map((n) => n.id));
      await removeLab(docker, runId, instance).catch(() => undefined);
      if (error instanceof LabError || error instanceof CommandError) throw error;
      throw new LabError(`lab ${name} could not start: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * testcontainers looks its reaper up once per process under a file lock polled
 * every 500 ms; done before parallel starts, they do not queue on that lock.
 * Call it once before starting labs side by side.
 */
export async function prepareContainerRuntime(docker: Dockerode): Promise<void> {
  // No registry to pull Ryuk from: without its image, fwspec cleans up itself (labels, sweeps).
  if (!(await imageExists(docker, RYUK_IMAGE))) process.env["TESTCONTAINERS_RYUK_DISABLED"] = "true";
  await getReaper(await getContainerRuntimeClient());
}

/**
 * Routes through routers (routed labs), IPv6 addresses settled, one warm-up
 * packet per peer and family (ARP/ND). Run at start and after a reboot.
 */
async function prepareHosts(lab: StartedLab, progress: Progress, which: readonly StartedHost[]): Promise<void> {
  const hosts = [...lab.hosts.values()];
  const limit = pLimit(8);
  await Promise.all(which.map((h) => limit(() => awaitBoot(h))));
  await Promise.all(which.map((h) => limit(() => addRoutes(lab, h))));
  await Promise.all(
    which.map((h) =>
      limit(() =>
        pRetry(
          async () => {
            const r = await h.exec(["ip", "-6", "-o", "addr", "show", "scope", "global", "tentative"], { light: true });
            if (r.exitCode !== 0 || r.stdout.trim() !== "") throw new LabError(`${h.name}: IPv6 address still tentative`);
          },
          { retries: 20, minTimeout: 50, maxTimeout: 200, maxRetryTime: 10_000 },
        ),
      ),
    ),
  );
  progress.info("warming up neighbours (one ping per peer and family)");
  // Every host warms up, so after a reboot the others learn the rebooted host's neighbour entry too.
  await Promise.all(
    hosts.map((h) => {
      const peers = hosts.filter((p) => p !== h).flatMap((p) => [lab.addressFor(h, p, "ipv4"), lab.addressFor(h, p, "ipv6")]);
      if (peers.length === 0) return Promise.resolve();
      return limit(() => h.exec(["sh", "-c", 'for a in "$@"; do ping -c 1 -W 1 -q "$a" >/dev/null 2>&1 & done; wait', "warm-up", ...peers]));
    }),
  );
}

/** The boot script has restored rules and started listeners (bounded wait; every try is a command). */
async function awaitBoot(host: StartedHost): Promise<void> {
  // Two channels: probes of the two families run side by side.
  await host.agents.warm(2);
  let tries = 0;
  await pRetry(
    async () => {
      tries++;
      const r = await host.exec(["test", "-e", READY_FILE], { light: true });
      if (r.exitCode !== 0) throw new LabError(`${host.name} has not finished booting (${READY_FILE} missing after ${tries} tries)`, { hint: `see its boot log: docker logs ${host.containerName}` });
    },
    { retries: 60, minTimeout: 20, maxTimeout: 250, factor: 1.5, maxRetryTime: 30_000 },
  );
}

/** In a routed lab: a route to every network the host is not on, via a router on one of its networks. */
async function addRoutes(lab: StartedLab, host: StartedHost): Promise<void> {
  if (lab.networks.size < 2 || host.spec.router) return;
  const routers = [...lab.hosts.values()].filter((h) => h.spec.router);
  for (const [name, net] of lab.networks) {
    if (host.networks.includes(name)) continue;
    const via = routers.find((r) => r.networks.includes(name) && r.networks.some((n) => host.networks.includes(n)));
    if (!via) continue; // unreachable by design; probes will say so
    const shared = via.networks.find((n) => host.networks.includes(n))!;
    await host.run(["ip", "route", "replace", net.plan.ipv4Subnet, "via", via.addressOn(shared, "ipv4")!], `route to ${name} via ${via.name}`);
    await host.run(["ip", "-6", "route", "replace", net.plan.ipv6Subnet, "via", via.addressOn(shared, "ipv6")!], `IPv6 route to ${name} via ${via.name}`);
  }
}
