/** Unit tests (no Docker): how a probe's answer (who answered, the source it saw) reads in the failure text and the truth table. */
import { describe, expect, it } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { expectationFailure, expectationMismatch } from "./failure.ts";
import { renderHtml } from "./html.ts";
import { cellText } from "./matrix.ts";

const base: ExpectationResult = {
  kind: "expectation", text: "client -> router:80 open answered-by backend:8080 seen-from router", line: 9, from: "client", to: "router", port: 80, protocol: "tcp", family: "ipv4",
  expected: "open", actual: "open", status: "passed", reason: "connection succeeded", address: "198.18.1.3", decidedBy: [],
  evidence: { command: "docker exec c nc -v -N -w 2 198.18.1.3 80", exitCode: 0, stdout: "fwspec router 80 198.18.1.2 40000\n", stderr: "Connection to 198.18.1.3 80 port [tcp/http] succeeded!", durationMs: 5 },
  answer: "router:80 saw 198.18.1.2:40000 (client)",
};
const wrong: ExpectationResult = { ...base, status: "failed", answerMismatch: "answered by router:80, not backend:8080", explanation: "answered by router:80, not backend:8080" };

describe("answers in reports", () => {
  it("a failure by answer says which part failed, once, and shows the answer", () => {
    expect(expectationMismatch(wrong)).toBe("expected open answered-by backend:8080 seen-from router, observed open: answered by router:80, not backend:8080");
    const text = expectationFailure(wrong);
    expect(text).toContain("  answer:  router:80 saw 198.18.1.2:40000 (client)");
    expect(text).not.toContain("meaning:");
  });
  it("a verdict failure reads as before, with the answer as evidence", () => {
    const r: ExpectationResult = { ...base, text: "client -> router:80 dropped", expected: "dropped", status: "failed", explanation: "nothing blocked it" };
    expect(expectationMismatch(r)).toBe("expected dropped, observed open");
    expect(expectationFailure(r)).toContain("meaning: nothing blocked it");
  });
  it.each([
    [base, "✓ open"],
    [wrong, "✗ open, answer≠"],
    [{ ...base, expected: "dropped", status: "failed" } as ExpectationResult, "✗ open≠dropped"],
  ])("truth-table cell %#", (e, cell) => {
    expect(cellText(e)).toBe(cell);
  });
});

describe("answers in the HTML report", () => {
  it("the evidence of a cell names who answered and why the answer failed, as text", () => {
    const html = renderHtml({ scenarios: [{ file: "/repo/s.yaml", name: "nat", description: "d", status: "failed", expectations: [{ ...wrong, answer: "router:80 saw 198.18.1.2:40000 (<client>)" }], counters: [], steps: [], errors: [], parity: [] }], summary: { passed: 0, failed: 1, errors: 0 } }, { baseDir: "/repo" });
    expect(html).toContain("<div>answer: router:80 saw 198.18.1.2:40000 (&lt;client&gt;)</div>");
    expect(html).toContain("<div>answered by router:80, not backend:8080</div>");
  });
});
