/**
 * Which probes of a family lane may run side by side (pure): a probe whose
 * packets the nftables trace attributes to it alone (every firewall host it
 * crosses is traced, and no other probe of the step has its destination,
 * protocol, port and sources), or that no firewall host can see at all.
 * Everything else — held connections, sweeps, answered-by/seen-from checks,
 * probes through routers, probes only counters can attribute — runs alone, in
 * lane order, as before. Consecutive side-by-side probes form one batch.
 */
import type { Family, ProbeSpec } from "../model/types.ts";

export interface BatchCandidate {
  readonly role: "main" | "parity" | "held";
  readonly expectation: { readonly held?: string | undefined; readonly sweep?: unknown; readonly answeredBy?: unknown; readonly seenFrom?: unknown };
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
  if (c.role === "held" || c.expectation.held !== undefined || c.expectation.sweep !== undefined) return false;
  // NAT and forwarding: the trace on a router or behind a rewrite may not show the packet as the probe sent it.
  if (c.expectation.answeredBy !== undefined || c.expectation.seenFrom !== undefined) return false;
  if (c.watch.some((h) => h !== c.from && h !== c.target)) return false;
  return c.watch.length === 0 || c.traced;
}

/** The lane's jobs in order, in batches: each run of consecutive side-by-side jobs is one batch, every other job a batch of its own. */
export function laneBatches<T>(jobs: readonly T[], sideBySide: (job: T) => boolean): T[][] {
  const out: T[][] = [];
  let open: T[] | undefined;
  for (const job of jobs) {
    if (!sideBySide(job)) {
      open = undefined;
      out.push([job]);
      continue;
    }
    if (!open) {
      open = [];
      out.push(open);
    }
    open.push(job);
  }
  return out;
}

/** A lane job's candidate: its probe in the lane's family, and whether the step's trace attributes it (`traced`). */
export function batchCandidate(
  p: { readonly expectation: BatchCandidate["expectation"]; readonly spec: ProbeSpec; readonly watch: readonly string[] },
  role: BatchCandidate["role"],
  family: Family,
  trace: { attributes(spec: ProbeSpec, watch: readonly string[]): boolean },
): BatchCandidate {
  const spec = { ...p.spec, family };
  const target = spec.to.kind === "host" ? spec.to.host : spec.to.kind === "localhost" ? spec.from : undefined;
  return { role, expectation: p.expectation, from: spec.from, target, watch: p.watch, traced: role !== "held" && trace.attributes(spec, p.watch) };
}
