/** Unit tests (no Docker) for how reports show a sweep: one check, its summary, and each broken port with evidence and repro. */
import { describe, expect, test } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { renderScenario } from "./console.ts";
import { expectationFailure, expectationMismatch } from "./failure.ts";
import { renderJunit } from "./junit.ts";
import type { RunReport } from "./model.ts";

const base = { kind: "expectation", from: "outside", to: "server", port: 1, protocol: "tcp", family: "ipv4", line: 9, address: "198.18.0.2", decidedBy: [], evidence: { command: "docker exec c nmap -sS -p 1-1024 198.18.0.2", exitCode: 0, stdout: "", stderr: "", durationMs: 900 } } as const;
const summary = "1-1024/tcp ipv4: 1021 dropped, 22 open, 80 open, 443 admitted (nothing listening)";
const passed: ExpectationResult = {
  ...base, text: "outside -> server:1-1024 blocked except 22,80,443", expected: "blocked", actual: "dropped", status: "passed", reason: summary,
  sweep: { ports: "1-1024 except 22,80,443", summary, counts: { dropped: 1021, open: 2, admitted: 1 }, broken: [], notes: ["1 batch(es) of nmap"], command: base.evidence.command },
};
const failed: ExpectationResult = {
  ...base, text: "outside -> server:1-1024 dropped except 22", expected: "dropped", actual: "open", status: "failed", reason: summary, explanation: "2 of 1024 port(s) broke the sweep",
  sweep: {
    ports: "1-1024 except 22", summary, counts: { dropped: 1021, open: 2, admitted: 1 }, notes: ["3 batch(es) of nmap"], command: base.evidence.command,
    broken: [
      { port: 80, status: "failed", expected: "dropped", observed: "open", answer: "syn-ack", evidence: "SYN-ACK", rules: [], repro: "docker exec c nmap -sS -p 80 198.18.0.2", single: { verdict: "open", reason: "connection succeeded", command: "docker exec c nc -zv -w 2 198.18.0.2 80", counted: [] } },
      { port: 443, status: "failed", expected: "dropped", observed: "admitted (nothing listening)", answer: "reset", evidence: "reset with no REJECT rule counting it", rules: [], repro: "docker exec c nmap -sS -p 443 198.18.0.2" },
    ],
  },
};

describe("sweep reports", () => {
  test("a failed sweep lists each broken port with its evidence and repro commands", () => {
    const text = expectationFailure(failed, "");
    expect(text).toContain(`expected dropped on 1-1024 except 22, observed ${summary}`);
    expect(text).toMatch(/port 80: +broke: expected dropped, observed open \(answer syn-ack\)/);
    expect(text).toContain("repro: docker exec c nc -zv -w 2 198.18.0.2 80");
    expect(text).toContain("repro: docker exec c nmap -sS -p 443 198.18.0.2");
    expect(text).toContain("evidence: reset with no REJECT rule counting it");
    expect(expectationMismatch(failed)).toBe(`expected dropped on 1-1024 except 22, 2 port(s) broke it: ${summary}`);
  });

  test("a port number wider than the label column keeps a space before what it says", () => {
    const wide: ExpectationResult = { ...failed, sweep: { ...failed.sweep!, broken: failed.sweep!.broken.map((b) => ({ ...b, port: b.port + 60000 })) } };
    expect(expectationFailure(wide, "")).toContain("port 60080: broke: expected dropped, observed open (answer syn-ack)");
  });

  test("console: one cell per sweep and family, and a passed sweep's summary", () => {
    const out = renderScenario({ file: "s.yaml", name: "s", description: "", status: "failed", expectations: [passed, failed], counters: [], steps: [], errors: [], parity: [] }, { width: 200 });
    expect(out).toContain("server:1-1024/tcp v4");
    expect(out).toContain(`✓ line 9: sweep ${summary}`);
    expect(out).toContain("2 port(s)≠dropped");
  });

  test("JUnit: a passed sweep carries its summary as output, a failed one its broken ports", () => {
    const report: RunReport = { summary: { passed: 1, failed: 1, errors: 0 }, scenarios: [{ file: "s.yaml", name: "s", description: "", status: "failed", expectations: [passed, failed], counters: [], steps: [], errors: [], parity: [] }] };
    const xml = renderJunit(report);
    expect(xml).toContain(`<system-out>${summary}</system-out>`);
    expect(xml).toMatch(/<failure message="expected dropped on 1-1024 except 22, 2 port\(s\) broke it/);
    expect(xml).toContain("port 443:");
  });
});
