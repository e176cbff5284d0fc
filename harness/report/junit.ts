/**
 * JUnit XML for CI test views (renders only): one testsuite per scenario file,
 * one testcase per step, expectation (per family) and counter check; a failed
 * cell carries the failure text (failure.ts) with the repro command; parity
 * findings go to system-out. Names are stable: `classname` is the scenario
 * file relative to `baseDir` (the CLI passes the folder fwspec was run from),
 * and case names carry the step, line and family, never ids, timings or
 * addresses (those stay in `time` and the failure text).
 */
import { expectationFailure, expectationMismatch, parityDecided, parityLine } from "./failure.ts";
import type { RunReport, ScenarioReport } from "./model.ts";
import { displayPath } from "./paths.ts";
import { xmlSafe } from "../text.ts";

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** XML text and attribute escaping; characters XML 1.0 forbids (and C1 controls, lone surrogates) become visible escapes such as `\x1b`. */
export function xmlEscape(text: string): string {
  return xmlSafe(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

interface Case {
  readonly name: string;
  readonly seconds: number;
  readonly status: "passed" | "failed" | "error";
  readonly message: string;
  readonly detail: string;
  /** A passed sweep's summary, as the test case's output. */
  readonly out?: string;
}

function casesOf(s: ScenarioReport): Case[] {
  const cases: Case[] = [];
  // A check that was not run is recorded as a step of its kind, titled as the check (`<expectation> [family]`): named as a run check is.
  for (const st of s.steps) cases.push({ name: st.step === "expect" || st.step === "counters" ? `line ${st.line}: ${st.title}` : st.title, seconds: 0, status: st.status, message: st.message.split("\n")[0] ?? "", detail: st.message });
  for (const e of s.expectations) {
    cases.push({ name: `line ${e.line}: ${e.text} [${e.family}]`, seconds: e.evidence.durationMs / 1000, status: e.status, message: expectationMismatch(e), detail: expectationFailure(e, ""), ...(e.sweep ? { out: e.sweep.summary } : {}) });
  }
  for (const c of s.counters) cases.push({ name: `line ${c.line}: ${c.host} ${c.selector} [${c.family}]`, seconds: 0, status: c.status, message: c.message, detail: c.message });
  for (const [i, error] of s.errors.entries()) cases.push({ name: `scenario error ${i + 1}`, seconds: 0, status: "error", message: error.split("\n")[0] ?? "", detail: error });
  return cases;
}

/** The `--coverage-min` check as a case, when one was asked for. */
function coverageCase(report: RunReport): Case | undefined {
  const c = report.coverage;
  if (c?.min === undefined) return undefined;
  return { name: `rule coverage >= ${c.min}%`, seconds: 0, status: c.shortfall ? "failed" : "passed", message: c.shortfall ?? "", detail: c.shortfall ?? "" };
}

export interface JunitOptions {
  /** Scenario files are named relative to this folder (absolute paths when not given). */
  readonly baseDir?: string;
}

export function renderJunit(report: RunReport, options: JunitOptions = {}): string {
  const suites = report.scenarios.map((s) => {
    const file = displayPath(s.file, options.baseDir);
    const cases = casesOf(s);
    const failures = cases.filter((c) => c.status === "failed").length;
    const errors = cases.filter((c) => c.status === "error").length;
    const time = cases.reduce((t, c) => t + c.seconds, 0);
    const body = cases.map((c) => {
      const open = `    <testcase classname="${xmlEscape(file)}" name="${xmlEscape(c.name)}" time="${c.seconds.toFixed(3)}"`;
      if (c.status === "passed") return c.out === undefined ? `${open}/>` : `${open}>\n      <system-out>${xmlEscape(c.out)}</system-out>\n    </testcase>`;
      const tag = c.status === "failed" ? "failure" : "error";
      return `${open}>\n      <${tag} message="${xmlEscape(c.message)}">${xmlEscape(c.detail)}</${tag}>\n    </testcase>`;
    });
    const out = s.parity.map((p) => `${parityLine(p)}; ${parityDecided(p).map((d) => `decided: ${d}; `).join("")}repro: ${p.command}`);
    return [
      `  <testsuite name="${xmlEscape(`${s.name} (${file})`)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`,
      ...body,
      ...(out.length > 0 ? [`    <system-out>${xmlEscape(out.join("\n"))}</system-out>`] : []),
      "  </testsuite>",
    ].join("\n");
  });
  // `--coverage-min`: the run's own check, in a suite of its own.
  const gate = coverageCase(report);
  if (gate) {
    const open = `    <testcase classname="fwspec" name="${xmlEscape(gate.name)}" time="0.000"`;
    suites.push([
      `  <testsuite name="fwspec: rule coverage" tests="1" failures="${gate.status === "failed" ? 1 : 0}" errors="0" time="0.000">`,
      gate.status === "passed" ? `${open}/>` : `${open}>\n      <failure message="${xmlEscape(gate.message)}">${xmlEscape(gate.detail)}</failure>\n    </testcase>`,
      "  </testsuite>",
    ].join("\n"));
  }
  // A stopped run (Ctrl-C): each scenario it did not finish, as a skipped case saying why (CI views show it, not a silent gap).
  const notRun = report.stopped?.notRun ?? [];
  for (const s of notRun) {
    const file = displayPath(s.file, options.baseDir);
    suites.push([
      `  <testsuite name="${xmlEscape(`${s.name} (${file})`)}" tests="1" failures="0" errors="0" skipped="1" time="0.000">`,
      `    <testcase classname="${xmlEscape(file)}" name="not run" time="0.000">\n      <skipped message="${xmlEscape(`not run or not finished: fwspec was stopped (${report.stopped!.reason})`)}"/>\n    </testcase>`,
      "  </testsuite>",
    ].join("\n"));
  }
  const all = [...report.scenarios.flatMap(casesOf), ...(gate ? [gate] : [])];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fwspec" tests="${all.length + notRun.length}" failures="${all.filter((c) => c.status === "failed").length}" errors="${all.filter((c) => c.status === "error").length}"${notRun.length > 0 ? ` skipped="${notRun.length}"` : ""}>`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
