/**
 * Which scenarios share a lab (pure): scenarios of one lab shape (shape.ts:
 * networks, subnets and hosts, not their names or listeners), made only of
 * apply, expect, counters and hold steps and run steps that leave no state
 * (stateless-run.ts), run one after another on one lab (reset in between,
 * held connections ended, names cast and listeners set,
 * runner/shared-lab.ts); a scenario with other run steps or reboot steps may
 * be the last on such a lab (it is
 * removed after it); every other scenario gets its own. Also the lab's short
 * name.
 */
import { declaredCidrs, overlaps } from "../model/cidr.ts";
import type { Scenario } from "../scenario/model.ts";
import { shapeKey } from "./shape.ts";
import { leavesNoState } from "./stateless-run.ts";

/** Scenarios with the same hosts (by name), listeners and networks have the same key (`fwspec diff` compares rules on such labs). */
export function topologyKey(scenario: Scenario): string {
  return JSON.stringify({
    networks: scenario.networks ?? [],
    subnets: scenario.subnets ?? {},
    hosts: scenario.hosts.map((h) => ({
      name: h.name,
      firewall: h.firewall,
      backend: h.backend,
      router: h.router ?? false,
      networks: h.networks ?? [],
      listen: h.listen.map((l) => `${l.protocol}/${l.port}`).sort(),
      addresses: h.addresses ?? {},
      interfaces: h.interfaces ?? {},
    })),
  });
}

/**
 * Labs at a time when `--labs` is not given: one per two cores, at least
 * three. On 2 cores a suite's steps often wait (scans that must hear nothing,
 * reboots, timeouts) while its CPU is busy only in bursts: alternating
 * `fwspec run scenarios` with three and two labs (four runs each, quiet
 * machine) took 29.0-32.4 s against 32.4-38.1 s. One lab took longer than two
 * under load; groups of one shape are still split only when asked (api.ts).
 */
export function defaultLabs(cores: number): number {
  return Math.max(3, Math.floor(cores / 2));
}

/**
 * Can this scenario run on a lab another scenario used (after a rules reset)? `reboot` and most `run` steps
 * can change a host in ways a reset does not undo; a `run` step that only sends traffic, shows state or reads rules
 * (stateless-run.ts) cannot, nor a `hold` step (its connection is ended before the next scenario: runner/shared-lab.ts).
 */
export function shareable(scenario: Scenario): boolean {
  return scenario.steps.every((s) => s.kind === "apply" || s.kind === "expect" || s.kind === "counters" || s.kind === "hold" || (s.kind === "run" && leavesNoState(s.command)));
}

/**
 * Scenarios grouped for labs, in file order: the shareable scenarios of one
 * shape run on one lab, then (at most) one scenario of that shape that is not
 * shareable, as the lab's last; every other scenario gets its own. Large
 * groups are split so up to `labs` labs can run side by side.
 */
export function planLabs(scenarios: readonly Scenario[], labs: number): Scenario[][] {
  const groups = new Map<string, Scenario[]>();
  const alone: Scenario[] = [];
  for (const s of scenarios) {
    if (!shareable(s)) {
      alone.push(s);
      continue;
    }
    const key = shapeKey(s);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const plans: { readonly key: string; readonly scenarios: Scenario[]; last?: Scenario }[] = [];
  const parts = splitParts([...groups.values()], Math.max(0, labs - groups.size - alone.length));
  for (const [i, [key, group]] of [...groups].entries()) {
    for (let k = 0; k < parts[i]!; k++) plans.push({ key, scenarios: group.filter((_, j) => j % parts[i]! === k) });
  }
  const own: Scenario[][] = [];
  for (const s of alone) {
    const key = shapeKey(s);
    const plan = plans.find((p) => p.key === key && p.last === undefined);
    if (plan) plan.last = s;
    else own.push([s]);
  }
  return [...plans.map((p) => (p.last ? [...p.scenarios, p.last] : p.scenarios)), ...own];
}

/**
 * How many labs each group runs on: one each, and the `spare` labs one at a
 * time to the group with the most scenarios per lab (the first written on a
 * tie), so the run starts at most as many labs as run side by side. A group
 * with declared subnets stays on one (a subnet exists once on the engine),
 * and no group gets more labs than scenarios.
 */
function splitParts(groups: readonly (readonly Scenario[])[], spare: number): number[] {
  const parts = groups.map(() => 1);
  for (let left = spare; left > 0; left--) {
    let best = -1;
    for (const [i, group] of groups.entries()) {
      if (group[0]?.subnets || parts[i]! >= group.length) continue;
      if (best < 0 || group.length / parts[i]! > groups[best]!.length / parts[best]!) best = i;
    }
    if (best < 0) break;
    parts[best]! += 1;
  }
  return parts;
}

/**
 * Does a scenario of `group` declare a subnet that overlaps one a scenario of
 * another group declares? Such a group's lab cannot exist while the other's
 * does (a subnet exists once on the engine); automatic networks never take a
 * declared subnet (lab/addresses.ts).
 */
export function declaresClash(group: readonly Scenario[], groups: readonly (readonly Scenario[])[]): boolean {
  const mine = group.flatMap((s) => declaredCidrs(s.subnets));
  if (mine.length === 0) return false;
  return groups.some((other) => other !== group && other.some((s) => declaredCidrs(s.subnets).some((c) => mine.some((m) => overlaps(m, c)))));
}

/** A lab's short name from its scenario's file name (part of container and network names). */
export function labNameFor(scenario: Scenario): string {
  const base = scenario.file.split("/").at(-1)?.replace(/\.(ya?ml|ts)$/, "") ?? "scenario";
  const slug = base.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 24).replace(/-+$/, "");
  return slug || "scenario";
}
