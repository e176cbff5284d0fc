/**
 * Console report (renders only): per scenario a truth table of expected vs
 * observed (rows: source host; columns: target:port/protocol/family), wrong
 * cells marked, then every failure with its evidence (failure.ts).
 */
import { relative } from "node:path";
import type { ExpectationResult } from "../model/results.ts";
import { expectationFailure, parityLine } from "./failure.ts";
import type { RunReport, ScenarioReport } from "./model.ts";
import { oneLine, safeText } from "./text.ts";

const MARK = { passed: "✓", failed: "✗", error: "!" } as const;

function column(e: ExpectationResult): string {
  return `${e.to}:${e.port}/${e.protocol} ${e.family === "ipv4" ? "v4" : "v6"}`;
}

function cell(e: ExpectationResult): string {
  return e.status === "passed" ? `${MARK.passed} ${e.actual}` : `${MARK[e.status]} ${e.actual}≠${e.expected}`;
}

export function renderMatrix(expectations: readonly ExpectationResult[]): string {
  if (expectations.length === 0) return "";
  const rows = [...new Set(expectations.map((e) => e.from))];
  const cols = [...new Set(expectations.map(column))];
  const table: string[][] = [["from \\ to", ...cols]];
  for (const r of rows) {
    table.push([r, ...cols.map((c) => {
      const cells = expectations.filter((e) => e.from === r && column(e) === c);
      // The same probe may be asserted in several steps; show each in order.
      return cells.length === 0 ? "·" : cells.map(cell).join(" → ");
    })]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => `  ${row.map((c, i) => c.padEnd(widths[i]!)).join("  ")}`.trimEnd()).join("\n");
}

function indent(text: string, by = "      "): string {
  return text.split("\n").map((l) => `${by}${l}`).join("\n");
}

export function renderScenario(s: ScenarioReport): string {
  const head = `${MARK[s.status]} ${oneLine(s.name)}  (${oneLine(relative(process.cwd(), s.file) || s.file)})`;
  const lines = [head, indent(s.description.trim(), "  "), renderMatrix(s.expectations)];
  for (const c of s.counters) lines.push(`  ${MARK[c.status]} counter ${c.host} ${c.selector} [${c.family}]: ${c.message}`);
  for (const st of s.steps.filter((x) => x.status !== "passed")) lines.push(`  ${MARK[st.status]} ${oneLine(st.title)} (line ${st.line}): ${st.message}`);
  for (const e of s.errors) lines.push(`  ! ${e}`);
  for (const p of s.parity) lines.push(`  ⚠ ${parityLine(p)}\n      repro:   ${oneLine(p.command)}`);
  for (const e of s.expectations.filter((x) => x.status !== "passed")) {
    lines.push(`  ${MARK[e.status]} line ${e.line}: ${oneLine(e.text)} [${e.family}]: ${expectationFailure(e, "      ")}`);
  }
  // Scenario text and probe output reach a terminal or CI log: no control characters, no CI command lines.
  return safeText(lines.filter((l) => l !== "").join("\n"));
}

export function renderRun(report: RunReport): string {
  const parts = report.scenarios.map(renderScenario);
  const s = report.summary;
  const counts = report.scenarios.reduce((acc, x) => ({ ...acc, [x.status]: (acc[x.status] ?? 0) + 1 }), {} as Record<string, number>);
  parts.push(
    `${report.scenarios.length} scenario(s): ${counts["passed"] ?? 0} passed, ${counts["failed"] ?? 0} failed, ${counts["error"] ?? 0} error — checks: ${s.passed} passed, ${s.failed} failed, ${s.errors} errors`,
  );
  return `${parts.join("\n\n")}\n`;
}
