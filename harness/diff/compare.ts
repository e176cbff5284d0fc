/**
 * Two matrix observations compared (pure): the flows whose verdict differs,
 * each with the deciding rule on each side and whether an allow entry
 * accepts it; a flow whose probe gave `error` on either side is listed as an
 * error, never as a change (a flaky flow must not look like a rule change).
 */
import { type AllowEntry, allows } from "./allow.ts";
import type { DiffResult, DiffSide, FlowChange, FlowError } from "./model.ts";
import type { MatrixObservation, ObservedFlow } from "./observed.ts";

export interface CompareInput {
  readonly scenario: DiffResult["scenario"];
  readonly a: DiffSide & { readonly observed: MatrixObservation };
  readonly b: DiffSide & { readonly observed: MatrixObservation };
  readonly allow?: readonly AllowEntry[];
}

export function compareObservations(input: CompareInput): DiffResult {
  const allow = input.allow ?? [];
  const used = new Set<AllowEntry>();
  const bByKey = new Map<string, ObservedFlow>(input.b.observed.flows.map((f) => [f.key, f]));
  const aKeys = new Set(input.a.observed.flows.map((f) => f.key));
  const changes: FlowChange[] = [];
  const errors: FlowError[] = [];
  let compared = 0;
  for (const fa of input.a.observed.flows) {
    const fb = bByKey.get(fa.key);
    if (!fb) continue;
    compared++;
    if (fa.side.verdict === "error" || fb.side.verdict === "error") {
      errors.push({ flow: fa.flow, key: fa.key, a: fa.side, b: fb.side });
      continue;
    }
    if (fa.side.verdict === fb.side.verdict) continue;
    const change = { flow: fa.flow, key: fa.key, a: fa.side, b: fb.side };
    const by = allow.filter((e) => allows(e, change));
    for (const e of by) used.add(e);
    changes.push({ ...change, allowed: by.length > 0 });
  }
  const onlyA = input.a.observed.flows.filter((f) => !bByKey.has(f.key)).length;
  const onlyB = input.b.observed.flows.filter((f) => !aKeys.has(f.key)).length;
  const problems = [
    ...input.a.observed.problems.map((p) => `${input.a.label}: ${p}`),
    ...input.b.observed.problems.map((p) => `${input.b.label}: ${p}`),
    ...(onlyA + onlyB > 0 ? [`${onlyA + onlyB} flow(s) observed on one side only (not compared)`] : []),
  ];
  return {
    scenario: input.scenario,
    a: { label: input.a.label },
    b: { label: input.b.label },
    compared,
    changes,
    errors,
    problems,
    unusedAllows: allow.filter((e) => !used.has(e)).map((e) => `${e.where}: ${e.text}`),
  };
}
