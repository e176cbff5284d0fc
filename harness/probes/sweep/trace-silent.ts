/**
 * Silent ports of a sweep that the step's nftables trace shows dropped (pure).
 * Where counters cannot attribute a batch's silent ports — a native nft chain
 * policy and a rule without a `counter` statement count nothing — a port whose
 * own packet (the sweep's source port, that destination port) ended its walk
 * in a drop on a watched host is `dropped`, as a single probe decided from its
 * trace is (probes/trace-early.ts). A port the trace does not show dropped
 * (not printed yet, accepted, rejected without an answer seen) is left to the
 * counters and further batches: the trace is evidence, never a guess.
 */
import type { TracedProbe } from "../../rules/trace.ts";
import type { TraceEvent } from "../../rules/trace-events.ts";
import { traceEarlyVerdict } from "../trace-early.ts";
import type { SweepProtocol } from "./nmap.ts";
import type { Decided } from "./resolve.ts";

export function silentByTrace(ports: readonly number[], events: ReadonlyMap<string, readonly TraceEvent[]>, probe: (port: number) => TracedProbe, protocol: SweepProtocol): Map<number, Decided> {
  const out = new Map<number, Decided>();
  for (const port of ports) {
    const early = traceEarlyVerdict(events, probe(port), protocol);
    if (early?.verdict !== "dropped") continue;
    const rules = early.rules.map((r) => r.replace(/ \(its trace\)$/, ""));
    out.set(port, { outcome: "dropped", evidence: `no answer; the nftables trace shows its packet dropped: ${rules.join(" and ")}`, rules });
  }
  return out;
}
