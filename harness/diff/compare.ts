/**
 * Two matrix observations compared (pure): the flows whose verdict differs,
 * or that are open on both sides but answered by another listener or seen
 * from another source (model.ts answerChanged), or refused on both by
 * another answer (a reset against ICMP port unreachable: refusalChanged), each with the deciding rule
 * on each side and whether an allow entry accepts it; a flow whose probe gave
 * `error` on either side is listed as an error, never as a change (a flaky
 * flow must not look like a rule change). An allow entry that matched no
 * change and names no flow of the matrix is said to be not probed.
 */
import { type AllowEntry, allows } from "./allow.ts";
import { answerChanged, refusalChanged, type DiffResult, type DiffSide, type Flow, type FlowChange, type FlowError, type FlowRedecided, ruleIdentity } from "./model.ts";
import type { MatrixObservation, ObservedFlow } from "./observed.ts";

export interface CompareInput {
  readonly scenario: DiffResult["scenario"];
  readonly a: DiffSide & { readonly observed: MatrixObservation };
  readonly b: DiffSide & { readonly observed: MatrixObservation };
  readonly allow?: readonly AllowEntry[];
  /** The flows probed on each side (the matrix, one per family); absent: those observed on either side. */
  readonly matrix?: readonly Flow[];
}

const ENTRY_FAMILY = { ipv4: "4", ipv6: "6" } as const;

/** Why an allow entry could match nothing: the matrix has no flow it names (undefined when it has one). */
function notProbed(e: AllowEntry, matrix: readonly Flow[]): string | undefined {
  const same = matrix.filter((f) => f.from === e.from && f.to === e.to && f.port === e.port && f.protocol === e.protocol);
  if (same.some((f) => e.family === undefined || f.family === e.family)) return undefined;
  const flow = `${e.from} -> ${e.to}:${e.port}/${e.protocol}${e.family ? ENTRY_FAMILY[e.family] : ""}`;
  return `${flow} is not in the flow matrix${same.length > 0 ? ` (only its ${same[0]!.family === "ipv4" ? "IPv4" : "IPv6"} flow is)` : ""}`;
}

/** The rules file lines either side's tools refused, each once (a file both sides load is named once). */
function refusedOf(a: MatrixObservation, b: MatrixObservation): Pick<DiffResult, "refused"> {
  const lines = [...(a.refused ?? []), ...(b.refused ?? [])];
  const refused = lines.filter((r, i) => lines.findIndex((o) => JSON.stringify(o) === JSON.stringify(r)) === i);
  return refused.length > 0 ? { refused } : {};
}

export function compareObservations(input: CompareInput): DiffResult {
  const allow = input.allow ?? [];
  const used = new Set<AllowEntry>();
  const bByKey = new Map<string, ObservedFlow>(input.b.observed.flows.map((f) => [f.key, f]));
  const aKeys = new Set(input.a.observed.flows.map((f) => f.key));
  const changes: FlowChange[] = [];
  const errors: FlowError[] = [];
  const redecided: FlowRedecided[] = [];
  let compared = 0;
  for (const fa of input.a.observed.flows) {
    const fb = bByKey.get(fa.key);
    if (!fb) continue;
    compared++;
    if (fa.side.verdict === "error" || fb.side.verdict === "error") {
      errors.push({ flow: fa.flow, key: fa.key, a: fa.side, b: fb.side });
      continue;
    }
    if (fa.side.verdict === fb.side.verdict && !answerChanged(fa.side, fb.side) && !refusalChanged(fa.side, fb.side)) {
      if (ruleIdentity(fa.side.rule, fa.flow.port) !== ruleIdentity(fb.side.rule, fb.flow.port)) redecided.push({ flow: fa.flow, key: fa.key, a: fa.side, b: fb.side });
      continue;
    }
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
  const unused = allow.filter((e) => !used.has(e));
  const matrix = input.matrix ?? [...input.a.observed.flows, ...input.b.observed.flows].map((f) => f.flow);
  const unprobed = unused.flatMap((e) => {
    const why = notProbed(e, matrix);
    return why === undefined ? [] : [{ entry: `${e.where}: ${e.text}`, why }];
  });
  return {
    scenario: input.scenario,
    a: { label: input.a.label },
    b: { label: input.b.label },
    compared,
    changes,
    errors,
    redecided,
    problems,
    ...refusedOf(input.a.observed, input.b.observed),
    unusedAllows: unused.map((e) => `${e.where}: ${e.text}`),
    unprobedAllows: unprobed,
    ...(input.a.observed.rulesets && input.b.observed.rulesets
      ? { rulesDiffer: input.a.observed.rulesets.join() !== input.b.observed.rulesets.join(), rulesets: { a: input.a.observed.rulesets, b: input.b.observed.rulesets } }
      : {}),
  };
}
