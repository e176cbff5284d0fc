/** Unit tests (table-driven, no Docker) for judge/sweep.ts: what each port of a sweep must be, and the summary. */
import { describe, expect, test } from "vitest";
import type { PortFinding, PortOutcome } from "../model/sweep.ts";
import type { ExpectedVerdict } from "../model/types.ts";
import type { Decision } from "../model/results.ts";
import { judgeSweep, portStatus, sweepDecided, sweepSummary } from "./sweep.ts";

const sweep = { first: 1, last: 1024, except: [22, 443] };
const listens = (port: number) => port === 22;
const finding = (port: number, outcome: PortOutcome): PortFinding => ({ port, outcome, verdict: outcome === "admitted" || outcome === "undetermined" ? "refused" : outcome === "open" ? "open" : outcome === "error" ? "error" : outcome, answer: "", evidence: "", rules: [] });

describe("portStatus", () => {
  const cases: Array<[ExpectedVerdict, number, PortOutcome, string]> = [
    ["blocked", 23, "dropped", "passed"],
    ["blocked", 23, "refused", "passed"],
    ["blocked", 23, "unreachable", "passed"],
    ["blocked", 23, "admitted", "failed"], // the firewall let it through: not blocked, though the wire says refused
    ["blocked", 23, "open", "failed"],
    ["blocked", 23, "undetermined", "error"], // cannot tell REJECT from the kernel
    ["blocked", 23, "error", "error"],
    ["dropped", 23, "refused", "failed"],
    ["dropped", 23, "undetermined", "failed"], // refused either way
    ["refused", 23, "refused", "passed"],
    ["refused", 23, "admitted", "failed"],
    ["refused", 23, "undetermined", "error"],
    ["unreachable", 23, "unreachable", "passed"],
    ["blocked", 22, "open", "passed"], // except port with a listener: must be open
    ["blocked", 22, "admitted", "failed"],
    ["blocked", 443, "admitted", "passed"], // except port without a listener: admitted, nothing listening
    ["blocked", 443, "open", "passed"],
    ["blocked", 443, "refused", "failed"],
    ["blocked", 443, "dropped", "failed"],
    ["blocked", 443, "undetermined", "error"],
  ];
  test.each(cases)("%s, port %i %s: %s", (expected, port, outcome, status) => {
    expect(portStatus(sweep, expected, finding(port, outcome), listens)).toBe(status);
  });

  // Tester 44f: `refused:icmp` over ports REJECTed with a reset passed.
  test.each<["rst" | "icmp", string, string]>([
    ["icmp", "reset", "failed"],
    ["rst", "reset", "passed"],
    ["icmp", "port-unreach", "passed"],
    ["rst", "port-unreach", "failed"],
    ["rst", "", "error"], // the answer's kind not known: neither
  ])("refused:%s, a refused port whose answer was %j: %s", (kind, answer, status) => {
    expect(portStatus(sweep, "refused", { ...finding(23, "refused"), answer }, listens, kind)).toBe(status);
  });
});

test("sweepSummary: few ports named, many counted", () => {
  const findings = [...Array.from({ length: 5 }, (_, i) => finding(100 + i, "dropped")), finding(22, "open"), finding(80, "open"), finding(443, "admitted")];
  expect(sweepSummary("1-1024/tcp ipv4", findings)).toBe("1-1024/tcp ipv4: 5 dropped, port 22 open, port 80 open, port 443 admitted (nothing listening)");
  // Tester 44f: `2-3/tcp ipv4: 2 refused, 3 dropped` read as counts.
  expect(sweepSummary("2-3/tcp ipv4", [finding(2, "refused"), finding(3, "dropped")])).toBe("2-3/tcp ipv4: port 2 refused, port 3 dropped");
});

describe("judgeSweep: what coverage and reports read off the result", () => {
  const e = { from: "client", source: "198.18.33.200", to: { kind: "host" as const, host: "server" }, port: 20, sweep: { first: 20, last: 22, except: [] }, protocol: "tcp" as const, families: ["ipv4" as const], expected: "dropped" as const, text: "client@198.18.33.200 -> server:20-22 dropped", location: { file: "f", line: 9, column: 7 } };
  const counted = [{ host: "server", family: "ipv4" as const, table: "filter", chain: "INPUT", position: 4, text: "-A INPUT -p tcp -j DROP", packets: 3 }];
  const facts = { address: "198.18.33.10", findings: new Map([20, 21, 22].map((p) => [p, finding(p, "dropped")])), command: "nmap …", durationMs: 5, notes: [], counted };
  test("the rules the sweep counted (its DROP and REJECT rules) and the source it left from", () => {
    const r = judgeSweep(e, "ipv4", facts, () => false, () => "");
    expect(r.status).toBe("passed");
    expect(r.counted).toEqual(counted);
    expect(r.source).toBe("198.18.33.200");
  });
});

describe("sweepDecided: ports grouped by what decided them", () => {
  const d = (rule: string, action: Decision["action"]): Decision => ({ host: "server", family: "ipv4", table: "inet fw", path: ["input"], rule, action, policy: false, source: "trace", handle: 4 });
  test("one verdict map: its ports grouped by the verdict their elements give, each port with its element (tester 42b: 22, 80 open and 81 dropped were one group)", () => {
    const map = "tcp dport vmap { 22 : accept, 80 : accept, 81 : drop }";
    const { groups, byPort } = sweepDecided(new Map([[22, d(map, "accept")], [80, d(map, "accept")], [81, d(map, "drop")]]));
    expect(groups.map((g) => [g.ports, /its elements for these ports: (.+?)\)/.exec(g.decided)?.[1]])).toEqual([["22,80", "accept"], ["81", "drop"]]);
    expect(byPort.get(81)?.decided).toContain("(its element for port 81: 81 : drop)");
  });
  test("a named verdict map (its elements not in the rule's text): grouped by the verdict the trace saw it give (tester 44a)", () => {
    const map = "tcp dport vmap @svc";
    const { groups, byPort } = sweepDecided(new Map([[22, d(map, "accept")], [80, d(map, "accept")], [81, d(map, "drop")]]));
    expect(groups.map((g) => [g.ports, /its elements for these ports: (.+?)\)/.exec(g.decided)?.[1]])).toEqual([["22,80", "accept"], ["81", "drop"]]);
    expect(byPort.get(81)?.decided).toContain("(@svc's element for port 81: drop)");
  });
  test("a plain rule: its ports stay one group", () => {
    const { groups } = sweepDecided(new Map([[22, d("tcp dport { 22, 80 } accept", "accept")], [80, d("tcp dport { 22, 80 } accept", "accept")]]));
    expect(groups.map((g) => [g.ports, g.count])).toEqual([["22,80", 2]]);
  });
});
