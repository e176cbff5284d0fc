/**
 * A lab's shape (pure): what its containers and networks are, without the
 * names scenarios give its hosts or the listeners they run. Networks, declared
 * subnets and each host's firewall, backend, router role, networks, fixed
 * addresses and interface names are the shape; host names and listeners are
 * not (a lab lent to another scenario gets its names by a cast and its
 * listeners set, runner/shared-lab.ts). Hosts sit in slots in a canonical
 * order (by their shape, then as written), so two scenarios of one shape map
 * host to host slot by slot.
 */
import type { HostSpec } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";

/** What lab shapes are made of: a scenario or a lab spec. */
export interface Shaped {
  readonly hosts: readonly HostSpec[];
  readonly networks?: readonly string[] | undefined;
  readonly subnets?: Scenario["subnets"] | undefined;
}

/** A host's part of a shape: everything but its name and listeners. */
function hostShape(h: HostSpec): string {
  return JSON.stringify({
    firewall: h.firewall,
    backend: h.backend,
    router: h.router ?? false,
    networks: h.networks ?? [],
    addresses: h.addresses ?? {},
    interfaces: h.interfaces ?? {},
  });
}

/** The hosts in slot order: sorted by their shape, hosts of one shape in the order written. */
export function slots(shaped: Shaped): HostSpec[] {
  return shaped.hosts.map((h, i) => ({ h, i, key: hostShape(h) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i)).map((x) => x.h);
}

/** Scenarios (or labs) with the same key can run on one lab. */
export function shapeKey(shaped: Shaped): string {
  return JSON.stringify({ networks: shaped.networks ?? [], subnets: shaped.subnets ?? {}, hosts: slots(shaped).map(hostShape) });
}

/**
 * Which lab host plays which scenario host: scenario host name → the lab's
 * host name in the same slot. Throws when the shapes differ (a planning bug).
 */
export function castOf(lab: Shaped, scenario: Shaped): Map<string, string> {
  if (shapeKey(lab) !== shapeKey(scenario)) throw new RangeError("a scenario was given a lab of another shape");
  const labSlots = slots(lab);
  return new Map(slots(scenario).map((h, i) => [h.name, labSlots[i]!.name]));
}
