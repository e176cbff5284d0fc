/**
 * Lab reuse: scenarios with the same hosts, listeners and networks run one
 * after another on one started lab. Before each later scenario every firewall
 * host is reset to the ruleset it booted with (per family, the tables that
 * differ restored atomically; conntrack flushed) and the reset is verified by
 * reading the rules back; so is the rest of its network state (host-reset.ts:
 * nft tables, legacy tables, addresses, routes, sysctls). A host that cannot
 * be brought back exactly makes the lab not reusable (LabNotReusableError):
 * the runner gives the next scenario a fresh lab. The listeners are checked
 * again. Only scenarios made
 * of apply, expect and counters steps share a lab: `run`, `reboot` and `hold`
 * can change a host in ways a rules reset does not undo.
 */
import type Dockerode from "dockerode";
import { Lab, type StartedHost, type StartedLab } from "../lab/lab.ts";
import type { LabRegistry } from "../lab/resources.ts";
import { awaitListeners, type ListenerProof, proveListeners } from "../probes/listeners.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { resetRules } from "../rules/apply.ts";
import { LabNotReusableError, readHostState, restoreHostState } from "../rules/host-reset.ts";
import type { HostState } from "../rules/host-state.ts";
import { touchesMoreThanIptables } from "../rules/reset-scope.ts";
import { type CounterReading, type HostRules, readRules } from "../rules/read.ts";
import type { Scenario } from "../scenario/model.ts";

/** Scenarios whose labs are interchangeable have the same key. */
export function topologyKey(scenario: Scenario): string {
  return JSON.stringify({
    networks: scenario.networks ?? [],
    hosts: scenario.hosts.map((h) => ({
      name: h.name,
      firewall: h.firewall,
      backend: h.backend,
      router: h.router ?? false,
      networks: h.networks ?? [],
      listen: h.listen.map((l) => `${l.protocol}/${l.port}`).sort(),
    })),
  });
}

/** Can this scenario run on a lab another scenario used (after a rules reset)? */
export function shareable(scenario: Scenario): boolean {
  return scenario.steps.every((s) => s.kind === "apply" || s.kind === "expect" || s.kind === "counters");
}

/**
 * Scenarios grouped for labs, in file order: a group of shareable scenarios
 * with one topology runs on one lab; every other scenario gets its own.
 * Large groups are split so up to `labs` labs can run side by side.
 */
export function planLabs(scenarios: readonly Scenario[], labs: number): Scenario[][] {
  const groups = new Map<string, Scenario[]>();
  const alone: Scenario[][] = [];
  for (const s of scenarios) {
    if (!shareable(s)) {
      alone.push([s]);
      continue;
    }
    const key = topologyKey(s);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const plans: Scenario[][] = [];
  const spare = Math.max(1, labs - groups.size - alone.length + 1);
  for (const group of groups.values()) {
    const parts = Math.min(group.length, Math.max(1, spare));
    for (let i = 0; i < parts; i++) plans.push(group.filter((_, j) => j % parts === i));
  }
  return [...plans, ...alone];
}

export interface SharedLabOptions {
  readonly docker: Dockerode;
  readonly image: string;
  readonly runId: string;
  readonly registry?: LabRegistry;
  readonly progress?: Progress;
  readonly commandTimeoutSeconds?: number;
}

export class SharedLab implements AsyncDisposable {
  readonly lab: StartedLab;
  readonly proofs: readonly ListenerProof[];
  /** Each firewall host's rules as booted (the reset target) and its counters when first read. */
  readonly #booted: ReadonlyMap<string, HostRules>;
  /** Each firewall host's whole network state as booted. */
  readonly #bootState: ReadonlyMap<string, HostState>;
  /** The scenario that ran last: what it applied decides how much the reset reads. */
  #previous: Scenario | undefined;

  private constructor(lab: StartedLab, proofs: readonly ListenerProof[], booted: ReadonlyMap<string, HostRules>, bootState: ReadonlyMap<string, HostState>) {
    this.lab = lab;
    this.proofs = proofs;
    this.#booted = booted;
    this.#bootState = bootState;
  }

  /** Starts the lab for `scenario`'s topology, proves its listeners and records each firewall host's boot ruleset. */
  static async start(scenario: Scenario, name: string, options: SharedLabOptions): Promise<SharedLab> {
    const progress = options.progress ?? silentProgress;
    const lab = await new Lab({
      name,
      hosts: scenario.hosts,
      ...(scenario.networks ? { networks: scenario.networks } : {}),
      docker: options.docker,
      image: options.image,
      runId: options.runId,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.commandTimeoutSeconds ? { commandTimeoutSeconds: options.commandTimeoutSeconds } : {}),
      progress,
    }).start();
    try {
      const firewalls = [...lab.hosts.values()].filter((h) => h.spec.firewall);
      // The state reading changes nothing and needs no listener: side by side with their proof.
      const [states, proofs] = await Promise.all([
        Promise.all(firewalls.map(async (h) => [h.name, await readHostState(h)] as const)),
        proveListeners(lab, progress),
      ]);
      const booted = await Promise.all(firewalls.map(async (h) => [h.name, await readRules(h)] as const));
      return new SharedLab(lab, proofs, new Map(booted), new Map(states));
    } catch (error) {
      await lab[Symbol.asyncDispose]();
      throw error;
    }
  }

  /**
   * Makes the lab as it was after boot for `scenario` (nothing to do for the
   * first). Returns each firewall host's counters as of now: the
   * scenario's counter checks and first probes measure from them. Throws
   * LabNotReusableError when a host is not as it booted after the reset.
   */
  async prepare(scenario: Scenario): Promise<Map<string, CounterReading>> {
    const previous = this.#previous;
    this.#previous = scenario;
    if (previous === undefined) return new Map([...this.#booted].map(([h, rules]) => [h, rules.counters]));
    const readings = new Map<string, CounterReading>();
    await Promise.all(
      [...this.lab.hosts.values()].flatMap((h) => {
        const booted = this.#booted.get(h.name);
        return [
          awaitListeners(h),
          ...(booted ? [this.#reset(h, booted, previous).then((after) => void readings.set(h.name, after.counters))] : []),
        ];
      }),
    );
    return readings;
  }

  /**
   * The rules reset and, side by side, a reading of the rest; then the rest is
   * restored and verified. When the previous scenario applied only iptables /
   * ip6tables to this host, the rules reset covers all it can have changed.
   */
  async #reset(host: StartedHost, booted: HostRules, previous: Scenario): Promise<HostRules> {
    try {
      if (!touchesMoreThanIptables(previous, host.name)) return await resetRules(host, booted.loaded);
      const [after, now] = await Promise.all([resetRules(host, booted.loaded), readHostState(host)]);
      await restoreHostState(host, this.#bootState.get(host.name)!, now);
      return after;
    } catch (error) {
      if (error instanceof LabNotReusableError) throw error;
      throw new LabNotReusableError(`${host.name}: the reset failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.lab[Symbol.asyncDispose]();
  }
}
