/**
 * Smaller labs run inside larger ones (pure). A lab the plan would start for
 * scenarios of a small shape (plan/labs.ts) is not started when a larger lab
 * the run starts anyway fits them (plan/shape.ts fitsIn: the same networks
 * and subnets, each of their hosts among the larger lab's, which casts them
 * onto its hosts and leaves the rest idle): they run there, before that lab's
 * last scenario. Each lab start costs the engine about a third of a second of
 * CPU per container on this machine kind (README "Performance"), and a suite
 * run is CPU-bound, so a lab fewer is kept when the run's estimated length
 * (plan/cost.ts, its labs side by side) does not grow.
 */
import { rulesOnly } from "../rules/syntax-lines.ts";
import type { Scenario } from "../scenario/model.ts";
import { groupMs, makespanMs } from "./cost.ts";
import { fitsIn, shapeKey } from "./shape.ts";
import { leavesNoState, SENDS_TRAFFIC } from "./stateless-run.ts";

/**
 * May the scenario run on a larger lab, its hosts cast onto some of the
 * lab's: nothing it does can reach a host by address (a probe to a literal
 * address; a `run` step other than one that only reads state or rules
 * (plan/stateless-run.ts, without its traffic tools: a wrapper such as `sh -c`
 * may send anything); an apply step of a script or commands other than
 * iptables, ip6tables and nft (rules/syntax-lines.ts rulesOnly); a hold goes
 * to a lab host), so the lab's idle hosts
 * cannot answer what its own lab would leave unanswered.
 */
export function foldable(scenario: Scenario): boolean {
  return scenario.steps.every((s) => {
    if (s.kind === "expect") return s.expectations.every((e) => e.to.kind !== "address");
    if (s.kind === "run") return leavesNoState(s.command) && !SENDS_TRAFFIC.has(s.command[0] ?? "");
    if (s.kind === "apply") return s.sources.every(rulesOnly);
    return true;
  });
}

/** A lab of a plan: scenarios run one after another, then its last (one that may leave state no reset undoes). */
export interface PlannedLab {
  readonly scenarios: readonly Scenario[];
  readonly last?: Scenario | undefined;
}

/** The lab's scenarios in the order they are listed (the last last). */
export function labScenarios(lab: PlannedLab): Scenario[] {
  return lab.last ? [...lab.scenarios, lab.last] : [...lab.scenarios];
}

/**
 * The scenario a group's lab is started as: the first one every other
 * scenario of the group fits (for a group of one shape, its first; for one
 * with scenarios folded in, the larger lab's).
 */
export function labScenarioOf(group: readonly Scenario[]): Scenario {
  const host = group.find((h) => group.every((s) => fitsIn(h, s)));
  if (!host) throw new RangeError("a lab's scenarios fit no one of them (a planning bug)");
  return host;
}

/**
 * `labs` with labs folded into larger ones (every scenario of the folded lab
 * foldable; a lab with a last only into one without) while one such fold
 * keeps the run's estimated length (`slots` labs at a time) or shortens it:
 * each time the smallest lab that can, into the larger lab that leaves the
 * shortest run. Labs in `fixed` neither fold nor take others (a scenario that
 * needs a lab nobody used).
 */
export function absorbLabs(labs: readonly PlannedLab[], slots: number, fixed: ReadonlySet<PlannedLab> = new Set()): PlannedLab[] {
  let out = [...labs];
  const runMs = (all: readonly PlannedLab[]) => makespanMs(all.map((l) => groupMs(labScenarios(l))), slots);
  const hostsOf = (l: PlannedLab) => labScenarioOf(labScenarios(l)).hosts.length;
  /** `part` folded into the larger lab that leaves the shortest run, if one keeps the run as long or shortens it. */
  const fold = (part: PlannedLab): PlannedLab[] | undefined => {
    const shape = shapeKey(labScenarioOf(labScenarios(part)));
    const before = runMs(out);
    let best: { readonly labs: PlannedLab[]; readonly ms: number } | undefined;
    for (const host of out) {
      if (host === part || fixed.has(host) || (host.last && part.last)) continue;
      const lab = labScenarioOf(labScenarios(host));
      if (shapeKey(lab) === shape || !labScenarios(part).every((s) => foldable(s) && fitsIn(lab, s))) continue;
      const merged: PlannedLab = { scenarios: [...host.scenarios, ...part.scenarios], last: host.last ?? part.last };
      const after = out.flatMap((l) => (l === part ? [] : l === host ? [merged] : [l]));
      const ms = runMs(after);
      if (ms <= before && (!best || ms < best.ms)) best = { labs: after, ms };
    }
    return best?.labs;
  };
  // Each fold removes a lab: this ends.
  folding: for (;;) {
    const parts = out.filter((l) => !fixed.has(l) && l.scenarios.length > 0).sort((a, b) => hostsOf(a) - hostsOf(b) || groupMs(labScenarios(a)) - groupMs(labScenarios(b)));
    for (const part of parts) {
      const next = fold(part);
      if (next) {
        out = next;
        continue folding;
      }
    }
    return out;
  }
}
