/** `--coverage-min` not met: the run fails, and every report a reviewer opens says so (not only the exit code and the console). */
import { describe, expect, test } from "vitest";
import { runHeld, runReport } from "./build.ts";
import { renderAnnotations, renderSummary } from "./github.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import type { ScenarioReport } from "./model.ts";
import type { ScenarioCoverage } from "./coverage.ts";
import { formatPercent } from "./coverage-run.ts";

const coverage: ScenarioCoverage = {
  rulesets: [{
    host: "server", loadedBy: "apply rules.sh", line: 5,
    rules: [
      { family: "ipv4", table: "filter", chain: "INPUT", position: 1, text: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", packets: 1, checks: [], status: "exercised" },
      { family: "ipv4", table: "filter", chain: "INPUT", position: 2, text: "-A INPUT -p tcp -m tcp --dport 9090 -j DROP", packets: 0, checks: [], status: "unexercised" },
    ],
  }],
  exercised: 1, unexercised: 1, shadowed: 0, rules: 2,
} as unknown as ScenarioCoverage;

const scenario: ScenarioReport = {
  file: "scenarios/a.yaml", name: "A", description: "", status: "passed", errors: [], parity: [], counters: [],
  steps: [{ kind: "step", step: "apply", line: 5, title: "step 1: apply rules.sh on server", status: "passed", message: "applied" }],
  expectations: [{ kind: "expectation", from: "remote", to: "server", port: 8080, protocol: "tcp", family: "ipv4", expected: "dropped", actual: "dropped", status: "passed", text: "remote -> server:8080 dropped", line: 7, reason: "r", address: "198.18.0.2", decidedBy: [], evidence: { command: "docker exec c nc", exitCode: 1, stdout: "", stderr: "", durationMs: 52 } }],
  coverage,
};

describe("a run below --coverage-min", () => {
  const short = runReport([scenario], 95);
  const met = runReport([scenario], 50);

  test("the report carries the least coverage asked for and why it falls short", () => {
    expect(short.coverage?.min).toBe(95);
    expect(short.coverage?.shortfall).toMatch(/^rule coverage 50% \(1 of 2 rules exercised; .*\) is below --coverage-min 95$/);
    expect(met.coverage?.min).toBe(50);
    expect(met.coverage?.shortfall).toBeUndefined();
    expect(runHeld(short)).toBe(false);
    expect(runHeld(met)).toBe(true);
    expect(runHeld(runReport([scenario]))).toBe(true);
  });

  test("JSON: the run's coverage with its shortfall", () => {
    const json = JSON.parse(renderJson(short)) as { coverage?: { percent: number; min: number; shortfall: string } };
    expect(json.coverage).toMatchObject({ percent: 50, min: 95, shortfall: short.coverage!.shortfall });
    expect((JSON.parse(renderJson(met)) as { coverage?: { shortfall?: string } }).coverage?.shortfall).toBeUndefined();
  });

  test("HTML: failed in the title, the shortfall in the summary", () => {
    const html = renderHtml(short);
    expect(html).toContain("<title>fwspec report: failed</title>");
    expect(html).toContain("is below --coverage-min 95");
    expect(renderHtml(met)).toContain("<title>fwspec report: passed</title>");
  });

  test("JUnit: a failed rule-coverage case; a passed one when met", () => {
    const xml = renderJunit(short);
    expect(xml).toMatch(/<testsuites name="fwspec" tests="3" failures="1" errors="0">/);
    expect(xml).toMatch(/<testcase classname="fwspec" name="rule coverage &gt;= 95%" time="0.000">\n\s+<failure message="rule coverage 50%/);
    expect(renderJunit(met)).toMatch(/<testsuites name="fwspec" tests="3" failures="0" errors="0">[\s\S]*<testcase classname="fwspec" name="rule coverage &gt;= 50%" time="0.000"\/>/);
    // Without --coverage-min: no such case.
    expect(renderJunit(runReport([scenario]))).not.toContain("rule coverage");
  });

  test("GitHub: an error annotation and a job summary that does not say every check held", () => {
    expect(renderAnnotations(short)).toMatch(/^::error title=fwspec%3A rule coverage below --coverage-min 95::rule coverage 50%/m);
    expect(renderAnnotations(met)).not.toContain("coverage");
    expect(renderSummary(short)).toMatch(/^## fwspec: rule coverage 50% .* is below --coverage-min 95/);
    expect(renderSummary(met)).toMatch(/^## fwspec: every scenario held/);
  });
});

describe("the coverage figure as printed", () => {
  test.each<[number, number | undefined, string]>([
    [(100 * 10) / 12, undefined, "83.3%"],
    [(100 * 11) / 14, undefined, "78.5%"],
    [100, undefined, "100%"],
    [50, 50, "50%"],
    // A minimum that was met never reads as missed: as many decimals as it takes.
    [(100 * 11) / 14, 78.57, "78.57%"],
    [(100 * 11) / 14, 78.5, "78.5%"],
    // A minimum not met: cut to one decimal, never more than was met.
    [(100 * 11) / 14, 78.6, "78.5%"],
    [(100 * 2) / 3, 66.666, "66.666%"],
  ])("%d against --coverage-min %s: %s", (p, min, shown) => {
    expect(formatPercent(p, min)).toBe(shown);
  });
});
