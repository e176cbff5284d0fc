/**
 * Equivalence known from the scenario's steps (pure): a rule changed in place
 * that a positional `-D` or a flush removes before any step looks at the host;
 * and one that holds in fwspec's lab: deleting an IPv4 conntrack
 * rule (`-m conntrack`/`-m state`) that a later `-F` removes before any
 * expectation is probed. Its only lasting effect would be that IPv4
 * connections opened meanwhile are tracked from their first packet; a lab host
 * tracks IPv4 from the start anyway (Docker's DNS rules in its nat table use
 * conntrack — scenario 05b shows the IPv6 side, where it is not so).
 */
import type { Scenario } from "../scenario/model.ts";
import type { Mutant } from "./mutants.ts";
import { removedUnseen } from "./chain-length.ts";
import { type RuleLine, scenarioRuleLines } from "./rule-lines.ts";

function flushes(l: RuleLine, chain: string): boolean {
  const i = l.words.findIndex((w) => w === "-F" || w === "--flush");
  if (i < 0) return false;
  const v = l.words[i + 1];
  return v === undefined || v.startsWith("-") || v === chain;
}

/** The reason, when the mutant deletes such a rule; undefined otherwise. */
export function transientIpv4Tracking(mutant: Mutant, scenario: Scenario): string | undefined {
  if (mutant.operator !== "delete") return undefined;
  const line = mutant.lines[0]!;
  if (line.family !== "ipv4" || !line.words.some((w) => w === "conntrack" || w === "state") || line.chain === undefined) return undefined;
  const lines = scenarioRuleLines(scenario);
  const after = lines.slice(lines.findIndex((l) => l.step === line.step && l.source === line.source && l.index === line.index) + 1);
  const flush = after.find((l) => l.host === line.host && l.family === "ipv4" && l.table === line.table && flushes(l, line.chain!));
  if (!flush) return undefined;
  const probedBefore = scenario.steps.some((s, i) => s.kind === "expect" && i > line.step && i <= flush.step);
  if (probedBefore) return undefined;
  return `the rule is flushed (${flush.text.trim()}, ${flush.file.split("/").at(-1)}:${flush.line}) before any expectation is probed; what it leaves behind is that IPv4 connections opened meanwhile are tracked from their first packet, which a lab host does anyway (Docker's DNS rules in its nat table use conntrack)`;
}

/** Operators that change a rule but keep its place in the chain. */
const IN_PLACE = new Set(["accept-drop", "drop-reject", "reject-type", "port", "loopback-iface"]);

/** The reason, when the mutant changes a rule in place that is removed (by position or a flush) before any step looks at the host. */
export function removedBeforeLooked(mutant: Mutant, scenario: Scenario): string | undefined {
  if (!IN_PLACE.has(mutant.operator)) return undefined;
  const line = mutant.lines[0]!;
  const looking = scenario.steps.findIndex((s, i) => i > line.step && s.kind !== "apply");
  const removal = removedUnseen(scenarioRuleLines(scenario), line, looking < 0 ? scenario.steps.length : looking);
  if (!removal) return undefined;
  return `the rule is removed (${removal.text.trim()}, ${removal.file.split("/").at(-1)}:${removal.line}) before any step looks at ${line.host}; a change that keeps its place cannot be seen`;
}
