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
import { type TracedProbe, traceDecision } from "../../rules/trace.ts";
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

/**
 * Answered ports (an RST, UDP: port unreachable) whose counters cannot tell a
 * REJECT from the kernel (a reject rule without a `counter` statement): the
 * trace shows the port's own packet either rejected by a rule on a watched
 * host (`refused`, that rule) or accepted on every watched host that traced
 * it, the target among them (the kernel answered: `admitted`, nothing
 * listening). So is one the trace shows accepted on every host whose rules
 * the counters cannot show (`hidden`: `host: what`), when the target is not
 * one of them: no rule the counters can show counted it (that is why it was
 * undetermined), so no REJECT answered (tester 44f: an nft router without
 * counters in front of an iptables-legacy server). Anything else is left as
 * it was.
 */
export function answeredByTrace(ports: readonly number[], events: ReadonlyMap<string, readonly TraceEvent[]>, probe: (port: number) => TracedProbe, target: string | undefined, hidden: readonly string[] = []): Map<number, Decided> {
  const hiddenHosts = [...new Set(hidden.map((entry) => entry.slice(0, entry.indexOf(":"))))];
  // The trace walks nft's ip, ip6 and inet tables: it vouches for nothing else hidden (legacy iptables tables on an nft
  // host, netdev or bridge tables: reviewer).
  const traceSees = hidden.every((entry) => /^[^:]+: nft table (?:ip|ip6|inet) /.test(entry));
  const out = new Map<number, Decided>();
  for (const port of ports) {
    // "No filter chain" from a mid-step read is no evidence: the port's lines in its filter chains may not have come
    // yet (tester 45c: REJECTed ports read admitted under load); only a rule or policy the trace names counts.
    const decisions = [...events].flatMap(([host, list]) => {
      const d = traceDecision(list, probe(port), { host, handles: new Map(), saved: {} });
      return d && d.unfiltered !== true ? [d] : [];
    });
    const rejected = decisions.find((d) => d.action === "reject");
    if (rejected) {
      const rule = `${rejected.host}: ${rejected.family} ${rejected.table} ${rejected.path.at(-1) ?? ""} ${rejected.rule}`;
      out.set(port, { outcome: "refused", evidence: `the nftables trace shows its packet rejected: ${rule}`, rules: [rule] });
    } else if (target !== undefined && decisions.length > 0 && decisions.every((d) => d.action === "accept") && decisions.some((d) => d.host === target)) {
      out.set(port, { outcome: "admitted", evidence: "the nftables trace shows its packet accepted on its way to the target: the target's kernel answered — the firewall admitted it and nothing listens", rules: [] });
    } else if (target !== undefined && hiddenHosts.length > 0 && traceSees && !hiddenHosts.includes(target) && decisions.every((d) => d.action === "accept") && hiddenHosts.every((h) => decisions.some((d) => d.host === h))) {
      out.set(port, { outcome: "admitted", evidence: `the nftables trace shows its packet accepted on ${hiddenHosts.join(" and ")}, whose rules the counters cannot show, and no other rule counted it: ${target}'s kernel answered — the firewall admitted it and nothing listens`, rules: [] });
    }
  }
  return out;
}
