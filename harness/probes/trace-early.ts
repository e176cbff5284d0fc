/**
 * Early verdicts from the nftables trace (pure): while probes run side by
 * side, counters cannot tell whose packet a DROP or REJECT rule counted; the
 * trace can (rules/trace.ts matches a packet to its probe by destination,
 * protocol, port and, when shared, source). A probe without an answer whose
 * first packet the trace shows dropped (or, for TCP, rejected) on a watched
 * host is decided as the counters would decide it (rules/decisive.ts
 * earlyVerdict): the trace is the evidence, never the time waited. Identical
 * probes of a step are decided only when all their connections were alike.
 */
import type { Protocol, Refusal } from "../model/types.ts";
import { type DecisiveCount, earlyVerdict, type EarlyVerdict } from "../rules/decisive.ts";
import type { Decision } from "../model/results.ts";
import { type TracedProbe, traceDecision } from "../rules/trace.ts";
import { type TraceEvent } from "../rules/trace-events.ts";

/** The refusal an nft `reject` sends, as nft prints it (bare `reject` is port unreachable). */
export function nftRefusal(ruleText: string): Refusal | undefined {
  const m = /(?:^|\s)reject(?:\s+with\s+(tcp\s+reset|(?:icmpx|icmpv6|icmp)\s+(?:type\s+)?\S+))?(?:\s|$)/.exec(ruleText);
  if (!m) return undefined;
  if (m[1] === undefined || /port-unreachable$/.test(m[1])) return "icmp-port-unreachable";
  return /^tcp\s+reset$/.test(m[1]) ? "tcp-reset" : undefined;
}

/**
 * Identical probes of one step (a parity probe and another expectation's: the
 * same source, destination, protocol and port), `alike` of them started so far
 * with this one the last: which connection is whose is not known, so the
 * trace decides only when it shows at least `alike` connections (this one's
 * among them) and every one decided alike.
 */
function alikeDecision(list: readonly TraceEvent[], probe: TracedProbe, host: string, alike: number): Decision | undefined {
  const all: Decision[] = [];
  for (let nth = 0; ; nth++) {
    const d = traceDecision(list, { ...probe, nth }, { host, handles: new Map(), saved: {} });
    if (!d) break;
    all.push(d);
  }
  const first = all[0];
  if (!first || all.length < alike) return undefined;
  return all.every((d) => d.action === first.action && d.table === first.table && d.rule === first.rule && d.path.join() === first.path.join()) ? first : undefined;
}

/** An early verdict from the trace, with what took the packet (a rule or a policy, drop or reject) for its words (observe.ts stoppedEarly). */
export type TraceEarlyVerdict = EarlyVerdict & { readonly taken: readonly (DecisiveCount & { readonly host: string })[] };

/**
 * The early verdict for one probe from its hosts' trace events so far
 * (events may end mid-packet: only a drop or reject, which ends a packet's
 * walk, counts), or undefined while the trace shows none.
 */
export function traceEarlyVerdict(events: ReadonlyMap<string, readonly TraceEvent[]>, probe: TracedProbe, protocol: Protocol, alike = 1): TraceEarlyVerdict | undefined {
  const counts: (DecisiveCount & { readonly host: string })[] = [];
  let refusal: Refusal | undefined;
  for (const [host, list] of events) {
    const d = alike > 1 ? alikeDecision(list, probe, host, alike) : traceDecision(list, probe, { host, handles: new Map(), saved: {} });
    if (!d || d.action === "accept") continue;
    const kind = d.action === "reject" ? "REJECT" : "DROP";
    counts.push({ host, family: probe.family, table: d.table, chain: d.path.at(-1) ?? "", position: d.policy ? null : 0, kind, text: d.rule, packets: 1 });
    if (kind === "REJECT") refusal = nftRefusal(d.rule);
  }
  const early = earlyVerdict(counts, protocol);
  if (!early) return undefined;
  const rules = counts.map((c) => `${c.host}: ${c.family} ${c.table} ${c.chain} ${c.text} (its trace)`);
  return { ...early, rules, taken: counts, ...(early.verdict === "refused" && refusal && !early.refusal ? { refusal } : {}) };
}
