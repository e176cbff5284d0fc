/**
 * The lab: named hosts on one private Docker network (IPv4 in 198.18.0.0/16,
 * IPv6 in 2001:db8::/32). The only module that knows Docker. Configured `Lab`
 * → `StartedLab` (AsyncDisposable: `await using lab = await new Lab(…).start()`).
 */
import { readlinkSync } from "node:fs";
import type Dockerode from "dockerode";
import pLimit from "p-limit";
import pRetry from "p-retry";
import { GenericContainer, type StartedTestContainer, Wait } from "testcontainers";
import { CommandError, LabError } from "../errors.ts";
import type { Family, HostSpec } from "../model/types.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { pickSlot, type SubnetPlan, subnetForSlot } from "./addresses.ts";
import { type CommandTarget, type ExecOptions, type ExecResult, reproCommand } from "./exec.ts";
import { LabRegistry, newRunId, removeRun, resourceLabels, sweepOrphans } from "./resources.ts";

export const RYUK_IMAGE = "testcontainers/ryuk:0.14.0";
const READY_LOG = "fwspec-boot: ready";

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
  /** Short name, part of container names: fwspec-<run>-<lab>-<host>. */
  readonly name: string;
  readonly hosts: readonly HostSpec[];
  readonly docker: Dockerode;
  /** The lab image tag (from ensureLabImage). */
  readonly image: string;
  /** Groups every resource of this process's run; defaults to a fresh id. */
  readonly runId?: string;
  /** Live labs are registered here so a signal handler can dispose them. */
  readonly registry?: LabRegistry;
  readonly progress?: Progress;
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

class LabHostContainer extends GenericContainer {
  constructor(image: string, spec: HostSpec, containerName: string, network: string, labels: Record<string, string>) {
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
      .withWaitStrategy(Wait.forLogMessage(READY_LOG))
      .withStartupTimeout(30_000);
    if (spec.firewall) this.withAddedCapabilities("NET_ADMIN");
    this.hostConfig.Sysctls = { ...HOST_SYSCTLS };
    this.hostConfig.Init = true;
    this.hostConfig.Privileged = false;
  }
}

export interface HostAddresses {
  readonly ipv4: string;
  readonly ipv6: string;
}

/** A running lab host. Commands are argument arrays run with docker exec. */
export class StartedHost implements CommandTarget {
  readonly spec: HostSpec;
  readonly containerName: string;
  readonly addresses: HostAddresses;
  readonly #container: StartedTestContainer;
  readonly #docker: Dockerode;
  #isolationChecked = false;

  constructor(spec: HostSpec, container: StartedTestContainer, addresses: HostAddresses, docker: Dockerode) {
    this.spec = spec;
    this.#container = container;
    this.containerName = container.getName().replace(/^\//, "");
    this.addresses = addresses;
    this.#docker = docker;
  }

  get name(): string {
    return this.spec.name;
  }

  get id(): string {
    return this.#container.getId();
  }

  address(family: Family): string {
    return family === "ipv4" ? this.addresses.ipv4 : this.addresses.ipv6;
  }

  loopback(family: Family): string {
    return family === "ipv4" ? "127.0.0.1" : "::1";
  }

  /** Runs a command; a failure to run it at all (container gone) throws LabError. A non-zero exit is data. */
  async exec(command: readonly string[], _options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    try {
      const r = await this.#container.exec([...command]);
      return { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      throw new LabError(`cannot run \`${command.join(" ")}\` on ${this.name} (${this.containerName}): ${(error as Error).message}`, { cause: error });
    }
  }

  /** Runs a command that must succeed; otherwise a CommandError with its output. */
  async run(command: readonly string[], what: string): Promise<ExecResult> {
    const r = await this.exec(command);
    if (r.exitCode !== 0) {
      throw new CommandError(`${what} failed on ${this.name}`, { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    }
    return r;
  }

  repro(command: readonly string[]): string {
    return reproCommand(this.containerName, command);
  }

  async copyFile(content: string, target: string): Promise<void> {
    await this.#container.copyContentToContainer([{ content, target, mode: 0o755 }]);
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
    const theirs = (await this.run(["readlink", "/proc/1/ns/net"], "reading the network namespace")).stdout.trim();
    if (own !== undefined && theirs === own) {
      throw new LabError(`${this.name} shares this machine's network namespace (${own}); fwspec refuses to apply rules there`);
    }
    this.#isolationChecked = true;
  }
}

export interface LabNetwork {
  readonly name: string;
  readonly id: string;
  readonly plan: SubnetPlan;
}

export class StartedLab implements AsyncDisposable {
  readonly name: string;
  readonly runId: string;
  readonly network: LabNetwork;
  readonly hosts: ReadonlyMap<string, StartedHost>;
  readonly #docker: Dockerode;
  readonly #registry: LabRegistry | undefined;
  #disposed = false;

  constructor(name: string, runId: string, network: LabNetwork, hosts: ReadonlyMap<string, StartedHost>, docker: Dockerode, registry?: LabRegistry) {
    this.name = name;
    this.runId = runId;
    this.network = network;
    this.hosts = hosts;
    this.#docker = docker;
    this.#registry = registry;
    registry?.add(this);
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
    await destroy(this.#docker, [...this.hosts.values()].map((h) => h.id), this.network.id);
  }
}

async function destroy(docker: Dockerode, containerIds: readonly string[], networkId: string | undefined): Promise<void> {
  await Promise.allSettled(containerIds.map((id) => docker.getContainer(id).remove({ force: true, v: true })));
  if (networkId) {
    await pRetry(
      async () => {
        try {
          await docker.getNetwork(networkId).remove();
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return;
          throw error;
        }
      },
      { retries: 5, minTimeout: 100, maxRetryTime: 5000 },
    ).catch(() => undefined);
  }
}

async function takenSlots(docker: Dockerode): Promise<Set<number>> {
  const taken = new Set<number>();
  for (const n of await docker.listNetworks()) {
    for (const c of n.IPAM?.Config ?? []) {
      const m = /^198\.18\.(\d+)\.0\/24$/.exec(c.Subnet ?? "");
      if (m) taken.add(Number(m[1]));
    }
  }
  return taken;
}

async function createNetwork(docker: Dockerode, name: string, labels: Record<string, string>): Promise<LabNetwork> {
  return pRetry(
    async () => {
      const plan = subnetForSlot(pickSlot(await takenSlots(docker)));
      const network = await docker.createNetwork({
        Name: name,
        Driver: "bridge",
        // No gateway route out of the lab: probes can reach lab addresses and nothing else.
        Internal: true,
        EnableIPv6: true,
        CheckDuplicate: true,
        Labels: labels,
        IPAM: {
          Driver: "default",
          Config: [
            { Subnet: plan.ipv4Subnet, Gateway: plan.ipv4Gateway },
            { Subnet: plan.ipv6Subnet, Gateway: plan.ipv6Gateway },
          ],
        },
      });
      return { name, id: network.id, plan };
    },
    {
      retries: 8,
      minTimeout: 50,
      maxRetryTime: 15_000,
      // Another lab took the same subnet between our look and our create.
      shouldRetry: ({ error }) => /overlap|already|in use/i.test(error.message),
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
    const labels = resourceLabels(runId, name);
    if (!(await imageAvailable(docker, RYUK_IMAGE))) process.env["TESTCONTAINERS_RYUK_DISABLED"] = "true";
    await sweepOrphans(docker);

    const prefix = `fwspec-${runId}-${name}`;
    progress.step(`lab ${name}: starting ${hosts.length} host(s)`);
    let network: LabNetwork | undefined;
    const started: StartedTestContainer[] = [];
    try {
      network = await createNetwork(docker, prefix, labels);
      const net = network;
      const containers = await Promise.all(
        hosts.map(async (spec) => {
          const c = await new LabHostContainer(image, spec, `${prefix}-${spec.name}`, net.name, labels).start();
          started.push(c);
          return [spec, c] as const;
        }),
      );
      const map = new Map<string, StartedHost>();
      for (const [spec, c] of containers) {
        const info = await docker.getContainer(c.getId()).inspect();
        map.set(spec.name, new StartedHost(spec, c, networkAddresses(info, net.name, spec.name), docker));
      }
      const lab = new StartedLab(name, runId, net, map, docker, this.#options.registry);
      try {
        await prepareHosts(lab, progress);
      } catch (error) {
        await lab[Symbol.asyncDispose]();
        throw error;
      }
      progress.info(`lab ${name}: ready on ${net.plan.ipv4Subnet} and ${net.plan.ipv6Subnet}`);
      return lab;
    } catch (error) {
      await destroy(docker, started.map((c) => c.getId()), network?.id);
      await removeRun(docker, runId).catch(() => undefined);
      if (error instanceof LabError || error instanceof CommandError) throw error;
      throw new LabError(`lab ${name} could not start: ${(error as Error).message}`, { cause: error });
    }
  }
}

async function imageAvailable(docker: Dockerode, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** IPv6 addresses settled, one warm-up packet per peer (ARP/ND), listeners proven up. */
async function prepareHosts(lab: StartedLab, progress: Progress): Promise<void> {
  const hosts = [...lab.hosts.values()];
  const limit = pLimit(8);
  await Promise.all(
    hosts.map((h) =>
      limit(() =>
        pRetry(
          async () => {
            const r = await h.exec(["ip", "-6", "-o", "addr", "show", "scope", "global", "tentative"]);
            if (r.exitCode !== 0 || r.stdout.trim() !== "") throw new LabError(`${h.name}: IPv6 address still tentative`);
          },
          { retries: 20, minTimeout: 50, maxTimeout: 200, maxRetryTime: 10_000 },
        ),
      ),
    ),
  );
  progress.info("warming up neighbours (one ping per peer and family)");
  await Promise.all(
    hosts.map((h) => {
      const peers = hosts.filter((p) => p !== h).flatMap((p) => [p.addresses.ipv4, p.addresses.ipv6]);
      if (peers.length === 0) return Promise.resolve();
      return limit(() =>
        h.exec(["sh", "-c", 'for a in "$@"; do ping -c 1 -W 1 -q "$a" >/dev/null 2>&1 & done; wait', "warm-up", ...peers]),
      );
    }),
  );
}
