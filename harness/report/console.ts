/**
 * Console report (renders only): per scenario a truth table of expected vs
 * observed (matrix.ts: rows source host, columns target:port/protocol/family,
 * transposed or split to fit), wrong cells marked, then every failure with
 * its evidence (failure.ts); every line fitted to the width (wrap.ts).
 */
import { expectationFailure, parityDecided, parityLine } from "./failure.ts";
import { renderMatrix } from "./matrix.ts";
import type { RunReport, ScenarioReport } from "./model.ts";
import { NOT_RUN } from "../model/results.ts";
import { displayPath } from "./paths.ts";
import { oneLine, safeText } from "../text.ts";
import { DEFAULT_WIDTH, fitText } from "./wrap.ts";

const MARK = { passed: "✓", failed: "✗", error: "!" } as const;

export interface ConsoleOptions {
  /** Terminal columns to fit (default 100); the CLI passes the terminal's. */
  readonly width?: number;
  /** Scenario files are named relative to this folder (as given when not set). */
  readonly baseDir?: string;
}

function indent(text: string, by = "      "): string {
  return text.split("\n").map((l) => `${by}${l}`).join("\n");
}

export function renderScenario(s: ScenarioReport, options: ConsoleOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const head = `${MARK[s.status]} ${oneLine(s.name)}  (${oneLine(displayPath(s.file, options.baseDir))})`;
  const lines = [head, indent(s.description.trim(), "  "), renderMatrix(s.expectations, width)];
  for (const e of s.expectations.filter((x) => x.sweep && x.status === "passed")) lines.push(`  ✓ line ${e.line}: sweep ${e.sweep!.summary}`);
  for (const c of s.counters) lines.push(`  ${MARK[c.status]} line ${c.line}: counter ${c.host} ${c.selector} [${c.family}]: ${c.message}`);
  // A step's message: its first line beside the title, the rest (repro, exit, output) hanging under it.
  for (const st of s.steps.filter((x) => x.status !== "passed")) lines.push(`  ${MARK[st.status]} ${oneLine(st.title)} (line ${st.line}): ${st.message.replaceAll("\n", "\n      ")}`);
  for (const st of s.steps.filter((x) => x.status === "passed")) for (const n of st.notes ?? []) lines.push(`  ⚠ ${oneLine(st.title)} (line ${st.line}): note: ${n}`);
  // A scenario error's later lines (the lines it names, its hint) hang under its text.
  for (const e of s.errors) lines.push(`  ! ${e.replaceAll("\n", "\n    ")}`);
  for (const p of s.parity) {
    // Each with its label, as every other renderer words them: wrapped, each hangs under its own text.
    const decided = parityDecided(p).map((d) => `      decided: ${oneLine(d)}\n`).join("");
    lines.push(`  ⚠ ${parityLine(p)}\n${decided}      repro:   ${oneLine(p.command)}`);
  }
  for (const e of s.expectations.filter((x) => x.status !== "passed")) {
    lines.push(`  ${MARK[e.status]} line ${e.line}: ${oneLine(e.text)} [${e.family}]: ${expectationFailure(e, "      ")}`);
  }
  // Scenario text and probe output reach a terminal or CI log: no control characters, no CI command lines; then fitted to the width.
  return fitText(safeText(lines.filter((l) => l !== "").join("\n")), width);
}

/** Does the scenario's report show a repro command of a failure (a failed or errored probe or step, a parity failure)? */
function showsFailedRepro(s: ScenarioReport): boolean {
  // A failed apply (rules a tool refused) and a step not run have no command to repeat in the lab (tester 44c).
  return s.expectations.some((e) => e.status !== "passed" && e.evidence.command !== "") || s.steps.some((st) => st.status !== "passed" && st.step !== "apply" && !st.message.startsWith(NOT_RUN)) || s.parity.some((p) => p.severity === "failure");
}

/** One line when failures' repro commands name labs the run did not keep: pasted now, they find no lab, or a reset one. */
export function reproLabLine(report: RunReport): string | undefined {
  if (report.labsLeft === undefined || !report.scenarios.some((s) => s.status !== "passed" && s.kept === undefined && showsFailedRepro(s))) return undefined;
  const left = report.labsLeft === "warm" ? "this run's labs were reset and left warm, or removed" : "this run's are removed";
  return `repro commands need the lab: re-run with --keep-on-failure to keep the failing scenarios' labs (${left})`;
}

/** A stopped run (Ctrl-C): what stopped it, and the scenarios it did not finish, named; undefined for a run that ended. */
export function stoppedLine(report: RunReport, baseDir?: string): string | undefined {
  if (!report.stopped) return undefined;
  const { reason, notRun } = report.stopped;
  const of = report.scenarios.length + notRun.length;
  if (notRun.length === 0) return `fwspec was stopped (${oneLine(reason)}) after every scenario had finished (${of}), before the run's own last checks (rule coverage, the machine's firewall compared before and after): the verdicts above are all there are.`;
  const names = notRun.map((s) => `${oneLine(s.name)} (${oneLine(displayPath(s.file, baseDir))})`).join(", ");
  return `fwspec was stopped (${oneLine(reason)}) after ${report.scenarios.length} of ${of} scenario(s) finished; not run or not finished: ${names}. Only the finished scenarios' verdicts are reported: run again to check the rest.`;
}

export function renderRun(report: RunReport, options: ConsoleOptions = {}): string {
  const parts = report.scenarios.map((s) => renderScenario(s, options));
  const repro = reproLabLine(report);
  if (repro) parts.push(fitText(repro, options.width ?? DEFAULT_WIDTH));
  const stopped = stoppedLine(report, options.baseDir);
  if (stopped) parts.push(fitText(stopped, options.width ?? DEFAULT_WIDTH));
  const s = report.summary;
  const counts = report.scenarios.reduce((acc, x) => ({ ...acc, [x.status]: (acc[x.status] ?? 0) + 1 }), {} as Record<string, number>);
  parts.push(fitText(
    `${report.stopped ? "STOPPED: " : ""}${report.scenarios.length} scenario(s): ${counts["passed"] ?? 0} passed, ${counts["failed"] ?? 0} failed, ${counts["error"] ?? 0} error — checks: ${s.passed} passed, ${s.failed} failed, ${s.errors} errors`,
    options.width ?? DEFAULT_WIDTH,
  ));
  return `${parts.join("\n\n")}\n`;
}
