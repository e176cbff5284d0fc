/**
 * `fwspec mutate --html` (pure rendering): the run report's self-contained
 * page (CSP by hash, no request), the score, survivors first with the exact
 * change and suggestion, killed mutants folded, a stopped run labelled
 * PARTIAL, and hostile rule text escaped.
 */
import { describe, expect, it } from "vitest";
import type { MutantOutcome } from "../mutate/classify.ts";
import { summarize, type ScenarioMutation } from "../mutate/run.ts";
import { renderMutationHtml } from "./mutation-html.ts";

const HOSTILE = `<script>alert(1)</script><img src=x onerror=alert(2)> "q" \u202eevil`;

const mutant = (status: MutantOutcome["status"], id: string, before: string, after: string | null, detail: string): MutantOutcome => ({
  id, operator: id.split("@")[0]!, status, detail, changes: [{ file: "/repo/fixtures/nftables/fw.nft", line: 11, before, after }],
});

const scenario = (name: string, mutants: MutantOutcome[], o: Partial<ScenarioMutation> = {}): ScenarioMutation => ({ file: `/repo/scenarios/${name}.yaml`, name, mutants, durationMs: 1000, ...o });

const weak = scenario("weak", [
  mutant("killed", "delete@fw.nft:11", "tcp dport 8080 counter drop", null, "`remote -> server:8080 dropped` [ipv4] (line 3): open, expected dropped"),
  mutant("survived", "loopback-iface@fw.nft:11", `ip saddr 127.0.0.1 tcp dport 8080 accept`, `iifname "lo" tcp dport 8080 accept`, "add `server -> server:8080/tcp4 dropped`"),
  mutant("equivalent", "swap@fw.nft:11", "a", "b", "both rules decide `accept`"),
  { ...mutant("unreachable", "delete@fw.nft:12", "ip6 daddr 2002::/24 drop", null, "its rule matches only IPv6 destinations in 2002::/24"), ran: false, reach: true },
]);

describe("renderMutationHtml", () => {
  const html = renderMutationHtml(summarize([weak], 2000, false), { baseDir: "/repo" });

  it("is the self-contained page: CSP with no network, the score in the title and heading", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'sha256-`);
    expect(html).toContain("<title>fwspec mutate: score 50.0 %</title>");
    expect(html).toMatch(/<h1>fwspec mutate: <span class="status failed">mutation score 50\.0 %<\/span><\/h1>/);
  });

  it("lists survivors first with file:line, the rule before and after, and the suggestion; killed mutants folded", () => {
    const rows = [...html.matchAll(/<tr class="mutant m-(\w+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(["survived", "equivalent", "unreachable", "killed"]);
    expect(html).toContain(`<td class="state">∅ beyond the lab's reach (not scored)</td>`);
    expect(html).toContain(`<span class="where">fixtures/nftables/fw.nft:11</span> <code class="before">ip saddr 127.0.0.1 tcp dport 8080 accept</code> → <code class="after">iifname &quot;lo&quot; tcp dport 8080 accept</code>`);
    expect(html).toContain("<span class=\"label\">suggested check:</span> <span class=\"detail\">add `server -&gt; server:8080/tcp4 dropped`</span>");
    expect(html).toContain(`<details class="killed"><summary>1 killed mutant(s): the check that killed each</summary>`);
    expect(html).toContain(`<em class="after">(deleted)</em>`);
  });

  it("a stopped run says PARTIAL and how many scenarios finished", () => {
    const partial = renderMutationHtml(summarize([weak], 2000, true, 3));
    expect(partial).toContain("<title>fwspec mutate: PARTIAL score 50.0 %</title>");
    expect(partial).toContain("<p class=\"partial\"><strong>Partial:</strong> the run was stopped; 1 of 3 scenarios finished and only they are in the score.</p>");
    expect(partial).toMatch(/PARTIAL mutation score 50\.0 % \(1 killed of 2 scored; 1 equivalent, 1 beyond the lab&#39;s reach \(not run\) and 0 errors not scored\), 1 of 3 scenarios/);
  });

  it("shows hostile rule and scenario text as text", () => {
    const page = renderMutationHtml(summarize([scenario(HOSTILE, [mutant("survived", HOSTILE, HOSTILE, HOSTILE, HOSTILE)], { file: HOSTILE, skipped: undefined })], 1, false));
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<script>alert");
    expect(page).not.toContain("\u202e");
    expect(page.match(/<script>/g)).toHaveLength(1);
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &quot;q&quot; \\u202eevil");
  });

  it("a scenario that was not mutated says why", () => {
    const page = renderMutationHtml(summarize([scenario("broken", [], { skipped: "the original scenario does not pass (failed: x)" })], 1, false));
    expect(page).toContain(`<p class="skipped">not mutated: the original scenario does not pass (failed: x)</p>`);
    expect(page).toContain(`<span class="status failed">`);
  });
});
