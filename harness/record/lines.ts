/**
 * The expectation lines `fwspec record` writes (pure): one line per flow in
 * the compact syntax, both families on one line when they agree and the
 * scenario's default family is both, else one line per family (`/tcp4`,
 * `/tcp6`); each with the rule that decided it as a comment. A flow whose
 * probe gave `error` is never written as an expectation: it is returned
 * apart (and written as a comment saying so).
 */
import type { Family, ProbeTarget } from "../model/types.ts";
import type { ObservedFlow } from "../diff/observed.ts";
import { renderExpectation } from "../scenario/expectation.ts";
import { noRuleReason } from "../diff/deciding.ts";

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

function target(to: string): ProbeTarget {
  return to === "localhost" ? { kind: "localhost" } : { kind: "host", host: to };
}

/** `filter INPUT #2 -A INPUT … -j DROP`: a rule name without its family. */
function withoutFamily(rule: string): string {
  return rule.replace(/^ipv[46] /, "");
}

function ruleComment(sides: readonly ObservedFlow[]): string {
  const rules = sides.map((s) => s.side.rule);
  if (rules.every((r) => r === undefined)) return noRuleReason(sides[0]!.side.verdict);
  const bare = rules.map((r) => (r === undefined ? "no rule" : withoutFamily(r)));
  if (bare.every((r) => r === bare[0])) return bare[0]!;
  return sides.map((s, i) => `${s.flow.family}: ${bare[i]}`).join("; ");
}

/** The lines for the observed flows, in the order of first appearance; `defaults` are the scenario's default families. */
export function recordedLines(observed: readonly ObservedFlow[], defaults: readonly Family[]): RecordedLines {
  const groups = new Map<string, ObservedFlow[]>();
  for (const o of observed) {
    const k = `${o.flow.from}\0${o.flow.to}\0${o.flow.port}\0${o.flow.protocol}`;
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  const lines: RecordedLine[] = [];
  const failed: ObservedFlow[] = [];
  const line = (sides: readonly ObservedFlow[], family: Family | undefined): RecordedLine => {
    const f = sides[0]!.flow;
    const expectation = renderExpectation({ from: f.from, to: target(f.to), port: f.port, protocol: f.protocol, family, verdict: sides[0]!.side.verdict as Exclude<typeof sides[0]["side"]["verdict"], "error"> });
    return { expectation, comment: ruleComment(sides) };
  };
  for (const sides of groups.values()) {
    const good = sides.filter((s) => s.side.verdict !== "error");
    for (const bad of sides.filter((s) => s.side.verdict === "error")) {
      failed.push(bad);
      lines.push({ comment: `not recorded: ${bad.key}: the probe failed (${bad.side.reason.replace(/\s+/g, " ").slice(0, 160)})` });
    }
    const families = good.map((s) => s.flow.family);
    const agree = good.length > 1 && good.every((s) => s.side.verdict === good[0]!.side.verdict);
    if (agree && defaults.length === families.length && defaults.every((d) => families.includes(d))) lines.push(line(good, undefined));
    else for (const s of good) lines.push(line([s], s.flow.family));
  }
  return { lines, failed };
}
