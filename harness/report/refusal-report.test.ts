/**
 * Unit tests (table-driven, no Docker): a `refused:rst` / `refused:icmp`
 * expectation refused the other way reads as a difference of refusal kinds in
 * every report (failure header, console cell, HTML cell), never "expected
 * refused, observed refused"; its meaning names the refusals in the deciding
 * rule's words (nft's for a native nftables rule, iptables' otherwise).
 */
import { describe, expect, test } from "vitest";
import { judgeExpectation } from "../judge/expectation.ts";
import type { Decision } from "../model/results.ts";
import type { Refusal } from "../model/types.ts";
import type { Observation } from "../probes/observe.ts";
import type { Expectation } from "../scenario/model.ts";
import type { RefusalKind } from "../scenario/refusal.ts";
import { expectationFailure, expectationMismatch } from "./failure.ts";
import { escapeProperty, mdText, renderAnnotations, renderSummary } from "./github.ts";
import { renderHtml } from "./html.ts";
import { cellText } from "./matrix.ts";
import type { RunReport } from "./model.ts";

const NFT_RESET: Decision = { host: "server", family: "ipv4", table: "inet filter", path: ["input"], rule: "tcp dport 8081 counter reject with tcp reset", action: "reject", policy: false, source: "trace", handle: 10 };
const NFT_PORT: Decision = { ...NFT_RESET, rule: "tcp dport 8081 counter reject", handle: 11 };
const IPT_RESET: Decision = { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with tcp-reset", action: "reject", policy: false, source: "counters" };
const IPT_PORT: Decision = { ...IPT_RESET, rule: "-A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp-port-unreachable" };

const expectation = (kind: RefusalKind): Expectation => ({
  from: "client", to: { kind: "host", host: "server" }, port: 8081, protocol: "tcp", families: ["ipv4"], expected: "refused", refusal: kind,
  text: `client -> server:8081/tcp4 refused:${kind}`, location: { file: "s.yaml", line: 16, column: 7 },
});

const observed = (refusal: Refusal | undefined, decision: Decision | undefined, native: boolean): Observation => ({
  result: {
    spec: { from: "client", to: { kind: "host", host: "server" }, port: 8081, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 },
    address: "198.18.0.2", verdict: "refused", reason: "Connection refused", ...(refusal ? { refusal } : {}),
    evidence: { command: "nc -v -N -w 2 198.18.0.2 8081", argv: ["nc"], exitCode: 1, stdout: "", stderr: "", durationMs: 13 },
  },
  decidedBy: [], watched: true, ...(native ? { native } : {}), ...(decision ? { decision } : {}),
});

const IPTABLES_WORDS = /--reject-with|(?:^|\s)-j\s|\b(?:DROP|REJECT|ACCEPT)\b|tcp-reset|icmp-port-unreachable/;

describe("refusal kinds in the reports", () => {
  test.each<[string, RefusalKind, Refusal | undefined, Decision | undefined, boolean, string, string, RegExp[]]>([
    ["native nft: refused:icmp, a reject with tcp reset answered", "icmp", "tcp-reset", NFT_RESET, true, "expected refused:icmp, observed refused:rst", "✗ refused:rst≠refused:icmp",
      [/^refused with a TCP reset, but `refused:icmp` wants an ICMP port unreachable \(reject, or reject with icmpx port-unreachable\)\. A reject rule answered its SYN with tcp reset: server input: tcp dport 8081 counter reject with tcp reset$/]],
    ["native nft: refused:rst, a bare reject answered", "rst", "icmp-port-unreachable", NFT_PORT, true, "expected refused:rst, observed refused:icmp", "✗ refused:icmp≠refused:rst",
      [/^refused with an ICMP port unreachable, but `refused:rst` wants a TCP reset \(reject with tcp reset\)\. A reject rule answered its SYN with /]],
    ["iptables: refused:icmp, REJECT --reject-with tcp-reset answered", "icmp", "tcp-reset", IPT_RESET, false, "expected refused:icmp, observed refused:rst", "✗ refused:rst≠refused:icmp",
      [/^refused with a TCP reset, but `refused:icmp` wants an ICMP port unreachable \(REJECT --reject-with icmp-port-unreachable, REJECT's default\)\. A REJECT rule answered its SYN with tcp-reset: server INPUT: -A INPUT/]],
    ["iptables: refused:rst, REJECT port unreachable answered", "rst", "icmp-port-unreachable", IPT_PORT, false, "expected refused:rst, observed refused:icmp", "✗ refused:icmp≠refused:rst",
      [/^refused with an ICMP port unreachable, but `refused:rst` wants a TCP reset \(REJECT --reject-with tcp-reset\)\./]],
    ["native nft host, nothing decided, the kind not seen", "icmp", undefined, undefined, true, "expected refused:icmp, observed refused (its kind not seen)", "✗ refused (its kind not seen)≠refused:icmp",
      [/^refused with an answer whose kind was not seen, but `refused:icmp` wants an ICMP port unreachable \(reject, or reject with icmpx port-unreachable\)/]],
  ])("%s", (_, kind, refusal, decision, native, header, cell, meaning) => {
    const r = judgeExpectation(expectation(kind), "ipv4", observed(refusal, decision, native));
    expect(r.status).toBe("failed");
    expect(expectationMismatch(r)).toBe(header);
    expect(expectationFailure(r, "").split("\n")[0]).toBe(`${header} (Connection refused)`);
    expect(cellText(r)).toBe(cell);
    for (const m of meaning) expect(r.explanation).toMatch(m);
    if (native) expect(r.explanation).not.toMatch(IPTABLES_WORDS);
    const report: RunReport = { summary: { passed: 0, failed: 1, errors: 0 }, scenarios: [{ file: "s.yaml", name: "s", description: "", status: "failed", expectations: [r], counters: [], steps: [], errors: [], parity: [] }] };
    const html = renderHtml(report);
    // GitHub annotation titles and the job summary say the same.
    expect(renderAnnotations(report)).toContain(escapeProperty(`[ipv4]: ${header}`));
    expect(renderSummary(report)).toContain(mdText(header));
    expect(html).toContain(`[ipv4]: ${header.replace(/[<>&]/g, "")}</summary>`);
    const [observedKind, expectedKind] = cell.slice(2).split("≠");
    expect(html).toContain(`<span class="verdict">${observedKind} <span class="expected">(expected ${expectedKind})</span></span>`);
  });

  test("a plain expectation keeps its header: expected dropped, observed refused", () => {
    const e: Expectation = { ...expectation("rst"), expected: "dropped", text: "client -> server:8081 dropped" };
    delete (e as { refusal?: RefusalKind }).refusal;
    const r = judgeExpectation(e, "ipv4", observed("tcp-reset", NFT_RESET, true));
    expect(expectationMismatch(r)).toBe("expected dropped, observed refused");
    expect(cellText(r)).toBe("✗ refused≠dropped");
  });
});
