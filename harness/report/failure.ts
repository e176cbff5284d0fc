/**
 * The one failure formatter: what a failed expectation says (expected vs
 * observed, what it means, the probe, the repro command, its output, how it
 * ended, the rules that counted it) and how a parity finding reads. The
 * console report, JUnit and vitest lay these lines out; none builds its own.
 */
import type { ExpectationResult } from "../model/results.ts";
import type { ParityFinding } from "./model.ts";

const OUTPUT_LINES = 6;

/** `expected dropped, observed open (reason)` and labelled detail lines, each indented by `indent`. */
export function expectationFailure(e: ExpectationResult, indent = "  "): string {
  const label = (name: string, text: string) => `${indent}${`${name}:`.padEnd(9)}${text.split("\n").join(`\n${indent}${" ".repeat(9)}`)}`;
  const output = (e.evidence.stderr.trim() || e.evidence.stdout.trim()).split("\n").slice(0, OUTPUT_LINES).join("\n");
  return [
    `expected ${e.expected}, observed ${e.actual} (${e.reason})`,
    ...(e.explanation ? [label("meaning", e.explanation)] : []),
    label("probe", `${e.from} -> ${e.to} (${e.address}) port ${e.port}/${e.protocol} ${e.family}`),
    label("repro", e.evidence.command),
    label("output", output || "(none)"),
    e.evidence.stoppedEarly ? label("ended", e.evidence.stoppedEarly) : label("exit", `${e.evidence.exitCode ?? "did not run"} after ${e.evidence.durationMs} ms`),
    label("counted", e.decidedBy.length > 0 ? e.decidedBy.join("\n") : "no firewall rule counted this probe"),
  ].join("\n");
}

/** The short form: `expected dropped, observed open`. */
export function expectationMismatch(e: ExpectationResult): string {
  return `expected ${e.expected}, observed ${e.actual}`;
}

/** `parity warning: line 7: a -> b:80 open is open over ipv4 but dropped over ipv6`. */
export function parityLine(p: ParityFinding): string {
  return `parity ${p.severity}: line ${p.line}: ${p.text} is ${p.verdict} over ${p.family} but ${p.otherVerdict} over ${p.otherFamily}`;
}
