/**
 * nftables tracing of one expect step on its nft-based firewall hosts
 * (iptables-nft and native nft; legacy hosts keep the counters): before the
 * step's first probe, each host gets fwspec's trace table (rules/trace.ts) and
 * an `nft -a monitor` process (started once, reused by the lab's later steps);
 * after the step's last probe, the monitor's output is read in the same
 * command that deletes the table, so no ruleset reading, reset or evidence of
 * the step's surroundings ever sees it. Per probe this costs nothing; per step
 * and host two commands.
 */
import type { LabHost, RunningLab } from "../lab/types.ts";
import type { Decision, TracedHost } from "../model/results.ts";
import type { Family, ProbeSpec } from "../model/types.ts";
import { parseSave, type SavedRuleset } from "../rules/saved.ts";
import { type NftTexts, parseNftListing } from "../rules/nft-listing.ts";
import { type TracedProbe, filteringLegacyTables, traceDecision } from "../rules/trace.ts";
import { SWEEP_SOURCE_PORT, sweepSourcePort, type TraceMatch, traceScript } from "../rules/trace-marking.ts";
import { chainHandles, namedFromListing, parseTrace, type TraceEvent } from "../rules/trace-events.ts";
import { namedRules, type NamedRules } from "../rules/trace-named.ts";
import { resolveTarget } from "./probe.ts";
import { ARM, COLLECT, DISARM, READ, SECTION } from "./trace-scripts.ts";
import { pathRank } from "./trace-decision.ts";

/** A probe of the step as tracing needs it: where it goes, and which firewall hosts it crosses. */
export interface TracedSpec {
  readonly spec: ProbeSpec;
  readonly watch: readonly string[];
  /**
   * `probe` (default): its first packet is a SYN or datagram; `held`: a held
   * connection's check, whose first packet is data of an established
   * connection; `sweep`: a sweep of `spec.port`..`lastPort`, whose packets
   * leave from `sport`. Each is told apart from the others to the same place.
   */
  readonly role?: TraceRole;
  /** A sweep's source port (rules/trace.ts sweepSourcePort). */
  readonly sport?: number;
  /** The address a held connection was opened to, a sweep's target (a probe's is resolved from its spec). */
  readonly address?: string;
  /** A sweep's last port. */
  readonly lastPort?: number;
}

export type TraceRole = "probe" | "held" | "sweep";

function keyOf(family: Family, address: string, protocol: string, port: number, role: TraceRole = "probe", sport?: number): string {
  return `${family} ${address} ${protocol} ${port}${role === "probe" ? "" : ` ${role}`}${sport !== undefined ? ` from port ${sport}` : ""}`;
}

/** The addresses a probe's packets leave from: its declared source, else its host's addresses and loopback. */
function sourcesOf(lab: RunningLab, spec: ProbeSpec): string[] {
  if (spec.source !== undefined) return [spec.source];
  const from = lab.host(spec.from);
  return [...new Set([...from.networks.flatMap((n) => from.addressOn(n, spec.family) ?? []), from.loopback(spec.family)])];
}

/** The addresses of these lab hosts, on every network, both families (rules/trace.ts TraceContext.local and .elsewhere). */
function addressesOf(hosts: readonly LabHost[]): Set<string> {
  return new Set(hosts.flatMap((h) => h.networks.flatMap((n) => (["ipv4", "ipv6"] as const).flatMap((f) => h.addressOn(n, f) ?? []))));
}

/** A step's traces: the decision for a probe (by family and destination), once collected. */
export interface StepTraces {
  decisionFor(spec: ProbeSpec, address: string, role?: TraceRole, sport?: number): Decision | undefined;
  /**
   * Per traceable host some probe of the step crosses: the rules its trace named. Complete only when every such
   * probe was marked there (armed, its target resolved) and the reading was complete (rules/trace-named.ts).
   */
  readonly named: ReadonlyMap<string, NamedRules>;
}

const UNREAD: NamedRules = { keys: new Set(), complete: false };

export interface ArmedTraces {
  /**
   * Removes the trace tables and reads the decisions (never throws); `known`:
   * a host's iptables-save reading of the step's ruleset the caller already
   * has (the lane's latest counters), which then names its iptables-nft rules.
   */
  collect(known?: (host: string, family: Family) => SavedRuleset | undefined): Promise<StepTraces>;
  /**
   * Does the trace attribute this probe's packets (a held connection's data: `held`, the address it was opened to) on every host in `watch` (each armed, the match unique in the step)?
   * `identical`: identical probes of the step are allowed (decided only when all their connections were alike: trace-early.ts).
   */
  attributes(spec: ProbeSpec, watch: readonly string[], held?: string, identical?: boolean): boolean;
  /** The probe (or, given `held`, the held connection's data) as its trace shows it (undefined: no target address). */
  match(spec: ProbeSpec, held?: string): TracedProbe | undefined;
  /** The trace events so far on these armed hosts (mid-step; a host that cannot be read is left out). */
  read(hosts: readonly string[]): Promise<Map<string, TraceEvent[]>>;
}

/** Hosts an nft trace can see: firewall hosts whose iptables is the nft backend (native nft hosts are). */
export function traceable(host: LabHost): boolean {
  return host.spec.firewall && host.spec.backend === "nft";
}

/**
 * Arms tracing on the step's nft-based firewall hosts. A host that cannot be
 * armed (no nft, the monitor did not start) is left without a trace: its
 * probes keep the counters' decision. Never throws.
 */
export async function armTraces(lab: RunningLab, probes: readonly TracedSpec[]): Promise<ArmedTraces> {
  type Entry = { matches: TraceMatch[]; probes: { spec: ProbeSpec; address: string; role: TraceRole; lastPort?: number; sport?: number }[] };
  const perHost = new Map<string, Entry>();
  // Hosts a probe crosses that its trace cannot mark (no target address): their reading is incomplete.
  const unmarked = new Set<string>();
  const resolved = probes.flatMap((p) => {
    try {
      return [{ ...p, address: p.address ?? resolveTarget(lab, p.spec) }];
    } catch {
      for (const h of p.watch) unmarked.add(h);
      return [];
    }
  });
  // Probes to one destination in a step are told apart by their sources (only then: a SNAT before a host would hide them from its trace).
  // A held check and a probe to one destination are told apart by the first packet (data or SYN), so they share the source filter.
  const shared = new Map<string, number>();
  for (const p of resolved) {
    if ((p.role ?? "probe") !== "probe") continue;
    const key = keyOf(p.spec.family, p.address, p.spec.protocol === "udp" ? "udp" : "tcp", p.spec.port);
    shared.set(key, (shared.get(key) ?? 0) + 1);
  }
  const saddrsOf = (spec: ProbeSpec, address: string): string[] | undefined =>
    (shared.get(keyOf(spec.family, address, spec.protocol === "udp" ? "udp" : "tcp", spec.port)) ?? 0) > 1 ? sourcesOf(lab, spec) : undefined;
  const fullKey = (spec: ProbeSpec, address: string, role: TraceRole = "probe", sport?: number): string =>
    `${keyOf(spec.family, address, spec.protocol === "udp" ? "udp" : "tcp", spec.port, role, sport)} from ${role === "probe" ? saddrsOf(spec, address)?.join(",") ?? "any" : "any"}`;
  const keys = new Map<string, number>();
  // Each destination's probes' source lists: a probe from a host as such and one bound to one of that host's addresses have
  // different lists that overlap, so a trace match of either also takes the other's packets (neither is attributed alone).
  // (Every host's list holds its loopback address, which only that host's own packets carry: another host's list shares it harmlessly.)
  const sourceLists = new Map<string, { readonly from: string; readonly saddrs: readonly string[] | undefined }[]>();
  for (const p of resolved) {
    const { address } = p;
    const role = p.role ?? "probe";
    if (role === "probe") {
      const base = keyOf(p.spec.family, address, p.spec.protocol === "udp" ? "udp" : "tcp", p.spec.port);
      sourceLists.set(base, [...(sourceLists.get(base) ?? []), { from: p.spec.from, saddrs: saddrsOf(p.spec, address) }]);
    }
    const protocol = p.spec.protocol === "udp" ? "udp" : "tcp";
    const last = role === "sweep" ? p.lastPort ?? p.spec.port : p.spec.port;
    for (let port = p.spec.port; port <= last; port++) {
      const key = fullKey({ ...p.spec, port }, address, role, p.sport);
      keys.set(key, (keys.get(key) ?? 0) + 1);
    }
    const saddrs = role === "probe" ? saddrsOf(p.spec, address) : undefined;
    for (const h of p.watch) {
      if (!traceable(lab.host(h))) continue;
      const entry = perHost.get(h) ?? { matches: [], probes: [] };
      entry.matches.push({ family: p.spec.family, ...(saddrs ? { saddrs } : {}), daddr: address, protocol, port: p.spec.port, ...(role === "sweep" ? { lastPort: last, sport: p.sport ?? SWEEP_SOURCE_PORT } : {}) });
      entry.probes.push({ spec: p.spec, address, role, ...(role === "sweep" ? { lastPort: last, sport: p.sport ?? SWEEP_SOURCE_PORT } : {}) });
      perHost.set(h, entry);
    }
  }
  const armed = new Map<string, Entry>();
  await Promise.all([...perHost].map(async ([h, entry]) => {
    try {
      const r = await lab.host(h).exec(["sh", "-c", ARM], { light: true, stdin: traceScript(entry.matches) });
      if (r.exitCode === 0) armed.set(h, entry);
      else await lab.host(h).exec(["sh", "-c", DISARM], { light: true });
    } catch {
      // no trace on this host: the counters decide
    }
  }));
  const match = (spec: ProbeSpec, held?: string): TracedProbe | undefined => {
    if (held !== undefined) return { family: spec.family, daddr: held, protocol: spec.protocol === "udp" ? "udp" : "tcp", port: spec.port, established: true };
    let address: string;
    try {
      address = resolveTarget(lab, spec);
    } catch {
      return undefined;
    }
    const saddrs = saddrsOf(spec, address);
    return { family: spec.family, ...(saddrs ? { saddrs } : {}), daddr: address, protocol: spec.protocol === "udp" ? "udp" : "tcp", port: spec.port };
  };
  /**
   * Would this probe's trace match (or, `held`, the held connection's) also take another's packets in this step? A
   * probe to one destination as another whose source list overlaps its own without being the same; and, as UDP has no
   * handshake (any datagram is a first packet: rules/trace.ts), a held UDP check and a probe to one destination.
   * Such a one is neither decided nor named from the trace alone.
   */
  const ambiguous = (spec: ProbeSpec, address: string, role: TraceRole): boolean => {
    const udp = spec.protocol === "udp";
    if (role === "held") return udp && sourceLists.has(keyOf(spec.family, address, "udp", spec.port));
    if (role !== "probe") return false;
    const mine = saddrsOf(spec, address);
    const loopback = (a: string) => a === "::1" || a.startsWith("127.");
    const clash = ({ from, saddrs }: { readonly from: string; readonly saddrs: readonly string[] | undefined }) =>
      (saddrs ?? []).join(",") !== (mine ?? []).join(",") &&
      (saddrs === undefined || mine === undefined || saddrs.some((a) => mine.includes(a) && (from === spec.from || !loopback(a))));
    return (sourceLists.get(keyOf(spec.family, address, udp ? "udp" : "tcp", spec.port)) ?? []).some(clash) || (udp && keys.has(fullKey(spec, address, "held")));
  };
  const attributes = (spec: ProbeSpec, watch: readonly string[], held?: string, identical = false): boolean => {
    if (watch.length === 0 || !watch.every((h) => armed.has(h))) return false;
    if (held !== undefined) return keys.get(fullKey(spec, held, "held")) === 1 && !ambiguous(spec, held, "held");
    const m = match(spec);
    if (m === undefined || ambiguous(spec, m.daddr, "probe")) return false;
    const n = keys.get(fullKey(spec, m.daddr)) ?? 0;
    return identical ? n >= 1 : n === 1;
  };
  // The ruleset does not change within a step: one listing per host names the rules of every mid-step read.
  const listed = new Map<string, NftTexts>();
  const read = async (hosts: readonly string[]): Promise<Map<string, TraceEvent[]>> =>
    new Map((await Promise.all(hosts.filter((h) => armed.has(h)).map(async (h) => {
      try {
        const r = await lab.host(h).exec(["sh", "-c", READ, "fwspec-trace-read", listed.has(h) ? "log" : "list"], { light: true });
        if (r.exitCode !== 0) return [];
        const [log = "", listing = ""] = r.stdout.split(`${SECTION}\n`);
        if (!listed.has(h)) listed.set(h, parseNftListing(listing));
        return [[h, namedFromListing(parseTrace(log), listed.get(h)!)] as const];
      } catch {
        return [];
      }
    }))).flat());
  // Every traceable host a probe crosses starts unread; a host armed, collected and fully read is complete.
  const unread = () => new Map<string, NamedRules>([...perHost.keys(), ...[...unmarked].filter((h) => traceable(lab.host(h)))].map((h) => [h, UNREAD]));
  if (armed.size === 0) return { collect: async () => ({ decisionFor: () => undefined, named: unread() }), attributes, match, read };
  return {
    attributes,
    match,
    read,
    async collect(known = () => undefined) {
      const decisions = new Map<string, Decision[]>();
      const named = unread();
      await Promise.all([...armed].map(async ([h, entry]) => {
        const had = { ipv4: known(h, "ipv4"), ipv6: known(h, "ipv6") };
        let out: string;
        try {
          const r = await lab.host(h).exec(["sh", "-c", COLLECT, "fwspec-collect", had.ipv4 ? "known" : "read", had.ipv6 ? "known" : "read"], { light: true });
          if (r.exitCode !== 0) return;
          out = r.stdout;
        } catch {
          return;
        }
        const [log = "", listing = "", v4 = "", v6 = "", legacy4 = "", legacy6 = ""] = out.split(`${SECTION}\n`);
        const events = namedFromListing(parseTrace(log), parseNftListing(listing));
        // On an nft host, legacy iptables tables that filter (a rule added with iptables-legacy) act where the trace does not look.
        const nft = lab.host(h).spec.backend === "nft";
        const unseen = { ipv4: nft ? filteringLegacyTables(legacy4) : [], ipv6: nft ? filteringLegacyTables(legacy6) : [] };
        const ctx = { host: h, handles: chainHandles(listing), saved: { ipv4: had.ipv4 ?? safeParse(v4, "ipv4"), ipv6: had.ipv6 ?? safeParse(v6, "ipv6") }, unseen,
          local: addressesOf([lab.host(h)]), elsewhere: addressesOf([...lab.hosts].filter(([name]) => name !== h).map(([, other]) => other)) };
        const read = namedRules(log, events, ctx.handles);
        named.set(h, unmarked.has(h) ? { ...read, complete: false } : read);
        const done = new Set<string>();
        for (const p of entry.probes) {
          const protocol = p.spec.protocol === "udp" ? "udp" : "tcp";
          for (let port = p.spec.port; port <= (p.lastPort ?? p.spec.port); port++) {
            const key = fullKey({ ...p.spec, port }, p.address, p.role, p.sport);
            if (done.has(key)) continue;
            done.add(key);
            if (ambiguous({ ...p.spec, port }, p.address, p.role)) continue; // named by counters, not by another's packets
            const saddrs = p.role === "probe" ? saddrsOf(p.spec, p.address) : undefined;
            const traced = { family: p.spec.family, ...(saddrs ? { saddrs } : {}), daddr: p.address, protocol, port,
              ...(p.role === "held" ? { established: true } : {}), ...(p.role === "sweep" ? { sport: p.sport ?? SWEEP_SOURCE_PORT } : {}) } as const;
            // Identical probes in one step (a parity probe and another expectation's): which trace is whose is not known, so they are
            // named only when every one of their connections was decided alike.
            const all = Array.from({ length: keys.get(key) ?? 1 }, (_, nth) => traceDecision(events, { ...traced, nth }, ctx));
            const d = all[0];
            if (d && all.every((x) => x !== undefined && sameDecision(x, d))) decisions.set(key, [...(decisions.get(key) ?? []), d]);
          }
        }
      }));
      return {
        named,
        decisionFor(spec, address, role = "probe", sport) {
          const found = decisions.get(fullKey(spec, address, role, role === "sweep" ? sport ?? SWEEP_SOURCE_PORT : undefined));
          if (!found || found.length === 0) return undefined;
          return orderAlongPath(found, spec);
        },
      };
    },
  };
}

/** Two decisions that say the same: the same host, rule (or policy, or no filter chain), handle and action. */
function sameDecision(a: Decision, b: Decision): boolean {
  return a.host === b.host && a.table === b.table && a.rule === b.rule && a.handle === b.handle && a.action === b.action && a.path.join() === b.path.join() && (a.rewrites ?? []).join() === (b.rewrites ?? []).join();
}

function safeParse(text: string, family: Family) {
  try {
    return parseSave(text, family);
  } catch {
    return undefined;
  }
}

/** Of the hosts' decisions, the path's: the first drop or reject in path order (prober, routers, target), else the target's accept. */
function orderAlongPath(found: readonly Decision[], spec: ProbeSpec): Decision {
  const ordered = [...found].sort((a, b) => pathRank(a.host, spec) - pathRank(b.host, spec));
  return ordered.find((d) => d.action !== "accept") ?? ordered[ordered.length - 1]!;
}

/** Sweeps of at most this many ports are traced, port by port; larger ones keep the counters' attribution. */
export const MAX_TRACED_SWEEP = 4096;

/**
 * The probes of a step to trace: each expectation in its family, and its
 * parity probe in the other; a held connection's check (its data packet, to
 * the address the connection was opened to: `heldAddress`); a sweep's ports
 * (at most MAX_TRACED_SWEEP).
 */
export function tracedSpecs(probes: readonly { readonly spec: ProbeSpec; readonly watch: readonly string[]; readonly parity?: Family; readonly expectation: { readonly held?: string; readonly sweep?: { readonly first: number; readonly last: number } } }[], heldAddress: (name: string) => string | undefined = () => undefined): TracedSpec[] {
  return probes.flatMap((p, i): TracedSpec[] => {
    const sweep = p.expectation.sweep;
    if (sweep !== undefined) return sweep.last - sweep.first + 1 <= MAX_TRACED_SWEEP ? [{ spec: { ...p.spec, port: sweep.first }, watch: p.watch, role: "sweep", lastPort: sweep.last, sport: sweepSourcePort(i) }] : [];
    if (p.expectation.held !== undefined) {
      const address = heldAddress(p.expectation.held);
      return address === undefined ? [] : [{ spec: p.spec, watch: p.watch, role: "held", address }];
    }
    return [{ spec: p.spec, watch: p.watch }, ...(p.parity ? [{ spec: { ...p.spec, family: p.parity }, watch: p.watch }] : [])];
  });
}

/**
 * The step's trace per nft-based host its probes cross (ExpectationResult.traced): a host some probe crossed
 * unmarked (not traced at all: `marked` false, e.g. a sweep too large) is incomplete, whatever else it read.
 */
export function tracedHosts<P extends { readonly watch: readonly string[] }>(lab: RunningLab, probes: readonly P[], named: ReadonlyMap<string, NamedRules>, marked: (p: P) => boolean): TracedHost[] {
  const hosts = new Map<string, NamedRules>();
  for (const p of probes) {
    for (const h of p.watch) {
      if (!traceable(lab.host(h))) continue;
      const read = named.get(h) ?? UNREAD;
      hosts.set(h, marked(p) ? hosts.get(h) ?? read : UNREAD);
    }
  }
  return [...hosts].map(([host, r]) => ({ host, complete: r.complete, rules: [...r.keys].sort() }));
}
