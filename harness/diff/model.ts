/**
 * The result of `fwspec diff` as plain data (no rendering, no Docker): the
 * flows of a scenario's flow matrix whose verdict differs between two
 * rulesets, or that are open on both but answered by another listener or seen
 * from another source, each with the rule that decided it on each side, and the flows
 * that could not be compared because a probe failed on either side. Built by
 * diff/compare.ts; rendered by diff/render.ts (console, JSON) and by any
 * other report (HTML) from this type alone.
 */
import type { RejectedRuleLine } from "../model/results.ts";
import type { Family, Protocol, Refusal, Verdict } from "../model/types.ts";
import { vmapFor } from "../rules/dports.ts";

/** One flow of the matrix in one family: `outside -> db:5432/tcp6`. */
export interface Flow {
  readonly from: string;
  /** A host name or `localhost` (the prober's own loopback). */
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly family: Family;
}

/** Who answered an open probe, from the listener's identity line (probes/answer.ts). */
export interface FlowAnswer {
  /** The lab host whose listener answered, and the port it listens on (after any port rewrite): `web`, 80 behind a DNAT of gw:8080. */
  readonly host: string;
  readonly port: number;
  /** The source the listener saw: the lab host that has that address (`gw` behind a MASQUERADE), else the address. */
  readonly saw: string;
}

/** What one side observed for a flow. */
export interface FlowSide {
  readonly verdict: Verdict;
  /** An open probe whose listener said who it is (the peer's port is left out: it differs on every probe). */
  readonly answer?: FlowAnswer;
  /** The rule that decided it (`ipv4 filter INPUT #2 -A INPUT -p tcp -j ACCEPT`); absent when no terminal rule counted the probe (a chain policy, or nothing listening). */
  readonly rule?: string;
  /** Where that rule (or policy) was written, `../firewall/rules.v4:12` (rules/origin.ts), when one line did. */
  readonly where?: string;
  /** That line's file (absolute) and line: `record --out` names it from the folder it writes to; `revision` when the file was read at a git revision (`diff --base`), not from the working tree. */
  readonly whereAt?: { readonly file: string; readonly line: number; readonly revision?: string };
  /** The probe's own reason (what the tool said). */
  readonly reason: string;
  /** A rule that rewrote the probe's destination on the way (a port forward), as the trace named it, when one did. */
  readonly rewrittenBy?: string;
  /** Every NAT rule the trace shows rewriting its first packet (DNAT, REDIRECT, SNAT, MASQUERADE), in the order met. */
  readonly rewrites?: readonly string[];
  /** A refused probe: how it was refused on the wire. */
  readonly refusal?: Refusal;
  /** The next hop its prober (or the router on its path) could not resolve (probes/neighbour.ts): no rule took its packet. */
  readonly unresolved?: string;
  /** The router that could not resolve it, when not the prober: the packet got that far. */
  readonly unresolvedAt?: string;
  /** `unresolvedAt` is the target, on its way back to the prober: its answer never left it. */
  readonly unresolvedReplying?: true;
  /** No rule took its first packet; this DROP for a connection's later packets counted (deciding.ts laterPacketsRule). */
  readonly later?: string;
  /** No firewall host's rules were on its path: nothing could count it (no chain policy either). */
  readonly unwatched?: true;
  /** The host whose rule (or policy, or unfiltered chains) `rule` is. */
  readonly host?: string;
  /** `rule` took the probe's answer on its way back, not its first packet (its decision's `answer`). */
  readonly answerTaken?: true;
  /** Open: the ACCEPT for a connection's later packets that counted, with its host (`server: ipv4 filter INPUT #1 … ESTABLISHED -j ACCEPT`): what let its answer back in (deciding.ts answerAcceptedBy). */
  readonly answerPassed?: string;
}

/** A flow whose verdict differs between the sides (`dropped → open`), or open on both with another answer (`answerChanged`), or refused on both another way (`refusalChanged`). */
export interface FlowChange {
  readonly flow: Flow;
  /** `outside -> db:5432/tcp6`. */
  readonly key: string;
  readonly a: FlowSide;
  readonly b: FlowSide;
  /** Accepted by an `--allow` entry or allow file (then it does not fail the gate). */
  readonly allowed: boolean;
}

/** A flow whose probe gave `error` on at least one side: never reported as a change. */
export interface FlowError {
  readonly flow: Flow;
  readonly key: string;
  readonly a: FlowSide;
  readonly b: FlowSide;
}

/** A flow with the same verdict on both sides, decided by another rule (a rule inserted before the old one): not a change, but what the rules do to it moved. */
export interface FlowRedecided {
  readonly flow: Flow;
  readonly key: string;
  readonly a: FlowSide;
  readonly b: FlowSide;
}

/**
 * A deciding rule without its place in the chain (`#2`, `# handle 9`): the
 * same rule moved down by an insert is the same rule; with `port`, a verdict
 * map as it applies to that port (rules/dports.ts vmapFor): a map whose other
 * elements were edited decides the flow as before.
 */
export function ruleIdentity(rule: string | undefined, port?: number): string | undefined {
  const placeless = rule?.replace(/ #\d+ /, " ").replace(/\s+# handle \d+$/, "");
  return placeless !== undefined && port !== undefined ? vmapFor(placeless, port) : placeless;
}

/** A name for each side: a rules file, or a git revision. */
export interface DiffSide {
  readonly label: string;
}

export interface DiffResult {
  readonly scenario: { readonly file: string; readonly name: string };
  readonly a: DiffSide;
  readonly b: DiffSide;
  /** Flows compared (in both families: one per family). */
  readonly compared: number;
  readonly changes: readonly FlowChange[];
  readonly errors: readonly FlowError[];
  /** Flows with the same verdict whose deciding rule differs between the sides (not changes: the gate ignores them). */
  readonly redecided?: readonly FlowRedecided[];
  /** Scenario steps that did not pass on a side (an apply that failed): the matrix of that side means nothing. */
  readonly problems: readonly string[];
  /** Of those, rules file lines a tool refused on either side: the input is bad, not the comparison (`fwspec diff` exits 2). */
  readonly refused?: readonly RejectedRuleLine[];
  /** Allow entries that matched no change (stale entries are worth removing). */
  readonly unusedAllows: readonly string[];
  /** Of those, the entries naming a flow the matrix does not have (it could match nothing): `entry` as in unusedAllows, `why` `internet -> gw:8080/tcp is not in the flow matrix`. */
  readonly unprobedAllows?: readonly { readonly entry: string; readonly why: string }[];
  /** The rulesets the two sides loaded differ (their apply steps' digests); with no flow changed, the matrix did not see what changed. */
  readonly rulesDiffer?: boolean;
  /** Each side's digests (the first 12 characters are shown). */
  readonly rulesets?: { readonly a: readonly string[]; readonly b: readonly string[] };
}

/**
 * Open on both sides, but another listener answered or it saw another source
 * (a DNAT's target, a MASQUERADE): a change. A side whose listener sent no
 * identity line is compared by its verdict only.
 */
export function answerChanged(a: FlowSide, b: FlowSide): boolean {
  if (a.verdict !== "open" || b.verdict !== "open" || !a.answer || !b.answer) return false;
  return a.answer.host !== b.answer.host || a.answer.port !== b.answer.port || a.answer.saw !== b.answer.saw;
}

/**
 * Refused on both sides, but one by a TCP reset and the other by ICMP port
 * unreachable (`--reject-with` changed, or an nft `reject` that answers TCP
 * with ICMP): a change (tester 45b: listed as the same verdict).
 */
export function refusalChanged(a: FlowSide, b: FlowSide): boolean {
  return a.verdict === "refused" && b.verdict === "refused" && a.refusal !== undefined && b.refusal !== undefined && a.refusal !== b.refusal;
}

/** `outside -> db:5432/tcp6`: the flow in the expectation syntax, family pinned. */
export function flowKey(f: Flow): string {
  return `${f.from} -> ${f.to}:${f.port}/${f.protocol}${f.family === "ipv4" ? "4" : "6"}`;
}

/** How a diff ends: changes not allowed fail the gate; errors and problems make the comparison unsound. */
export function diffStatus(d: DiffResult): "same" | "allowed" | "changed" | "error" {
  if (d.problems.length > 0 || d.errors.length > 0) return "error";
  if (d.changes.some((c) => !c.allowed)) return "changed";
  return d.changes.length > 0 ? "allowed" : "same";
}

/** A group of changes: one source host, one family. */
export interface ChangeGroup {
  readonly from: string;
  readonly family: Family;
  readonly changes: readonly FlowChange[];
}

/** Changes grouped by source host, then family (IPv4 first), in the order the hosts first appear. */
export function groupChanges(changes: readonly FlowChange[]): ChangeGroup[] {
  const groups = new Map<string, { from: string; family: Family; changes: FlowChange[] }>();
  for (const c of changes) {
    const k = `${c.flow.from}\0${c.flow.family}`;
    const g = groups.get(k) ?? { from: c.flow.from, family: c.flow.family, changes: [] };
    g.changes.push(c);
    groups.set(k, g);
  }
  const hosts = [...new Set(changes.map((c) => c.flow.from))];
  return [...groups.values()].sort((x, y) => hosts.indexOf(x.from) - hosts.indexOf(y.from) || x.family.localeCompare(y.family));
}

/**
 * The result with side a's rule places read at git revision `rev` (`diff --base`) given as the working tree's file and
 * the revision apart (tester 43b: `whereAt.file` was `…/rules.v6@HEAD~1`, no file a tool could open). Pure.
 */
export function withBaseRevision(d: DiffResult, rev: string): DiffResult {
  const suffix = `@${rev}`;
  const side = (s: FlowSide): FlowSide => (s.whereAt?.file.endsWith(suffix) ? { ...s, whereAt: { ...s.whereAt, file: s.whereAt.file.slice(0, -suffix.length), revision: rev } } : s);
  return {
    ...d,
    changes: d.changes.map((c) => ({ ...c, a: side(c.a) })),
    ...(d.redecided ? { redecided: d.redecided.map((r) => ({ ...r, a: side(r.a) })) } : {}),
  };
}
