/**
 * The table fwspec adds to a host to mark a step's probe packets for nftables
 * tracing (pure): `table inet fwspec_trace`, hooked before everything else,
 * `meta nftrace set 1` only for the probes' destination, protocol and port
 * (and sources, and a sweep's own source port). What the trace then shows is
 * read by trace.ts.
 */
import type { Family } from "../model/types.ts";
import { TRACE_TABLE } from "./trace-events.ts";

/**
 * The source ports sweeps' packets leave from (nmap -g): inside Linux's
 * ephemeral range (32768–60999), where a client's connections come from, so
 * a rule on source ports (`--sport 32768:60999`) meets a sweep's packets as
 * it meets a client's; reserved on every lab host (lab/container.ts
 * HOST_SYSCTLS), so never a single probe's. The sweep at index i of a step
 * uses SWEEP_SOURCE_PORT + i (modulo SWEEP_SOURCE_PORTS), so a step's trace
 * tells each sweep's packets from the others' and from single probes'.
 */
export const SWEEP_SOURCE_PORT = 60000;
export const SWEEP_SOURCE_PORTS = 1000;

/** The source port of the step's probe at `index` when it is a sweep. */
export function sweepSourcePort(index: number): number {
  return SWEEP_SOURCE_PORT + (index % SWEEP_SOURCE_PORTS);
}

/** A sweep's source port (sweepSourcePort): its packets are no single probe's. */
export function isSweepPort(port: number | undefined): boolean {
  return port !== undefined && port >= SWEEP_SOURCE_PORT && port < SWEEP_SOURCE_PORT + SWEEP_SOURCE_PORTS;
}

/** One probe's packets to mark: destination, protocol and port in one family (and, when given, only from these sources: the prober's addresses). */
export interface TraceMatch {
  readonly family: Family;
  readonly saddrs?: readonly string[];
  readonly daddr: string;
  readonly protocol: "tcp" | "udp";
  readonly port: number;
  /** A sweep: every port from `port` to this one. */
  readonly lastPort?: number;
  /** Only packets from this source port (a sweep's). */
  readonly sport?: number;
}

/** The `nft -f` input that (re)creates the trace table with one marking rule per match, at prerouting and output, before any other chain. */
export function traceScript(matches: readonly TraceMatch[]): string {
  const lines = [
    `add table inet ${TRACE_TABLE}`,
    `add chain inet ${TRACE_TABLE} pre { type filter hook prerouting priority -400; policy accept; }`,
    `add chain inet ${TRACE_TABLE} out { type filter hook output priority -400; policy accept; }`,
    `flush chain inet ${TRACE_TABLE} pre`,
    `flush chain inet ${TRACE_TABLE} out`,
  ];
  const seen = new Set<string>();
  for (const m of matches) {
    const ip = m.family === "ipv4" ? "ip" : "ip6";
    const from = m.saddrs && m.saddrs.length > 0 ? `${ip} saddr { ${m.saddrs.join(", ")} } ` : "";
    const sport = m.sport !== undefined ? `th sport ${m.sport} ` : "";
    const dport = m.lastPort !== undefined && m.lastPort !== m.port ? `${m.port}-${m.lastPort}` : String(m.port);
    const rule = `meta nfproto ${m.family} ${from}${ip} daddr ${m.daddr} meta l4proto ${m.protocol} ${sport}th dport ${dport} meta nftrace set 1`;
    if (seen.has(rule)) continue;
    seen.add(rule);
    for (const chain of ["pre", "out"]) lines.push(`add rule inet ${TRACE_TABLE} ${chain} ${rule}`);
  }
  return `${lines.join("\n")}\n`;
}
