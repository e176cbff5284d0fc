/**
 * A run stopped before it ended (Ctrl-C): stoppedReport keeps the finished
 * scenarios in planned order and names the others; every renderer says the
 * run was stopped and never calls it passed. Table-driven, no Docker.
 */
import { describe, expect, test } from "vitest";
import { stoppedReport } from "./build.ts";
import { renderRun } from "./console.ts";
import { renderSummary } from "./github.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import type { ScenarioHeader, ScenarioReport } from "./model.ts";

const header = (name: string): ScenarioHeader => ({ name, file: `/p/scenarios/${name}.yaml`, description: `${name} scenario` });
const finished = (name: string, status: ScenarioReport["status"]): ScenarioReport => ({
  ...header(name), status, errors: [], steps: [], counters: [], parity: [],
  expectations: [{ kind: "expectation", from: "remote", to: "server", port: 80, protocol: "tcp", family: "ipv4", expected: "open", actual: status === "passed" ? "open" : "dropped", status: status === "passed" ? "passed" : "failed", text: "remote -> server:80 open", line: 7, reason: "r", address: "198.18.0.2", decidedBy: [], evidence: { command: "docker exec c nc", exitCode: 0, stdout: "", stderr: "", durationMs: 5 } }],
});
const planned = ["a", "b", "c"].map(header);

describe("stoppedReport", () => {
  test.each([
    ["none finished", [], [], ["a", "b", "c"], { passed: 0, failed: 0, errors: 0 }],
    ["finished out of order: planned order kept", [finished("c", "passed"), finished("a", "failed")], ["a", "c"], ["b"], { passed: 1, failed: 1, errors: 0 }],
    ["all finished before the stop", [finished("b", "passed"), finished("a", "passed"), finished("c", "passed")], ["a", "b", "c"], [], { passed: 3, failed: 0, errors: 0 }],
  ])("%s", (_, done, scenarios, notRun, summary) => {
    const r = stoppedReport(planned, done, "SIGINT", "removed");
    expect({ scenarios: r.scenarios.map((s) => s.name), notRun: r.stopped?.notRun.map((s) => s.name), summary: r.summary, reason: r.stopped?.reason, labsLeft: r.labsLeft }).toEqual({ scenarios, notRun, summary, reason: "SIGINT", labsLeft: "removed" });
  });
});

test("the job summary of a run stopped after every scenario had finished says so, not 'before 0'", () => {
  const all = stoppedReport(planned, planned.map((h) => finished(h.name, "passed")), "SIGINT");
  expect(renderSummary(all)).toContain("## fwspec: stopped (SIGINT) after every scenario had finished; every finished one held");
});

test("a stopped run's report says no lab is kept: the stop removed them all", () => {
  const kept = { ...finished("a", "failed"), kept: { lab: "a-1", run: "r", until: "later", hosts: [] } };
  expect(stoppedReport(planned, [kept], "SIGINT").scenarios[0]).not.toHaveProperty("kept");
});

describe("a stopped run's reports", () => {
  const passedSoFar = stoppedReport(planned, [finished("a", "passed")], "SIGTERM");
  const failedSoFar = stoppedReport(planned, [finished("a", "failed")], "SIGINT");

  test("console: the stop, the scenarios not finished by name and file, and a STOPPED summary", () => {
    const text = renderRun(passedSoFar, { baseDir: "/p", width: 300 });
    expect(text).toContain("fwspec was stopped (SIGTERM) after 1 of 3 scenario(s) finished; not run or not finished: b (scenarios/b.yaml), c (scenarios/c.yaml).");
    expect(text).toMatch(/^STOPPED: 1 scenario\(s\): 1 passed, 0 failed, 0 error/m);
    // Stopped once every scenario had finished: said so, nothing to run again.
    const all = stoppedReport(planned, planned.map((h) => finished(h.name, "passed")), "SIGINT");
    expect(renderRun(all, { baseDir: "/p", width: 300 })).toContain("fwspec was stopped (SIGINT) after every scenario had finished (3), before the run's own last checks");
    // A run that ended says nothing of the kind.
    expect(renderRun({ ...passedSoFar, stopped: undefined }, { baseDir: "/p", width: 300 })).not.toMatch(/stopped|STOPPED/);
  });

  test("JSON: `stopped` with its reason and the scenarios not finished; absent for a run that ended", () => {
    const json = JSON.parse(renderJson(passedSoFar)) as { stopped?: { reason: string; notRun: ScenarioHeader[] }; scenarios: unknown[] };
    expect(json.stopped).toEqual({ reason: "SIGTERM", notRun: [header("b"), header("c")] });
    expect(json.scenarios).toHaveLength(1);
    expect(JSON.parse(renderJson({ ...passedSoFar, stopped: undefined }))).not.toHaveProperty("stopped");
  });

  test("JUnit: each scenario not finished is a skipped case saying why, counted", () => {
    const xml = renderJunit(passedSoFar, { baseDir: "/p" });
    expect(xml).toMatch(/<testsuites name="fwspec" tests="3" failures="0" errors="0" skipped="2">/);
    expect(xml).toContain('<testsuite name="b (scenarios/b.yaml)" tests="1" failures="0" errors="0" skipped="1" time="0.000">');
    expect(xml).toContain('<skipped message="not run or not finished: fwspec was stopped (SIGTERM)"/>');
    expect(renderJunit({ ...passedSoFar, stopped: undefined })).not.toContain("skipped");
  });

  test.each([
    ["every finished one passed: STOPPED, never passed", passedSoFar, "STOPPED", "stopped (SIGTERM) before 2 scenario(s) finished (b, c); every finished one held"],
    ["a finished one failed: FAILED, and the stop said", failedSoFar, "FAILED", "1 of 1 scenario(s) failed, then stopped (SIGINT) before 2 scenario(s) finished (b, c)"],
  ])("HTML and job summary: %s", (_, report, badge, summary) => {
    const html = renderHtml(report, { baseDir: "/p" });
    expect(html).toContain(`<h1>fwspec report: <span class="status ${badge.toLowerCase()}">`);
    expect(html).toContain(`${badge}</span></h1>`);
    expect(html).toContain(`<span class="stopped"><strong>fwspec was stopped (${report.stopped!.reason}) after 1 of 3 scenario(s) finished`);
    expect(renderSummary(report)).toContain(`## fwspec: ${summary} (checks:`);
  });
});
