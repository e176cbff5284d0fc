/** Unit tests (table-driven, no Docker) for matrix.ts: the truth table's layout keeps every verdict at every width. */
import { describe, expect, test } from "vitest";
import { wideReport } from "../testing/wide-report.ts";
import { matrixBlocks, renderMatrix, targetColumn } from "./matrix.ts";
import { textWidth } from "./wrap.ts";

describe("matrixBlocks", () => {
  test.each([
    [3, 6, 80], [3, 6, 120], [1, 1, 80], [6, 2, 80], [12, 1, 60], [2, 12, 300], [3, 6, 1000],
  ])("%i sources × %i targets at width %i: every cell in exactly one block", (sources, targets, width) => {
    const es = wideReport(sources, targets).scenarios[0]!.expectations;
    const blocks = matrixBlocks(es, width)!;
    expect(blocks).toBeDefined();
    const seen = new Map<string, string>();
    for (const b of blocks) {
      const transposed = b.corner.startsWith("to");
      for (const r of b.rows) {
        b.columns.forEach((c, i) => {
          const key = transposed ? `${c} ${r.label}` : `${r.label} ${c}`;
          expect(seen.has(key)).toBe(false);
          seen.set(key, r.cells[i]!);
        });
      }
    }
    for (const e of es) {
      const cell = seen.get(`${e.from} ${targetColumn(e)}`);
      expect(cell).toContain(e.status === "passed" ? `✓ ${e.actual}` : `✗ ${e.actual}≠${e.expected}`);
    }
    for (const line of renderMatrix(es, width).split("\n")) expect(textWidth(line)).toBeLessThanOrEqual(width);
  });

  test("a table that fits stays one block with sources as rows", () => {
    const blocks = matrixBlocks(wideReport(2, 1).scenarios[0]!.expectations, 300)!;
    expect(blocks.map((b) => [b.corner, b.rows.map((r) => r.label)])).toEqual([["from \\ to", ["client-0", "client-1"]]]);
  });

  test("when no column fits, one line per cell, each verdict kept", () => {
    const es = wideReport(1, 1).scenarios[0]!.expectations;
    expect(matrixBlocks(es, 20)).toBeUndefined();
    const out = renderMatrix(es, 20);
    for (const e of es) expect(out.replace(/\n\s+/g, " ")).toContain(`${e.from} -> ${targetColumn(e)}:`);
  });

  test("a probe that chose its source address has a row of its own", () => {
    const [e] = wideReport(1, 1).scenarios[0]!.expectations;
    const es = [e!, { ...e!, source: "198.18.31.200", actual: "dropped" as const, expected: "dropped" as const }, { ...e!, source: "2001:db8:31::99" }];
    const [block] = matrixBlocks(es, 300)!;
    const sources = block!.corner.startsWith("from") ? block!.rows.map((r) => r.label) : block!.columns;
    expect(sources).toEqual([e!.from, `${e!.from}@198.18.31.200`, `${e!.from}@[2001:db8:31::99]`]);
    expect(renderMatrix(es, 300)).toContain("✓ dropped");
  });
});

test("an IPv6 literal target's column is bracketed, as scenarios write it (tester 44d: `2001:db8:::8081/tcp v6`)", () => {
  const e = { ...wideReport(1, 1).scenarios[0]!.expectations[0]!, to: "2001:db8::8", port: 8081, protocol: "tcp" as const, family: "ipv6" as const };
  expect(targetColumn(e)).toBe("[2001:db8::8]:8081/tcp v6");
  expect(targetColumn({ ...e, to: "198.18.0.8", family: "ipv4" })).toBe("198.18.0.8:8081/tcp v4");
});
