/**
 * The interfaces a probe's first packet crosses on each host of its path
 * (pure, over the lab's hosts as data): out of the prober, into and out of a
 * router between two networks, into the target; `lo` both ways for a probe
 * of the host's own loopback or of its own address. The counters' attribution (rules/first-packet.ts)
 * then never names a rule for interfaces the packet did not cross, such as a
 * router's `-i lan0 -o wan0 -j DROP` that only its answers met.
 */
import { isIPv4 } from "node:net";
import { sameSpelling } from "../model/cidr.ts";
import type { Family, ProbeSpec } from "../model/types.ts";
import type { RunningLab } from "../lab/types.ts";
import type { Via } from "../rules/first-packet-text.ts";

/** A host as this needs it: its networks, the interface on each, whether it routes. */
export interface PathHost {
  readonly name: string;
  readonly networks: readonly string[];
  readonly router: boolean;
  interfaceOn(network: string): string | undefined;
}

const shared = (a: PathHost, b: PathHost) => a.networks.find((n) => b.networks.includes(n));

/** The one router between the prober's networks and the target's (undefined: none, a target on the prober's link, a literal target, or more than one router). */
export function pathRouter(hosts: ReadonlyMap<string, PathHost>, spec: Pick<ProbeSpec, "from" | "to">): string | undefined {
  const from = hosts.get(spec.from);
  const target = spec.to.kind === "host" ? hosts.get(spec.to.host) : undefined;
  if (!from || !target || target === from || shared(from, target) !== undefined) return undefined;
  const routers = [...hosts.values()].filter((r) => r.router && r !== from && r !== target && shared(from, r) !== undefined && shared(r, target) !== undefined);
  return routers.length === 1 ? routers[0]!.name : undefined;
}

/** Each path host's interfaces (undefined for a host off the path, or a path not known: a literal target, more than one router). */
export function pathInterfaces(hosts: ReadonlyMap<string, PathHost>, spec: Pick<ProbeSpec, "from" | "to"> & { readonly source?: string | undefined }): (host: string) => Via | undefined {
  const from = hosts.get(spec.from);
  if (!from) return () => undefined;
  if (spec.to.kind === "localhost") return (h) => (h === from.name ? { in: "lo", out: "lo" } : undefined);
  const target = spec.to.kind === "host" ? hosts.get(spec.to.host) : undefined;
  if (!target) return () => undefined;
  // A host probing its own address: the kernel delivers it over lo, as to its loopback.
  if (target === from) return (h) => (h === from.name ? { in: "lo", out: "lo" } : undefined);
  const vias = new Map<string, Via>();
  // The network lab.addressFor probes the target on: the first of the target's that the prober shares. A probe
  // leaving from a source address may take another of them (probes/probe.ts resolveTarget): not known then.
  const direct = shared(target, from);
  if (direct !== undefined && spec.source !== undefined && target.networks.filter((n) => from.networks.includes(n)).length > 1) return () => undefined;
  if (direct !== undefined) {
    vias.set(from.name, { out: from.interfaceOn(direct) });
    vias.set(target.name, { in: target.interfaceOn(direct) });
  } else {
    // One router between the prober's network and the target's (a longer path: not known, nothing excluded).
    const router = pathRouter(hosts, spec);
    if (router !== undefined) {
      const r = hosts.get(router)!;
      const inbound = shared(from, r)!;
      const outbound = shared(r, target)!;
      vias.set(from.name, { out: from.interfaceOn(inbound) });
      vias.set(r.name, { in: r.interfaceOn(inbound), out: r.interfaceOn(outbound) });
      vias.set(target.name, { in: target.interfaceOn(outbound) });
    }
  }
  return (h) => vias.get(h);
}

/** The lab's hosts as pathInterfaces reads them. */
export function labPathHosts(lab: Pick<RunningLab, "hosts">): Map<string, PathHost> {
  return new Map([...lab.hosts].map(([name, h]) => [name, { name, networks: h.networks, router: h.spec.router === true, interfaceOn: (n: string) => h.interfaceOn(n) }]));
}

/**
 * The lab's hosts that route nothing, with their addresses in `family`: a probe reaches one off its path only where
 * a DNAT on its target sends it there (rules/first-packet.ts hopsOnPath offPath).
 */
export function offPathHosts(lab: Pick<RunningLab, "hosts">, family: Family): Map<string, string[]> {
  return new Map([...lab.hosts].filter(([, h]) => h.spec.router !== true).map(([name, h]) => [name, h.networks.flatMap((n) => [
    ...(h.addressOn(n, family) !== undefined ? [h.addressOn(n, family)!] : []),
    ...(h.spec.addresses?.[n]?.extra ?? []).filter((a) => isIPv4(a) === (family === "ipv4")),
  ].map(sameSpelling))]));
}
