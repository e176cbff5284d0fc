/** Unit tests (table-driven, no Docker) for github.ts: annotations and the job summary, with hostile scenario text. */
import { describe, expect, test } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { escapeData, escapeProperty, mdText, renderAnnotations, renderRuleAnnotations, renderSummary } from "./github.ts";
import type { RunReport } from "./model.ts";
import { hasRawControl } from "../text.ts";

describe("escaping as GitHub's toolkit does", () => {
  test.each([
    ["plain", "plain", "plain"],
    ["100% sure", "100%25 sure", "100%25 sure"],
    ["a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"],
    ["file=x,line=1::y", "file=x,line=1::y", "file=x%2Cline=1%3A%3Ay"],
    ["%0A literal", "%250A literal", "%250A literal"],
  ])("%j", (input, data, property) => {
    expect(escapeData(input)).toBe(data);
    expect(escapeProperty(input)).toBe(property);
  });
});

const HOSTILE = [
  "::error file=x::injected",
  "ok\n::error file=x::injected",
  "cr\r::warning::x",
  "100% and %0A and %25",
  "comma, colon: and = sign",
  "\u001b[2J\u001b[31mcleared",
  "pipe | and `tick` and <b>html</b> and [link](x)",
  "##[error]azure and ##vso[task.complete]",
];

function expectation(over: Partial<ExpectationResult>): ExpectationResult {
  return {
    kind: "expectation", from: "remote", to: "server", port: 8080, protocol: "tcp", family: "ipv4", expected: "dropped", actual: "dropped", status: "passed",
    text: "remote -> server:8080 dropped", line: 7, reason: "no answer", address: "198.18.0.2", decidedBy: [],
    evidence: { command: "docker exec fwspec-ab-remote nc -z 198.18.0.2 8080", exitCode: 1, stdout: "", stderr: "", durationMs: 5 }, ...over,
  };
}

function report(text: string): RunReport {
  return {
    summary: { passed: 1, failed: 3, errors: 1 },
    scenarios: [{
      file: `/ws/repo/scenarios/${text.replace(/\//g, "_")}.yaml`, name: text, description: text, status: "failed", errors: [`lab broke: ${text}`],
      steps: [{ kind: "step", step: "run", line: 4, title: `step 2: run \`${text}\` on server (exit 0)`, status: "failed", message: `exit 1\n${text}` }],
      counters: [{ kind: "counter", line: 9, host: "server", family: "ipv6", selector: text, status: "failed", message: `0 packets, ${text}`, packets: 0, bytes: 0 }],
      parity: [{ text, line: 12, from: "remote", to: "server", port: 22, protocol: "tcp", family: "ipv4", verdict: "open", otherFamily: "ipv6", otherVerdict: "dropped", severity: "warning", command: `docker exec x ${text}` }],
      expectations: [
        expectation({}),
        expectation({ family: "ipv6", actual: "open", status: "failed", text, line: 8, reason: text, address: "2001:db8::2", evidence: { command: `docker exec fwspec-ab-remote ${text}`, exitCode: 0, stdout: text, stderr: "", durationMs: 9 } }),
      ],
    }],
  };
}

/** The annotation's parts, as GitHub's runner reads them. */
function parse(line: string): { kind: string; props: Record<string, string>; message: string } {
  const m = /^::(error|warning|notice) ([^:]*)::(.*)$/.exec(line);
  expect(m, line).not.toBeNull();
  const unescape = (s: string) => s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
  const props = Object.fromEntries(m![2]!.split(",").map((p) => { const i = p.indexOf("="); return [p.slice(0, i), unescape(p.slice(i + 1))]; }));
  return { kind: m![1]!, props, message: unescape(m![3]!) };
}

describe("annotations", () => {
  test.each(HOSTILE)("%j: one well-formed command per finding, nothing else", (text) => {
    const out = renderAnnotations(report(text), { baseDir: "/ws/repo" });
    const lines = out.trimEnd().split("\n");
    // scenario error, failed expectation, failed step, failed counter, parity warning.
    expect(lines).toHaveLength(5);
    const parsed = lines.map(parse);
    expect(parsed.map((p) => p.kind)).toEqual(["error", "error", "error", "error", "warning"]);
    expect(hasRawControl(out.replace(/\n/g, ""))).toBe(false);
    for (const p of parsed) {
      expect(p.props["file"]).toBe(`scenarios/${text.replace(/\//g, "_")}.yaml`.replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\u001b/g, "\\x1b"));
      expect(p.props["title"]).not.toMatch(/[\r\n]/);
      // Decoded, no line of the message starts a workflow command.
      expect(p.message.split(/\r?\n|\r/).some((l) => /^\s*(::|##(vso)?\[)/.test(l))).toBe(false);
    }
    expect(parsed.map((p) => p.props["line"])).toEqual([undefined, "4", "8", "9", "12"]);
  });

  test("a failed expectation says expected vs observed in the title and the repro command in the message", () => {
    const e = renderAnnotations(report("remote -> server:8080 dropped"), { baseDir: "/ws/repo" }).trimEnd().split("\n").map(parse).find((a) => a.props["line"] === "8");
    expect(e!.props["title"]).toBe("fwspec: remote -> server:8080 dropped [ipv6]: expected dropped, observed open");
    expect(e!.message).toContain("repro:   docker exec fwspec-ab-remote remote -> server:8080 dropped");
  });

  test("a failed expectation whose deciding rule has an origin also gets a notice on that rule's line", () => {
    const r = report("x");
    const decided = expectation({
      actual: "open", status: "failed", line: 11, text: "remote -> server:22 dropped",
      decision: { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", action: "accept", policy: false, source: "trace", origin: { file: "/ws/repo/firewall/rules.v4", line: 6, shown: "../firewall/rules.v4" } },
    });
    const one: RunReport = { ...r, scenarios: [{ ...r.scenarios[0]!, errors: [], steps: [], counters: [], parity: [], expectations: [decided] }] };
    const annotations = renderAnnotations(one, { baseDir: "/ws/repo" }).trimEnd().split("\n").map(parse);
    expect(annotations.map((a) => [a.kind, a.props["file"], a.props["line"]])).toEqual([["error", "scenarios/x.yaml", "11"], ["notice", "firewall/rules.v4", "6"]]);
    expect(annotations[1]!.props["title"]).toBe("fwspec: this rule decided remote -> server:22 dropped [ipv4]");
    expect(annotations[1]!.message).toBe("x (scenarios/x.yaml:11): expected dropped, observed open");
    // The console's and HTML's evidence line names it too.
    expect(annotations[0]!.message).toContain("-j ACCEPT, written at ../firewall/rules.v4:6 (took its first packet; nftables trace)");
  });

  test("a failed apply step whose tool refused rules file lines gets an error on each line too", () => {
    const r = report("x");
    const failedApply = {
      kind: "step" as const, step: "apply" as const, line: 7, title: "apply rules.v4 to server", status: "error" as const,
      message: "rules.v4:3: ipv4: -j DROPP: no chain or target named DROPP (iptables-restore); no rule of this apply step was kept (rolled back)",
      rejected: [{ file: "/ws/repo/scenarios/rules.v4", line: 3, family: "ipv4", tool: "iptables-restore", message: "-j DROPP: no chain or target named DROPP" }, { file: "/ws/repo/scenarios/fw.nft", line: 2, column: 9, family: "nft", tool: "nft -c", message: "syntax error" }],
    };
    const one: RunReport = { ...r, scenarios: [{ ...r.scenarios[0]!, errors: [], counters: [], parity: [], expectations: [], steps: [failedApply] }] };
    const annotations = renderAnnotations(one, { baseDir: "/ws/repo" }).trimEnd().split("\n").map(parse);
    expect(annotations.map((a) => [a.kind, a.props["file"], a.props["line"], a.props["col"]])).toEqual([
      ["error", "scenarios/x.yaml", "7", undefined],
      ["error", "scenarios/rules.v4", "3", undefined],
      ["error", "scenarios/fw.nft", "2", "9"],
    ]);
    expect(annotations[1]!.props["title"]).toBe("fwspec: rule line rejected by iptables-restore");
    expect(annotations[1]!.message).toBe("x (scenarios/x.yaml:7): ipv4: -j DROPP: no chain or target named DROPP");
    // The checks it left unrun: one annotation for them all (tester 44c: 15 of 17 said only that).
    const notRun = (line: number, title: string) => ({ kind: "step" as const, step: "expect" as const, line, title, status: "error" as const, message: "not run: step 1 (apply, line 7) failed" });
    const unrun: RunReport = { ...one, scenarios: [{ ...one.scenarios[0]!, steps: [failedApply, notRun(9, "a [ipv4]"), notRun(9, "a [ipv6]"), notRun(10, "b [ipv4]")] }] };
    const all = renderAnnotations(unrun, { baseDir: "/ws/repo" }).trimEnd().split("\n").map(parse);
    expect(all.map((a) => [a.props["file"], a.props["line"], a.props["title"]])).toEqual([
      ["scenarios/x.yaml", "7", "fwspec: apply rules.v4 to server"],
      ["scenarios/rules.v4", "3", "fwspec: rule line rejected by iptables-restore"],
      ["scenarios/fw.nft", "2", "fwspec: rule line rejected by nft -c"],
      ["scenarios/x.yaml", "9", "fwspec: 3 check(s) not run"],
    ]);
    expect(all[3]!.message).toBe("x: not run: step 1 (apply, line 7) failed (lines 9, 10)");
  });

  test("a scenario whose rules were found bad before its lab started: an error on each rules file line beside the scenario error", () => {
    const r = report("x");
    const one: RunReport = { ...r, scenarios: [{ ...r.scenarios[0]!, status: "error", errors: ["1 rule line(s) rejected"], steps: [], counters: [], parity: [], expectations: [], rejected: [{ file: "/ws/repo/rules.v4", line: 3, column: 30, family: "ipv4", tool: "the lab image's target list", message: "-j DROPP: no chain or target named DROPP" }] }] };
    const annotations = renderAnnotations(one, { baseDir: "/ws/repo" }).trimEnd().split("\n").map(parse);
    // The scenario's own error first (GitHub shows ten a step), then each line.
    expect(annotations.map((a) => [a.props["file"], a.props["line"], a.props["col"]])).toEqual([["scenarios/x.yaml", undefined, undefined], ["rules.v4", "3", "30"]]);
    expect(annotations[1]!.message).toBe("x (scenarios/x.yaml): ipv4: -j DROPP: no chain or target named DROPP");
  });

  test("an all-pass run has no annotations", () => {
    const r = report("x");
    const clean: RunReport = { ...r, scenarios: [{ ...r.scenarios[0]!, status: "passed", errors: [], steps: [], counters: [], parity: [], expectations: [expectation({})] }] };
    expect(renderAnnotations(clean)).toBe("");
  });
});

describe("rule lines --check-rules rejected", () => {
  test.each([
    {
      case: "an iptables-restore line, file relative to the workspace",
      line: { file: "/ws/rules/web.v4", line: 12, family: "ipv4", tool: "iptables-restore --test", message: "Couldn't load target `LOGG'" },
      out: "::error file=rules/web.v4,line=12,title=fwspec%3A rule line rejected by iptables-restore --test::ipv4: Couldn't load target `LOGG'\n",
    },
    {
      case: "an nft line with its column",
      line: { file: "/ws/rules/fw.nft", line: 3, column: 17, family: "nft", tool: "nft -c", message: "syntax error, unexpected newline" },
      out: "::error file=rules/fw.nft,line=3,col=17,title=fwspec%3A rule line rejected by nft -c::nft: syntax error, unexpected newline\n",
    },
    {
      case: "no line named: the file alone (a column without a line is left out)",
      line: { file: "/ws/rules/web.v4", line: undefined, column: 4, family: "ipv4", tool: "iptables-restore --test", message: "stopped after 20 bad lines" },
      out: "::error file=rules/web.v4,title=fwspec%3A rule line rejected by iptables-restore --test::ipv4: stopped after 20 bad lines\n",
    },
    {
      case: "a message that tries to start a workflow command stays one line",
      line: { file: "/ws/r.v4", line: 1, family: "ipv4", tool: "iptables", message: "bad\n::set-env name=X::1" },
      out: "::error file=r.v4,line=1,title=fwspec%3A rule line rejected by iptables::ipv4: bad%0A| ::set-env name=X::1\n",
    },
  ])("$case", ({ line, out }) => {
    const text = renderRuleAnnotations([line], { baseDir: "/ws" });
    expect(text).toBe(out);
    expect(text.split("\n").filter((l) => l !== "")).toHaveLength(1);
  });
});

test("the job summary's headline counts an errored scenario as errored, as the console does (tester 44d)", () => {
  const r = report("x");
  const errored: RunReport = { ...r, scenarios: [{ ...r.scenarios[0]!, status: "error" }] };
  expect(renderSummary(errored).split("\n")[0]).toMatch(/^## fwspec: 1 of 1 scenario\(s\) did not pass \(0 failed, 1 errored\) \(checks: /);
});

describe("job summary", () => {
  test.each(HOSTILE)("%j: one table row per check, failures first, repro commands in code blocks", (text) => {
    const md = renderSummary(report(text), { baseDir: "/ws/repo" });
    // Rows of the table, not lines of a code block (shown verbatim).
    const rows = md.replace(/^(`{3,})\w*\n[\s\S]*?\n {0,2}\1$/gm, "").split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| line") && !l.startsWith("| ---"));
    expect(rows).toHaveLength(5);
    // Five cells per row: scenario text never adds a column.
    for (const r of rows) expect(r.replace(/\\\|/g, "").split("|")).toHaveLength(7);
    expect(rows.map((r) => r.split("|").at(-2)!.trim())).toEqual(["⚠️ error", "❌ failed", "❌ failed", "❌ failed", "✅ passed"]);
    expect(md).toMatch(/```sh\n {2}docker exec fwspec-ab-remote /);
    // A scenario error of several lines in full, in a code block (the table has its first line).
    if (text.includes("\n")) expect(md).toContain("**Scenario errors**\n\n```text\nlab broke: ok\n| ::error file=x::injected\n```");
    // Outside code blocks (shown verbatim), no scenario text is read as HTML.
    expect(md.replace(/```sh\n[^\n]*\n\s*```/g, "")).not.toMatch(/<b>|<\/b>/);
    expect(hasRawControl(md)).toBe(false);
  });

  test.each([
    ["a | b", "a \\| b"],
    ["<script>", "&lt;script&gt;"],
    ["*bold* _em_ `code`", "\\*bold\\* \\_em\\_ \\`code\\`"],
    ["two\nlines", "two\\\\nlines"],
  ])("mdText(%j)", (input, out) => expect(mdText(input)).toBe(out));
});
