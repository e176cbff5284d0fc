/** Unit tests (table-driven, no Docker) for console.ts. */
import { describe, expect, test } from "vitest";
import { renderRun } from "./console.ts";
import type { RunReport } from "./model.ts";
import { hasCiCommandLine, hasRawControl } from "./text.ts";

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
