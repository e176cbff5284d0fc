/**
 * The flow matrix of a scenario's topology (pure), for `fwspec record` and
 * `fwspec diff`: every host to every listener of every other host it can
 * reach (a shared network, or a router joining both), and each firewall
 * host to its own listeners over its loopback and its own address; TCP, UDP
 * or HTTP as listened, IPv4 and IPv6. For `fwspec diff`, also the flows the
 * scenario's own expectations probe that no listener gives (a port served
 * only through a DNAT, `internet -> gw:8080 open answered-by web:80`), in the
 * families they probe; not an address target, a chosen source, a sweep or a
 * held connection (`record` leaves them out: a blocked flow to a port nothing
 * listens on cannot be written as an expectation). Bounded: more probes than the limit
 * is an InputError saying how many and why. Also the scenario that probes
 * it: the scenario's own steps that set the lab up (apply, run, reboot,
 * hold), then one expect step with the matrix, so the existing step loop
 * runs it unchanged.
 */
import { InputError } from "../errors.ts";
import { DEFAULT_NETWORK, FAMILIES, type Family, type HostSpec, type ProbeTarget, type Protocol } from "../model/types.ts";
import type { Expectation, ExpectStep, Scenario, Step } from "../scenario/model.ts";

/** One flow in its families. */
export interface MatrixFlow {
  readonly from: string;
  readonly to: ProbeTarget;
  readonly port: number;
  readonly protocol: Protocol;
  /** Both for a listener's flow; for a flow only expectations name, the families they probe. */
  readonly families: readonly Family[];
}

/** Probes (flows × families) a matrix may have by default: about a minute of probing on a busy machine. */
export const MAX_MATRIX_PROBES = 400;

function networksOf(scenario: Scenario, h: HostSpec): readonly string[] {
  return h.networks ?? [scenario.networks?.[0] ?? DEFAULT_NETWORK];
}

/** Can a probe from `a` reach `b`: a network in common, or a router on a network of each. */
export function reachable(scenario: Scenario, a: HostSpec, b: HostSpec): boolean {
  const na = networksOf(scenario, a);
  const nb = networksOf(scenario, b);
  if (na.some((n) => nb.includes(n))) return true;
  return scenario.hosts.some((r) => r.router === true && networksOf(scenario, r).some((n) => na.includes(n)) && networksOf(scenario, r).some((n) => nb.includes(n)));
}

/**
 * The matrix's flows: the listeners' flows grouped by source host (in host
 * order), then target host and listener; then the flows the expectations of
 * the `named` scenarios (default none) probe that no listener gives, in the
 * order written, one flow in the union of the families they probe it in.
 */
export function matrixFlows(scenario: Scenario, named: readonly Scenario[] = []): MatrixFlow[] {
  const out: MatrixFlow[] = [];
  for (const from of scenario.hosts) {
    for (const to of scenario.hosts) {
      if (from === to && !from.firewall) continue;
      if (from !== to && !reachable(scenario, from, to)) continue;
      for (const l of to.listen) {
        if (from === to) out.push({ from: from.name, to: { kind: "localhost" }, port: l.port, protocol: l.protocol, families: FAMILIES });
        out.push({ from: from.name, to: { kind: "host", host: to.name }, port: l.port, protocol: l.protocol, families: FAMILIES });
      }
    }
  }
  const byTitle = new Map(out.map((f) => [flowTitle(f), f]));
  for (const e of named.flatMap((s) => s.steps).flatMap((s) => (s.kind === "expect" ? s.expectations : []))) {
    // An address target, a chosen source, a sweep's range and a held connection are no flow of the matrix's shape (host to host port, a new connection).
    if (e.to.kind === "address" || e.source !== undefined || e.sweep !== undefined || e.held !== undefined) continue;
    const flow: MatrixFlow = { from: e.from, to: e.to.kind === "host" ? { kind: "host", host: e.to.host } : { kind: "localhost" }, port: e.port, protocol: e.protocol, families: e.families };
    const seen = byTitle.get(flowTitle(flow));
    if (seen && e.families.every((f) => seen.families.includes(f))) continue;
    const merged = seen ? { ...seen, families: FAMILIES.filter((f) => seen.families.includes(f) || e.families.includes(f)) } : flow;
    if (seen) out[out.indexOf(seen)] = merged;
    else out.push(merged);
    byTitle.set(flowTitle(flow), merged);
  }
  return out;
}

/** The matrix (matrixFlows), refused (InputError) when it has more than `maxProbes` probes. */
export function flowMatrix(scenario: Scenario, maxProbes: number = MAX_MATRIX_PROBES, named: readonly Scenario[] = []): MatrixFlow[] {
  const flows = matrixFlows(scenario, named);
  const probes = flows.reduce((n, f) => n + f.families.length, 0);
  if (probes > maxProbes) {
    const listeners = scenario.hosts.reduce((n, h) => n + h.listen.length, 0);
    const families = probes === flows.length * FAMILIES.length ? "× 2 families" : `, ${probes - flows.length} of them in both families`;
    throw new InputError(
      `the flow matrix of ${scenario.name} has ${probes} probes (${flows.length} flows${families.startsWith(",") ? "" : " "}${families}: ${scenario.hosts.length} hosts, ${listeners} listeners), more than the limit of ${maxProbes}`,
      { hint: "record or diff a scenario with fewer hosts or listeners, or raise the limit with --max-probes N" },
    );
  }
  if (flows.length === 0) {
    throw new InputError(`the scenario ${scenario.name} has no flow to probe: no host listens on anything and no expectation names a host's port`, { hint: "give a host `listen: [tcp/8080, …]`" });
  }
  return flows;
}

/** `remote -> server:8080/tcp`: a matrix flow as its expectation's title (no verdict: the matrix only observes). */
export function flowTitle(f: MatrixFlow): string {
  const target = f.to.kind === "host" ? f.to.host : "localhost";
  return `${f.from} -> ${target}:${f.port}/${f.protocol}`;
}

/** Steps that put the lab into the state to observe; checks (expect, counters) are left out. */
function setupSteps(steps: readonly Step[]): Step[] {
  return steps.filter((s) => s.kind !== "expect" && s.kind !== "counters");
}

/**
 * The scenario that probes `flows` in their families after the scenario's own
 * set-up steps. The expected verdict is a placeholder (`observeOnly`): only
 * what was observed is used.
 */
export function matrixScenario(scenario: Scenario, flows: readonly MatrixFlow[], name: string = scenario.name): Scenario {
  const setup = setupSteps(scenario.steps);
  const location = { file: scenario.file, line: scenario.steps.at(-1)?.location.line ?? 1, column: 1 };
  const expectations: Expectation[] = flows.map((f) => ({ ...f, expected: "open", observeOnly: true, text: flowTitle(f), location }));
  const expect: ExpectStep = { kind: "expect", expectations, location };
  return { ...scenario, name, steps: [...setup, expect] };
}
