/**
 * nftables trace events, the pure part: the trace lines of `nft -a monitor`
 * output (as nft 1.0.6 prints them: it has no JSON for traces) parsed into
 * events, each event's rule named from the listing read when the step's trace
 * is collected (namedFromListing; see trace.ts for why never from the text
 * the monitor printed), and the rule handles of each chain in order.
 */
import { stableRuleText } from "./nft-canonical.ts";
import { type NftTexts, textKey } from "./nft-listing.ts";

export const TRACE_TABLE = "fwspec_trace";

/** Is `family name` fwspec's own trace table (never part of the ruleset under test)? */
export function isTraceTable(table: string): boolean {
  return table === `inet ${TRACE_TABLE}`;
}

export interface TracePacket {
  readonly saddr?: string;
  readonly daddr?: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly protocol?: string;
  readonly syn: boolean;
}

export interface TraceEvent {
  /** The trace id with the packet's number under it: nft reuses trace ids (they hash the packet's buffer), so each packet entering fwspec's table starts a new one. */
  readonly id: string;
  /** `ip filter`, `inet fw`. */
  readonly table: string;
  readonly chain: string;
  readonly kind: "packet" | "rule" | "policy" | "verdict";
  /** The rule as printed (counter values removed), or the packet's fields, or the policy/verdict word. */
  readonly text: string;
  readonly handle?: number;
  /** `accept`, `drop`, `continue`, `jump`, `goto`, `return`. */
  readonly verdict?: string;
  /** The chain of a jump or goto. */
  readonly target?: string;
  readonly packet?: TracePacket;
  /** A rule event whose text is not known (the monitor's cache lacked it and no listing names its handle): no decision can name it. */
  readonly unnamed?: boolean;
}

const LINE = /^trace id (\S+) (\S+ \S+) (\S+) (packet: |rule |policy |verdict |unknown rule handle )(.*)$/;
const UNKNOWN_RULE = /^(\d+)\s+\(verdict (\S+)(?: (\S+))?\)\s*$/;
const HANDLE_VERDICT = /^(.*?)(?:\s+# handle (\d+))?\s+\(verdict (\S+)(?: (\S+))?\)\s*$/;

function packetOf(text: string): TracePacket {
  const word = (re: RegExp) => re.exec(text)?.[1];
  const num = (re: RegExp) => {
    const v = word(re);
    return v === undefined ? undefined : Number(v);
  };
  const protocol = word(/\b(tcp|udp) dport \d+/);
  return {
    saddr: word(/\bip6? saddr (\S+)/),
    daddr: word(/\bip6? daddr (\S+)/),
    sport: num(/\b(?:tcp|udp) sport (\d+)/),
    dport: num(/\b(?:tcp|udp) dport (\d+)/),
    ...(protocol ? { protocol } : {}),
    syn: /\btcp flags == syn\b/.test(text),
  };
}

/** The tail nft prints on a line of its own after a rule it could not translate (`… XT target REDIRECT not found` + newline). */
const SPLIT_TAIL = /^\s*(?:# handle \d+\s+)?\(verdict [^)]*\)\s*$/;

/**
 * The lines of `nft -a monitor` output, a rule line nft split in two joined
 * again: for an xt target it has no translation for (ip6tables-nft's REDIRECT),
 * nft 1.0.6 prints `XT target REDIRECT not found` and a newline in the middle
 * of the rule, before its handle and verdict.
 */
function joinedLines(text: string): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    if (next !== undefined && line.startsWith("trace id ") && !/\(verdict [^)]*\)\s*$/.test(line) && SPLIT_TAIL.test(next)) {
      out.push(`${line.trimEnd()} ${next.trim()}`);
      i++;
    } else out.push(line);
  }
  return out;
}

/** The trace lines of `nft -a monitor` output, in order; other lines (ruleset events) are skipped. */
export function parseTrace(text: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  const packets = new Map<string, number>();
  for (const raw of joinedLines(text)) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const [, traceId, table, chain, kindWord, rest] = m as unknown as [string, string, string, string, string, string];
    if (kindWord === "packet: " && isTraceTable(table)) packets.set(traceId, (packets.get(traceId) ?? 0) + 1);
    const base = { id: `${traceId}#${packets.get(traceId) ?? 0}`, table, chain };
    if (kindWord === "packet: ") out.push({ ...base, kind: "packet", text: rest.trim(), packet: packetOf(rest) });
    else if (kindWord === "policy ") out.push({ ...base, kind: "policy", text: rest.trim(), verdict: rest.trim() });
    else if (kindWord === "verdict ") out.push({ ...base, kind: "verdict", text: rest.trim(), verdict: rest.trim().split(/\s+/)[0]! });
    else if (kindWord === "unknown rule handle ") {
      // A rule the monitor's cache lacks (added after it started): its handle and verdict, no text.
      const u = UNKNOWN_RULE.exec(rest);
      if (!u) continue;
      out.push({ ...base, kind: "rule", text: "", handle: Number(u[1]), verdict: u[2]!, ...(u[3] ? { target: u[3] } : {}), unnamed: true });
    } else {
      const v = HANDLE_VERDICT.exec(rest);
      if (!v) continue;
      out.push({
        ...base, kind: "rule", text: stableRuleText(v[1]!),
        ...(v[2] ? { handle: Number(v[2]) } : {}),
        verdict: v[3]!,
        ...(v[4] ? { target: v[4] } : {}),
      });
    }
  }
  return out;
}

/**
 * The trace's rule events named from `nft -a list ruleset` read after them
 * (nft-listing.ts parseNftListing), by table and handle: whatever text the
 * monitor printed (from its possibly stale cache) is replaced; a rule whose
 * handle the listing lacks is left unnamed. fwspec's own table keeps its lines.
 */
export function namedFromListing(events: readonly TraceEvent[], texts: NftTexts): TraceEvent[] {
  return events.map((e) => {
    if (e.kind !== "rule" || isTraceTable(e.table)) return e;
    const text = e.handle === undefined ? undefined : texts.get(textKey(e.table, e.handle));
    if (text === undefined) return { ...e, text: "", unnamed: true };
    const { unnamed: _, ...known } = e;
    return { ...known, text };
  });
}

/** `table` → chain → rule handles in order, from `nft -a list ruleset`. */
export function chainHandles(listing: string): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  let table: Map<string, number[]> | undefined;
  let chain: number[] | undefined;
  for (const raw of listing.split("\n")) {
    const line = raw.trim();
    const t = /^table (\S+ \S+) \{/.exec(line);
    if (t) {
      table = new Map();
      out.set(t[1]!, table);
      chain = undefined;
      continue;
    }
    const c = /^chain (\S+) \{/.exec(line);
    if (c && table) {
      chain = [];
      table.set(c[1]!, chain);
      continue;
    }
    if (line.startsWith("}")) {
      chain = undefined;
      continue;
    }
    const h = /# handle (\d+)$/.exec(line);
    if (h && chain && !line.endsWith("{")) chain.push(Number(h[1]));
  }
  return out;
}
