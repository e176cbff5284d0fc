/**
 * How checks and steps are named: in vitest test names, `--filter` matching,
 * "not run" records and reports. Pure.
 */
import { type Family, targetLabel } from "../model/types.ts";
import { describeSelector } from "../rules/match.ts";
import { shellQuote } from "../shell-quote.ts";
import type { CounterCheck, Expectation, Step } from "../scenario/model.ts";

export function expectationTitle(e: Expectation, family: Family): string {
  return `${e.text} [${family}]`;
}

export function counterTitle(c: CounterCheck, family: Family): string {
  const cmp = [c.packets ? `packets ${c.packets.text}` : "", c.bytes ? `bytes ${c.bytes.text}` : ""].filter(Boolean).join(", ");
  return `${c.host} ${describeSelector(c.selector)}: ${cmp} [${family}]`;
}

export function stepTitle(step: Step, index: number): string {
  switch (step.kind) {
    case "run":
      return `step ${index + 1}: run \`${shellQuote(step.command)}\` on ${step.host} (exit ${step.exit})`;
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
