/**
 * For browser tests of fwspec's HTML reports: Debian's chromium launched
 * headless (as root it needs --no-sandbox; it only opens fwspec's own local
 * files), a report file opened from file:// in a fresh page that lets only
 * the file itself load (every other request recorded and aborted) and records
 * console errors and warnings, page errors and dialogs, and the hostile text
 * the tests put in a report.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

/** Markup, a request, quotes and a bidi override: a report must show all of it as text. */
export const HOSTILE = `<script>window.pwned = 1</script><img src="http://198.18.0.1/x.png" onerror="window.pwned = 2">"quoted" 'single' \u202eevil`;

export async function launchReportBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

export async function openReportPage(browser: Browser, file: string, width = 1280): Promise<{ page: Page; requests: string[]; problems: string[] }> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  context.on("request", (r) => requests.push(r.url()));
  await context.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
  await page.goto(url);
  return { page, requests, problems };
}
