/**
 * What a matrix run observed (pure): each flow in each family with its
 * verdict and deciding rule, read from the scenario report of a matrix
 * scenario (matrix.ts); and the reasons the run cannot be trusted (the lab
 * did not start, a set-up step failed and the probes did not run).
 */
import type { ExpectationResult } from "../model/results.ts";
import type { ScenarioReport } from "../report/model.ts";
import { resultDecidingRule } from "./deciding.ts";
import { type Flow, flowKey, type FlowSide } from "./model.ts";

export interface ObservedFlow {
  readonly flow: Flow;
  readonly key: string;
  readonly side: FlowSide;
}

export interface MatrixObservation {
  readonly flows: readonly ObservedFlow[];
  /** Why the observation is incomplete: errors of the scenario and steps that errored. */
  readonly problems: readonly string[];
}

export function observedFlow(e: ExpectationResult): ObservedFlow {
  const flow: Flow = { from: e.from, to: e.to, port: e.port, protocol: e.protocol, family: e.family };
  const rule = resultDecidingRule(e);
  return { flow, key: flowKey(flow), side: { verdict: e.actual, ...(rule ? { rule } : {}), reason: e.reason } };
}

/** The observation of one matrix scenario's report. */
export function matrixObservation(report: ScenarioReport): MatrixObservation {
  // A broken step leaves one "not run" record per probe: each reason once.
  const problems = [...new Set([
    ...report.errors,
    ...report.steps.filter((s) => s.status === "error" && !s.message.startsWith("not run: ")).map((s) => `${s.title} (line ${s.line}): ${s.message}`),
    ...report.steps.filter((s) => s.status === "error" && s.message.startsWith("not run: ")).map((s) => `the flow matrix was ${s.message}`),
  ])];
  return { flows: report.expectations.map(observedFlow), problems };
}
