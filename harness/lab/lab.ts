/**
 * A lab on the Docker engine: named hosts (containers) on one or more private
 * networks (network.ts), each host ready for probes when `start` returns
 * (prepare.ts). Configured `Lab` → `StartedLab`, which implements RunningLab
 * (AsyncDisposable: `await using lab = await new Lab(…).start()`); the runner
 * gets labs through DockerLabProvider (provider.ts) and never sees Docker.
 * A lab may be left warm for a later run (`park`) and attached to again by
 * that run (`attachWarmLab`; warm.ts).
 */
import { randomBytes } from "node:crypto";
import pRetry from "p-retry";
import type Dockerode from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import { CommandError, LabError } from "../errors.ts";
import { HOST_NAME as NAME } from "../model/names.ts";
import { DEFAULT_NETWORK, type Family, type FamilyAddresses, type HostSpec } from "../model/types.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { prepareContainerRuntime, reaperRemovesLabs, removeContainers, startHostContainer } from "./container.ts";
import { type HostContainer, StartedHost } from "./host.ts";
import { shellCommand } from "./exec.ts";
import { LABEL_KEPT_UNTIL, markKept } from "./kept.ts";
import { createNetwork, engineIpv6Source, hostNetworks, type LabNetwork, removeNetworks, retryStale } from "./network.ts";
import { checkDeclaredFree, chosenAddresses, declaredCidrs, endpointConfig, engineSubnets, reservedAddresses, StuckSubnetError } from "./declared.ts";
import { staleNetworks, stuckHint, stuckLines, type StuckNetwork } from "./stuck-network.ts";
import { prepareHosts } from "./prepare.ts";
import { LabRegistry, newRunId, removeLab, resourceLabels, sweepOrphans } from "./resources.ts";
import { removeMarkers } from "./kept.ts";
import { nameInterfaces } from "./interfaces.ts";
import { ipv6BootEnv, type Ipv6Source, ipv6Labels, planIpv6 } from "./ipv6-addresses.ts";
import type { KeptLab, LabHost, RebootOutcome, RunningLab, WarmState } from "./types.ts";
import { BOOT_LOG, bootNotes, bootProblems } from "./boot-log.ts";
import { type ClaimedLab, labsHeld, markWarm, warmKey, whyNotWarm } from "./warm.ts";

export interface LabOptions {
  /** Short name, part of container names: fwspec-<run>-<lab>-<4 hex>-<host>. */
  readonly name: string;
  readonly hosts: readonly HostSpec[];
  /** Network names; hosts list theirs in HostSpec.networks. Default: one network, DEFAULT_NETWORK. */
  readonly networks?: readonly string[];
  /** Declared subnets by network name (others automatic); hosts' fixed addresses are in HostSpec.addresses. */
  readonly subnets?: Readonly<Record<string, FamilyAddresses>>;
  readonly docker: Dockerode;
  /** The lab image tag (from ensureLabImage). */
  readonly image: string;
  /** Groups every resource of this process's run; defaults to a fresh id. */
  readonly runId?: string;
  /** The process that owns the lab's resources (default: this one). */
  readonly ownerPid?: number;
  /** Live labs are registered here so a signal handler can dispose them. */
  readonly registry?: LabRegistry;
  readonly progress?: Progress;
  /** Limit for one in-container command, in seconds (default DEFAULT_COMMAND_TIMEOUT_SECONDS). */
  readonly commandTimeoutSeconds?: number;
  /** How the user types fwspec, for the command a timeout's hint names (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string;
  /** Who gives hosts their IPv6 addresses (ipv6-addresses.ts); default: as the engine's version allows (network.ts engineIpv6Source). */
  readonly ipv6?: Ipv6Source | undefined;
  /** Aborted when fwspec stops: a wait for a declared subnet ends at once (the start fails; what it made is removed). */
  readonly signal?: AbortSignal | undefined;
}

/** What a started lab knows beyond its parts: its image (the warm key has it) and, for a warm lab taken by this run, the claim marker holding it. */
export interface StartedLabExtra {
  readonly image?: string | undefined;
  /** How the user types fwspec, for the commands a note names (harness/invocation.ts). */
  readonly invocation?: string | undefined;
  readonly claimMarker?: string | undefined;
  /** For a warm lab taken by this run: this run's id (a lab keeps the labels of the run that started it). */
  readonly takenBy?: string | undefined;
  /** Started by this process while testcontainers' reaper (Ryuk) runs: the reaper removes it when this process ends. */
  readonly reaped?: boolean | undefined;
  /** Aborted when fwspec stops (provider.ts close): the lab is not left warm then, its marker would outlive the removal. */
  readonly stopping?: AbortSignal | undefined;
}

export class StartedLab implements RunningLab {
  readonly name: string;
  readonly runId: string;
  /** The lab's `fwspec.lab` label: its name and a random part. */
  readonly instance: string;
  readonly networks: ReadonlyMap<string, LabNetwork>;
  readonly hosts: ReadonlyMap<string, StartedHost>;
  readonly #docker: Dockerode;
  readonly #registry: LabRegistry | undefined;
  readonly #progress: Progress;
  readonly #extra: StartedLabExtra;
  #disposed = false;
  #kept = false;
  #warm = false;

  constructor(name: string, runId: string, instance: string, networks: ReadonlyMap<string, LabNetwork>, hosts: ReadonlyMap<string, StartedHost>, docker: Dockerode, progress: Progress, registry?: LabRegistry, extra: StartedLabExtra = {}) {
    this.#extra = extra;
    this.name = name;
    this.runId = runId;
    this.instance = instance;
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
  addressFor(from: LabHost, to: LabHost, family: Family): string {
    const shared = to.networks.find((n) => from.networks.includes(n));
    const a = to.addressOn(shared ?? to.networks[0]!, family);
    if (!a) throw new LabError(`${to.name} has no ${family} address`);
    return a;
  }

  /** Reboots a host: container restart, then routes, IPv6 settling and warm-up again; what its boot reported failing. */
  async reboot(name: string): Promise<RebootOutcome> {
    const host = this.host(name);
    this.#progress.info(`lab ${this.name}: rebooting ${name}`);
    await host.restart();
    await prepareHosts(this, this.#progress, [host]);
    const log = await host.exec(["cat", BOOT_LOG], { light: true });
    return log.exitCode === 0 ? { bootProblems: bootProblems(log.stdout), bootNotes: bootNotes(log.stdout) } : { bootProblems: [`its boot log ${BOOT_LOG} could not be read: ${log.stderr.trim()}`] };
  }

  host(name: string): StartedHost {
    const host = this.hosts.get(name);
    if (!host) throw new LabError(`no host \`${name}\` in lab ${this.name} (hosts: ${[...this.hosts.keys()].join(", ")})`);
    return host;
  }

  /** Marks the lab kept with a marker volume (kept.ts); disposing it then closes only fwspec's command channels. */
  async keep(): Promise<KeptLab> {
    // Ryuk removes the containers when this process ends: a kept lab would be gone, its network and marker left.
    if (this.#extra.reaped) throw new LabError(`lab ${this.instance} is not kept: testcontainers' reaper (Ryuk) removes it when this process ends`, { hint: "set TESTCONTAINERS_RYUK_DISABLED=true to keep labs" });
    const labels = await markKept(this.#docker, this.runId, this.instance, Date.now(), this.#extra.takenBy);
    this.#kept = true;
    const hosts = [...this.hosts.values()].map((h) => ({ name: h.name, shell: shellCommand(h.containerName) }));
    return { lab: this.instance, run: this.#extra.takenBy ?? this.runId, until: labels[LABEL_KEPT_UNTIL]!, hosts };
  }

  /**
   * Leaves the lab warm for a later run (warm.ts): disposing it then only lets
   * go of it. The caller has reset it to `state`'s digests. Throws LabError
   * when this lab cannot be left warm (then dispose it as usual).
   */
  async park(state: WarmState): Promise<string> {
    const why = whyNotWarm(state.shape);
    if (why) throw new LabError(`lab ${this.instance} is not left warm: ${why}`);
    if (this.#kept || this.#disposed || !this.#extra.image) throw new LabError(`lab ${this.instance} is not left warm: it is ${this.#kept ? "kept" : this.#disposed ? "gone" : "of an unknown image"}`);
    if (this.#extra.reaped) throw new LabError(`lab ${this.instance} is not left warm: testcontainers' reaper (Ryuk) removes it when this process ends`, { hint: "set TESTCONTAINERS_RYUK_DISABLED=true to reuse labs" });
    // Its command channels end before another run can take it (their sessions' ends name them: a late one stops nothing of the taker's).
    const stopping = () => new LabError(`lab ${this.instance} is not left warm: fwspec is stopping`);
    if (this.#extra.stopping?.aborted) throw stopping();
    for (const h of this.hosts.values()) h.agents.close();
    const { until, marker } = await markWarm(this.#docker, {
      name: this.name,
      runId: this.runId,
      instance: this.instance,
      networks: [...this.networks.values()].map((n) => ({ name: n.name, dockerName: n.dockerName, id: n.id, plan: n.plan })),
      hosts: [...this.hosts.values()].map((h) => ({ spec: h.spec, id: h.id, containerName: h.containerName })),
      state,
    }, warmKey(state.shape, this.#extra.image));
    // Stopping began while the marker was made: the interrupt's removal may have listed markers before it existed.
    if (this.#extra.stopping?.aborted) {
      await removeMarkers(this.#docker, [{ name: marker }]).catch(() => undefined);
      throw stopping();
    }
    this.#warm = true;
    // The warm marker spares it now: this run's claim on it ends.
    if (this.#extra.claimMarker) await removeMarkers(this.#docker, [{ name: this.#extra.claimMarker }]).catch(() => undefined);
    return until;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#registry?.delete(this);
    for (const h of this.hosts.values()) h.agents.close();
    // Kept: an interrupt removes it by its run id, or by its marker's kept-by when taken warm (api.ts, resources.ts removeRun);
    // `fwspec cleanup --kept` or the sweeps after KEPT_LIMIT_MS otherwise.
    // Warm: the next run of its shape takes it, or the sweeps after WARM_LIMIT_MS remove it.
    if (this.#kept || this.#warm) return;
    const stuck = await destroy(this.#docker, [...this.hosts.values()].map((h) => h.id), [...this.networks.values()].map((n) => n.id));
    for (const line of stuckLines(stuck)) this.#progress.info(`lab ${this.name}: ${line}; ${stuckHint(this.#extra.invocation)}`);
    // A warm lab this run took: its claim marker goes with it.
    if (this.#extra.claimMarker) await removeMarkers(this.#docker, [{ name: this.#extra.claimMarker }]).catch(() => undefined);
  }
}

/** A container attached to again (a warm lab): its id, name and the restart a reboot is made of. */
function attachedContainer(docker: Dockerode, id: string, name: string): HostContainer {
  return {
    getId: () => id,
    getName: () => name,
    restart: async (options) => {
      await docker.getContainer(id).restart({ t: options?.timeout ?? 0 });
    },
  };
}

/**
 * The warm lab `claimed` describes, attached to by this process: its hosts
 * with their addresses and interface names read again, command channels
 * started. Nothing is changed in it. A lab that cannot be attached to, or
 * whose hosts run another build of the image than `image` names now (it was
 * rebuilt under the same tag since the lab was left), is removed (with its
 * claim) and the error thrown.
 */
export async function attachWarmLab(docker: Dockerode, claimed: ClaimedLab, options: { readonly image: string; readonly takenBy: string; readonly registry?: LabRegistry | undefined; readonly progress?: Progress | undefined; readonly commandTimeoutSeconds?: number | undefined; readonly invocation?: string | undefined; readonly stopping?: AbortSignal | undefined }): Promise<StartedLab> {
  const d = claimed.description;
  const progress = options.progress ?? silentProgress;
  const networks = new Map<string, LabNetwork>(d.networks.map((n) => [n.name, { name: n.name, dockerName: n.dockerName, id: n.id, plan: n.plan, ipv4Subnet: n.plan.ipv4Subnet, ipv6Subnet: n.plan.ipv6Subnet }]));
  try {
    const [current, attached] = await Promise.all([
      docker.getImage(options.image).inspect(),
      Promise.all(d.hosts.map((h) => StartedHost.attach({ spec: h.spec, container: attachedContainer(docker, h.id, h.containerName), docker, labNetworks: networks, commandTimeoutSeconds: options.commandTimeoutSeconds, invocation: options.invocation }))),
    ]);
    // The warm key holds the image's tag, not its build: a lab left before the tag was rebuilt is not taken.
    const other = attached.filter((h) => h.imageId !== current.Id);
    if (other.length > 0) throw new LabError(`${other.map((h) => h.name).join(", ")} run(s) another build of ${options.image} than the one it names now (rebuilt since the lab was left)`);
    const hosts = new Map<string, StartedHost>(await Promise.all(attached.map(async (host) => {
      // The channel the taker's first reads use, started beside the other hosts': the container's own agent.
      await host.agents.warm({ attach: true });
      // Names as they are: a lab whose interfaces were renamed while it waited is not taken (not repaired either).
      await nameInterfaces(host, { renameNothing: true });
      return [host.name, host] as const;
    })));
    const lab = new StartedLab(d.name, d.runId, d.instance, networks, hosts, docker, progress, options.registry, { image: options.image, claimMarker: claimed.claimMarker, takenBy: options.takenBy, invocation: options.invocation, stopping: options.stopping });
    progress.info(`lab ${d.name}: took a warm lab (${d.instance}) on ${[...networks.values()].map((n) => `${n.ipv4Subnet} and ${n.ipv6Subnet}`).join(", ")}`);
    return lab;
  } catch (error) {
    const stuck = await destroy(docker, d.hosts.map((h) => h.id), d.networks.map((n) => n.id));
    for (const line of stuckLines(stuck)) progress.info(`lab ${d.name}: ${line}; ${stuckHint(options.invocation)}`);
    await removeMarkers(docker, [{ name: claimed.claimMarker }]).catch(() => undefined);
    // A container the engine no longer has (removed while the lab waited, or by an interrupted run): said as such, not as the engine's 404.
    const gone = (error as { statusCode?: number }).statusCode === 404;
    throw new LabError(`the warm lab ${d.instance} could not be taken: ${gone ? "its containers are gone (removed while it waited)" : (error as Error).message}`, { cause: error });
  }
}

/** Removes a lab's containers, then its networks; returns the networks the engine refused to remove (network.ts). */
async function destroy(docker: Dockerode, containerIds: readonly string[], networkIds: readonly string[]): Promise<StuckNetwork[]> {
  await removeContainers(docker, containerIds);
  return removeNetworks(docker, networkIds);
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
    const labels = resourceLabels(runId, instance, this.#options.ownerPid);
    const networkNames = this.#options.networks && this.#options.networks.length > 0 ? this.#options.networks : [DEFAULT_NETWORK];
    await sweepOrphans(docker);
    await prepareContainerRuntime(docker);

    const prefix = `fwspec-${runId}-${instance}`;
    progress.step(`lab ${name}: starting ${hosts.length} host(s) on ${networkNames.length} network(s)`);
    const networks = new Map<string, LabNetwork>();
    const started: StartedTestContainer[] = [];
    try {
      const declared = declaredCidrs(this.#options.subnets);
      // Another lab holding a declared subnet (a scenario with the same plan in a parallel worker) ends in
      // seconds: wait for it, bounded, and say so; anything still there after that is the error it was.
      if (declared.length > 0) {
        // A network noted stale gets one more removal first: one the engine lets go of now holds nothing.
        if (staleNetworks(docker).size > 0) await retryStale(docker);
        const waitStart = performance.now();
        let said = 0;
        await pRetry(async () => checkDeclaredFree(name, declared, await engineSubnets(docker), staleNetworks(docker), this.#options.invocation, await labsHeld(docker)), {
          retries: 60,
          shouldRetry: ({ error }) => !(error instanceof StuckSubnetError),
          minTimeout: 500,
          maxTimeout: 2000,
          maxRetryTime: 120_000,
          ...(this.#options.signal ? { signal: this.#options.signal } : {}),
          onFailedAttempt: ({ error, attemptNumber }) => {
            if (error instanceof StuckSubnetError) return;
            if (attemptNumber === 1) progress.info(`lab ${name}: its declared subnet is in use by another lab; waiting for it (up to 120 s)`);
            // A long wait says it is still waiting, every 15 s.
            const waited = Math.floor((performance.now() - waitStart) / 1000);
            if (waited >= said + 15) {
              said = waited - (waited % 15);
              progress.info(`lab ${name}: still waiting for its declared subnet (${said} s of 120)`);
            }
          },
        });
      }
      const avoid = declared;
      const source = this.#options.ipv6 ?? (await engineIpv6Source(docker));
      for (const n of networkNames) {
        networks.set(n, await createNetwork(docker, n, networkNames.length === 1 ? prefix : `${prefix}-${n}`, labels, this.#options.subnets?.[n], avoid, reservedAddresses(hosts, n), source));
      }
      // On a network where some address is fixed, fwspec chooses the others too (declared.ts chosenAddresses).
      const chosen = (net: LabNetwork, family: "ipv4" | "ipv6") => (family === "ipv6" && source !== "engine" ? new Map<string, string>() : chosenAddresses(hosts, (s) => hostNetworks(s, networkNames), net.name, family === "ipv4" ? net.ipv4Subnet : net.ipv6Subnet, family));
      const picked = new Map([...networks.values()].map((net) => [net.name, { ipv4: chosen(net, "ipv4"), ipv6: chosen(net, "ipv6") }] as const));
      const addressesOn = (spec: HostSpec, net: LabNetwork) => {
        const own = spec.addresses?.[net.name];
        const ipv4 = own?.ipv4 ?? picked.get(net.name)?.ipv4.get(spec.name);
        const ipv6 = own?.ipv6 ?? picked.get(net.name)?.ipv6.get(spec.name);
        return { ...own, ...(ipv4 !== undefined ? { ipv4 } : {}), ...(ipv6 !== undefined ? { ipv6 } : {}) };
      };
      // Where fwspec gives hosts their IPv6 addresses, they are carried in their containers' labels (ipv6-addresses.ts).
      const ipv6 = source === "fwspec" ? planIpv6(hosts, (spec) => hostNetworks(spec, networkNames), new Map([...networks].map(([n, net]) => [n, net.ipv6Subnet]))) : new Map<string, Map<string, string>>();
      // Every start settles before a failure is handled, so a sibling still starting is never left behind.
      const settled = await Promise.allSettled(
        hosts.map(async (spec) => {
          const [home, ...others] = hostNetworks(spec, networkNames).map((n) => networks.get(n)!);
          const own = ipv6.get(spec.name) ?? new Map<string, string>();
          const c = await startHostContainer(image, spec, `${prefix}-${spec.name}`, home!.dockerName, { ...labels, ...ipv6Labels(own) }, endpointConfig(addressesOn(spec, home!), source), own.size > 0 ? ipv6BootEnv(own, networks) : undefined);
          started.push(c);
          for (const other of others) {
            const endpoint = endpointConfig(addressesOn(spec, other), source);
            await docker.getNetwork(other.id).connect({ Container: c.getId(), ...(endpoint ? { EndpointConfig: endpoint } : {}) });
          }
          return [spec, c] as const;
        }),
      );
      const failed = settled.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
      const containers = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const map = new Map<string, StartedHost>(await Promise.all(containers.map(async ([spec, container]) =>
        [spec.name, await StartedHost.attach({ spec, container, docker, labNetworks: networks, commandTimeoutSeconds: this.#options.commandTimeoutSeconds, invocation: this.#options.invocation })] as const)));
      const lab = new StartedLab(name, runId, instance, networks, map, docker, progress, this.#options.registry, { image, reaped: reaperRemovesLabs(), invocation: this.#options.invocation, stopping: this.#options.signal });
      // One host's channel is an exec, kept open, which another PID namespace's sweep sees running: the lab is
      // attended (resources.ts findOrphans). The others reach their container's own agent by attach (no exec: tens
      // of milliseconds of the engine's CPU each, started one after another); one that cannot falls back to an exec.
      const [attendant, ...attached] = [...map.values()];
      attendant!.agents.keepOpen();
      for (const host of attached) void host.agents.warm({ attach: true }).catch(() => undefined);
      try {
        await prepareHosts(lab, progress, [...map.values()]);
      } catch (error) {
        await lab[Symbol.asyncDispose]();
        throw error;
      }
      progress.info(`lab ${name}: ready on ${[...networks.values()].map((n) => `${n.ipv4Subnet} and ${n.ipv6Subnet}`).join(", ")}`);
      return lab;
    } catch (error) {
      const stuck = await destroy(docker, started.map((c) => c.getId()), [...networks.values()].map((n) => n.id));
      for (const line of stuckLines(stuck)) progress.info(`lab ${name}: ${line}; ${stuckHint(this.#options.invocation)}`);
      await removeLab(docker, runId, instance).catch(() => undefined);
      if (error instanceof LabError || error instanceof CommandError) throw error;
      throw new LabError(`lab ${name} could not start: ${(error as Error).message}`, { cause: error });
    }
  }
}
