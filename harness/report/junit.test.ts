/** Unit tests (table-driven, no Docker) for junit.ts. */
import { describe, expect, test } from "vitest";
import { renderJunit, xmlEscape } from "./junit.ts";
import type { RunReport } from "./model.ts";

describe("xmlEscape", () => {
  test.each([
    ["a & b", "a &amp; b"],
    ["<x y=\"1\">'", "&lt;x y=&quot;1&quot;&gt;&apos;"],
    ["bell\u0007 and nul\u0000 escaped, tab\tand newline\n kept", "bell\\x07 and nul\\x00 escaped, tab\tand newline\n kept"],
    ["\u001b[31m lone \ud800 \ufffe", "\\x1b[31m lone \\ud800 \\ufffe"],
    ["plain", "plain"],
  ])("%j", (input, out) => expect(xmlEscape(input)).toBe(out));
});

describe("renderJunit", () => {
  const report: RunReport = {
    summary: { passed: 1, failed: 1, errors: 0 },
    scenarios: [{
      file: "scenarios/a.yaml", name: "A <&>", description: "", status: "failed", errors: [],
      steps: [{ kind: "step", step: "apply", line: 5, title: "step 1: apply rules.sh on server", status: "passed", message: "applied" }],
      counters: [],
      parity: [],
      expectations: [
        { kind: "expectation", from: "remote", to: "server", port: 8080, protocol: "tcp", family: "ipv4", expected: "dropped", actual: "dropped", status: "passed", text: "remote -> server:8080 dropped", line: 7, reason: "r", address: "198.18.0.2", decidedBy: [], evidence: { command: "docker exec c nc", exitCode: 1, stdout: "", stderr: "", durationMs: 52 } },
        { kind: "expectation", from: "remote", to: "server", port: 8080, protocol: "tcp", family: "ipv6", expected: "dropped", actual: "open", status: "failed", text: "remote -> server:8080 dropped", line: 7, reason: "connection succeeded", address: "2001:db8::2", decidedBy: [], evidence: { command: "docker exec c nc -zv 2001:db8::2 8080", exitCode: 0, stdout: "", stderr: "", durationMs: 12 } },
      ],
    }],
  };
  const xml = renderJunit(report);

  test("counts cases, failures and errors", () => {
    expect(xml).toMatch(/<testsuites name="fwspec" tests="3" failures="1" errors="0">/);
    expect(xml).toMatch(/<testsuite name="A &lt;&amp;&gt; \(scenarios\/a.yaml\)" tests="3" failures="1" errors="0"/);
  });

  test("a failed expectation carries expected vs observed and the repro command", () => {
    expect(xml).toContain('<failure message="expected dropped, observed open">');
    expect(xml).toMatch(/repro: +docker exec c nc -zv 2001:db8::2 8080/);
  });

  test("passed cases are empty elements", () => {
    expect(xml).toContain('name="line 7: remote -&gt; server:8080 dropped [ipv4]" time="0.052"/>');
  });
});
