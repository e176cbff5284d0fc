import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DiffResult } from "../diff/model.ts";
import type { ExpectationResult } from "../model/results.ts";
import { hasRawControl } from "../text.ts";
import { SCRIPT, STYLE } from "./html-assets.ts";
import { htmlLine, htmlText, renderDiffHtml, renderHtml } from "./html.ts";
import type { RunReport, ScenarioReport } from "./model.ts";
import { wideReport } from "../testing/wide-report.ts";

const HOSTILE = `<script>alert("x")</script> "quoted" 'single' \u202eevil\u202c </pre></code><img src=x onerror=alert(1)>`;

function probe(from: string, to: string, port: number, family: "ipv4" | "ipv6", expected: ExpectationResult["expected"], actual: ExpectationResult["actual"], o: Partial<ExpectationResult> = {}): ExpectationResult {
  const passed = expected === actual || (expected === "blocked" && actual !== "open" && actual !== "error");
  return {
    kind: "expectation", text: `${from} -> ${to}:${port} ${expected}`, line: 10 + port % 7, from, to, port, protocol: "tcp", family, expected, actual,
    status: actual === "error" ? "error" : passed ? "passed" : "failed", reason: `the probe saw ${actual}`, address: family === "ipv4" ? "198.18.0.2" : "2001:db8::2",
    evidence: { command: `docker exec lab-${from} nc -zv -w 2 ${family === "ipv4" ? "198.18.0.2" : "2001:db8::2"} ${port}`, exitCode: 0, stdout: "", stderr: "Connection succeeded!", durationMs: 12 },
    decidedBy: ["ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT (+1 packets)"], ...o,
  };
}

function scenario(name: string, expectations: ExpectationResult[], o: Partial<ScenarioReport> = {}): ScenarioReport {
  const failed = expectations.some((e) => e.status !== "passed");
  return { file: `/repo/scenarios/${name}.yaml`, name, description: "what it proves", status: failed ? "failed" : "passed", expectations, counters: [], steps: [], errors: [], parity: [], ...o };
}

const report = (scenarios: ScenarioReport[]): RunReport => ({ scenarios, summary: { passed: 3, failed: 1, errors: 0 } });

describe("renderHtml", () => {
  const good = scenario("all good", [probe("client", "server", 8081, "ipv4", "open", "open"), probe("client", "server", 8081, "ipv6", "open", "open")]);
  const bad = scenario("drop behind accept", [probe("client", "server", 8080, "ipv4", "dropped", "open"), probe("client", "server", 8080, "ipv6", "dropped", "dropped")]);
  const html = renderHtml(report([good, bad]), { baseDir: "/repo" });

  it("is one self-contained document: inline style and script allowed by hash, no request of any kind", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const hash = (t: string) => `'sha256-${createHash("sha256").update(t).digest("base64")}'`;
    expect(html).toContain(`content="default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; img-src 'none'`);
    expect(html).toContain(`<style>${STYLE}</style>`);
    expect(html).toContain(`<script>${SCRIPT}</script>`);
    expect(html).not.toMatch(/\b(src|href|action|srcset)\s*=/i);
    expect(html).not.toMatch(/@import|url\(|https?:\/\//i);
  });

  it("puts failed scenarios first, each failure with its evidence and repro command before the matrix", () => {
    expect(html.indexOf("drop behind accept")).toBeLessThan(html.indexOf("all good"));
    const section = html.slice(html.indexOf('id="scenario-2"'));
    expect(section.indexOf("<h3>Failures</h3>")).toBeLessThan(section.indexOf("<h3>Reachability"));
    expect(section).toContain("line 12: client -&gt; server:8080 dropped [ipv4]: expected dropped, observed open");
    expect(section).toContain('<pre class="repro"><code>docker exec lab-client nc -zv -w 2 198.18.0.2 8080</code></pre>');
    expect(html).toContain("scenarios/all good.yaml");
  });

  it("has a matrix cell per source and target:port with a labelled line per family, expected vs observed", () => {
    const cell = /<th scope="row">client<\/th><td class="cell">(.*?)<\/td><\/tr>/.exec(html.slice(html.indexOf('id="scenario-2"')))![1]!;
    expect(cell).toContain('class="entry v-open st-failed" data-from="client" data-target="server:8080/tcp v4" data-family="ipv4" data-expected="dropped" data-actual="open" data-status="failed"');
    expect(cell).toContain('<span class="mark">✗</span> <span class="fam">v4</span> <span class="verdict">open <span class="expected">(expected dropped)</span></span>');
    expect(cell).toContain('<span class="mark">✓</span> <span class="fam">v6</span> <span class="verdict">dropped</span>');
    expect(html).toContain('<th scope="col">server:8080/tcp</th>');
  });

  it("escapes hostile scenario text everywhere: names, descriptions, hosts, commands, output", () => {
    const e = probe(HOSTILE, HOSTILE, 8080, "ipv4", "dropped", "open", { text: HOSTILE, reason: HOSTILE, evidence: { command: HOSTILE, exitCode: 1, stdout: HOSTILE, stderr: HOSTILE, durationMs: 1 }, decidedBy: [HOSTILE], explanation: HOSTILE });
    const s = scenario(HOSTILE, [e], {
      description: HOSTILE, file: HOSTILE, errors: [HOSTILE],
      steps: [{ kind: "step", step: "run", line: 3, title: HOSTILE, status: "failed", message: HOSTILE }],
      counters: [{ kind: "counter", line: 4, host: HOSTILE, family: "ipv4", selector: HOSTILE, status: "failed", message: HOSTILE, packets: 0, bytes: 0 }],
      parity: [{ text: HOSTILE, line: 5, from: HOSTILE, to: HOSTILE, port: 1, protocol: "tcp", family: "ipv4", verdict: "open", otherFamily: "ipv6", otherVerdict: "dropped", command: HOSTILE, severity: "warning" }],
    });
    const out = renderHtml(report([s]));
    expect(out.match(/<script/g)).toHaveLength(1);
    expect(out).not.toContain("<img");
    expect(out).not.toContain("</pre></code>");
    // Outside text nothing hostile is left: every tag in the page is one fwspec wrote.
    const tags = new Set([...out.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].sort()).toEqual(["body", "button", "code", "details", "div", "h1", "h2", "h3", "head", "header", "html", "li", "main", "meta", "p", "pre", "script", "section", "span", "strong", "style", "summary", "table", "td", "th", "title", "tr", "ul"]);
    expect(hasRawControl(out)).toBe(false);
    expect(out).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39; \\u202eevil\\u202c");
    // Attribute values stay inside their quotes.
    expect(out).toContain(`data-from="${htmlLine(HOSTILE)}"`);
    expect(htmlLine(HOSTILE)).not.toMatch(/["<>]/);
  });

  it.each([
    ["<b>", "&lt;b&gt;"],
    ["a & b", "a &amp; b"],
    ["\u202e", "\\u202e"],
    ["\x1b[31m", "\\x1b[31m"],
    ["line\nbreak", "line\nbreak"],
    ["`\"'", "`&quot;&#39;"],
  ])("htmlText(%j) = %j", (input, want) => {
    expect(htmlText(input)).toBe(want);
  });

  it("renders every verdict of a wide report and still fits narrow screens (the table scrolls in its box)", () => {
    const wide = renderHtml(wideReport());
    expect(wide.match(/class="entry /g)).toHaveLength(wideReport().scenarios[0]!.expectations.length);
    expect(wide).toContain('<div class="scroll"><table class="matrix">');
    expect(wide).toContain('name="viewport" content="width=device-width, initial-scale=1"');
  });

  it("shows rule coverage per rule and the run's total", () => {
    const covered = scenario("covered", [probe("client", "server", 8080, "ipv4", "open", "open")], {
      coverage: { rules: 2, exercised: 1, shadowed: 1, unexercised: 1, rulesets: [{ host: "server", loadedBy: "apply (line 15)", line: 15, rules: [
        { family: "ipv4", table: "filter", chain: "INPUT", position: 1, text: "-A INPUT -p tcp -j ACCEPT", status: "exercised", packets: 4, checks: [{ line: 21, text: "client -> server:8080 open", family: "ipv4", parity: false, packets: 4 }] },
        { family: "ipv4", table: "filter", chain: "INPUT", position: 2, text: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", status: "shadowed", packets: 0, checks: [], shadowedBy: { rules: ["ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT"], check: { line: 21, text: "client -> server:8080 open", family: "ipv4", parity: false, packets: 0 } } },
      ] }] },
    });
    const out = renderHtml({ ...report([covered]), coverage: { rules: 2, exercised: 1, shadowed: 1, unexercised: 1, percent: 50 } });
    expect(out).toContain('<tr class="rule-shadowed" data-state="shadowed"><td class="state">✗ shadowed</td><td>ipv4 filter INPUT #2</td><td><code>-A INPUT -p tcp -m tcp --dport 8080 -j DROP</code></td><td>behind ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT<br>seen on line 21: client -&gt; server:8080 open [ipv4]</td></tr>');
    expect(out).toContain("line 21: client -&gt; server:8080 open [ipv4] +4");
    expect(out).toContain("rule coverage: 50% (1 of 2 rules exercised; 1 shadowed, 0 never matched)");
    expect(out).toContain("<h3>Rule coverage: 1 of 2 rules exercised, 1 shadowed</h3>");
    // Never matched ones are said in the scenario's heading too, as the console says them (tester 43d).
    const never = scenario("never", [probe("client", "server", 8080, "ipv4", "open", "open")], { coverage: { rules: 3, exercised: 1, shadowed: 1, unexercised: 2, rulesets: [] } });
    expect(renderHtml(report([never]))).not.toContain("never matched</h3>");
    const withRules = scenario("never", [probe("client", "server", 8080, "ipv4", "open", "open")], { coverage: { rules: 3, exercised: 1, shadowed: 1, unexercised: 2, rulesets: [{ host: "server", loadedBy: "apply (line 15)", line: 15, rules: [] }] } });
    expect(renderHtml(report([withRules]))).toContain("<h3>Rule coverage: 1 of 3 rules exercised, 1 shadowed, 1 never matched</h3>");
  });

  it("shows diffs: changed flows grouped by source host and family, the rule on each side, and whether allowed", () => {
    const d: DiffResult = {
      scenario: { file: "s.yaml", name: "guide" }, a: { label: "append.v4" }, b: { label: "insert.v4" }, compared: 8, errors: [], problems: [], unusedAllows: ["<stale> -> x:1 open->dropped"],
      changes: [{ flow: { from: "client", to: "server", port: 8080, protocol: "tcp", family: "ipv4" }, key: "client -> server:8080/tcp4", a: { verdict: "open", rule: "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT", reason: "" }, b: { verdict: "dropped", rule: "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP", reason: "" }, allowed: false }],
    };
    const out = renderDiffHtml([d]);
    expect(out).toContain("fwspec report: <span class=\"status failed\">✗ FAILED</span>");
    expect(out).not.toContain("scenario(s)");
    expect(out).toContain("<h2>guide: append.v4 → insert.v4</h2>");
    expect(out).toContain("<h4>client, ipv4</h4>");
    expect(out).toContain('<tr class="changed"><td>client -&gt; server:8080/tcp4</td><td class="v-open">open<br><code>ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT</code></td><td class="v-dropped">dropped<br><code>ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP</code></td><td>✗ not allowed</td></tr>');
    expect(out).toContain("<li>allow entry matched no change: &lt;stale&gt; -&gt; x:1 open-&gt;dropped</li>");
  });

  it("shows the line that wrote each side's rule, and the note for rules that differ where no flow changed, as the console does", () => {
    const change = { flow: { from: "client", to: "server", port: 8080, protocol: "tcp", family: "ipv4" }, key: "client -> server:8080/tcp4", a: { verdict: "open", rule: "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT", where: "rules.sh@main:1", reason: "" }, b: { verdict: "dropped", rule: "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP", where: `${HOSTILE}:3`, reason: "" }, allowed: false } as const;
    const d: DiffResult = { scenario: { file: "s.yaml", name: "guide" }, a: { label: "main" }, b: { label: "work tree" }, compared: 8, errors: [], problems: [], unusedAllows: [], changes: [change] };
    const out = renderDiffHtml([d]);
    expect(out).toContain("<code>ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT (rules.sh@main:1)</code>");
    expect(out).toContain(`<code>ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (${htmlLine(HOSTILE)}:3)</code>`);
    const same = renderDiffHtml([{ ...d, changes: [], rulesDiffer: true, rulesets: { a: ["a".repeat(64)], b: ["b".repeat(64)] } }]);
    expect(same).toContain(`<p class="note">note: the rules loaded differ (a: ${"a".repeat(12)}, b: ${"b".repeat(12)}), but no flow of the matrix told them apart`);
    expect(renderDiffHtml([{ ...d, rulesDiffer: true, rulesets: { a: ["a"], b: ["b"] } }])).not.toContain("told them apart");
    // The same verdict decided by another rule: listed, and the note says no verdict changed.
    const moved = renderDiffHtml([{ ...d, changes: [], redecided: [{ ...change, b: { ...change.b, verdict: "open" } }], rulesDiffer: true, rulesets: { a: ["a".repeat(64)], b: ["b".repeat(64)] } }]);
    expect(moved).toContain("<h3>Decided by another rule, the same verdict (not a change)</h3><ul><li>client -&gt; server:8080/tcp4: open<br>main: <code>ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT (rules.sh@main:1)</code>");
    expect(moved).toContain("no verdict changed, but 1 flow(s) are decided by another rule (above)");
  });

  it("shows answer changes with who answered and the source it saw on each side, and allow entries not probed, in the console's words, escaped", () => {
    const answer = (host: string, saw: string) => ({ verdict: "open" as const, answer: { host, port: 80, saw }, rule: `ipv4 nat PREROUTING #1 ${HOSTILE}`, reason: "" });
    const d: DiffResult = {
      scenario: { file: "s.yaml", name: "gateway" }, a: { label: "a.v4" }, b: { label: "b.v4" }, compared: 4, errors: [], problems: [],
      changes: [{ flow: { from: "internet", to: "gw", port: 8080, protocol: "tcp", family: "ipv4" }, key: "internet -> gw:8080/tcp4", a: answer("web", "internet"), b: answer(HOSTILE, HOSTILE), allowed: false }],
      unusedAllows: [`--allow: ${HOSTILE}`, "--allow: client -> server:8081 open->dropped"],
      unprobedAllows: [{ entry: `--allow: ${HOSTILE}`, why: `${HOSTILE} is not in the flow matrix` }],
    };
    const out = renderDiffHtml([d]);
    const row = /<tr class="changed">(.*?)<\/tr>/.exec(out)![1]!;
    expect(row).toContain('<td class="v-open">open (answered by web:80, saw internet)<br><code>');
    expect(row).toContain(`<td class="v-open">open (answered by ${htmlLine(HOSTILE)}:80, saw ${htmlLine(HOSTILE)})<br><code>`);
    expect(out).toContain(`<li>allow entry not probed: ${htmlLine(HOSTILE)} is not in the flow matrix: --allow: ${htmlLine(HOSTILE)}</li>`);
    expect(out).toContain("<li>allow entry matched no change: --allow: client -&gt; server:8081 open-&gt;dropped</li>");
    expect(out).not.toContain(`allow entry matched no change: --allow: ${htmlLine(HOSTILE)}`);
    expect(out.match(/<script/g)).toHaveLength(1);
    expect(out).not.toContain("<img");
  });
});
