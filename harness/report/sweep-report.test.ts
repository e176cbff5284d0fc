/** Unit tests (no Docker) for how reports show a sweep: one check, its summary, and each broken port with evidence and repro. */
import { describe, expect, test } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { renderScenario } from "./console.ts";
import { expectationFailure, expectationMismatch } from "./failure.ts";
import { renderAnnotations } from "./github.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import type { RunReport } from "./model.ts";

const base = { kind: "expectation", from: "outside", to: "server", port: 1, protocol: "tcp", family: "ipv4", line: 9, address: "198.18.0.2", decidedBy: [], evidence: { command: "docker exec c nmap -sS -p 1-1024 198.18.0.2", exitCode: 0, stdout: "", stderr: "", durationMs: 900 } } as const;
const summary = "1-1024/tcp ipv4: 1021 dropped, 22 open, 80 open, 443 admitted (nothing listening)";
const passed: ExpectationResult = {
  ...base, text: "outside -> server:1-1024 blocked except 22,80,443", expected: "blocked", actual: "dropped", status: "passed", reason: summary,
  sweep: { ports: "1-1024 except 22,80,443", summary, counts: { dropped: 1021, open: 2, admitted: 1 }, broken: [], notes: ["1 batch(es) of nmap"], command: base.evidence.command },
};
const failed: ExpectationResult = {
  ...base, text: "outside -> server:1-1024 dropped except 22", expected: "dropped", actual: "open", status: "failed", reason: summary, explanation: "2 of 1024 port(s) broke the sweep",
  sweep: {
    ports: "1-1024 except 22", summary, counts: { dropped: 1021, open: 2, admitted: 1 }, notes: ["3 batch(es) of nmap"], command: base.evidence.command,
    broken: [
      { port: 80, status: "failed", expected: "dropped", observed: "open", answer: "syn-ack", evidence: "SYN-ACK", rules: [], repro: "docker exec c nmap -sS -p 80 198.18.0.2", single: { verdict: "open", reason: "connection succeeded", command: "docker exec c nc -zv -w 2 198.18.0.2 80", counted: [] } },
      { port: 443, status: "failed", expected: "dropped", observed: "admitted (nothing listening)", answer: "reset", evidence: "reset with no REJECT rule counting it", rules: [], repro: "docker exec c nmap -sS -p 443 198.18.0.2" },
    ],
  },
};

describe("sweep reports", () => {
  test("a failed sweep lists each broken port with its evidence and repro commands", () => {
    const text = expectationFailure(failed, "");
    expect(text).toContain(`expected dropped on 1-1024 except 22, observed ${summary}`);
    expect(text).toMatch(/port 80: +broke: expected dropped, observed open \(answer syn-ack\)/);
    expect(text).toContain("repro: docker exec c nc -zv -w 2 198.18.0.2 80");
    expect(text).toContain("repro: docker exec c nmap -sS -p 443 198.18.0.2");
    expect(text).toContain("evidence: reset with no REJECT rule counting it");
    expect(expectationMismatch(failed)).toBe(`expected dropped on 1-1024 except 22, 2 port(s) broke it: ${summary}`);
  });

  test("ports whose words are the same but for the port are one entry (tester 44f: a sweep that could not run, 41 times)", () => {
    const alike = (port: number) => ({ port, status: "error" as const, expected: "blocked", observed: "error", answer: "", evidence: "a rate limit over more than 16 ports: not swept", rules: [], repro: `docker exec c nmap -sS -p ${port} 198.18.0.2` });
    const r: ExpectationResult = { ...failed, status: "error", sweep: { ...failed.sweep!, broken: [alike(4990), alike(4991), alike(4992), { ...alike(5000), evidence: "other" }] } };
    const text = expectationFailure(r, "");
    expect(text).toContain("ports 4990-4992: cannot decide: expected blocked, observed error (answer none)\n         evidence: a rate limit over more than 16 ports: not swept\n         repro: docker exec c nmap -sS -p 4990 198.18.0.2 (port 4990; the others alike)");
    expect(text).toMatch(/port 5000: +cannot decide/);
    expect(text.match(/cannot decide/g)).toHaveLength(2);
  });

  test("a sweep whose every port was probed alone (no batch) prints no empty repro line", () => {
    const alone = { ...failed, sweep: { ...failed.sweep!, command: "" } };
    expect(expectationFailure(alone, "")).not.toMatch(/^\s*repro:\s*$/m);
    expect(expectationFailure(failed, "")).toMatch(/^\s*repro: +docker exec c nmap -sS -p 1-1024/m);
  });

  test("a port number wider than the label column keeps a space before what it says", () => {
    const wide: ExpectationResult = { ...failed, sweep: { ...failed.sweep!, broken: failed.sweep!.broken.map((b) => ({ ...b, port: b.port + 60000 })) } };
    expect(expectationFailure(wide, "")).toContain("port 60080: broke: expected dropped, observed open (answer syn-ack)");
  });

  test("console: one cell per sweep and family, and a passed sweep's summary", () => {
    const out = renderScenario({ file: "s.yaml", name: "s", description: "", status: "failed", expectations: [passed, failed], counters: [], steps: [], errors: [], parity: [] }, { width: 200 });
    expect(out).toContain("server:1-1024/tcp v4");
    expect(out).toContain(`✓ line 9: sweep ${summary}`);
    expect(out).toContain("2 port(s)≠dropped");
  });

  test("JUnit: a passed sweep carries its summary as output, a failed one its broken ports", () => {
    const report: RunReport = { summary: { passed: 1, failed: 1, errors: 0 }, scenarios: [{ file: "s.yaml", name: "s", description: "", status: "failed", expectations: [passed, failed], counters: [], steps: [], errors: [], parity: [] }] };
    const xml = renderJunit(report);
    expect(xml).toContain(`<system-out>${summary}</system-out>`);
    expect(xml).toMatch(/<failure message="expected dropped on 1-1024 except 22, 2 port\(s\) broke it/);
    expect(xml).toContain("port 443:");
  });
});

describe("the lines that wrote a sweep's deciding rules", () => {
  const origin = { file: "/repo/firewall/rules.v4", line: 7, shown: "../firewall/rules.v4" };
  const decided = "server ipv4 filter INPUT: -A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT [handle 8], written at ../firewall/rules.v4:7 (took its first packet; nftables trace)";
  const located: ExpectationResult = { ...failed, sweep: { ...failed.sweep!, broken: failed.sweep!.broken.map((b) => ({ ...b, decided, origin })) } };
  const report: RunReport = { summary: { passed: 0, failed: 1, errors: 0 }, scenarios: [{ file: "/repo/scenarios/s.yaml", name: "s", description: "", status: "failed", expectations: [located], counters: [], steps: [], errors: [], parity: [] }] };

  test("JSON: each broken port's origin", () => {
    expect(JSON.parse(renderJson(report)).scenarios[0].expectations[0].sweep.broken.map((b: { origin: unknown }) => b.origin)).toEqual([origin, origin]);
  });

  test("GitHub: one notice per line that wrote a broken port's rule, naming its ports", () => {
    const notices = renderAnnotations(report, { baseDir: "/repo" }).trimEnd().split("\n").filter((l) => l.startsWith("::notice"));
    expect(notices).toEqual(["::notice file=firewall/rules.v4,line=7,title=fwspec%3A this rule decided ports 80%2C443 of outside -> server%3A1-1024 dropped except 22 [ipv4]::s (scenarios/s.yaml:9): expected dropped, observed open"]);
  });
});

describe("HTML sweep cells", () => {
  const counted = [{ host: "server", family: "ipv4" as const, table: "inet filter", chain: "input", position: 7, text: "tcp dport 8081 counter reject with tcp reset # handle 10", packets: 1 }];
  const nftSummary = "8075-8090/tcp ipv4: 14 dropped, 8081 refused, 8082 unreachable";
  const nft: ExpectationResult = {
    ...base, port: 8075, text: "client -> server:8075-8090 blocked", expected: "blocked", actual: "dropped", status: "passed", reason: nftSummary, counted,
    sweep: {
      ports: "8075-8090", summary: nftSummary, counts: { dropped: 14, refused: 1, unreachable: 1 }, broken: [], notes: ["26 batch(es) of nmap"], command: base.evidence.command, attribution: "trace",
      decided: [
        { ports: "8075-8080,8083-8090", count: 14, decided: "server ipv4 inet filter input policy drop (took its first packet; nftables trace)" },
        { ports: "8081", count: 1, decided: "server ipv4 inet filter input: tcp dport 8081 counter reject with tcp reset [handle 10] (took its first packet; nftables trace)" },
      ],
    },
  };
  const html = (e: ExpectationResult[]) => renderHtml({ summary: { passed: 1, failed: 0, errors: 0 }, scenarios: [{ file: "s.yaml", name: "s", description: "", status: "passed", expectations: e, counters: [], steps: [], errors: [], parity: [] }] });
  const cell = (out: string, target: string) => new RegExp(`<details class="entry[^"]*" data-from="[^"]*" data-target="${target}"[\\s\\S]*?</details>`).exec(out)![0];

  test("a sweep's counted rules are shown as the JSON has them, never `no firewall rule counted this probe`", () => {
    const c = cell(html([nft]), "server:8075-8090/tcp v4");
    expect(c).not.toContain("no firewall rule counted");
    expect(c).toContain("ipv4 inet filter input #7 tcp dport 8081 counter reject with tcp reset # handle 10 (+1 packets)");
    expect(c).toContain("port 8081: server ipv4 inet filter input: tcp dport 8081 counter reject with tcp reset [handle 10]");
  });

  test("a sweep without counted rules says nothing about counters (no claim that nothing counted)", () => {
    const c = cell(html([passed]), "server:1-1024/tcp v4");
    expect(c).not.toMatch(/counted/);
  });

  test("the column is the sweep's range, apart from a single probe of its first port", () => {
    const single: ExpectationResult = { ...base, port: 8075, text: "client -> server:8075 dropped", expected: "dropped", actual: "dropped", status: "passed", reason: "no answer" };
    const out = html([nft, single]);
    expect(out).toContain('<th scope="col">server:8075-8090/tcp</th>');
    expect(out).toContain('<th scope="col">server:8075/tcp</th>');
  });

  test("a passing sweep's cell describes the sweep (range and verdict counts), not one verdict", () => {
    const c = cell(html([nft]), "server:8075-8090/tcp v4");
    const summaryLine = /<summary>(.*?)<\/summary>/.exec(c)![1]!;
    expect(summaryLine).not.toContain("expected blocked");
    expect(summaryLine).toContain("blocked on 8075-8090: 14 dropped, 1 refused, 1 unreachable");
    const except = /<summary>(.*?)<\/summary>/.exec(cell(html([passed]), "server:1-1024/tcp v4"))![1]!;
    expect(except).toContain("blocked on 1-1024 except 22,80,443: 1021 dropped, 2 open, 1 admitted (nothing listening)");
  });

  test("a failed sweep's cell says how many ports broke it", () => {
    const summaryLine = /<summary>(.*?)<\/summary>/.exec(cell(html([failed]), "server:1-1024/tcp v4"))![1]!;
    expect(summaryLine).toContain("dropped on 1-1024 except 22: 2 port(s) broke it (1021 dropped, 2 open, 1 admitted (nothing listening))");
  });
});
