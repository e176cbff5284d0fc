/**
 * Native nftables rules and named counters from nftables' own JSON
 * (`nft -j list ruleset`): table, chain, handle, position, comment, verdict
 * and counter of every rule, and the named counters. Pure. The printed form
 * of a rule (what `nft list ruleset` shows, for evidence and for naming a
 * rule by its text) comes from `nft -a list ruleset`, paired by handle
 * (nft-listing.ts); counters, handles and comments are never read from text.
 */
import type { Family } from "../model/types.ts";

/** `family name` of a table, as nft names it (`inet fw`, `ip6 filter`). */
export type NftTableName = string;

export interface NftCounterValue {
  readonly packets: number;
  readonly bytes: number;
}

export interface NftRule {
  /** `inet fw`. */
  readonly table: NftTableName;
  readonly chain: string;
  readonly handle: number;
  /** 1-based within its chain, in ruleset order. */
  readonly position: number;
  readonly comment: string | null;
  /** The rule's final verdict statement: accept, drop, reject, jump, goto, return, queue, continue; null when it has none. */
  readonly verdict: string | null;
  /** For jump/goto: the target chain. */
  readonly jumpTo: string | null;
  /** For reject: `icmpx admin-prohibited`, `tcp reset`, `icmp host-prohibited`; "" for a bare reject. */
  readonly reject: string | null;
  /** The rule's own (anonymous) counter statement; null when it has none. */
  readonly counter: NftCounterValue | null;
  /** A named counter the rule updates (`counter name x`); null when none. */
  readonly namedCounter: string | null;
  /** The expressions without counter values: what the rule does, to tell a rule from another with the same handle. */
  readonly key: string;
}

export interface NftNamedCounter extends NftCounterValue {
  readonly table: NftTableName;
  readonly name: string;
  readonly handle: number;
}

export interface NftChain {
  readonly table: NftTableName;
  readonly chain: string;
  /** Base chains only: the hook and policy; a policy has no counter in nftables. */
  readonly hook: string | null;
  readonly policy: string | null;
  /** Base chains only: `filter`, `nat` or `route`, and the priority. */
  readonly type?: string;
  readonly priority?: number;
}

export interface NftReading {
  readonly tables: readonly NftTableName[];
  readonly chains: readonly NftChain[];
  readonly rules: readonly NftRule[];
  readonly counters: readonly NftNamedCounter[];
}

/** nftables JSON that cannot be read. */
export class NftJsonError extends SyntaxError {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** The families a table's rules see packets of. */
export function tableFamilies(table: NftTableName): readonly Family[] {
  const family = table.split(" ")[0];
  if (family === "ip") return ["ipv4"];
  if (family === "ip6") return ["ipv6"];
  if (family === "inet") return ["ipv4", "ipv6"];
  return [];
}

const VERDICTS = ["accept", "drop", "reject", "jump", "goto", "return", "queue", "continue"];

function rejectText(value: unknown): string {
  if (!isObj(value)) return "";
  const type = typeof value["type"] === "string" ? value["type"] : "";
  const expr = typeof value["expr"] === "string" ? value["expr"] : "";
  return [type, expr].filter((s) => s !== "").join(" ");
}

/** JSON without counter values (packets/bytes anywhere), for telling rules apart. */
function withoutCounts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCounts);
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (k !== "packets" && k !== "bytes") out[k] = withoutCounts(v);
  return out;
}

function ruleFrom(body: Obj, position: number): NftRule {
  const table = `${String(body["family"])} ${String(body["table"])}`;
  const expr = Array.isArray(body["expr"]) ? (body["expr"] as unknown[]) : [];
  let verdict: string | null = null;
  let jumpTo: string | null = null;
  let reject: string | null = null;
  let counter: NftCounterValue | null = null;
  let namedCounter: string | null = null;
  for (const statement of expr) {
    if (!isObj(statement)) continue;
    const [kind, value] = Object.entries(statement)[0] ?? [];
    if (kind === undefined) continue;
    if (VERDICTS.includes(kind)) {
      verdict = kind;
      if ((kind === "jump" || kind === "goto") && isObj(value)) jumpTo = String(value["target"] ?? "");
      if (kind === "reject") reject = rejectText(value);
    } else if (kind === "counter") {
      if (typeof value === "string") namedCounter = value;
      // An anonymous counter has its counts; a counter map (`counter name tcp dport map { … }`) picks a named counter
      // per packet, so the rule has no count of its own.
      else if (isObj(value) && ("packets" in value || "bytes" in value)) counter = { packets: num(value["packets"]), bytes: num(value["bytes"]) };
      else if (!isObj(value)) counter = { packets: 0, bytes: 0 };
    }
  }
  return {
    table,
    chain: String(body["chain"]),
    handle: num(body["handle"]),
    position,
    comment: typeof body["comment"] === "string" ? body["comment"] : null,
    verdict,
    jumpTo,
    reject,
    counter,
    namedCounter,
    key: JSON.stringify(withoutCounts(expr)),
  };
}

/**
 * Parses `nft -j list ruleset`; `keep` says which tables count (e.g. not the
 * ones iptables-nft manages, which iptables-save already shows).
 */
export function parseNftJson(text: string, keep: (table: NftTableName) => boolean = () => true): NftReading {
  let doc: unknown;
  try {
    doc = JSON.parse(text.trim() === "" ? '{"nftables":[]}' : text);
  } catch (error) {
    throw new NftJsonError(`nft -j list ruleset did not print JSON: ${(error as Error).message}`);
  }
  const items = isObj(doc) && Array.isArray(doc["nftables"]) ? (doc["nftables"] as unknown[]) : undefined;
  if (!items) throw new NftJsonError("nft -j list ruleset printed JSON without an `nftables` list");
  const tables: NftTableName[] = [];
  const chains: NftChain[] = [];
  const rules: NftRule[] = [];
  const counters: NftNamedCounter[] = [];
  const positions = new Map<string, number>();
  for (const item of items) {
    if (!isObj(item)) continue;
    const [kind, body] = Object.entries(item)[0] ?? [];
    if (kind === undefined || !isObj(body)) continue;
    const table = kind === "table" ? `${String(body["family"])} ${String(body["name"])}` : `${String(body["family"])} ${String(body["table"])}`;
    if (kind === "metainfo" || !keep(table)) continue;
    if (kind === "table") tables.push(table);
    else if (kind === "chain") {
      chains.push({
        table,
        chain: String(body["name"]),
        hook: typeof body["hook"] === "string" ? body["hook"] : null,
        policy: typeof body["policy"] === "string" ? body["policy"] : null,
        ...(typeof body["type"] === "string" ? { type: body["type"] } : {}),
        ...(typeof body["prio"] === "number" ? { priority: body["prio"] } : {}),
      });
    } else if (kind === "rule") {
      const k = `${table}\u0000${String(body["chain"])}`;
      const position = (positions.get(k) ?? 0) + 1;
      positions.set(k, position);
      rules.push(ruleFrom(body, position));
    } else if (kind === "counter") {
      counters.push({ table, name: String(body["name"]), handle: num(body["handle"]), packets: num(body["packets"]), bytes: num(body["bytes"]) });
    }
  }
  return { tables, chains, rules, counters };
}

/** The iptables-style target of an nft verdict, so DROP/REJECT logic (early verdicts, explanations) applies alike. */
export function targetOf(rule: NftRule): string | null {
  switch (rule.verdict) {
    case null:
      return null;
    case "jump":
    case "goto":
      return rule.jumpTo;
    default:
      return rule.verdict.toUpperCase();
  }
}

/**
 * A rule's packets and bytes: its own counter, else the named counter it updates unless that one is `shared` with
 * another rule (it then counts their packets together: tester 43a, an IPv4 probe credited to the IPv6 rule beside
 * it; sharedCounters); null when it counts nothing of its own.
 */
export function ruleCount(rule: NftRule, counters: readonly NftNamedCounter[], shared: ReadonlySet<string> = new Set()): NftCounterValue | null {
  if (rule.counter) return rule.counter;
  if (rule.namedCounter === null || shared.has(counterKey(rule.table, rule.namedCounter))) return null;
  const named = counters.find((c) => c.table === rule.table && c.name === rule.namedCounter);
  return named ? { packets: named.packets, bytes: named.bytes } : null;
}

/** `inet fw\0ssh_hits`: a named counter, by its table. */
export function counterKey(table: string, name: string): string {
  return `${table}\0${name}`;
}

/** The named counters (counterKey) that more than one rule of `rules` updates, read in one pass. */
export function sharedCounters(rules: readonly NftRule[]): Set<string> {
  const users = new Map<string, number>();
  for (const r of rules) if (r.namedCounter !== null) users.set(counterKey(r.table, r.namedCounter), (users.get(counterKey(r.table, r.namedCounter)) ?? 0) + 1);
  return new Set([...users].filter(([, n]) => n > 1).map(([k]) => k));
}
