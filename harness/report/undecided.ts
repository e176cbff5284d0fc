/**
 * Which verdicts of a run name no deciding rule although an nft-based
 * firewall host (iptables-nft or native nft, which fwspec traces) is on the
 * probe's path (pure). Legacy-backend hosts are exempt (counters decide
 * there, when they can); a path with no firewall host at all has nothing
 * to name. A sweep names its deciding rules per port (`sweep.decided`), or
 * says that counters attributed a range too large to trace. The measure of
 * issue 15's "every verdict names the deciding rule": bench/undecided.ts and
 * runner/decided.integration.test.ts.
 */
import type { ExpectationResult } from "../model/results.ts";
import { hostsOnPath } from "../plan/plan.ts";
import { MAX_TRACED_SWEEP } from "../probes/trace-step.ts";
import type { Scenario } from "../scenario/model.ts";

export interface UndecidedVerdict {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly family: string;
  readonly actual: string;
  /** The nft-based firewall hosts on its path. */
  readonly hosts: readonly string[];
  readonly problem: "names no deciding rule" | "its deciding rule contradicts the verdict";
}

/** Does the result name what decided it (a sweep: every port from its trace, or a range too large to trace said so)? */
export function namesDecision(e: ExpectationResult): boolean {
  if (e.sweep) {
    const ports = Object.values(e.sweep.counts).reduce((n, c) => n + (c ?? 0), 0);
    return e.sweep.attribution === "trace" || (e.sweep.attribution === "counters" && ports > MAX_TRACED_SWEEP);
  }
  return e.decision !== undefined;
}

/**
 * A decision that cannot have given the verdict: an open verdict whose first
 * packet a DROP or REJECT took, or a dropped one whose first packet was let
 * through (a filter ACCEPT, a policy ACCEPT, no filter chain) with no rule
 * named for its lost answer. (A refused verdict after an ACCEPT is the host's
 * stack answering: no contradiction.)
 */
export function contradicts(e: ExpectationResult): boolean {
  const d = e.decision;
  if (d === undefined) return false;
  if (e.actual === "open") return d.action !== "accept";
  if (e.actual === "dropped") return d.action === "accept" && d.answer !== true;
  return false;
}

/** The nft-based firewall hosts a scenario's expectation (at `line`, with `text`) crosses; undefined when the line is not found. */
export function tracedHostsOf(scenario: Scenario, line: number, text: string): string[] | undefined {
  for (const step of scenario.steps) {
    if (step.kind !== "expect") continue;
    const e = step.expectations.find((x) => x.location.line === line && x.text === text);
    if (!e) continue;
    const names = new Set(hostsOnPath(scenario, e));
    return scenario.hosts.filter((h) => names.has(h.name) && h.firewall && h.backend === "nft").map((h) => h.name);
  }
  return undefined;
}

/** Every verdict (not an error) on an nft-based host's path that names no deciding rule, or one the verdict contradicts. */
export function undecidedVerdicts(reports: readonly { readonly file: string; readonly expectations: readonly ExpectationResult[] }[], scenarios: readonly Scenario[]): UndecidedVerdict[] {
  const byFile = new Map(scenarios.map((s) => [s.file, s]));
  const out: UndecidedVerdict[] = [];
  for (const r of reports) {
    const scenario = byFile.get(r.file);
    for (const e of r.expectations) {
      const problem = contradicts(e) ? "its deciding rule contradicts the verdict" : namesDecision(e) ? undefined : "names no deciding rule";
      if (e.actual === "error" || problem === undefined) continue;
      const hosts = scenario ? tracedHostsOf(scenario, e.line, e.text) : undefined;
      if (hosts !== undefined && hosts.length === 0) continue;
      out.push({ file: r.file, line: e.line, text: e.text, family: e.family, actual: e.actual, hosts: hosts ?? ["(scenario line not found)"], problem });
    }
  }
  return out;
}
