/**
 * Checks an expectation's `answered-by` and `seen-from` clauses against the
 * scenario: both name declared hosts, and the answering host declares the
 * listener that is to answer (its identity line is what is judged, so it must
 * be a fwspec listener). With `answered-by`, that listener stands in for the
 * target's: a port forwarded elsewhere need not listen on the target itself;
 * but the probe must be able to get to it (answer-path.ts).
 */
import type { Protocol, ProbeTarget } from "../model/types.ts";
import { answerPathProblem } from "./answer-path.ts";
import type { CheckContext } from "./context.ts";
import { knownHost } from "./context.ts";
import { at } from "./diagnostics.ts";
import { checkListener } from "./listeners.ts";
import type { Path } from "./locate.ts";
import type { Expectation } from "./model.ts";

export interface WrittenClauses {
  readonly answeredBy?: { readonly host: string; readonly port: number | undefined } | undefined;
  readonly seenFrom?: string | undefined;
  /** Offsets of the written parts (compact lines); undefined for the object form. */
  readonly offsets?: { readonly answeredBy?: number | undefined; readonly answeredByPort?: number | undefined; readonly seenFrom?: number | undefined };
}

/** The clauses as the model keeps them, or undefined (reported) when one names an unknown host or an undeclared listener. */
export function checkAnswerClauses(
  ctx: CheckContext,
  clauses: WrittenClauses,
  probe: { readonly from: string; readonly to: ProbeTarget; readonly port: number; readonly protocol: Protocol },
  p: Path,
  paths: { readonly answeredBy: Path; readonly seenFrom: Path } = { answeredBy: p, seenFrom: p },
): Pick<Expectation, "answeredBy" | "seenFrom"> | undefined {
  let ok = true;
  const out: { answeredBy?: { host: string; port: number }; seenFrom?: string } = {};
  if (clauses.answeredBy) {
    const { host } = clauses.answeredBy;
    const port = clauses.answeredBy.port ?? probe.port;
    if (!knownHost(ctx, host, paths.answeredBy, clauses.offsets?.answeredBy)) ok = false;
    else if (!checkListener(ctx, host, { kind: "host", host }, port, probe.protocol, paths.answeredBy, clauses.offsets?.answeredByPort ?? clauses.offsets?.answeredBy)) ok = false;
    else if (!answerReachable(ctx, probe, host, paths.answeredBy, clauses.offsets?.answeredBy)) ok = false;
    out.answeredBy = { host, port };
  }
  if (clauses.seenFrom !== undefined) {
    if (!knownHost(ctx, clauses.seenFrom, paths.seenFrom, clauses.offsets?.seenFrom)) ok = false;
    out.seenFrom = clauses.seenFrom;
  }
  return ok ? out : undefined;
}

/** Reports (at the `answered-by` host) an answering host the probe cannot get to. */
function answerReachable(ctx: CheckContext, probe: { readonly from: string; readonly to: ProbeTarget }, answerer: string, p: Path, offset: number | undefined): boolean {
  if (probe.to.kind !== "host") return true;
  const problem = answerPathProblem(ctx.hosts, ctx.networksDeclared, { from: probe.from, target: probe.to.host, answerer });
  if (problem) ctx.problem(p, problem.message, problem.hint, at(offset));
  return problem === undefined;
}
