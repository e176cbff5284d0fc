/**
 * Pure: a sweep's result from its per-port findings. Semantics of
 * `FROM -> TARGET:FIRST-LAST VERDICT except P,…`:
 *  - every port of the range that is not an exception must have VERDICT as
 *    the firewall's doing: `blocked` = refused, unreachable or dropped by a
 *    rule; `refused` = REJECTed with an RST or port unreachable; `dropped`,
 *    `unreachable` as for single probes. A port the firewall admitted where
 *    nothing listens (the kernel's RST) is NOT blocked;
 *  - every exception must be admitted by the firewall: `open` when the
 *    target declares a listener on it, else open or admitted (nothing
 *    listening);
 *  - a port whose answer the evidence cannot attribute (REJECT or kernel:
 *    cannot tell) fails nothing and passes nothing: it is an error.
 * One check for the range; the ports that broke it, each with its evidence.
 */
import type { Decision, ExpectationResult } from "../model/results.ts";
import { OUTCOME_LABEL, type PortFinding, type PortOutcome, type SweepBreak, type SweepDecided } from "../model/sweep.ts";
import { portList } from "../probes/sweep/nmap.ts";
import { decidedLine } from "../report/failure.ts";
import { namedVmap, vmapVerdict } from "../rules/dports.ts";
import { type Family, targetLabel, type Verdict } from "../model/types.ts";
import type { SweepObservation } from "../probes/sweep/sweep.ts";
import type { Expectation, PortSweep } from "../scenario/model.ts";
import { type Refusal, REFUSAL_KINDS, REFUSAL_OF_KIND, type RefusalKind } from "../scenario/refusal.ts";
import { renderSweepPorts } from "../scenario/port-range.ts";

/** Breaks kept in a result (the count of the rest is said). */
export const MAX_BREAKS = 50;

export type PortStatus = "passed" | "failed" | "error";

/** What a port of the sweep should be, as reports name it. */
export function expectedAt(sweep: PortSweep, expected: Expectation["expected"], port: number, listens: (port: number) => boolean, refusal?: RefusalKind): string {
  if (!sweep.except.includes(port)) return expected === "refused" && refusal !== undefined ? `refused:${refusal}` : expected;
  return listens(port) ? "open" : "admitted (open or nothing listening)";
}

const BLOCKING: ReadonlySet<PortOutcome> = new Set(["refused", "unreachable", "dropped"]);

/** A refusal as nmap names the answer that carries it: the one table both ways (a single probe's refusal as a sweep's answer). */
export const REFUSAL_ANSWER: Readonly<Record<Refusal, string>> = { "tcp-reset": "reset", "icmp-port-unreachable": "port-unreach" };

/** The refusal kind of a port's answer as nmap names it (`reset`, `port-unreach`), or undefined when not known. */
export function answerKind(answer: string): RefusalKind | undefined {
  return REFUSAL_KINDS.find((k) => REFUSAL_ANSWER[REFUSAL_OF_KIND[k]] === answer);
}

/** `refusal`: the sweep's `refused:rst` / `refused:icmp` (tester 44f: ignored, a sweep of resets passed as `refused:icmp`). */
export function portStatus(sweep: PortSweep, expected: Expectation["expected"], f: PortFinding, listens: (port: number) => boolean, refusal?: RefusalKind): PortStatus {
  if (f.outcome === "error") return "error";
  if (sweep.except.includes(f.port)) {
    if (f.outcome === "open" || (f.outcome === "admitted" && !listens(f.port))) return "passed";
    return f.outcome === "undetermined" ? "error" : "failed";
  }
  const ok = expected === "blocked" ? BLOCKING.has(f.outcome) : f.outcome === expected;
  if (ok && expected === "refused" && refusal !== undefined) {
    const kind = answerKind(f.answer);
    return kind === undefined ? "error" : kind === refusal ? "passed" : "failed";
  }
  if (ok) return "passed";
  // Cannot tell REJECT from the kernel: it decides `blocked` and `refused`, so neither pass nor fail.
  return f.outcome === "undetermined" && (expected === "blocked" || expected === "refused") ? "error" : "failed";
}

/**
 * `1-1024/tcp ipv4: 1021 dropped, port 22 open, port 80 open, port 443 admitted (nothing listening)`: a verdict of few
 * ports names them (`port N`), one of many counts them — never a bare number either way (tester 44f: `2-3/tcp ipv4: 2
 * refused, 3 dropped` read as counts).
 */
export function sweepSummary(head: string, findings: readonly PortFinding[]): string {
  const by = new Map<PortOutcome, number[]>();
  for (const f of findings) {
    const ports = by.get(f.outcome);
    if (ports) ports.push(f.port);
    else by.set(f.outcome, [f.port]);
  }
  const parts = [...by].sort((a, b) => b[1].length - a[1].length || a[1][0]! - b[1][0]!).flatMap(([outcome, ports]) =>
    ports.length <= 3 ? ports.map((p) => `port ${p} ${OUTCOME_LABEL[outcome]}`) : [`${ports.length} ${OUTCOME_LABEL[outcome]}`]);
  return `${head}: ${parts.join(", ")}`;
}

export function judgeSweep(e: Expectation, family: Family, facts: SweepObservation, listens: (port: number) => boolean, repro: (port: number) => string): ExpectationResult {
  const sweep = e.sweep!;
  const findings = [...facts.findings.values()].sort((a, b) => a.port - b.port);
  const statuses = findings.map((f) => portStatus(sweep, e.expected, f, listens, e.refusal));
  const breaks: SweepBreak[] = findings.flatMap((f, i) => {
    const status = statuses[i]!;
    if (status === "passed") return [];
    const kind = f.outcome === "refused" ? answerKind(f.answer) : undefined;
    return [{ port: f.port, status, expected: expectedAt(sweep, e.expected, f.port, listens, e.refusal), observed: kind ? `refused:${kind}` : OUTCOME_LABEL[f.outcome], answer: f.answer, evidence: f.evidence, rules: f.rules, repro: f.command ?? repro(f.port) }];
  });
  const status = breaks.some((b) => b.status === "failed") ? "failed" : breaks.length > 0 ? "error" : "passed";
  const counts: Partial<Record<PortOutcome, number>> = {};
  for (const f of findings) counts[f.outcome] = (counts[f.outcome] ?? 0) + 1;
  const ports = renderSweepPorts(sweep.first, sweep.last, sweep.except);
  const summary = sweepSummary(`${sweep.first}-${sweep.last}/${e.protocol} ${family}`, findings);
  const firstBreak = breaks[0] ? findings.find((f) => f.port === breaks[0]!.port) : undefined;
  const actual: Verdict = firstBreak ? firstBreak.verdict : majority(findings.filter((f) => !sweep.except.includes(f.port)));
  const shown = breaks.slice(0, 3).map((b) => `${b.port} ${b.observed} (expected ${b.expected})`).join(", ");
  return {
    kind: "expectation",
    text: e.text,
    line: e.location.line,
    from: e.from,
    ...(e.source !== undefined ? { source: e.source } : {}),
    to: targetLabel(e.to),
    port: sweep.first,
    protocol: e.protocol,
    family,
    expected: e.expected,
    actual,
    status,
    reason: summary,
    ...(breaks.length > 0 ? { explanation: `${breaks.length} of ${findings.length} port(s) broke the sweep: ${shown}${breaks.length > 3 ? ", …" : ""}` } : {}),
    address: facts.address,
    evidence: { command: facts.command, exitCode: 0, stdout: "", stderr: "", durationMs: facts.durationMs },
    decidedBy: [],
    // Its DROP and REJECT rules, as counted around its batches: what rule coverage attributes to the sweep.
    ...(facts.counted && facts.counted.length > 0 ? { counted: facts.counted } : {}),
    sweep: {
      ports,
      summary,
      counts,
      broken: breaks.slice(0, MAX_BREAKS),
      notes: [...facts.notes, ...(breaks.length > MAX_BREAKS ? [`${breaks.length - MAX_BREAKS} more port(s) broke the sweep; only the first ${MAX_BREAKS} are listed`] : [])],
      command: facts.command,
    },
  };
}

/** A port's decision as a sweep's report holds it: the `decided:` line, and where its rule was written (Decision.origin). */
export type PortDecided = Pick<SweepDecided, "decided" | "origin">;

/** Ports grouped by the decision that took their first packet (most ports first), and each port's decision as the report words it. */
export function sweepDecided(decisions: ReadonlyMap<number, Decision>): { groups: SweepDecided[]; byPort: Map<number, PortDecided> } {
  const byPort = new Map<number, PortDecided>();
  const ports = new Map<string, { origin: Decision["origin"]; list: number[] }>();
  for (const [port, d] of [...decisions].sort((a, b) => a[0] - b[0])) {
    // Each port with the element of a verdict map that took it; the group by the element's verdict (tester 42b: open
    // and dropped ports of one map were one group).
    byPort.set(port, { decided: decidedLine(d, port), ...(d.origin ? { origin: d.origin } : {}) });
    // A named map's elements are not in the rule's text: the trace's verdict for the port says what its element gave.
    const verdict = (d.rewrites?.length ?? 0) > 0 || d.answer === true ? undefined : vmapVerdict(d.rule, port) ?? (namedVmap(d.rule) !== undefined ? d.action : undefined);
    const line = decidedLine(d, verdict === undefined ? undefined : { verdict });
    // The line names the origin: one origin per group.
    ports.set(line, { origin: d.origin, list: [...(ports.get(line)?.list ?? []), port] });
  }
  const groups = [...ports].map(([decided, { origin, list }]) => ({ ports: portList(list), count: list.length, decided, ...(origin ? { origin } : {}) })).sort((a, b) => b.count - a.count);
  return { groups, byPort };
}

function majority(findings: readonly PortFinding[]): Verdict {
  const n = new Map<Verdict, number>();
  for (const f of findings) n.set(f.verdict, (n.get(f.verdict) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "error";
}
