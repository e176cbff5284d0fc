/**
 * A rough cost of running a scenario, for ordering labs longest first (pure).
 * With labs side by side, a long lab started last runs on alone at the end
 * while the other slots are idle; starting the longest first (as test runners
 * order files by their last duration) lets the short ones fill in around it.
 * The figures are this machine kind's typical step times, not a promise:
 * only the order they give matters, and reports keep the scenarios' order.
 */
import type { Expectation, Scenario, Step } from "../scenario/model.ts";

/** Typical milliseconds: a lab start, and steps by kind (measured with `npm run bench -- --suite`). */
export const COST_MS = {
  labStart: 1500,
  apply: 150,
  counters: 30,
  hold: 100,
  reboot: 1200,
  run: 100,
  /** A `run` step of a scanner or ping, which may wait out its own timeout. */
  runWaits: 1000,
  probe: 60,
  /** A probe expected blocked: decided from counters or the trace, or its timeout. */
  blockedProbe: 250,
  /** A sweep's batches. */
  sweep: 1200,
  /** A shared lab's handoff to its next scenario (connections ended, rules reset and verified, neighbours, listeners). */
  handoff: 400,
} as const;

const WAITS = new Set(["nmap", "ping", "ping6", "curl", "nc", "socat"]);

function expectationMs(e: Expectation): number {
  if (e.sweep) return COST_MS.sweep * e.families.length;
  return (e.expected === "open" ? COST_MS.probe : COST_MS.blockedProbe) * e.families.length;
}

function stepMs(step: Step): number {
  switch (step.kind) {
    case "expect":
      return step.expectations.reduce((sum, e) => sum + expectationMs(e), 0);
    case "run":
      return WAITS.has(step.command[0] ?? "") ? COST_MS.runWaits : COST_MS.run;
    default:
      return COST_MS[step.kind];
  }
}

export function estimatedMs(scenario: Scenario): number {
  return scenario.steps.reduce((sum, step) => sum + stepMs(step), 0);
}

/** A group of scenarios run one after another on one lab: its start, their steps, a handoff before each but the first. */
export function groupMs(group: readonly Scenario[]): number {
  return COST_MS.labStart + group.reduce((sum, s) => sum + estimatedMs(s), 0) + COST_MS.handoff * Math.max(0, group.length - 1);
}

/**
 * How long labs of these estimated costs take `slots` at a time: longest
 * first, each on the slot free first (as the runner starts them: run-set.ts).
 */
export function makespanMs(costs: readonly number[], slots: number): number {
  const free: number[] = Array.from({ length: Math.max(1, slots) }, () => 0);
  for (const cost of [...costs].sort((a, b) => b - a)) free[free.indexOf(Math.min(...free))]! += cost;
  return Math.max(...free);
}

/** The groups (one lab each) longest first by their estimated cost; equal ones keep their order. */
export function longestFirst<G extends readonly Scenario[]>(groups: readonly G[]): G[] {
  const cost = new Map(groups.map((g) => [g, groupMs(g)]));
  return [...groups].sort((a, b) => cost.get(b)! - cost.get(a)!);
}
