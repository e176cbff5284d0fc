/** Unit tests (no Docker) for how reports show a parity finding: both families' deciding rules, with the line that wrote each. */
import { describe, expect, test } from "vitest";
import type { Decision, ExpectationResult } from "../model/results.ts";
import { parityFindings, scenarioReport } from "./build.ts";
import { renderScenario } from "./console.ts";
import { parityDecided } from "./failure.ts";
import { renderAnnotations, renderSummary } from "./github.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import type { RunReport } from "./model.ts";

const origin = (v: 4 | 6) => ({ file: `/repo/firewall/rules.v${v}`, line: 3, shown: `../firewall/rules.v${v}` });
const ACCEPT4: Decision = { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT", action: "accept", policy: false, source: "trace", handle: 2, origin: origin(4) };
const DROP6: Decision = { ...ACCEPT4, family: "ipv6", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", action: "drop", origin: origin(6) };
const DECIDED4 = "server ipv4 filter INPUT: -A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT [handle 2], written at ../firewall/rules.v4:3 (took its first packet; nftables trace)";
const DECIDED6 = "server ipv6 filter INPUT: -A INPUT -p tcp -m tcp --dport 8080 -j DROP [handle 2], written at ../firewall/rules.v6:3 (took its first packet; nftables trace)";

const result: ExpectationResult = {
  kind: "expectation", text: "client -> server:8080 open", line: 10, from: "client", to: "server", port: 8080, protocol: "tcp", family: "ipv4", expected: "open", actual: "open", status: "passed",
  reason: "connected", address: "198.18.0.2", decidedBy: [], decision: ACCEPT4, evidence: { command: "nc 198.18.0.2 8080", exitCode: 0, stdout: "", stderr: "", durationMs: 5 },
  parity: { family: "ipv6", verdict: "dropped", reason: "no answer", command: "nc 2001:db8::2 8080", differs: true, decidedBy: [], decision: DROP6 },
};
const report: RunReport = { summary: { passed: 1, failed: 0, errors: 0 }, scenarios: [scenarioReport({ file: "/repo/scenarios/s.yaml", name: "s", description: "" }, [result], [])] };

describe("a parity finding's deciding rules", () => {
  test("the finding carries both families' decisions, origins included; none when no rule was named", () => {
    expect(parityFindings([result])[0]).toMatchObject({ decision: ACCEPT4, otherDecision: DROP6 });
    const bare = parityFindings([{ ...result, decision: undefined, parity: { ...result.parity!, decision: undefined } } as ExpectationResult])[0]!;
    expect(Object.keys(bare)).not.toContain("decision");
    expect(Object.keys(bare)).not.toContain("otherDecision");
  });

  test.each([
    ["console", () => renderScenario(report.scenarios[0]!, { width: 400 })],
    ["JUnit", () => renderJunit(report)],
    ["GitHub annotations", () => renderAnnotations(report, { baseDir: "/repo" }).replace(/%0A/g, "\n").replace(/%3A/g, ":").replace(/%2C/g, ",")],
    ["GitHub summary", () => renderSummary(report, { baseDir: "/repo" }).replace(/\\/g, "")],
    ["HTML", () => renderHtml(report, { baseDir: "/repo" })],
  ] as const)("%s: each family's `decided:` line, with where its rule was written", (_what, render) => {
    const out = render();
    expect(out).toContain(DECIDED4.replace(/ \(took.*/, ""));
    expect(out).toContain(DECIDED6.replace(/ \(took.*/, ""));
  });

  test("console: the decided lines under the finding, before its repro, each with its label (wrapped alike)", () => {
    const out = renderScenario(report.scenarios[0]!, { width: 400 });
    expect(out).toContain(`  ⚠ parity warning: line 10: client -> server:8080 open is open over ipv4 but dropped over ipv6\n      decided: ${DECIDED4}\n      decided: ${DECIDED6}\n      repro:   nc 2001:db8::2 8080`);
  });

  test("JSON: the finding's decisions with their origins", () => {
    const json = JSON.parse(renderJson(report));
    expect(json.scenarios[0].parity[0].otherDecision.origin).toEqual(origin(6));
    expect(json.scenarios[0].parity[0].decision.origin).toEqual(origin(4));
  });

  test("GitHub: a notice on the line that wrote the other family's deciding rule", () => {
    const notices = renderAnnotations(report, { baseDir: "/repo" }).trimEnd().split("\n").filter((l) => l.startsWith("::notice"));
    expect(notices).toEqual(["::notice file=firewall/rules.v6,line=3,title=fwspec%3A this rule decided client -> server%3A8080 open [ipv6] (IPv4/IPv6 parity probe)::s (scenarios/s.yaml:10): ipv4 is open but ipv6 is dropped"]);
  });
});

describe("a check that failed by parity alone (parity: fail)", () => {
  const failed: ExpectationResult = { ...result, status: "failed", explanation: "IPv4/IPv6 parity: ipv4 is open but ipv6 is dropped (parity: fail)" };
  test("its cell and headline say the other family differed, not `open≠open`", () => {
    const out = renderScenario(scenarioReport({ file: "/repo/scenarios/s.yaml", name: "s", description: "" }, [failed], []), { width: 400 });
    expect(out).toContain("✗ open, parity≠");
    expect(out).not.toContain("open≠open");
    expect(out).toContain("expected open in both families (parity: fail), observed open over ipv4 but dropped over ipv6");
    const html = renderHtml({ summary: { passed: 0, failed: 1, errors: 0 }, scenarios: [scenarioReport({ file: "/repo/scenarios/s.yaml", name: "s", description: "" }, [failed], [])] });
    expect(html).toContain('<span class="verdict">open <span class="expected">(parity: v6 dropped)</span></span>');
  });

  test("a family dropped although its first packet was let in: the parity finding's decided line says the answer was lost", () => {
    const lost = parityFindings([{ ...result, parity: { ...result.parity!, decision: { ...DROP6, action: "accept", rule: "-A INPUT -p tcp -j ACCEPT" } } }])[0]!;
    expect(parityDecided(lost)[1]).toContain("the answer was lost on its way back");
    // Its SYN answered and the connection held half-open: a later packet was lost, not the answer (as the check's own line says).
    const halfOpen = parityFindings([{ ...result, parity: { ...result.parity!, halfOpen: true, decision: { ...DROP6, action: "accept", rule: "-A INPUT -p tcp -j ACCEPT" } } }])[0]!;
    expect(parityDecided(halfOpen)[1]).toContain("the answer came back: a later packet, the handshake's last ACK or what followed, was lost");
    expect(parityDecided(halfOpen)[1]).not.toContain("the answer was lost");
  });
});
