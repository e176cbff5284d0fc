/**
 * What a matrix run observed (pure): each flow in each family with its
 * verdict, deciding rule and, when open, who answered and the source it saw
 * (the result's `answer` evidence line), read from the scenario report of a matrix
 * scenario (matrix.ts); and the reasons the run cannot be trusted (the lab
 * did not start, a set-up step failed and the probes did not run).
 */
import { readAnswerLine } from "../judge/answer.ts";
import { unresolvedNeighbour } from "../probes/neighbour.ts";
import type { ExpectationResult, RejectedRuleLine } from "../model/results.ts";
import type { ScenarioReport } from "../report/model.ts";
import { answerAcceptedBy, decidingHost, laterPacketsRule, portJudged, resultDecidingRule, ruleIsDecision } from "./deciding.ts";
import { type Flow, type FlowAnswer, flowKey, type FlowSide } from "./model.ts";

export interface ObservedFlow {
  readonly flow: Flow;
  readonly key: string;
  readonly side: FlowSide;
}

/** What an apply or reboot step left loaded on a host (its step result's evidence). */
export interface LoadedRules {
  readonly host: string;
  /** The step's line in the scenario. */
  readonly line: number;
  readonly ipv4: string;
  readonly ipv6: string;
  /** Native nftables tables (or tables iptables cannot show) are loaded too: the iptables view is not all of it. */
  readonly native: boolean;
}

export interface MatrixObservation {
  readonly flows: readonly ObservedFlow[];
  /** Why the observation is incomplete: errors of the scenario and steps that errored. */
  readonly problems: readonly string[];
  /** The digests of the rulesets the apply steps loaded, in step order (absent: not known). */
  readonly rulesets?: readonly string[];
  /** What the apply steps said a reader must see (rules matching interfaces the host lacks: those matches never held). */
  readonly notes?: readonly string[];
  /** Rules file lines a tool (or, before the lab, the image's target list) refused: the input is bad, not the comparison (exit 2). */
  readonly refused?: readonly RejectedRuleLine[];
  /** What each apply and reboot step left loaded on its host, in step order (record checks the counters steps it keeps against it). */
  readonly loaded?: readonly LoadedRules[];
}

/** Who answered, from the result's evidence line (judge/answer.ts); undefined when the listener sent none. */
export function flowAnswer(text: string | undefined): FlowAnswer | undefined {
  const a = readAnswerLine(text);
  return a && { host: a.host, port: a.port, saw: a.owner ?? a.peer };
}

export function observedFlow(e: ExpectationResult): ObservedFlow {
  const flow: Flow = { from: e.from, to: e.to, port: e.port, protocol: e.protocol, family: e.family };
  // Its packet never left: the counters that moved took the neighbour lookups, no rule is named (as judge/expectation.ts says).
  const neighbour = unresolvedNeighbour(e.evidence.stderr);
  const unresolved = neighbour?.address;
  const rule = unresolved === undefined ? resultDecidingRule(e) : undefined;
  const later = unresolved === undefined && rule === undefined ? laterPacketsRule(e.actual, e.decidedBy, portJudged(e)) : undefined;
  const answer = flowAnswer(e.answer);
  // The decision's line only when the decision is the rule named (a decision that does not give the verdict is not).
  const origin = rule && e.decision?.origin && ruleIsDecision(e) ? e.decision.origin : undefined;
  const where = origin ? `${origin.shown}:${origin.line}` : undefined;
  const rewrite = e.decision?.rewrites?.find((r) => /(?:DNAT|REDIRECT|dnat|redirect)/.test(r));
  const host = rule ? decidingHost(e, rule) : undefined;
  // Which packet the rule took: the answer, when its decision says so (the first packet passed).
  const answerTaken = rule !== undefined && e.decision?.answer === true && ruleIsDecision(e);
  const answerPassed = unresolved === undefined ? answerAcceptedBy(e.actual, e.counted ?? []) : undefined;
  return { flow, key: flowKey(flow), side: { verdict: e.actual, ...(rule ? { rule } : {}), ...(host ? { host } : {}), ...(answerTaken ? { answerTaken: true as const } : {}), ...(answerPassed ? { answerPassed } : {}), ...(where ? { where, whereAt: { file: origin!.file, line: origin!.line } } : {}), ...(answer ? { answer } : {}), reason: e.reason, ...(e.unwatched && rule === undefined ? { unwatched: true as const } : {}), ...(rewrite ? { rewrittenBy: rewrite } : {}), ...(e.decision?.rewrites && e.decision.rewrites.length > 0 ? { rewrites: e.decision.rewrites } : {}), ...(e.refusal ? { refusal: e.refusal } : {}), ...(unresolved !== undefined ? { unresolved } : {}), ...(neighbour?.at !== undefined ? { unresolvedAt: neighbour.at } : {}), ...(neighbour?.replying ? { unresolvedReplying: true as const } : {}), ...(later !== undefined ? { later } : {}) } };
}

/** The observation of one matrix scenario's report. */
export function matrixObservation(report: ScenarioReport): MatrixObservation {
  // A broken step leaves one "not run" record per probe: each reason once. A set-up `run` step that failed its
  // check (exit status, output) left the lab other than the scenario says: its flows are not the scenario's either.
  const problems = [...new Set([
    ...report.errors,
    ...report.steps.filter((s) => s.status !== "passed" && !s.message.startsWith("not run: ")).map((s) => `${s.title} (line ${s.line}): ${s.message}`),
    ...report.steps.filter((s) => s.status === "error" && s.message.startsWith("not run: ")).map((s) => `the flow matrix was ${s.message}`),
  ])];
  const rulesets = report.steps.flatMap((s) => (s.step === "apply" && s.evidence ? [s.evidence.digest] : []));
  const notes = [...new Set(report.steps.flatMap((s) => (s.step === "apply" ? (s.notes ?? []) : [])))];
  const refused = [...(report.rejected ?? []), ...report.steps.flatMap((s) => (s.step === "apply" ? (s.rejected ?? []) : []))];
  const loaded = report.steps.flatMap((s): LoadedRules[] => ((s.step === "apply" || s.step === "reboot") && s.evidence?.host !== undefined
    ? [{ host: s.evidence.host, line: s.line, ipv4: s.evidence.ipv4, ipv6: s.evidence.ipv6, native: s.evidence.nft !== undefined || s.evidence.unshown !== undefined }]
    : []));
  return { flows: report.expectations.map(observedFlow), problems, rulesets, ...(notes.length > 0 ? { notes } : {}), ...(refused.length > 0 ? { refused } : {}), ...(loaded.length > 0 ? { loaded } : {}) };
}
