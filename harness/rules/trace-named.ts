/**
 * Which rules a step's nftables trace named (pure): every rule line of the
 * monitor's output, by table, chain and 1-based position in its chain (the
 * handle's place in `nft -a list ruleset`), as `nft inet filter input #3` —
 * the key mutate/nft-lines.ts gives a rule line of a file. nft prints a rule
 * line for every rule whose matches all held for a traced packet (a verdict
 * or `continue`), so a rule it never names matched no traced packet. The
 * reading is complete only when every named handle is found in the listing
 * and the monitor reported no error (a lost netlink message loses events).
 */
import { isTraceTable, type TraceEvent } from "./trace-events.ts";

export interface NamedRules {
  /** `nft TABLE CHAIN #POSITION` of each rule a trace line named. */
  readonly keys: ReadonlySet<string>;
  /** False when a named rule's position is unknown or the monitor reported an error. */
  readonly complete: boolean;
}

/** A monitor line that says events may be missing (`netlink: Error: …`, `No buffer space available`). */
const MONITOR_ERROR = /error|no buffer space|enobufs/i;

export function namedRules(log: string, events: readonly TraceEvent[], handles: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>): NamedRules {
  const keys = new Set<string>();
  let complete = !log.split("\n").some((l) => !l.startsWith("trace id ") && MONITOR_ERROR.test(l));
  for (const e of events) {
    if (e.kind !== "rule" || isTraceTable(e.table)) continue;
    const position = e.handle === undefined ? 0 : (handles.get(e.table)?.get(e.chain) ?? []).indexOf(e.handle) + 1;
    if (position === 0) complete = false;
    else keys.add(`nft ${e.table} ${e.chain} #${position}`);
  }
  return { keys, complete };
}
