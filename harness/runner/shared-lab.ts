/**
 * Lab sharing: scenarios with the same hosts, listeners and networks run one
 * after another on one started lab. Before each later scenario every firewall
 * host is reset to the ruleset it booted with (per family, the tables that
 * differ restored atomically; conntrack flushed once the old rules are gone,
 * so no NAT mapping outlives them) and the reset is verified by
 * reading the rules back; so is the rest of its network state (host-reset.ts:
 * nft tables, legacy tables, addresses, routes, sysctls). A host that cannot
 * be brought back exactly makes the lab not reusable (LabNotReusableError):
 * the runner gives the next scenario a fresh lab. The listeners are checked
 * again. Which scenarios share a lab is planned in plan/labs.ts.
 */
import type { LabHost, LabProvider, RunningLab } from "../lab/types.ts";
import { awaitListeners, type ListenerProof, proveListeners } from "../probes/listeners.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { flushConntrack, resetRules } from "../rules/apply.ts";
import { LabNotReusableError, readHostState, restoreHostState } from "../rules/host-reset.ts";
import type { HostState } from "../rules/host-state.ts";
import { touchesMoreThanIptables } from "../rules/reset-scope.ts";
import { type CounterReading, type HostRules, readRules } from "../rules/read.ts";
import type { Scenario } from "../scenario/model.ts";
import type { LabLease } from "./lease.ts";

export class SharedLab implements AsyncDisposable {
  readonly lab: RunningLab;
  readonly proofs: readonly ListenerProof[];
  /** Each firewall host's rules as booted (the reset target) and its counters when first read. */
  readonly #booted: ReadonlyMap<string, HostRules>;
  /** Each firewall host's whole network state as booted. */
  readonly #bootState: ReadonlyMap<string, HostState>;
  /** The scenario that ran last: what it applied decides how much the reset reads. */
  #previous: Scenario | undefined;

  private constructor(lab: RunningLab, proofs: readonly ListenerProof[], booted: ReadonlyMap<string, HostRules>, bootState: ReadonlyMap<string, HostState>) {
    this.lab = lab;
    this.proofs = proofs;
    this.#booted = booted;
    this.#bootState = bootState;
  }

  /** Starts the lab for `scenario`'s topology, proves its listeners and records each firewall host's boot ruleset. */
  static async start(provider: LabProvider, scenario: Scenario, name: string, progress: Progress = silentProgress): Promise<SharedLab> {
    const lab = await provider.start({ name, hosts: scenario.hosts, ...(scenario.networks ? { networks: scenario.networks } : {}), ...(scenario.subnets ? { subnets: scenario.subnets } : {}), progress });
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
  async #reset(host: LabHost, booted: HostRules, previous: Scenario): Promise<HostRules> {
    try {
      if (!touchesMoreThanIptables(previous, host.name)) return await resetRules(host, booted.loaded);
      const [after, now] = await Promise.all([resetRules(host, booted.loaded, { flushConntrack: false }), readHostState(host)]);
      await restoreHostState(host, this.#bootState.get(host.name)!, now);
      // After every table of the previous scenario is gone: no flow keeps its NAT mapping (or state) alive through the reset.
      await flushConntrack(host);
      return after;
    } catch (error) {
      if (error instanceof LabNotReusableError) throw error;
      throw new LabNotReusableError(`${host.name}: the reset failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The lab for `scenario`, made as it booted (see prepare); released, it stays up for the next. */
  async lease(scenario: Scenario): Promise<LabLease> {
    const readings = await this.prepare(scenario);
    return { lab: this.lab, proofs: this.proofs, readings, release: async () => {} };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.lab[Symbol.asyncDispose]();
  }
}
