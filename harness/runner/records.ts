/**
 * What a scenario run records, and how records read in a report: the same for
 * the vitest suite (`npm test`) and the direct runner (`fwspec run`).
 */
import { type Family, targetLabel } from "../model/types.ts";
import { describeSelector } from "../rules/match.ts";
import type { CounterCheck, Expectation, Scenario, Step } from "../scenario/model.ts";
import type { CounterRecord, ExpectationRecord } from "./meta.ts";
import type { CounterOutcome, ExpectationOutcome } from "./session.ts";

export function expectationTitle(e: Expectation, family: Family): string {
  return `${e.text} [${family}]`;
}

export function expectationRecord(scenario: Scenario, o: ExpectationOutcome): ExpectationRecord {
  const e = o.expectation;
  return {
    kind: "expectation",
    file: scenario.file,
    scenario: scenario.name,
    text: e.text,
    line: e.location.line,
    from: e.from,
    to: targetLabel(e.to),
    port: e.port,
    protocol: e.protocol,
    family: o.family,
    expected: e.expected,
    actual: o.probe.verdict,
    status: o.status,
    reason: o.probe.reason,
    ...(o.explanation ? { explanation: o.explanation } : {}),
    address: o.probe.address,
    evidence: {
      command: o.probe.evidence.command,
      exitCode: o.probe.evidence.exitCode,
      stdout: o.probe.evidence.stdout,
      stderr: o.probe.evidence.stderr,
      durationMs: o.probe.evidence.durationMs,
      ...(o.probe.evidence.stoppedEarly ? { stoppedEarly: o.probe.evidence.stoppedEarly } : {}),
    },
    decidedBy: o.decidedBy.map((d) => `${d.rule.family} ${d.rule.table} ${d.rule.chain} #${d.rule.position} ${d.rule.text} (+${d.packets} packets)`),
    ...(o.parity ? { parity: o.parity } : {}),
    ...(e.held ? { held: e.held } : {}),
  };
}

export function parityWarning(r: ExpectationRecord): string | undefined {
  if (!r.parity?.differs) return undefined;
  return `parity: ${r.text} [${r.family}] is ${r.actual}, but over ${r.parity.family} the same probe is ${r.parity.verdict} (${r.parity.reason}); repro: ${r.parity.command}`;
}

export function formatExpectationFailure(r: ExpectationRecord): string {
  const out = (r.evidence.stderr.trim() || r.evidence.stdout.trim()).split("\n").slice(0, 6).join("\n            ");
  return [
    `expected ${r.expected}, observed ${r.actual} (${r.reason})`,
    ...(r.explanation ? [`  meaning: ${r.explanation}`] : []),
    `  probe:   ${r.from} -> ${r.to} (${r.address}) port ${r.port}/${r.protocol} ${r.family}`,
    `  repro:   ${r.evidence.command}`,
    `  output:  ${out || "(none)"}`,
    r.evidence.stoppedEarly ? `  ended:   ${r.evidence.stoppedEarly}` : `  exit:    ${r.evidence.exitCode ?? "did not run"} after ${r.evidence.durationMs} ms`,
    `  counted: ${r.decidedBy.length > 0 ? r.decidedBy.join("\n           ") : "no firewall rule counted this probe"}`,
  ].join("\n");
}

export function stepTitle(step: Step, index: number): string {
  switch (step.kind) {
    case "run":
      return `step ${index + 1}: run \`${step.command.join(" ")}\` on ${step.host} (exit ${step.exit})`;
    case "reboot":
      return `step ${index + 1}: reboot ${step.host}`;
    case "hold":
      return `step ${index + 1}: hold ${step.name}: ${step.from} -> ${targetLabel(step.to)}:${step.port}/${step.protocol} ${step.family}`;
    case "apply":
      return `step ${index + 1}: apply ${step.sources.map((s) => (s.kind === "commands" ? `${s.commands.length} command(s)` : s.path.split("/").at(-1))).join(", ")} on ${step.host}`;
    case "expect":
      return `step ${index + 1}: expect`;
    case "counters":
      return `step ${index + 1}: counters`;
  }
}

export function counterTitle(c: CounterCheck, family: Family): string {
  const cmp = [c.packets ? `packets ${c.packets.text}` : "", c.bytes ? `bytes ${c.bytes.text}` : ""].filter(Boolean).join(", ");
  return `${c.host} ${describeSelector(c.selector)}: ${cmp} [${family}]`;
}

export function counterRecord(scenario: Scenario, o: CounterOutcome): CounterRecord {
  return {
    kind: "counter", file: scenario.file, scenario: scenario.name, line: o.check.location.line, host: o.check.host, family: o.family,
    selector: describeSelector(o.check.selector), status: o.status, message: o.message, packets: o.packets, bytes: o.bytes,
  };
}
