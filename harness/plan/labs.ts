/**
 * Which scenarios share a lab (pure): scenarios of one lab shape (shape.ts:
 * networks, subnets and hosts, not their names or listeners), made only of
 * apply (not with the legacy tools on an nft host), expect, counters and hold
 * steps and run steps that leave no state (stateless-run.ts), run one after
 * another on one lab (reset in between, held connections ended, names cast
 * and listeners set, runner/shared-lab.ts); a scenario with other run steps,
 * reboot steps or such an apply may be the last on such a lab (it is removed
 * after it); every other scenario gets its own. Also the lab's short name.
 */
import { declaredCidrs, overlaps } from "../model/cidr.ts";
import type { RuleSource, Scenario } from "../scenario/model.ts";
import { absorbLabs, labScenarios, type PlannedLab } from "./absorb.ts";
import { COST_MS, groupMs, makespanMs } from "./cost.ts";
import { shapeKey } from "./shape.ts";
import { countersZeroedOn, leavesNoStateOn, listsIptablesNft, savesTables, showsCounters } from "./stateless-run.ts";

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
 * Labs at a time when `--labs` is not given: five on two cores or more (one
 * per two cores beyond ten, at most 16, as `--labs` allows), three on one. A suite's steps often wait (scans
 * that must hear nothing, reboots, timeouts) while its CPU is busy only in
 * bursts: on 2 cores, `fwspec run scenarios` with three, four, five and six
 * labs (three rounds, alternating, quiet machine, 2026-12-06) took 21.0-21.3,
 * 20.0-20.6, 19.2-19.4 and 19.9-20.2 s; one fresh lab per scenario did not
 * change (60.2 s with three, 60.7 s with five). Three took
 * 29.0-32.4 s against two's 32.4-38.1 s earlier. Groups of one shape are
 * split further only when asked (api.ts).
 */
export function defaultLabs(cores: number): number {
  return cores < 2 ? 3 : Math.min(16, Math.max(5, Math.floor(cores / 2)));
}

/**
 * Labs a shape's scenarios are spread across with `--reuse` when `--labs` is
 * not given: one per two cores, at least three. Unlike whole labs that wait
 * (defaultLabs), short scenarios of one shape on warm labs keep the CPU busy:
 * the six seed policies with `--reuse` took 1.15 s on five warm labs against
 * 0.97 s on three (2 cores, `npm run bench -- --seed --runs 3`, 2026-12-06).
 */
export function defaultSpread(cores: number): number {
  return Math.min(16, Math.max(3, Math.floor(cores / 2)));
}

/**
 * Can this scenario run on a lab another scenario used (after a rules reset)? `reboot` and most `run` steps
 * can change a host in ways a reset does not undo, as can an apply with the legacy tools on an nft host
 * (usesLegacyTools); a `run` step that only sends traffic, shows state or reads rules (stateless-run.ts) cannot,
 * nor a `hold` step (its connection is ended before the next scenario: runner/shared-lab.ts).
 * One that shows rule counters must read those the handoff zeroes (showsRuleCounters; else needsFreshLab).
 */
export function shareable(scenario: Scenario): boolean {
  const backends = new Map(scenario.hosts.map((h) => [h.name, h.backend]));
  return (
    !needsFreshLab(scenario) &&
    scenario.steps.every((s) => (s.kind === "apply" && !(backends.get(s.host) === "nft" && s.sources.some(usesLegacyTools))) || s.kind === "expect" || s.kind === "counters" || s.kind === "hold" || (s.kind === "run" && leavesNoStateOn(s.command, backends.get(s.host) ?? "nft")))
  );
}

/**
 * Does a rule source call iptables' legacy tools (`iptables-legacy`,
 * `ip6tables-legacy-restore`, …, also inside a wrapper)? On an nft-backend
 * host they make legacy tables, which cannot be removed, and of which
 * iptables-nft then warns in every listing: the scenario is the last on its lab.
 */
export function usesLegacyTools(source: RuleSource): boolean {
  const text = source.kind === "commands" ? source.commands.map((c) => c.join(" ")).join("\n") : source.kind === "script" ? source.content : "";
  return /(^|[^A-Za-z0-9_.-])ip6?tables-legacy(-save|-restore)?($|[^A-Za-z0-9_.-])/m.test(text);
}

/**
 * Does the scenario need a lab nobody used before it? A `run` step that shows
 * counters no handoff zeroes (on a host that is no firewall, or of the host's
 * other backend: stateless-run.ts countersZeroedOn) would print what earlier
 * scenarios counted there, and an nft listing on an nft-backend host the
 * tables a reset leaves unlike a fresh lab's (listsIptablesNft), so such a
 * scenario is neither shared nor the last on a lab of its shape: it gets its own.
 */
export function needsFreshLab(scenario: Scenario): boolean {
  const firewalls = new Map(scenario.hosts.filter((h) => h.firewall).map((h) => [h.name, h.backend]));
  const backends = new Map(scenario.hosts.map((h) => [h.name, h.backend]));
  const zeroed = (host: string, command: readonly string[]) => firewalls.has(host) && countersZeroedOn(command, firewalls.get(host)!);
  return scenario.steps.some(
    (s) => s.kind === "run" && ((showsCounters(s.command) && !zeroed(s.host, s.command)) || listsIptablesNft(s.command, backends.get(s.host) ?? "nft")),
  );
}

/**
 * Does a `run` step of the scenario print rule counters? On a shared lab its
 * handoff then zeroes every counter of the firewall hosts (all tables
 * restored, not only the changed ones: runner/shared-lab.ts), as a fresh
 * lab's start from zero; a step showing counters no handoff zeroes (on
 * another host, or of the host's other backend) gets the scenario a fresh
 * lab (needsFreshLab).
 */
export function showsRuleCounters(scenario: Scenario): boolean {
  return scenario.steps.some((s) => s.kind === "run" && showsCounters(s.command));
}

/**
 * Does a `run` step of the scenario print a table that is there but empty? An
 * iptables-save listing (of any backend; tester 38a: a raw table an earlier
 * scenario made on a legacy host, empty after the reset, was printed where a
 * fresh lab's prints none). On a shared lab its handoff then leaves no empty
 * table, or gives the scenario a fresh lab (a legacy one cannot be removed:
 * runner/shared-lab.ts, rules/apply.ts dropEmptyTables), as for a scenario
 * that shows counters.
 */
export function printsEmptyTables(scenario: Scenario): boolean {
  return showsRuleCounters(scenario) || scenario.steps.some((s) => s.kind === "run" && savesTables(s.command));
}

/**
 * Scenarios grouped for labs, in file order: the shareable scenarios of one
 * shape run on one lab, then (at most) one scenario of that shape that is not
 * shareable, as the lab's last; every other scenario (and one that needs a
 * fresh lab: needsFreshLab) gets its own. A group
 * estimated to take longer than its share of the run is split (balanceParts);
 * with `spread` (`--labs`, `--reuse`: a number of labs, `labs` when true)
 * large groups are also split so up to that many labs can run side by side.
 */
export function planLabs(scenarios: readonly Scenario[], labs: number, options: { readonly spread?: boolean | number } = {}): Scenario[][] {
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
  const balanced = balanceParts([...groups.values()], alone, labs);
  const taken = balanced.reduce((sum, n) => sum + n, 0) + alone.length;
  const spreadTo = options.spread === false ? 0 : options.spread === true || options.spread === undefined ? labs : Math.min(labs, options.spread);
  const parts = splitParts([...groups.values()], Math.max(0, spreadTo - taken), balanced);
  for (const [i, [key, group]] of [...groups].entries()) {
    for (let k = 0; k < parts[i]!; k++) plans.push({ key, scenarios: group.filter((_, j) => j % parts[i]! === k) });
  }
  const own: PlannedLab[] = [];
  const fresh = new Set<PlannedLab>();
  for (const s of alone) {
    const key = shapeKey(s);
    // The part of its shape with the least estimated work takes it as its last.
    const plan = needsFreshLab(s) ? undefined : plans.filter((p) => p.key === key && p.last === undefined).sort((a, b) => groupMs(a.scenarios) - groupMs(b.scenarios))[0];
    if (plan) {
      plan.last = s;
      continue;
    }
    const lab: PlannedLab = { scenarios: [], last: s };
    own.push(lab);
    if (needsFreshLab(s)) fresh.add(lab);
  }
  return absorbLabs([...plans, ...own], labs, fresh).map(labScenarios);
}

/**
 * How many labs each group runs on: as many as `from` says, and the `spare` labs one at a
 * time to the group with the most scenarios per lab (the first written on a
 * tie), so the run starts at most as many labs as run side by side. A group
 * with declared subnets stays on one (a subnet exists once on the engine),
 * and no group gets more labs than scenarios.
 */
function splitParts(groups: readonly (readonly Scenario[])[], spare: number, from: readonly number[]): number[] {
  const parts = [...from];
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
 * How many labs each group needs so that it does not run on alone long after
 * the rest: a group whose estimated steps (plan/cost.ts groupMs, its lab start
 * aside) take longer than the other groups' and lone scenarios' estimated
 * work per remaining lab (`labs` at a time, one of them its own) may be split
 * into as many parts as that takes (at most `labs`, at most one per
 * scenario). Parts are added one at a time, to the group whose largest part
 * has the most work, only while they shorten the run as estimated (its labs,
 * longest first, each on the slot free first, `labs` at a time: run-set.ts):
 * splitting two groups of one size on three labs would make four labs, one
 * started after another's end, and is not done. With no other work, or one
 * lab at a time, nothing is split (a run of one shape stays on one lab: on 2
 * cores a second lab's start costs more than it saves a handful of short
 * scenarios); a group with declared subnets stays on one (a subnet exists
 * once on the engine).
 */
function balanceParts(groups: readonly (readonly Scenario[])[], alone: readonly Scenario[], labs: number): number[] {
  const costs = groups.map((g) => groupMs(g));
  const lone = alone.map((s) => groupMs([s]));
  const total = costs.reduce((sum, c) => sum + c, 0) + lone.reduce((sum, c) => sum + c, 0);
  const wanted = groups.map((g, i) => {
    if (labs <= 1 || g[0]?.subnets) return 1;
    const othersPerLab = (total - costs[i]!) / (labs - 1);
    const steps = costs[i]! - COST_MS.labStart;
    if (othersPerLab <= 0 || steps <= othersPerLab) return 1;
    return Math.min(labs, g.length, Math.ceil(steps / othersPerLab));
  });
  // Each part's work, the group's scenarios dealt as planLabs deals them.
  const dealt = (i: number, n: number) => Array.from({ length: n }, (_, k) => groupMs(groups[i]!.filter((_, j) => j % n === k)));
  const runMs = (parts: readonly number[]) => makespanMs([...lone, ...parts.flatMap((n, i) => dealt(i, n))], labs);
  const parts = groups.map(() => 1);
  const done = new Set<number>();
  for (;;) {
    const open = groups.map((_, i) => i).filter((i) => !done.has(i) && parts[i]! < wanted[i]!);
    if (open.length === 0) return parts;
    const largest = (i: number) => Math.max(...dealt(i, parts[i]!));
    const best = open.reduce((a, b) => (largest(b) > largest(a) ? b : a));
    const tried = parts.map((n, i) => (i === best ? n + 1 : n));
    if (runMs(tried) < runMs(parts)) parts[best] = tried[best]!;
    else done.add(best);
  }
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
