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

describe("JUnit names are relative and stable", () => {
  // The same scenario run in two checkouts on two machines: other paths, timings, addresses, container names.
  function run(root: string, ms: number, address: string, container: string): RunReport {
    return {
      summary: { passed: 0, failed: 1, errors: 1 },
      scenarios: [{
        file: `${root}/scenarios/block-port/a.yaml`, name: "Block port", description: "", status: "failed", errors: [`lab ${container} did not start`],
        steps: [{ kind: "step", step: "run", line: 4, title: "step 2: run `nc -z x 1` on server (exit 0)", status: "failed", message: `exit 1 after ${ms} ms` }],
        counters: [{ kind: "counter", line: 9, host: "server", family: "ipv4", selector: "INPUT -p tcp --dport 22 -j DROP", status: "passed", message: "1 packet", packets: 1, bytes: 60 }],
        parity: [],
        expectations: [
          { kind: "expectation", from: "remote", to: "server", port: 22, protocol: "tcp", family: "ipv4", expected: "dropped", actual: "open", status: "failed", text: "remote -> server:22 dropped", line: 7, reason: "connected", address, decidedBy: [], evidence: { command: `docker exec ${container} nc -z ${address} 22`, exitCode: 0, stdout: "", stderr: "", durationMs: ms } },
        ],
      }],
    };
  }
  const names = (xml: string) => [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => `${m[1]} | ${m[2]}`);
  const suites = (xml: string) => [...xml.matchAll(/<testsuite name="([^"]*)"/g)].map((m) => m[1]);
  const a = renderJunit(run("/home/runner/work/infra/infra", 52, "198.18.0.2", "fwspec-1a2b-remote"), { baseDir: "/home/runner/work/infra/infra" });
  const b = renderJunit(run("/builds/ops/infra", 2013, "198.18.4.66", "fwspec-9f8e-remote"), { baseDir: "/builds/ops/infra" });

  test("classname is the scenario file relative to the base folder", () => {
    expect(names(a).every((n) => n.startsWith("scenarios/block-port/a.yaml | "))).toBe(true);
    expect(suites(a)).toEqual(["Block port (scenarios/block-port/a.yaml)"]);
  });

  test.each([
    ["classname and case names", names],
    ["suite names", suites],
  ] as const)("%s are the same in every checkout and run (no paths, ids, timings or addresses)", (_what, pick) => {
    expect(pick(a)).toEqual(pick(b));
    expect(pick(a).length).toBeGreaterThan(0);
    expect(pick(a).join("\n")).not.toMatch(/\/home|\/builds|198\.18|fwspec-|\bms\b/);
  });
});
