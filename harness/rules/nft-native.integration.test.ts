/**
 * Native nftables end to end on real lab hosts: an nft ruleset file (with
 * `flush ruleset`, an inet table, a set, a named counter, a commented drop
 * rule and a reject) is checked, applied as one transaction and judged with
 * the nft rules' counters (early `dropped` from a counted drop rule, a chain
 * policy drop decided from the step's trace); a failing apply is rolled back, native tables
 * included; a bad file names its line; and the shared-lab reset brings the
 * host back for the next scenario (also after `flush ruleset` deleted
 * Docker's DNS rules).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandError } from "../errors.ts";
import { planScenario } from "../plan/plan.ts";
import type { Progress } from "../progress.ts";
import { runScenarioSet } from "../runner/run-set.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ApplyStep } from "../scenario/model.ts";
import { openSession, testLabProvider } from "../testing/session.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-nft-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  writeFileSync(path.join(dir, name), `${lines.join("\n")}\n`);
  return name;
}

const ruleset = file("fw.nft", [
  "flush ruleset",
  "table inet fw {",
  "  counter allowed_hits { }",
  "  set allowed_tcp { type inet_service; elements = { 8080 } }",
  "  chain input {",
  "    type filter hook input priority 0; policy drop;",
  "    ct state established,related accept",
  '    iif "lo" accept',
  "    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept",
  "    tcp dport @allowed_tcp counter name allowed_hits accept",
  '    tcp dport 8081 counter drop comment "block 8081"',
  "    tcp dport 8082 counter reject with tcp reset",
  "  }",
  "}",
]);
const bad = file("bad.nft", ["table inet fw2 {", "  chain input {", "    tcp dport 22 acept", "  }", "}"]);
/** nft -c accepts it, the kernel refuses its jump loop (tester 44a). */
const placed = file("placed.nft", ["table inet fw4 {", "  chain input {", "    ip saddr {{ remote.ipv4 }} tcp dport 22 acept", "  }", "}"]);
const loop = file("loop.nft", ["table inet fw3 {", "  chain input {", "    type filter hook input priority 0; policy accept;", "    jump a", "  }", "  chain a {", "    tcp dport 22 jump b", "  }", "  chain b {", "    tcp dport 22 jump a", "  }", "}"]);

const hosts = {
  server: { firewall: true, listen: ["tcp/8080", "tcp/8081", "tcp/8082", "tcp/8083"] },
  leg: { firewall: true, backend: "legacy", listen: ["tcp/8080"] },
  remote: {},
};

function scenario(name: string, steps: unknown[]) {
  return defineScenario({ name, description: `native nft: ${name}`, hosts, timeout: 1, steps } as never, { baseDir: dir });
}

describe("native nftables", () => {
  it("applies a ruleset file, judges with its counters, and the reset between scenarios undoes it", async () => {
    const lines: string[] = [];
    const progress: Progress = { step: (m) => void lines.push(m), info: (m) => void lines.push(m) };
    const reports = await runScenarioSet(
      [
        scenario("native", [
          { apply: { host: "server", nft: ruleset } },
          { expect: ["remote -> server:8080 open", "remote -> server:8081 dropped", "remote -> server:8082 refused", "remote -> server:8083/tcp4 dropped"] },
          {
            counters: [
              // an inet rule counts both families' probes: one SYN each, 60 + 80 bytes (stopped early, nothing retransmitted)
              { host: "server", comment: "block 8081", packets: 2 },
              { host: "server", table: "inet fw", handle: 9, packets: 2 },
              { host: "server", table: "inet fw", chain: "input", rule: "tcp dport 8082 counter reject with tcp reset", packets: ">= 2" },
              // A named counter counts both families together: read once, no `family`.
              { host: "server", counter: "allowed_hits", packets: 2 },
            ],
          },
        ]),
        scenario("clean after native", [{ expect: ["remote -> server:8081 open", "remote -> server:8083 open"] }]),
        scenario("legacy host flushed", [{ apply: { host: "leg", nft: ruleset } }, { expect: ["remote -> leg:8080 open"] }]),
        scenario("clean after legacy flush", [{ expect: ["remote -> leg:8080 open"] }]),
      ].map((s) => planScenario(s)),
      { provider: await testLabProvider(), progress, labs: 1 },
    );
    const [native, clean, legacy, cleanLegacy] = reports;
    const cells = (i: number) => reports[i]!.expectations.map((c) => `${c.text} ${c.family} ${c.actual} ${c.status}`);
    expect(native!.status, JSON.stringify([native!.steps, native!.errors])).toBe("passed");
    // The apply: evidence is the loaded native ruleset as nft prints it; `flush ruleset` deleting Docker's DNS rules is said.
    const apply = native!.steps[0]!;
    expect(apply.message).toMatch(/^applied nft -f .*fw\.nft on server \(ruleset [0-9a-f]{12}\); note: `flush ruleset` in .*fw\.nft also deleted Docker's DNS rules/);
    expect((apply.evidence as { nft?: string }).nft).toMatch(/table inet fw \{[\s\S]*tcp dport 8081 counter drop comment "block 8081"/);
    const byText = (text: string, family: string) => native!.expectations.find((e) => e.text === text && e.family === family)!;
    for (const family of ["ipv4", "ipv6"]) {
      const dropped = byText("remote -> server:8081 dropped", family);
      // Decided early by the counted drop rule, named as nft prints it (with its handle).
      expect(dropped.evidence.stoppedEarly, family).toMatch(/stopped after \d+ ms.*a drop rule/);
      expect(dropped.decidedBy.join("\n"), family).toMatch(new RegExp(`^${family} inet fw input #5 tcp dport 8081 counter drop comment "block 8081" # handle \\d+ \\(\\+1 packets\\)$`, "m"));
      expect(byText("remote -> server:8080 open", family).decidedBy.join("\n")).toMatch(/tcp dport @allowed_tcp counter name "allowed_hits" accept # handle \d+ \(\+\d+ packets\)/);
      expect(byText("remote -> server:8082 refused", family).decidedBy.join("\n")).toMatch(/tcp dport 8082 counter reject with tcp reset/);
    }
    // The chain policy drop has no counter in nftables: decided early from the step's trace, which names the policy.
    const policy = native!.expectations.filter((e) => e.text.includes(":8083"));
    expect(policy.map((e) => `${e.family} ${e.actual} ${e.evidence.stoppedEarly ?? "waited"}`)).toEqual([
      expect.stringMatching(/^ipv4 dropped stopped after \d+ ms: the input policy drop on server \(\S+\/fw\.nft:6\) took its SYN and no answer had come$/),
    ]);
    expect(native!.counters.map((c) => `${c.family} ${c.status} ${c.message}`)).toEqual([
      'ipv4 passed tcp dport 8081 counter drop comment "block 8081" # handle 9: +2 packets, +140 bytes (inet: IPv4 and IPv6 together)',
      'ipv4 passed tcp dport 8081 counter drop comment "block 8081" # handle 9: +2 packets, +140 bytes (inet: IPv4 and IPv6 together)',
      expect.stringMatching(/^ipv4 passed tcp dport 8082 counter reject with tcp reset # handle 10: \+\d+ packets/),
      expect.stringMatching(/^ipv4 passed counter allowed_hits in table inet fw: \+2 packets/),
    ]);
    expect(cells(1).every((c) => c.endsWith("open passed")), cells(1).join("\n")).toBe(true);
    expect(clean!.expectations).toHaveLength(4);
    expect(legacy!.status, JSON.stringify(legacy!.steps)).toBe("passed");
    expect(cleanLegacy!.status).toBe("passed");
    // After `flush ruleset` on an nft-backend host the reset restores Docker's nat table: the lab is reused.
    const fresh = lines.filter((l) => l.includes("fresh lab"));
    expect(fresh.filter((l) => l.includes("clean after native")), lines.join("\n")).toEqual([]);
    // On a legacy-backend host Docker's DNS rules live in nft table ip nat as iptables-nft rules (xtables compat
    // expressions nft cannot load back): that host is not reused, and the progress line says why.
    expect(fresh.filter((l) => l.includes("clean after legacy flush")), lines.join("\n")).toEqual([
      expect.stringMatching(/leg: nftables table ip nat changed \(iptables-nft rules, which nft cannot load back\)/),
    ]);
  });

  // Tester 45b: nft counted the column in the line with the lab address put in; the file has the placeholder.
  it("names a bad line holding a lab-address placeholder at the column of the line as written", async () => {
    const s = defineScenario({
      name: "placed", description: "a placeholder before the typo", hosts: { server: { firewall: true, listen: ["tcp/22"] }, remote: {} },
      steps: [{ apply: { host: "server", nft: placed } }],
    } as never, { baseDir: dir });
    await using session = await openSession(s);
    const rejected = await session.apply(s.steps[0] as ApplyStep, "apply").then(() => undefined, (e: unknown) => e);
    expect(rejected).toBeInstanceOf(CommandError);
    const column = "    ip saddr {{ remote.ipv4 }} tcp dport 22 acept".length + 1;
    expect((rejected as Error).message).toContain(`${path.join(dir, "placed.nft")}:3:${column}: syntax error, unexpected newline`);
  });

  it("rolls back a failing apply, native tables included, and names a bad file's line", async () => {
    const s = defineScenario({
      name: "rollback", description: "native nft rollback", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
      steps: [
        { apply: { host: "server", commands: ["nft add table inet keep", ["nft", "add", "chain", "inet", "keep", "c", "{ type filter hook input priority 0 ; }"]] } },
        { apply: { host: "server", commands: ["nft add table inet junk", "nft delete table inet keep", ["nft", "add", "chain", "inet", "junk", "c", "{ type nonsense hook input priority 0 ; }"]] } },
        { apply: { host: "server", nft: bad } },
        { apply: { host: "server", nft: loop } },
      ],
    } as never, { baseDir: dir });
    await using session = await openSession(s);
    const host = session.lab.host("server");
    const tables = async () => (await host.run(["nft", "list", "tables"], "listing")).stdout.trim().split("\n").filter((l) => l.includes("inet"));
    await session.apply(s.steps[0] as ApplyStep, "apply");
    expect(await tables()).toEqual(["table inet keep"]);
    const failed = await session.apply(s.steps[1] as ApplyStep, "apply").then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(CommandError);
    expect((failed as Error).message).toMatch(/rolled back/);
    // junk is gone, keep is back with its chain.
    expect(await tables()).toEqual(["table inet keep"]);
    expect((await host.run(["nft", "list", "chain", "inet", "keep", "c"], "listing")).stdout).toMatch(/type filter hook input priority filter; policy accept;/);
    const rejected = await session.apply(s.steps[2] as ApplyStep, "apply").then(() => undefined, (e: unknown) => e);
    expect(rejected).toBeInstanceOf(CommandError);
    // Each problem on its own indented line under the heading, naming file and line.
    expect((rejected as Error).message).toContain(`nft -c rejected ${path.join(dir, "bad.nft")}:\n  ${path.join(dir, "bad.nft")}:3:23: syntax error, unexpected newline\n        tcp dport 22 acept\n                          ^\nno rule of this apply step was kept (rolled back)`);
    expect(await tables()).toEqual(["table inet keep"]);
    // What only the kernel refuses: named at the user's file and line, not fwspec's staged copy in the host's /tmp.
    const loaded = await session.apply(s.steps[3] as ApplyStep, "apply").then(() => undefined, (e: unknown) => e);
    expect(loaded).toBeInstanceOf(CommandError);
    expect((loaded as Error).message).toMatch(new RegExp(`^the kernel refused ${path.join(dir, "loop.nft")} \\(nft -c had accepted it\\):\n  ${path.join(dir, "loop.nft")}:(7|10):\\d+: Could not process rule: Too many links`));
    expect((loaded as Error).message).not.toContain("/tmp/fwspec/");
    expect(await tables()).toEqual(["table inet keep"]);
  });
});
