/** Unit tests (no Docker): what the `counted` evidence of a failed expectation says, in the console failure text and the HTML report. */
import { describe, expect, test } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { expectationFailure } from "./failure.ts";
import { renderHtml } from "./html.ts";

const native: ExpectationResult = {
  kind: "expectation", text: "client -> fw1:5353/udp6 open", line: 14, from: "client", to: "fw1", port: 5353, protocol: "udp", family: "ipv6",
  expected: "open", actual: "dropped", status: "failed", reason: "no answer", address: "2001:db8::2", decidedBy: [],
  evidence: { command: "docker exec c nc -u 2001:db8::2 5353", exitCode: 1, stdout: "", stderr: "", durationMs: 110 },
  decision: { host: "fw1", family: "ipv6", table: "inet fw", path: ["input"], rule: "udp dport 5353 counter drop", action: "drop", policy: false, held: true, source: "trace", handle: 4 },
};
const probe: ExpectationResult = { ...native, decision: { ...native.decision!, table: "filter", path: ["INPUT"], rule: "-A INPUT -p udp -m udp --dport 5353 -j DROP" } };
const held: ExpectationResult = { ...native, text: "held u6 open", held: "u6" };
const counted: ExpectationResult = { ...native, decidedBy: ["ipv6 inet fw input #2 udp dport 5353 counter drop # handle 4 (+1 packets)"] };
// Native nftables: a chain policy has no counter, a rule counts only with a `counter` statement; nothing moving contradicts no trace.
const nativePolicy: ExpectationResult = { ...native, decision: { ...native.decision!, rule: "policy drop", policy: true, held: false } };
const nativeUncounted: ExpectationResult = { ...native, decision: { ...native.decision!, rule: 'udp dport 5353 drop comment "no counter"', held: false } };

const HELD_NOTE = "not read for a held check (its data is retransmitted, so counters cannot be attributed to it)";
const NO_POLICY_COUNTER = "no counter moved: an nftables chain policy has none, and no rule with a `counter` statement on its path counted it";
const NO_RULE_COUNTER = "no counter moved: the deciding nftables rule has no `counter` statement, and no rule with one on its path counted it";

describe("the counted line", () => {
  test.each<[string, ExpectationResult, string, string]>([
    ["a probe that no rule counted", probe, "no rule or policy on its path counted it", "no firewall rule counted this probe"],
    ["a native nft policy decided (its trace)", nativePolicy, NO_POLICY_COUNTER, NO_POLICY_COUNTER],
    ["a native nft rule without a counter statement decided (its trace)", nativeUncounted, NO_RULE_COUNTER, NO_RULE_COUNTER],
    ["a probe that a rule counted", counted, "ipv6 inet fw input #2 udp dport 5353 counter drop # handle 4 (+1 packets)", "ipv6 inet fw input #2 udp dport 5353 counter drop # handle 4 (+1 packets)"],
    // A held check reads no counters: it must not claim that nothing counted what `decided` names.
    ["a held check", held, HELD_NOTE, HELD_NOTE],
  ])("%s", (_what, e, consoleText, htmlText) => {
    expect(expectationFailure(e)).toContain(`  counted: ${consoleText}`);
    const html = renderHtml({ scenarios: [{ file: "/repo/s.yaml", name: "s", description: "d", status: "failed", expectations: [e], counters: [], steps: [], errors: [], parity: [] }], summary: { passed: 0, failed: 1, errors: 0 } }, { baseDir: "/repo" });
    expect(html).toContain(`<div>counted:</div><pre><code>${htmlText}</code></pre>`);
  });

  test("a held check's failure text does not say that nothing counted it", () => {
    expect(expectationFailure(held)).not.toContain("no rule or policy on its path counted it");
  });
});
