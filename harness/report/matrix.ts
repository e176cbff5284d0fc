/**
 * The console truth table of a scenario (pure): expected vs observed per
 * source host and target (target:port/protocol family). Laid out to fit a
 * width: as is when it fits; else transposed (targets as rows) and/or split
 * into blocks of columns, each repeating the row labels, whichever takes
 * fewer lines; else, when not even one column fits, one line per cell. Every
 * verdict is shown in every layout.
 */
import type { ExpectationResult } from "../model/results.ts";
import { sourceLabel } from "../model/types.ts";
import { failedByParity } from "../judge/expectation.ts";
import { expectedWord, observedWord } from "./failure.ts";
import { fitLine, textWidth } from "./wrap.ts";

const MARK = { passed: "✓", failed: "✗", error: "!" } as const;
const GAP = 2;
const INDENT = "  ";

/** One block of the table: a corner label, column labels, and per row its label and cells. */
export interface MatrixBlock {
  readonly corner: string;
  readonly columns: readonly string[];
  readonly rows: readonly { readonly label: string; readonly cells: readonly string[] }[];
}

/** `server:8080/tcp`, a sweep's `server:1-1024/tcp` (its range, without the exceptions). */
export function targetOf(e: ExpectationResult): string {
  const ports = e.sweep ? e.sweep.ports.split(" ")[0] : e.port;
  // An IPv6 literal target in brackets, as the scenario writes it (tester 44d: `2001:db8:::8081`).
  return `${e.to.includes(":") ? `[${e.to}]` : e.to}:${ports}/${e.protocol}`;
}

export function targetColumn(e: ExpectationResult): string {
  return `${targetOf(e)} ${e.family === "ipv4" ? "v4" : "v6"}`;
}

export function cellText(e: ExpectationResult): string {
  // A sweep's cell: its verdict and how many ports broke it (the failure text lists them).
  if (e.sweep) return e.status === "passed" ? `${MARK.passed} ${e.expected} (${e.sweep.ports.split(" ")[0]})` : `${MARK[e.status]} ${e.sweep.broken.length} port(s)≠${e.expected}`;
  if (e.status !== "passed" && e.answerMismatch) return `${MARK[e.status]} ${e.actual}, answer≠`;
  if (failedByParity(e)) return `${MARK.failed} ${e.actual}, parity≠`;
  return e.status === "passed" ? `${MARK.passed} ${e.actual}` : `${MARK[e.status]} ${observedWord(e)}≠${expectedWord(e)}`;
}

interface Grid {
  readonly corner: string;
  readonly rows: readonly string[];
  readonly columns: readonly string[];
  readonly cell: (row: string, column: string) => string;
}

function grids(expectations: readonly ExpectationResult[]): [Grid, Grid] {
  // A probe that chose its source address (`admin@198.18.31.200`) has a row of its own.
  const rowOf = (e: ExpectationResult) => sourceLabel(e.from, e.source);
  const sources = [...new Set(expectations.map(rowOf))];
  const targets = [...new Set(expectations.map(targetColumn))];
  const cell = (from: string, target: string) => {
    const cells = expectations.filter((e) => rowOf(e) === from && targetColumn(e) === target);
    // The same probe may be asserted in several steps; show each in order.
    return cells.length === 0 ? "·" : cells.map(cellText).join(" → ");
  };
  return [
    { corner: "from \\ to", rows: sources, columns: targets, cell },
    { corner: "to \\ from", rows: targets, columns: sources, cell: (t, f) => cell(f, t) },
  ];
}

/** Splits a grid's columns into blocks no wider than `width`; undefined when one column alone does not fit. */
function blocksOf(g: Grid, width: number): MatrixBlock[] | undefined {
  const labelWidth = Math.max(...[g.corner, ...g.rows].map(textWidth));
  const colWidth = (c: string) => Math.max(textWidth(c), ...g.rows.map((r) => textWidth(g.cell(r, c))));
  const blocks: string[][] = [];
  let used = Infinity;
  for (const c of g.columns) {
    const w = GAP + colWidth(c);
    if (textWidth(INDENT) + labelWidth + w > width) return undefined;
    if (used + w > width) {
      blocks.push([]);
      used = textWidth(INDENT) + labelWidth;
    }
    blocks.at(-1)!.push(c);
    used += w;
  }
  return blocks.map((columns) => ({ corner: g.corner, columns, rows: g.rows.map((label) => ({ label, cells: columns.map((c) => g.cell(label, c)) })) }));
}

const linesOf = (blocks: readonly MatrixBlock[]) => blocks.reduce((n, b) => n + 1 + b.rows.length, 0);

/** The table's blocks for `width` (one block when it fits), or undefined when only one line per cell fits. */
export function matrixBlocks(expectations: readonly ExpectationResult[], width: number): MatrixBlock[] | undefined {
  if (expectations.length === 0) return [];
  const options = grids(expectations).map((g) => blocksOf(g, width)).filter((b) => b !== undefined);
  // Fewest lines; on a tie the usual orientation (sources as rows), which comes first.
  return options.sort((a, b) => linesOf(a) - linesOf(b))[0];
}

function renderBlock(b: MatrixBlock): string[] {
  const table = [[b.corner, ...b.columns], ...b.rows.map((r) => [r.label, ...r.cells])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => textWidth(row[i]!))));
  return table.map((row) => `${INDENT}${row.map((c, i) => c + " ".repeat(widths[i]! - textWidth(c))).join(" ".repeat(GAP))}`.trimEnd());
}

export function renderMatrix(expectations: readonly ExpectationResult[], width: number): string {
  const blocks = matrixBlocks(expectations, width);
  if (blocks) return blocks.flatMap(renderBlock).join("\n");
  const [g] = grids(expectations);
  return g.rows.flatMap((r) => g.columns.filter((c) => g.cell(r, c) !== "·").map((c) => `${INDENT}${r} -> ${c}: ${g.cell(r, c)}`)).flatMap((l) => fitLine(l, width)).join("\n");
}
