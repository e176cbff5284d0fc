/** Unit tests (table-driven, no Docker) for console.ts. */
import { htmlLine, renderHtml } from "./html.ts";
import { describe, expect, test } from "vitest";
import { renderRun } from "./console.ts";
import type { RunReport } from "./model.ts";
import { hasCiCommandLine, hasRawControl } from "../text.ts";
import { textWidth } from "./wrap.ts";
import { wideReport } from "../testing/wide-report.ts";

const HOSTILE = [
  "\u001b[2J\u001b[31mcleared\u001b[0m",
  "::error file=x::injected",
  "ok\n::error file=x::injected",
  "csi \u009b2J and del \u007f",
  "bidi \u202eexe.txt and \u2066isolate\u2069",
  "##vso[task.setvariable variable=x]1",
  "osc \u001b]8;;http://x\u0007link",
];

function report(text: string): RunReport {
  return {
    summary: { passed: 0, failed: 1, errors: 1 },
    scenarios: [{
      file: `scenarios/${text}.yaml`, name: text, description: `${text}\nsecond line\n${text}`, status: "failed", errors: [text],
      steps: [{ line: 5, title: text, status: "error", message: text }],
      counters: [{ line: 6, host: "server", selector: text, family: "ipv4", status: "failed", message: text }],
      parity: [{ line: 7, text, family: "ipv4", verdict: "open", otherFamily: "ipv6", otherVerdict: "dropped", severity: "warn", command: text }],
      expectations: [
        { from: "remote", to: "server", port: 8080, protocol: "tcp", family: "ipv6", expected: "dropped", actual: "open", status: "failed", text, line: 7, reason: text, explanation: text, address: "2001:db8::2", decidedBy: [text], evidence: { command: text, exitCode: 0, stdout: text, stderr: `${text}\n${text}`, durationMs: 12 } },
      ],
    }],
  } as unknown as RunReport;
}

describe("the console report neutralises scenario text and probe output", () => {
  test.each(HOSTILE)("%j", (text) => {
    const out = renderRun(report(text));
    expect(hasRawControl(out)).toBe(false);
    expect(hasCiCommandLine(out)).toBe(false);
    expect(out).toContain("second line");
  });

  test("a name stays on its line, its newline shown as \\n", () => {
    const out = renderRun(report("ok\n::error file=x::injected"));
    expect(out.split("\n")[0]).toContain("ok\\n::error file=x::injected");
  });
});

describe("the console report fits the terminal width", () => {
  // 3 sources × 6 targets × 4 ports × 2 families: the old single table ran ~1 000 columns wide.
  const wide = wideReport(3, 6);
  const scenario = wide.scenarios[0]!;
  const commands = new Set([...scenario.expectations.map((e) => e.evidence.command), ...scenario.parity.map((p) => p.command)]);

  test.each([80, 120, 40])("width %i: no line wider, except a repro command or one unbreakable word on a line of its own", (width) => {
    const out = renderRun(wide, { width, baseDir: "/work/repo" });
    const unbreakable = (l: string) => commands.has(l.trim()) || /^\S+$/.test(l.trim().replace(/^\| /, ""));
    const tooWide = out.split("\n").filter((l) => textWidth(l) > width && !unbreakable(l));
    expect(tooWide).toEqual([]);
  });

  test.each([80, 120])("width %i: every failed check keeps its line number, verdicts and a whole repro command", (width) => {
    const out = renderRun(wide, { width, baseDir: "/work/repo" });
    const lines = out.split("\n").map((l) => l.trim());
    for (const e of scenario.expectations.filter((x) => x.status === "failed")) {
      expect(out).toContain(`line ${e.line}: ${e.text} [${e.family}]: expected ${e.expected}, observed ${e.actual}`.slice(0, 20));
      expect(out).toMatch(new RegExp(`line ${e.line}: ${e.text} \\[${e.family}\\]:\\s+expected\\s+${e.expected},\\s+observed\\s+${e.actual}`));
      expect(lines).toContain(e.evidence.command);
    }
    expect(out).toContain("(scenarios/segmentation/many-services.yaml)");
  });

  test("a counter check keeps its line number, as an expectation does", () => {
    const out = renderRun(report("-A INPUT -j DROP"), { width: 300 });
    expect(out).toContain("✗ line 6: counter server -A INPUT -j DROP [ipv4]: -A INPUT -j DROP");
  });

  test("a report that fits is laid out as before: one table, sources as rows", () => {
    const small = wideReport(1, 1);
    const out = renderRun(small, { width: 300 });
    expect(out.split("\n").filter((l) => l.startsWith("  from \\ to"))).toHaveLength(1);
    expect(out).toMatch(/^ {2}client-0 +✓ open +✓ refused +✓ dropped +✗ open≠unreachable/m);
  });
});

describe("notes of passed steps", () => {
  test("a passed apply's note is shown (rules matching interfaces the host does not have), a passed step without one is not", () => {
    const note = "the rules match interface(s) eth1, which gw does not have (its interfaces: lo, wan0 (wan), lan0 (lan)): those matches never hold";
    const out = renderRun({
      summary: { passed: 1, failed: 0, errors: 0 },
      scenarios: [{
        file: "s.yaml", name: "s", description: "", status: "passed", errors: [], counters: [], parity: [], expectations: [],
        steps: [
          { kind: "step", step: "apply", line: 30, title: "step 1: apply rules.v4 on gw", status: "passed", message: `applied …; note: ${note}`, notes: [note] },
          { kind: "step", step: "apply", line: 31, title: "step 2: apply more.v4 on gw", status: "passed", message: "applied more.v4" },
        ],
      }],
    }, { width: 400 });
    expect(out).toContain(`⚠ step 1: apply rules.v4 on gw (line 30): note: ${note}`);
    expect(out).not.toContain("step 2");
  });
});

describe("a line when failures' repro commands name labs the run did not keep", () => {
  const failed = (kept: boolean, command = "docker exec fwspec-x-client nc -z 198.18.0.2 8080") => ({
    file: "s.yaml", name: "s", description: "", status: "failed", errors: [], counters: [], parity: [], steps: [],
    expectations: [{ kind: "expectation", from: "client", to: "server", port: 8080, protocol: "tcp", family: "ipv4", expected: "dropped", actual: "open", status: "failed", text: "client -> server:8080 dropped", line: 7, reason: "r", decidedBy: [], evidence: { command, exitCode: 0, stdout: "", stderr: "", durationMs: 1 } }],
    ...(kept ? { kept: { lab: "l", run: "r1", until: "2026-01-01T00:00:00Z", hosts: [] } } : {}),
  });
  const passed = { file: "p.yaml", name: "p", description: "", status: "passed", errors: [], counters: [], parity: [], steps: [], expectations: [] };
  const runOf = (scenarios: unknown[], labsLeft?: "removed" | "warm") => ({ summary: { passed: 0, failed: 1, errors: 0 }, scenarios, ...(labsLeft ? { labsLeft } : {}) }) as unknown as RunReport;
  const REMOVED = "repro commands need the lab: re-run with --keep-on-failure to keep the failing scenarios' labs (this run's are removed)";
  const WARM = "repro commands need the lab: re-run with --keep-on-failure to keep the failing scenarios' labs (this run's labs were reset and left warm, or removed)";

  test.each<[string, unknown[], "removed" | "warm" | undefined, string | undefined]>([
    ["a failure, its lab removed", [passed, failed(false)], "removed", REMOVED],
    ["a failure, its lab reset and left warm (--reuse)", [failed(false)], "warm", WARM],
    ["a failure whose lab was kept: its repro runs there", [failed(true)], "removed", undefined],
    ["no failure", [passed], "removed", undefined],
    ["a failure without a repro command (no probe was sent)", [failed(false, "")], "removed", undefined],
    // Tester 44c: rules a tool refused at an apply step, and the checks it left unrun, have nothing to repeat in the lab.
    ["a failed apply step and the checks it left unrun", [{ ...passed, status: "error", steps: [{ kind: "step", step: "apply", line: 7, title: "apply", status: "error", message: "rules.v4:3: … (rolled back)" }, { kind: "step", step: "expect", line: 9, title: "a", status: "error", message: "not run: step 1 (apply, line 7) failed" }] }], "removed", undefined],
    ["a failed run step: its command repeats in the lab", [{ ...passed, status: "failed", steps: [{ kind: "step", step: "run", line: 7, title: "run", status: "failed", message: "exit 1" }] }], "removed", REMOVED],
    ["a report that does not say what became of its labs", [failed(false)], undefined, undefined],
  ])("%s", (_, scenarios, labsLeft, line) => {
    const out = renderRun(runOf(scenarios, labsLeft), { width: 400 });
    const found = out.split("\n").filter((l) => l.startsWith("repro commands need the lab"));
    expect(found).toEqual(line === undefined ? [] : [line]);
  });

  test("the HTML report says it too, in its summary (read later, from a CI artefact)", () => {
    expect(renderHtml(runOf([passed, failed(false)], "removed"))).toContain(`<span class="repro-lab">${htmlLine(REMOVED)}</span>`);
    expect(renderHtml(runOf([failed(true)], "removed"))).not.toContain("repro-lab");
  });

  test("one line for many failures, after them and before the summary", () => {
    const out = renderRun(runOf([failed(false), failed(false)], "removed"), { width: 400 });
    const lines = out.trimEnd().split("\n");
    expect(lines.filter((l) => l === REMOVED)).toHaveLength(1);
    expect(lines.indexOf(REMOVED)).toBe(lines.length - 3);
    expect(lines.indexOf(REMOVED)).toBeGreaterThan(lines.findLastIndex((l) => l.includes("docker exec")));
  });
});
