/**
 * A lab's shape (pure): what its containers and networks are, without the
 * names scenarios give its hosts or the listeners they run. Networks, declared
 * subnets and each host's firewall, backend, router role, networks, fixed
 * addresses and interface names are the shape; host names and listeners are
 * not (a lab lent to another scenario gets its names by a cast and its
 * listeners set, runner/shared-lab.ts). Hosts sit in slots in a canonical
 * order (by their shape, then as written), so two scenarios of one shape map
 * host to host slot by slot. A scenario fits a lab of a larger shape (fitsIn:
 * the same networks and subnets, each of its hosts a lab host of the same
 * shape — or, for a host that is no firewall, a firewall host of otherwise
 * its shape — none of the lab's other hosts a router or with a fixed address)
 * and is cast onto the first lab hosts of each host shape; the lab's other
 * hosts stay idle for it.
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
 * Does `scenario` fit a lab of `lab`'s shape: the same networks and subnets,
 * and for each of its hosts a lab host of the same shape (for one that is no
 * firewall, a firewall host of otherwise its shape will do)? The lab may have
 * more hosts, which the scenario never names, as long as none of them is a
 * router or has a fixed address (plan/absorb.ts also keeps scenarios that
 * could reach an idle host by its address off larger labs).
 */
export function fitsIn(lab: Shaped, scenario: Shaped): boolean {
  return castWithin(lab, scenario) !== undefined;
}

/** The networks and subnets part of a shape: equal, or no cast at all. */
function networksKey(shaped: Shaped): string {
  return JSON.stringify({ networks: shaped.networks ?? [], subnets: shaped.subnets ?? {} });
}

function castWithin(lab: Shaped, scenario: Shaped): Map<string, string> | undefined {
  if (networksKey(lab) !== networksKey(scenario)) return undefined;
  const free = slots(lab).map((h) => ({ host: h, key: hostShape(h) }));
  const cast = new Map<string, string>();
  const take = (h: HostSpec, key: string): boolean => {
    const at = free.findIndex((f) => f.key === key);
    if (at < 0) return false;
    cast.set(h.name, free[at]!.host.name);
    free.splice(at, 1);
    return true;
  };
  // Hosts of their own shape first; then a host that is no firewall may be played by a lab's firewall host of
  // otherwise the same shape (the containers are alike, lab/container.ts; the lab resets it as a firewall host).
  const rest = slots(scenario).filter((h) => !take(h, hostShape(h)));
  for (const h of rest) if (h.firewall || !take(h, hostShape({ ...h, firewall: true }))) return undefined;
  // A host left idle must not matter: not a router (the lab's routes may go through it, lab/prepare.ts addRoutes),
  // and no fixed address (one the scenario's own lab would not have).
  if (free.some(({ host }) => host.router === true || Object.keys(host.addresses ?? {}).length > 0)) return undefined;
  return cast;
}

/**
 * Which lab host plays which scenario host: scenario host name → the lab's
 * host name, slot by slot for hosts of one shape (a lab of the scenario's own
 * shape: every host; a larger one: the first of each host shape). Throws when
 * the scenario does not fit the lab (a planning bug).
 */
export function castOf(lab: Shaped, scenario: Shaped): Map<string, string> {
  const cast = castWithin(lab, scenario);
  if (!cast) throw new RangeError("a scenario was given a lab of another shape it does not fit");
  return cast;
}
