/**
 * The HTML report and rule coverage end to end: `fwspec run --coverage --html`
 * on the failing example and the shipped drop-behind-accept scenario (real
 * containers), then the report opened from file:// in a real headless
 * browser (Debian's chromium driven by playwright-core): the matrix cells,
 * the failure with its repro command, evidence opening, the script running
 * under the page's CSP, no request leaving the page, no console error, a
 * narrow screen; and a report of hostile scenario text showing it as text.
 * The page and a screenshot are kept in reports/ (CI artefacts).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import { HOSTILE, launchReportBrowser, openReportPage } from "../testing/report-page.ts";
import type { RunReport } from "./model.ts";
import { renderHtml } from "./html.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const ARTEFACTS = join(PROJECT_ROOT, "reports");
const dir = mkdtempSync(join(tmpdir(), "fwspec-html-"));

let browser: Browser;
let run: { exitCode: number | undefined; all: string };

const open = (file: string, width?: number) => openReportPage(browser, file, width);

beforeAll(async () => {
  const r = await execa(process.execPath, [CLI, "run", "examples/failing", "scenarios/block-port/11-drop-behind-accept.yaml", "--coverage", "--html", join(dir, "report.html")], { cwd: PROJECT_ROOT, reject: false, all: true });
  run = { exitCode: r.exitCode, all: r.all ?? "" };
  browser = await launchReportBrowser();
}, 300_000);

const projects: string[] = [dir];
afterAll(async () => {
  await browser?.close();
  for (const d of projects) rmSync(d, { recursive: true, force: true });
});

describe("fwspec run --coverage --html", () => {
  it("lists every rule with the checks that took its packets and finds the DROP behind the broader ACCEPT shadowed (and the one behind a source-range ACCEPT partly)", () => {
    expect(run.exitCode, run.all).toBe(1);
    // One line per rule and its detail, whatever the console width wrapped.
    const coverage = run.all.slice(run.all.indexOf("rule coverage per firewall host")).replace(/\n {8,}/g, " ");
    // examples/failing: the DROP after `-s 198.18.0.0/15 -j ACCEPT`; scenario 11: the DROP after `-p tcp -j ACCEPT` (first apply), shadowed.
    expect(coverage).toMatch(/✓ ipv4 filter INPUT #1 -A INPUT -s 198\.18\.0\.0\/15 -j ACCEPT took: line 20: remote -> server:8081 open \[ipv4\] \+\d+; line 21: remote -> server:8080 dropped \[ipv4\] \+\d+\n/);
    // The ACCEPT takes only 198.18.0.0/15 (every lab host): the DROP never matched, its probe went to the ACCEPT, but it is not wholly shadowed.
    expect(coverage).toMatch(/· never matched: ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP its probe went to: ipv4 filter INPUT #1 -A INPUT -s 198\.18\.0\.0\/15 -j ACCEPT seen on: line 21: remote -> server:8080 dropped \[ipv4\]\n/);
    expect(coverage).toMatch(/server, rules loaded by apply \(line 15\):\n\s+✓ ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT took: line 21: client -> server:8080 open \[ipv4\] \+\d+\n\s+✗ shadowed: ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP behind: ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT/);
    expect(coverage).toMatch(/server, rules loaded by apply \(line 25\):\n\s+✓ ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP took: line 35: client -> server:8080 dropped \[ipv4\] \+1\n\s+✓ ipv4 filter INPUT #2 -A INPUT -p tcp -j ACCEPT took: line 36: client -> server:8081 open \[ipv4\] \+\d+\n/);
    // Scenario 11's `run` step is listed as not attributed, and the summary counts it (the figure never over-claims).
    expect(coverage).toMatch(/not attributed \(rules only these reach read "never matched"\):\n\s+line 30: step 5: run `iptables -S INPUT` on server \(exit 0\): a run step: its packets are not attributed to any rule\n/);
    expect(coverage).toMatch(/\nrule coverage: 66\.6% \(4 of 6 rules exercised; 1 shadowed, 1 never matched; 1 check or step whose\s+packets are not attributed, listed per scenario\)/);
  });

  it("fails a passing run below --coverage-min with a clear message, and passes it at or below the coverage", async () => {
    const low = await execa(process.execPath, [CLI, "run", "scenarios/block-port/11-drop-behind-accept.yaml", "--coverage-min", "90"], { cwd: PROJECT_ROOT, reject: false, all: true });
    expect(low.exitCode, low.all).toBe(1);
    expect(low.stderr).toMatch(/fwspec: rule coverage 75% \(3 of 4 rules exercised; 1 shadowed, 0 never matched\) is below --coverage-min 90\n {2}hint: /);
    const ok = await execa(process.execPath, [CLI, "run", "scenarios/block-port/11-drop-behind-accept.yaml", "--coverage-min", "75"], { cwd: PROJECT_ROOT, reject: false, all: true });
    expect(ok.exitCode, ok.all).toBe(0);
  });

  it("opens from file:// in a real browser: failures first, the matrix, evidence on opening a cell, no request, no console error", async () => {
    const { page, requests, problems } = await open(join(dir, "report.html"));
    // Failed scenario first, its failure with the repro command before the matrix.
    const first = page.locator("section.scenario").first();
    expect(await first.getAttribute("data-status")).toBe("failed");
    expect(await first.locator("h2").textContent()).toBe("A DROP rule behind a broader ACCEPT changes nothing");
    const failure = first.locator("details.failure.expectation").first();
    expect(await failure.locator("summary").textContent()).toBe("✗ line 21: remote -> server:8080 dropped [ipv4]: expected dropped, observed open");
    expect(await failure.locator("pre.repro").textContent()).toMatch(/^docker exec fwspec-\S+-remote timeout -k 1 \d+ nc [-a-zA-Z0-9 ]* 198\.1[89]\.\d+\.\d+ 8080$/);
    expect(await failure.isVisible()).toBe(true);
    // The matrix: the failing cell says observed and expected in words, and shows its evidence when opened.
    const cell = first.locator('details.entry[data-from="remote"][data-target="server:8080/tcp v4"]');
    expect(await cell.getAttribute("data-status")).toBe("failed");
    expect(await cell.locator("summary").innerText()).toMatch(/^✗ v4 open \(expected dropped\)/);
    expect(await cell.locator(".evidence").isVisible()).toBe(false);
    await cell.locator("summary").click();
    expect(await cell.locator(".evidence").isVisible()).toBe(true);
    expect(await cell.locator(".evidence pre.repro").textContent()).toMatch(/ nc [-a-zA-Z0-9 ]* 198\.1[89]\.\d+\.\d+ 8080$/);
    expect(await cell.locator(".evidence").innerText()).toMatch(/-A INPUT -s 198\.18\.0\.0\/15 -j ACCEPT \(\+\d+ packets\)/);
    const passedCell = first.locator('details.entry[data-from="remote"][data-target="server:8081/tcp v4"]');
    expect(await passedCell.locator("summary").innerText()).toMatch(/^✓ v4 open/);
    // The second scenario's matrix: both steps of 8080 (open, then dropped) in one cell.
    const second = page.locator("section.scenario").nth(1);
    expect(await second.locator('details.entry[data-target="server:8080/tcp v4"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-actual")))).toEqual(["open", "dropped"]);
    expect(await page.locator("tr.rule-shadowed").count()).toBe(1);
    expect(await page.locator("tr.rule-unexercised").innerText()).toMatch(/never matched.*-j DROP.*its probe went to ipv4 filter INPUT #1 -A INPUT -s 198\.18\.0\.0\/15 -j ACCEPT/s);
    // The inline script runs under the page's CSP: "open all evidence" opens every box.
    await page.getByRole("button", { name: "open all evidence" }).click();
    expect(await page.locator("details:not([open])").count()).toBe(0);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(dir, "report.html")).href]);
    mkdirSync(ARTEFACTS, { recursive: true });
    copyFileSync(join(dir, "report.html"), join(ARTEFACTS, "fwspec-report.html"));
    await page.screenshot({ path: join(ARTEFACTS, "fwspec-report.png"), fullPage: true });
    // A narrow screen: nothing wider than the viewport but the tables, which scroll in their own box.
    const narrow = await open(join(dir, "report.html"), 360);
    expect(await narrow.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
    // Host names in the matrices stay whole there (tester 43d: `cli/en/t`): one line box per word.
    const broken = await narrow.page.evaluate(`[...document.querySelectorAll("table.matrix th")].filter((th) => !/\\s/.test(th.textContent.trim()) && (() => { const r = document.createRange(); r.selectNodeContents(th); return r.getClientRects().length > 1; })()).map((th) => th.textContent)`);
    expect(broken).toEqual([]);
    expect(narrow.problems).toEqual([]);
  });

  it("fwspec diff --html: the diff view opens too, the changed flows grouped by source host and family with each side's rule", async () => {
    const project = mkdtempSync(join(tmpdir(), "fwspec-html-diff-"));
    projects.push(project);
    const both = (rule: string) => `iptables ${rule}\nip6tables ${rule}\n`;
    writeFileSync(join(project, "scenario.yaml"), "name: block 8080\ndescription: the seed guide's port block\nhosts:\n  server: { firewall: true, listen: [tcp/8080, tcp/8081] }\n  client: {}\nsteps:\n  - apply: rules.sh\n");
    writeFileSync(join(project, "rules.sh"), `${both("-A INPUT -p tcp -j ACCEPT")}${both("-A INPUT -p tcp --dport 8080 -j DROP")}`);
    writeFileSync(join(project, "inserted.sh"), `${both("-A INPUT -p tcp -j ACCEPT")}${both("-I INPUT 1 -p tcp --dport 8080 -j DROP")}`);
    const r = await execa(process.execPath, [CLI, "diff", "scenario.yaml", "--rules-b", "inserted.sh", "--html", "diff.html"], { cwd: project, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    const { page, requests, problems } = await open(join(project, "diff.html"));
    expect(await page.locator("h1").innerText()).toBe("fwspec report: ✗ FAILED");
    expect(await page.locator("section.diff h2").innerText()).toBe("block 8080: rules.sh → inserted.sh");
    expect((await page.locator("section.diff h4").allInnerTexts()).sort()).toEqual(["client, ipv4", "client, ipv6", "server, ipv4", "server, ipv6"]);
    const row = page.locator("section.diff tr.changed", { hasText: "client -> server:8080/tcp4" });
    expect((await row.locator("td").allInnerTexts()).map((t) => t.replace(/\s+/g, " "))).toEqual([
      // Each side's rule with the line of its file that wrote it.
      "client -> server:8080/tcp4", "open server: ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT (rules.sh:1)", "dropped server: ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (inserted.sh:3)", "✗ not allowed",
    ]);
    expect(await page.locator("section.diff tr.changed").count()).toBe(6);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(project, "diff.html")).href]);
  });

  it("shows hostile scenario text as text: no script runs, no element is injected, nothing is requested", async () => {
    const e = { kind: "expectation", text: HOSTILE, line: 3, from: HOSTILE, to: HOSTILE, port: 8080, protocol: "tcp", family: "ipv4", expected: "dropped", actual: "open", status: "failed", reason: HOSTILE, address: "198.18.0.2",
      evidence: { command: HOSTILE, exitCode: 0, stdout: HOSTILE, stderr: HOSTILE, durationMs: 1 }, decidedBy: [HOSTILE] } as const;
    const report: RunReport = { summary: { passed: 0, failed: 1, errors: 0 }, scenarios: [{ file: HOSTILE, name: HOSTILE, description: HOSTILE, status: "failed", expectations: [e], counters: [], steps: [], errors: [HOSTILE], parity: [] }] };
    const file = join(dir, "hostile.html");
    writeFileSync(file, renderHtml(report));
    const { page, requests, problems } = await open(file);
    await page.getByRole("button", { name: "open all evidence" }).click();
    expect(await page.locator("h2").first().textContent()).toBe(`<script>window.pwned = 1</script><img src="http://198.18.0.1/x.png" onerror="window.pwned = 2">"quoted" 'single' \\u202eevil`);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    expect(await page.evaluate('document.body.innerText.includes("\\u202e")')).toBe(false);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(readFileSync(file, "utf8")).not.toContain("<img");
  });
});
