/**
 * Which probes of a family lane may run side by side (pure): a probe expected
 * to be answered (`open`: it ends by itself), whose packets the nftables trace
 * attributes to it alone (every firewall host it crosses is traced, and no
 * other probe of the step has its destination, protocol, port and sources),
 * or that no firewall host can see at all. A probe expected to be blocked runs
 * alone: its early verdict comes from counters, which read the kernel at once
 * (the trace comes through the monitor process, later on a loaded machine).
 * Held connections, sweeps, answered-by/seen-from checks, probes through
 * routers, probes only counters can attribute also run alone. Within the part
 * of a lane between two held checks or sweeps, the side-by-side probes run
 * first, as one batch, then the others one by one in lane order.
 */
import type { Family, ProbeSpec } from "../model/types.ts";

export interface BatchCandidate {
  readonly role: "main" | "parity" | "held";
  readonly expectation: { readonly expected?: string; readonly held?: string | undefined; readonly sweep?: unknown; readonly answeredBy?: unknown; readonly seenFrom?: unknown; readonly observeOnly?: true };
  /** The probe's source host and, when it targets a lab host (or its own loopback), that host. */
  readonly from: string;
  readonly target: string | undefined;
  /** Firewall hosts whose rules can see the probe's packets. */
  readonly watch: readonly string[];
  /** Does the step's trace attribute this probe's packets on every watched host (armed there, its match unique in the step)? */
  readonly traced: boolean;
}

/** May this probe run side by side with others of its lane? */
export function mayRunSideBySide(c: BatchCandidate): boolean {
  if (c.expectation.expected !== "open" || c.expectation.observeOnly) return false;
  return c.watch.length === 0 ? plainProbe(c) : mayDecideByTrace(c);
}

/** A probe's own packets, neither a held check nor a sweep, nor routed or rewritten (NAT, forwarding: the trace on a router or behind a rewrite may not show the packet as the probe sent it). */
function plainProbe(c: BatchCandidate): boolean {
  if (c.role === "held" || c.expectation.held !== undefined || c.expectation.sweep !== undefined) return false;
  if (c.expectation.answeredBy !== undefined || c.expectation.seenFrom !== undefined) return false;
  return !c.watch.some((h) => h !== c.from && h !== c.target);
}

/**
 * May this probe be decided early from the step's trace alone, whatever it
 * expects (probes/trace-early.ts)? Used where counters cannot attribute (a
 * held connection retransmits in its family): a plain probe whose packets the
 * trace attributes on every watched host.
 */
export function mayDecideByTrace(c: BatchCandidate): boolean {
  return plainProbe(c) && c.watch.length > 0 && c.traced;
}

/**
 * The lane's jobs in batches: the lane is cut at each `barrier` job (a held
 * check, a sweep: it runs alone, where it stands); in each part the jobs that
 * may run side by side form one batch, run first, and every other job follows
 * alone, in order.
 */
export function laneBatches<T>(jobs: readonly T[], sideBySide: (job: T) => boolean, barrier: (job: T) => boolean = () => false): T[][] {
  const out: T[][] = [];
  let part: T[] = [];
  const flush = () => {
    const together = part.filter(sideBySide);
    if (together.length > 0) out.push(together);
    for (const job of part) if (!together.includes(job)) out.push([job]);
    part = [];
  };
  for (const job of jobs) {
    if (barrier(job)) {
      flush();
      out.push([job]);
    } else part.push(job);
  }
  flush();
  return out;
}

/**
 * A lane job's candidate: its probe in the lane's family, and whether the step's trace attributes it (`traced`).
 * `owner` names the lab host an address belongs to, so a probe to a host's address written out is that host's.
 */
export function batchCandidate(
  p: { readonly expectation: BatchCandidate["expectation"]; readonly spec: ProbeSpec; readonly watch: readonly string[] },
  role: BatchCandidate["role"],
  family: Family,
  trace: { attributes(spec: ProbeSpec, watch: readonly string[]): boolean },
  owner: (address: string) => string | undefined = () => undefined,
): BatchCandidate {
  const spec = { ...p.spec, family };
  const target = spec.to.kind === "host" ? spec.to.host : spec.to.kind === "localhost" ? spec.from : owner(spec.to.address);
  return { role, expectation: p.expectation, from: spec.from, target, watch: p.watch, traced: role !== "held" && trace.attributes(spec, p.watch) };
}
