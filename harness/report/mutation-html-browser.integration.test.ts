/**
 * `fwspec mutate --html` end to end: a weak nft scenario (the localhost-only
 * ruleset checked from loopback and a peer only) mutated on real containers,
 * the page opened from file:// in Debian's chromium (playwright-core): the
 * score, the survivors with file:line and the rule before and after, the
 * killed mutants folded until opened, the script running under the page's
 * CSP, no request leaving the page, no console error, a narrow screen; and a
 * report of hostile rule text showing it as text.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import { HOSTILE, launchReportBrowser, openReportPage } from "../testing/report-page.ts";
import { summarize } from "../mutate/run.ts";
import { renderMutationHtml } from "./mutation-html.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "fwspec-mutate-html-"));

let browser: Browser;
let run: { exitCode: number | undefined; all: string };

const open = (file: string, width?: number) => openReportPage(browser, file, width);

beforeAll(async () => {
  writeFileSync(join(dir, "fw.nft"), readFileSync(join(PROJECT_ROOT, "fixtures/nftables/localhost-only.nft")));
  writeFileSync(join(dir, "weak.yaml"), [
    "name: weak localhost-only (nft)",
    "description: checked from loopback and from a peer only",
    "hosts:",
    "  server: { firewall: true, listen: [tcp/8080] }",
    "  remote: {}",
    "steps:",
    "  - apply: { host: server, nft: fw.nft }",
    "  - expect:",
    "      - server -> localhost:8080 open",
    "      - remote -> server:8080 dropped",
    "",
  ].join("\n"));
  const r = await execa(process.execPath, [CLI, "mutate", "weak.yaml", "--operators", "loopback-iface,accept-drop", "--html", "mutants.html"], { cwd: dir, reject: false, all: true });
  run = { exitCode: r.exitCode, all: r.all ?? "" };
  browser = await launchReportBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("fwspec mutate --html", () => {
  it("opens from file:// in a real browser: score, survivors with the exact change, killed folded, no request, no console error", async () => {
    expect(run.exitCode, run.all).toBe(0);
    const { page, requests, problems } = await open(join(dir, "mutants.html"));
    expect(await page.locator("h1").innerText()).toBe("fwspec mutate: mutation score 60.0 %");
    const survivors = page.locator("section.mutation tr.m-survived");
    expect(await survivors.count()).toBe(2);
    const first = (await survivors.first().locator("td").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    expect(first.slice(0, 3)).toEqual([
      "✗ survived",
      "loopback-iface@fw.nft:11",
      `fw.nft:11 ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)" → iifname "lo" tcp dport 8080 counter accept comment "8080 from localhost (IPv4)"`,
    ]);
    expect(first[3]).toMatch(/^suggested check: add `server -> server:8080\/tcp4 /);
    const killed = page.locator("details.killed");
    expect(await killed.locator("summary").innerText()).toBe("3 killed mutant(s): the check that killed each");
    expect(await killed.locator("tr.m-killed").first().isVisible()).toBe(false);
    // The inline script runs under the page's CSP: "open all" opens the killed mutants.
    await page.getByRole("button", { name: "open all" }).click();
    expect(await killed.locator("tr.m-killed").first().isVisible()).toBe(true);
    expect(await killed.locator("tr.m-killed td").nth(3).innerText()).toMatch(/^by: `/);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(join(dir, "mutants.html")).href]);
    const narrow = await open(join(dir, "mutants.html"), 360);
    expect(await narrow.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
    expect(narrow.problems).toEqual([]);
  });

  it("shows hostile rule and scenario text as text: no script runs, no element is injected, nothing is requested", async () => {
    const mutant = { id: HOSTILE, operator: "delete", status: "survived" as const, detail: HOSTILE, changes: [{ file: HOSTILE, line: 3, before: HOSTILE, after: HOSTILE }] };
    const file = join(dir, "hostile.html");
    writeFileSync(file, renderMutationHtml(summarize([{ file: HOSTILE, name: HOSTILE, mutants: [mutant], durationMs: 1 }], 1, true, 2)));
    const { page, requests, problems } = await open(file);
    expect(await page.locator("section.mutation h2").textContent()).toBe(`<script>window.pwned = 1</script><img src="http://198.18.0.1/x.png" onerror="window.pwned = 2">"quoted" 'single' \\u202eevil`);
    expect(await page.locator("code.before").textContent()).toBe(`<script>window.pwned = 1</script><img src="http://198.18.0.1/x.png" onerror="window.pwned = 2">"quoted" 'single' \\u202eevil`);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    expect(await page.evaluate('document.body.innerText.includes("\\u202e")')).toBe(false);
    expect(await page.locator("p.partial").innerText()).toBe("Partial: the run was stopped; 1 of 2 scenarios finished and only they are in the score.");
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
  });
});
