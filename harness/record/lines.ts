/**
 * The expectation lines `fwspec record` writes (pure): one line per flow in
 * the compact syntax, both families on one line when they agree and the
 * scenario's default family is both, else one line per family (`/tcp4`,
 * `/tcp6`); each with the rule that decided it as a comment. A flow whose
 * probe gave `error` is never written as an expectation: it is returned
 * apart (and written as a comment saying so).
 */
import path from "node:path";
import { type Family, type ProbeTarget, verdictMatches } from "../model/types.ts";
import type { ExpectStep, Expectation, Scenario } from "../scenario/model.ts";
import { NOT_RECORDED, SETUP } from "./write.ts";
import type { ObservedFlow } from "../diff/observed.ts";
import { flowKey } from "../diff/model.ts";
import { renderExpectation } from "../scenario/expectation.ts";
import { REFUSAL_KINDS, REFUSAL_OF_KIND, type RefusalKind } from "../scenario/refusal.ts";
import { laterPacketsWords, noRuleReason } from "../diff/deciding.ts";

/** One item of the recorded expect step: an expectation with its comment, or a comment alone. */
export interface RecordedLine {
  readonly expectation?: string;
  readonly comment: string;
}

export interface RecordedLines {
  readonly lines: readonly RecordedLine[];
  /** Flows whose probe failed: not recorded. */
  readonly failed: readonly ObservedFlow[];
}

/** An expectation's flow in one family as record's matrix keys it (diff/model.ts flowKey). */
function expectationKey(e: Expectation, to: string, family: Family): string {
  return flowKey({ from: e.from, to, port: e.port, protocol: e.protocol, family });
}

function target(to: string): ProbeTarget {
  return to === "localhost" ? { kind: "localhost" } : { kind: "host", host: to };
}

/** `filter INPUT #2 -A INPUT … -j DROP`: a rule name without its family. */
function withoutFamily(rule: string): string {
  return rule.replace(/^ipv[46] /, "");
}

function ruleComment(sides: readonly ObservedFlow[]): string {
  const rules = sides.map((s) => s.side.rule);
  if (rules.every((r) => r === undefined)) {
    const unsent = sides.find((s) => s.side.unresolved !== undefined)?.side;
    if (unsent?.unresolvedAt !== undefined && unsent.unresolvedReplying) return `never answered: ${unsent.unresolvedAt} had no link-layer address for ${unsent.unresolved} on its way back (neighbour discovery or ARP unanswered)`;
    if (unsent?.unresolvedAt !== undefined) return `never delivered: ${unsent.unresolvedAt} had no link-layer address for ${unsent.unresolved} (neighbour discovery or ARP unanswered)`;
    if (unsent !== undefined) return `never sent: no link-layer address for ${unsent.unresolved} (neighbour discovery or ARP unanswered)`;
    const later = sides.find((s) => s.side.later !== undefined)?.side.later;
    if (later !== undefined) return laterPacketsWords(withoutFamily(later));
    // Refused behind a port forward: the forward's target refused it, not the host probed.
    const forward = sides[0]!.side.verdict === "refused" ? sides.find((s) => s.side.rewrittenBy)?.side.rewrittenBy : undefined;
    return forward ? `no rule counted it: forwarded by ${forward}, and nothing listens at its target (or that host refused it)` : noRuleReason(sides[0]!.side.verdict, sides.every((s) => s.side.unwatched === true));
  }
  const bare = rules.map((r) => (r === undefined ? "no rule" : withoutFamily(r)));
  // Where each was written (rules.v4:12), once per line: the same rule in rules.v4 and rules.v6 reads `(rules.v4:12, rules.v6:9)`.
  const wheres = [...new Set(sides.flatMap((s) => (s.side.where ? [s.side.where] : [])))];
  if (bare.every((r) => r === bare[0])) return `${bare[0]!}${wheres.length > 0 ? ` (${wheres.join(", ")})` : ""}`;
  return sides.map((s, i) => `${s.flow.family}: ${bare[i]}${s.side.where ? ` (${s.side.where})` : ""}`).join("; ");
}

/** The refusal kind a flow was observed with (`rst`, `icmp`), when refused. */
function observedKind(o: ObservedFlow): RefusalKind | undefined {
  return REFUSAL_KINDS.find((k) => o.side.verdict === "refused" && REFUSAL_OF_KIND[k] === o.side.refusal);
}

/**
 * The flows (by key, `a -> b:22/tcp4`) whose expectation in the expect step record replaces names the refusal's kind
 * (`refused:rst`): recorded with the kind observed, so that a precise check is not weakened to plain `refused`
 * (tester 44c: a REJECT's answer changed, and the recorded file passed).
 */
export function preciseRefusals(scenario: Scenario): ReadonlySet<string> {
  return new Set(replacedExpectations(scenario).flatMap((e) => {
    if (e.refusal === undefined || (e.to.kind !== "host" && e.to.kind !== "localhost") || e.source !== undefined || e.sweep !== undefined) return [];
    const to = e.to.kind === "host" ? e.to.host : "localhost";
    return e.families.map((f) => expectationKey(e, to, f));
  }));
}

/**
 * The lines for the observed flows, in the order of first appearance; `defaults` are the scenario's default families;
 * `precise`: flows written with the refusal's kind (preciseRefusals).
 */
export function recordedLines(observed: readonly ObservedFlow[], defaults: readonly Family[], precise: ReadonlySet<string> = new Set()): RecordedLines {
  const groups = new Map<string, ObservedFlow[]>();
  for (const o of observed) {
    const k = `${o.flow.from}\0${o.flow.to}\0${o.flow.port}\0${o.flow.protocol}`;
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  const lines: RecordedLine[] = [];
  const failed: ObservedFlow[] = [];
  const line = (sides: readonly ObservedFlow[], family: Family | undefined): RecordedLine => {
    const f = sides[0]!.flow;
    // Any side's kind written (`/tcp4 refused:rst` beside a plain `/tcp6 refused`: reviewer 44), the sides alike: kept.
    const kind = sides.some((s) => precise.has(s.key)) && sides.every((s) => observedKind(s) === observedKind(sides[0]!)) ? observedKind(sides[0]!) : undefined;
    const expectation = renderExpectation({ from: f.from, to: target(f.to), port: f.port, protocol: f.protocol, family, verdict: sides[0]!.side.verdict as Exclude<typeof sides[0]["side"]["verdict"], "error">, ...(kind ? { refusal: kind } : {}) });
    return { expectation, comment: ruleComment(sides) };
  };
  for (const sides of groups.values()) {
    const good = sides.filter((s) => s.side.verdict !== "error");
    for (const bad of sides.filter((s) => s.side.verdict === "error")) {
      failed.push(bad);
      lines.push({ comment: `${NOT_RECORDED}${bad.key}: the probe failed (${bad.side.reason.replace(/\s+/g, " ").slice(0, 160)})` });
    }
    const families = good.map((s) => s.flow.family);
    const anyPrecise = good.some((s) => precise.has(s.key));
    const agree = good.length > 1 && good.every((s) => s.side.verdict === good[0]!.side.verdict && (!anyPrecise || observedKind(s) === observedKind(good[0]!)));
    if (agree && defaults.length === families.length && defaults.every((d) => families.includes(d))) lines.push(line(good, undefined));
    else for (const s of good) lines.push(line([s], s.flow.family));
  }
  return { lines, failed };
}

/** The expect steps after the scenario's last set-up step: record replaces the first (write.ts), the others stay as written. */
function trailingExpectSteps(scenario: Scenario): ExpectStep[] {
  const lastSetup = scenario.steps.map((s) => s.kind).findLastIndex((k) => SETUP.has(k));
  return scenario.steps.slice(lastSetup + 1).filter((s): s is ExpectStep => s.kind === "expect");
}

/** The expectations of the expect step record replaces. */
function replacedExpectations(scenario: Scenario): readonly Expectation[] {
  return trailingExpectSteps(scenario)[0]?.expectations ?? [];
}

/** The lines of the expect steps after the replaced one, which record leaves as written (and says so). */
export function laterExpectSteps(scenario: Scenario): number[] {
  return trailingExpectSteps(scenario).slice(1).map((s) => s.location.line);
}

/** Why record's lines do not stand for an expectation the author wrote; undefined when they do. */
function notRecorded(e: Expectation, scenario: Scenario, observed: ReadonlySet<string>): string | undefined {
  if (e.to.kind === "address") return "record's flow matrix has no address targets";
  if (e.source !== undefined) return "record's flow matrix has no chosen sources";
  if (e.sweep !== undefined) return "record does not write sweeps";
  if (e.held !== undefined) return "record does not write held connections' checks";
  const to = e.to.kind === "host" ? e.to.host : "localhost";
  const missing = e.families.some((f) => !observed.has(expectationKey(e, to, f)));
  if (missing) {
    const host = e.to.kind === "host" ? e.to.host : e.from;
    const listeners = scenario.hosts.find((h) => h.name === host)?.listen ?? [];
    const listens = listeners.some((l) => l.port === e.port && l.protocol === e.protocol);
    // An http listener is TCP: record probes it as http (tester 45b: "web has none on tcp/80" for a declared http/80).
    if (!listens && e.protocol === "tcp" && listeners.some((l) => l.port === e.port && l.protocol === "http")) {
      return `not in record's flow matrix (it probes ${host}:${e.port} as http, as its listener is declared; this line probes it as plain tcp)`;
    }
    return `not in record's flow matrix (${listens ? "it probes the flows between hosts that reach each other" : `it probes listeners only; ${host} has none on ${e.protocol}/${e.port}`})`;
  }
  if (e.answeredBy !== undefined || e.seenFrom !== undefined) return "record does not write answered-by / seen-from";
  return undefined;
}

/**
 * The expectations of the steps record replaces (the expect steps after the
 * last set-up step) that its lines do not stand for — a flow outside its
 * matrix (a port served only through a DNAT, an address target, a chosen
 * source, a sweep, a held connection's check) or an `answered-by` /
 * `seen-from` clause a recorded verdict would drop — kept as written, each
 * with why: nothing the author wrote is lost. A kept line that no longer
 * holds fails the next run, as it should.
 */
export function keptLines(scenario: Scenario, observed: readonly ObservedFlow[]): RecordedLine[] {
  const keys = new Set(observed.map((o) => o.key));
  return replacedExpectations(scenario).flatMap((e) => {
    const why = notRecorded(e, scenario, keys);
    if (why === undefined) return [];
    const against = e.sweep ? sweepContradicted(e, observed) : undefined;
    return [{ expectation: e.text, comment: against ? `kept as written, will not pass: ${against}` : `kept as written: ${why}` }];
  });
}

/**
 * A kept sweep the recorded flows contradict (tester 44e: kept silently, and the next run failed): a port of its
 * range probed by record whose verdict the sweep would not accept — an `except` port not open (it must be admitted),
 * another port open or of another verdict; undefined when none is.
 */
function sweepContradicted(e: Expectation, observed: readonly ObservedFlow[]): string | undefined {
  const { first, last, except } = e.sweep!;
  const to = e.to.kind === "host" ? e.to.host : "localhost";
  const against = observed.filter((o) => o.flow.from === e.from && o.flow.to === to && o.flow.protocol === e.protocol && e.families.includes(o.flow.family) && o.flow.port >= first && o.flow.port <= last)
    .filter((o) => o.side.verdict !== "error" && (except.includes(o.flow.port) ? o.side.verdict !== "open" : o.side.verdict === "open" || !verdictMatches(e.expected, o.side.verdict)));
  if (against.length === 0) return undefined;
  return `${against.slice(0, 3).map((o) => `port ${o.flow.port}/${o.flow.protocol}${o.flow.family === "ipv4" ? "4" : "6"} was observed ${o.side.verdict}${except.includes(o.flow.port) ? " (an except port must be admitted)" : ""}`).join(", ")}${against.length > 3 ? `, and ${against.length - 3} more` : ""}`;
}

/**
 * The expectations of the replaced steps that record does stand for but whose
 * verdict the observation contradicts (`remote -> server:8080/tcp6 dropped`
 * observed open): the recorded file writes what was observed, so each is said,
 * with its line, never overwritten silently (it may be the intent, and the
 * rules the bug).
 */
export function changedExpectations(scenario: Scenario, observed: readonly ObservedFlow[]): string[] {
  const byKey = new Map(observed.map((o) => [o.key, o]));
  const keys = new Set(byKey.keys());
  return replacedExpectations(scenario).flatMap((e) => {
    if (notRecorded(e, scenario, keys) !== undefined) return [];
    const to = e.to.kind === "host" ? e.to.host : "localhost";
    return e.families.flatMap((f) => {
      const seen = byKey.get(expectationKey(e, to, f));
      if (!seen || seen.side.verdict === "error") return [];
      // A refusal of another kind than the one written (`refused:rst`, a port unreachable came): recorded as observed, said.
      const kind = e.refusal !== undefined && seen.side.verdict === "refused" ? observedKind(seen) : undefined;
      if (verdictMatches(e.expected, seen.side.verdict) && (kind === undefined || kind === e.refusal)) return [];
      return [`\`${e.text}\` (line ${e.location.line}) is recorded as ${kind ? `refused:${kind}` : seen.side.verdict} [${f}]`];
    });
  });
}

/** The flows with each rule's line named from `dir` (where the scenario is written: `record --out` elsewhere), as the file there would name it. */
export function whereFrom(flows: readonly ObservedFlow[], dir: string): ObservedFlow[] {
  return flows.map((f) => (f.side.whereAt ? { ...f, side: { ...f.side, where: `${path.relative(dir, f.side.whereAt.file).split(path.sep).join("/")}:${f.side.whereAt.line}` } } : f));
}
