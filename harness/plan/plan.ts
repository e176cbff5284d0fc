/**
 * A scenario and run options made into jobs, per step (pure; both drivers —
 * `fwspec run` and the vitest suite — run the same plan): the families each
 * expectation is probed in, what a `--filter` keeps, the firewall hosts whose
 * counters can see each probe, the parity probe of a single-family
 * expectation, and the lane (family) each probe job runs in.
 */
import { DEFAULT_NETWORK, FAMILIES, type Family, type ProbeSpec } from "../model/types.ts";
import { boundedTest } from "../safe-regex.ts";
import { type ApplyStep, type CounterCheck, type CountersStep, type Expectation, type ExpectStep, type HoldStep, probeFamilies, type RebootStep, type RunStep, type Scenario } from "../scenario/model.ts";
import { counterTitle, expectationTitle, stepTitle } from "./titles.ts";

export interface PlanOptions {
  /** Override every expectation's families (`fwspec run --family`); a held connection keeps its own. */
  readonly families?: readonly Family[] | undefined;
  /** Only expectations and counter checks whose `<scenario name> <check title>` matches run (steps always run). */
  readonly filter?: RegExp | undefined;
  /** Override the scenario's probe timeout. */
  readonly timeoutSeconds?: number | undefined;
}

/** One expectation in one family. */
export interface PlannedProbe {
  readonly expectation: Expectation;
  readonly family: Family;
  readonly title: string;
  readonly spec: ProbeSpec;
  /** Firewall hosts a packet of this probe can cross (their counters are read around it; a held check's are traced only). */
  readonly watch: readonly string[];
  /** Firewall hosts a DNAT on the probed router may send it on to (beyondRouter): read for what decided it, not for its verdict. */
  readonly beyond: readonly string[];
  /** The other family, probed too when the expectation checks one family of a host (IPv4/IPv6 parity). */
  readonly parity?: Family;
}

export interface PlannedCounter {
  readonly check: CounterCheck;
  readonly family: Family;
  readonly title: string;
}

/** A probe job in a family's lane: the expectation's own probe, its parity probe, or a held connection's check. */
export interface LaneJob {
  /** Index into the step's probes. */
  readonly probe: number;
  readonly role: "main" | "parity" | "held";
}

export type PlannedStep =
  | { readonly kind: "expect"; readonly index: number; readonly title: string; readonly step: ExpectStep; readonly probes: readonly PlannedProbe[] }
  | { readonly kind: "counters"; readonly index: number; readonly title: string; readonly step: CountersStep; readonly checks: readonly PlannedCounter[] }
  | { readonly kind: "action"; readonly index: number; readonly title: string; readonly step: ApplyStep | RunStep | RebootStep | HoldStep };

export interface ScenarioPlan {
  readonly scenario: Scenario;
  readonly steps: readonly PlannedStep[];
  /** Expectation and counter checks the filter keeps (all without one). */
  readonly selected: number;
  /** The probe timeout in seconds (the override, else the scenario's). */
  readonly timeoutSeconds: number;
}

/** The expectations a families override (`fwspec run --family`) leaves no probe of: those whose line fixes another family (scenario/model.ts probeFamilies). */
export function leftOutByFamilies(scenario: Scenario, families: readonly Family[]): Expectation[] {
  return scenario.steps.flatMap((s) => (s.kind === "expect" ? s.expectations.filter((e) => probeFamilies(e, families).length === 0) : []));
}

function firewallHosts(scenario: Scenario): string[] {
  return scenario.hosts.filter((h) => h.firewall).map((h) => h.name);
}

/**
 * Firewall hosts on a probe's path: the prober (OUTPUT), the target (INPUT)
 * and routers (FORWARD); any host for a literal address. Two hosts on a
 * network they share talk directly (the probe goes to the target's address
 * there: lab.addressFor), so no router is on that path unless the probe leaves
 * from a declared address (which may be on another network); nor on a probe of
 * the prober's own loopback.
 */
export function hostsOnPath(scenario: Scenario, e: Expectation): string[] {
  if (e.to.kind === "address") return firewallHosts(scenario);
  const to = e.to;
  const names = new Set([e.from, ...(e.to.kind === "host" ? [e.to.host] : [])]);
  const networks = (name: string) => scenario.hosts.find((h) => h.name === name)?.networks ?? [DEFAULT_NETWORK];
  const direct = to.kind === "localhost" || (to.kind === "host" && e.source === undefined && networks(e.from).some((n) => networks(to.host).includes(n)));
  return scenario.hosts.filter((h) => h.firewall && (names.has(h.name) || (h.router === true && !direct))).map((h) => h.name);
}

/**
 * Firewall hosts that route nothing and are off a probe of a router (not the
 * prober, not on its path): a DNAT there may send the probe on to one of them.
 * Their counters are read around the probe for what decided it there
 * (rules/first-packet.ts), never for its early verdicts or path checks; a
 * sweep reads those a DNAT on its path sends to (runner/sweep.ts
 * sentOnHosts) as hosts on its path: their DROPs and REJECTs decide ports.
 */
export function beyondRouter(scenario: Scenario, e: Expectation, watch: readonly string[]): string[] {
  const to = e.to;
  if (to.kind !== "host" || !scenario.hosts.some((h) => h.name === to.host && h.router === true)) return [];
  return scenario.hosts.filter((h) => h.firewall && h.router !== true && h.name !== e.from && !watch.includes(h.name)).map((h) => h.name);
}

function otherFamily(family: Family): Family {
  return FAMILIES.find((f) => f !== family)!;
}

/** One expectation in one family, as planned (its families as `--family` overrides them). */
export function plannedProbe(scenario: Scenario, expectation: Expectation, family: Family, options: PlanOptions = {}): PlannedProbe {
  const timeoutSeconds = options.timeoutSeconds ?? scenario.timeoutSeconds;
  const watch = hostsOnPath(scenario, expectation);
  const single = probeFamilies(expectation, options.families).length === 1;
  return {
    expectation,
    family,
    title: expectationTitle(expectation, family),
    spec: { from: expectation.from, ...(expectation.source !== undefined ? { source: expectation.source } : {}), to: expectation.to, port: expectation.port, protocol: expectation.protocol, family, timeoutSeconds },
    watch,
    beyond: beyondRouter(scenario, expectation, watch),
    // A sweep is no parity probe's business: it states one family's range (write it for both families).
    // A literal target or a source address has one family: there is no other-family twin to compare with.
    // `parity: off`: the scenario says the other family does not matter.
    ...(scenario.parity !== "off" && expectation.held === undefined && expectation.sweep === undefined && single && expectation.to.kind !== "address" && expectation.source === undefined ? { parity: otherFamily(family) } : {}),
  };
}

/** A plain expectation's flow (who, where, which port and protocol), whatever its family and verdict. */
function flowKey(e: Expectation, family: Family): string | undefined {
  if (e.held !== undefined || e.sweep !== undefined || e.source !== undefined) return undefined;
  return JSON.stringify([e.from, e.to, e.port, e.protocol, family]);
}

/**
 * The flows a step's expectations state, per family, each with the expectations stating it: every expectation of the
 * step in the families it was written for, whatever `--family` or the filter keeps (tester 44b: `--family ipv6` left
 * out the `/tcp4` line, and its difference was probed as a parity surprise).
 */
function statedFlows(expectations: readonly Expectation[]): Map<string, Expectation[]> {
  const out = new Map<string, Expectation[]>();
  for (const e of expectations) for (const f of e.families) {
    const key = flowKey(e, f);
    if (key !== undefined) out.set(key, [...(out.get(key) ?? []), e]);
  }
  return out;
}

/** No parity probe where another expectation of the step states the same flow in the other family: the difference is written down, not a surprise. */
function withoutStatedParity(p: PlannedProbe, stated: ReadonlyMap<string, readonly Expectation[]>): PlannedProbe {
  if (p.parity === undefined) return p;
  const key = flowKey(p.expectation, p.parity);
  if (key === undefined || !(stated.get(key) ?? []).some((e) => e !== p.expectation)) return p;
  const { parity: _, ...rest } = p;
  return rest;
}

export function planScenario(scenario: Scenario, options: PlanOptions = {}): ScenarioPlan {
  const keeps = (title: string) => !options.filter || boundedTest(options.filter.source, options.filter.flags, `${scenario.name} ${title}`);
  const timeoutSeconds = options.timeoutSeconds ?? scenario.timeoutSeconds;
  const steps = scenario.steps.map((step, index): PlannedStep => {
    const title = stepTitle(step, index);
    switch (step.kind) {
      case "expect": {
        const stated = statedFlows(step.expectations);
        const probes = step.expectations.flatMap((expectation) =>
          probeFamilies(expectation, options.families).map((family) => withoutStatedParity(plannedProbe(scenario, expectation, family, options), stated)),
        );
        return { kind: "expect", index, title, step, probes };
      }
      case "counters": {
        const checks = step.checks.flatMap((check) => check.families.map((family) => ({ check, family, title: counterTitle(check, family) })).filter((c) => keeps(c.title)));
        return { kind: "counters", index, title, step, checks };
      }
      default:
        return { kind: "action", index, title, step };
    }
  });
  const kept = options.filter ? withCountedProbes(steps, (p) => keeps(p.title)) : steps;
  const selected = kept.reduce((n, p) => n + (p.kind === "expect" ? p.probes.length : p.kind === "counters" ? p.checks.length : 0), 0);
  return { scenario, steps: kept, selected, timeoutSeconds };
}

/**
 * The probes a filter keeps, and with them every probe a kept counter check
 * counts: a counters step measures from the last apply, reboot or counters
 * step that read counters, so the expect steps in between run whole (a filter
 * that keeps only `counter … DROP` must not find 0 packets because the probes
 * that send them were filtered out).
 */
export function withCountedProbes(steps: readonly PlannedStep[], keeps: (p: PlannedProbe) => boolean): PlannedStep[] {
  const out = [...steps];
  // The hosts whose kept counter checks measure from before this point (walking back).
  const counted = new Set<string>();
  for (let i = out.length - 1; i >= 0; i--) {
    const p = out[i]!;
    if (p.kind === "counters") {
      // A counters step with no kept check reads nothing: the baseline stays where it was. One with a kept check reads
      // every host its checks name (session.counters), and measures its kept checks' hosts from before.
      if (p.checks.length > 0) {
        for (const c of p.step.checks) counted.delete(c.host);
        for (const c of p.checks) counted.add(c.check.host);
      }
    } else if (p.kind === "action") {
      // An apply or reboot reads its own host afresh.
      if (p.step.kind === "apply" || p.step.kind === "reboot") counted.delete(p.step.host);
    } else if (counted.size === 0) out[i] = { ...p, probes: p.probes.filter(keeps) };
  }
  return out;
}

/**
 * Each family's jobs, in order. Probes of one family run one after another
 * (so a counter that moves belongs to the probe in flight); the two families
 * run side by side; a parity probe runs in the other family's lane.
 */
export function lanes(probes: readonly PlannedProbe[]): Map<Family, LaneJob[]> {
  const out = new Map<Family, LaneJob[]>();
  const add = (family: Family, job: LaneJob) => out.set(family, [...(out.get(family) ?? []), job]);
  probes.forEach((p, probe) => {
    if (p.expectation.held !== undefined) return add(p.family, { probe, role: "held" });
    add(p.family, { probe, role: "main" });
    if (p.parity) add(p.parity, { probe, role: "parity" });
  });
  return out;
}
