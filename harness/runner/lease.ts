/**
 * A lab as one scenario holds it: started for it alone (and disposed after),
 * or lent by a shared lab (reset before, kept after). Either way the scenario
 * gets the lab, the listener proofs and each firewall host's counters as of
 * its start.
 */
import type { LabProvider, RunningLab } from "../lab/types.ts";
import { type ListenerProof, proveListeners } from "../probes/listeners.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { type CounterReading, type LoadedRuleset, readRules } from "../rules/read.ts";
import type { Scenario } from "../scenario/model.ts";
import { labNameFor } from "../plan/labs.ts";

export interface LabLease {
  readonly lab: RunningLab;
  readonly proofs: readonly ListenerProof[];
  /** Each firewall host's counters at the scenario's start. */
  readonly readings: ReadonlyMap<string, CounterReading>;
  /** Each firewall host's rules as read with them (by scenario host name): what an apply that is the scenario's first step rolls back to, without reading them again. */
  readonly rules?: ReadonlyMap<string, LoadedRuleset>;
  /** Gives the lab back: disposes a lab of its own, keeps a shared one. */
  release(): Promise<void>;
}

/** Starts a lab for `scenario` alone, proves its listeners and reads its firewall hosts' counters. */
export async function ownLab(provider: LabProvider, scenario: Scenario, progress: Progress = silentProgress): Promise<LabLease> {
  const lab = await provider.start({ name: labNameFor(scenario), hosts: scenario.hosts, ...(scenario.networks ? { networks: scenario.networks } : {}), ...(scenario.subnets ? { subnets: scenario.subnets } : {}), progress });
  try {
    const proofs = await proveListeners(lab, progress);
    const firewalls = scenario.hosts.filter((h) => h.firewall);
    const read = await Promise.all(firewalls.map(async (h) => [h.name, await readRules(lab.host(h.name))] as const));
    return { lab, proofs, readings: new Map(read.map(([name, r]) => [name, r.counters])), rules: new Map(read.map(([name, r]) => [name, r.loaded])), release: async () => await lab[Symbol.asyncDispose]() };
  } catch (error) {
    await lab[Symbol.asyncDispose]();
    throw error;
  }
}
