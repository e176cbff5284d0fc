/**
 * `fwspec record` end to end, real containers: on the shipped localhost-only
 * policy (scenario 02 and its rules file, copied into a project of their
 * own) it writes a scenario that `fwspec run` passes unchanged; after one
 * rule is added to the rules file, that scenario fails on exactly the flows
 * the rule changed; `record --update` then takes the change in and the
 * scenario passes again.
 */
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import type { RunReport } from "../report/model.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "fwspec-record-"));
const fwspec = (...args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: dir, reject: false, all: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("fwspec record", () => {
  it("records the localhost-only policy as a passing scenario; one more rule fails exactly the flows it changed", async () => {
    writeFileSync(join(dir, "fwspec.config.json"), "{}\n");
    copyFileSync(join(PROJECT_ROOT, "fixtures/localhost-only.sh"), join(dir, "rules.sh"));
    const shipped = readFileSync(join(PROJECT_ROOT, "scenarios/restrict-localhost/02-localhost-only-both-families.yaml"), "utf8");
    writeFileSync(join(dir, "policy.yaml"), shipped.replace("../../fixtures/localhost-only.sh", "rules.sh"));

    const rec = await fwspec("record", "policy.yaml", "--out", "recorded.yaml");
    expect(rec.exitCode, rec.all).toBe(0);
    expect(rec.stdout).not.toContain("will not pass");
    const recorded = readFileSync(join(dir, "recorded.yaml"), "utf8");
    // The matrix: remote and the server itself (loopback and own address) to each of the four listeners, with the deciding rules named.
    expect(recorded).toContain("      - remote -> server:8080 dropped  # filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (rules.sh:4, rules.sh:6)\n");
    expect(recorded).toContain("      - server -> localhost:8080 open  # ipv4: filter INPUT #1 -A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT (rules.sh:3); ipv6: filter INPUT #1 -A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT (rules.sh:5)\n");
    expect(recorded).toContain("      - remote -> server:5353/udp open  # filter INPUT policy ACCEPT\n");
    expect(recorded.match(/^ {6}- /gm)).toHaveLength(12 + 2); // 12 recorded lines + the counters step's 2 checks
    // Everything but the expect step as it was written.
    expect(recorded.startsWith(shipped.replace("../../fixtures/localhost-only.sh", "rules.sh").split("  - expect:")[0]!)).toBe(true);

    const pass = await fwspec("run", "recorded.yaml", "--json", "pass.json");
    expect(pass.exitCode, pass.all).toBe(0);

    // One rule more: port 8081 refused over IPv4 for everyone, loopback included.
    appendFileSync(join(dir, "rules.sh"), "iptables -I INPUT 1 -p tcp --dport 8081 -j REJECT --reject-with tcp-reset\n");
    const fail = await fwspec("run", "recorded.yaml", "--json", "fail.json");
    expect(fail.exitCode, fail.all).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, "fail.json"), "utf8")) as RunReport;
    const failed = report.scenarios[0]!.expectations.filter((e) => e.status !== "passed").map((e) => `${e.text} [${e.family}]: ${e.actual}`);
    expect(failed.sort()).toEqual([
      "remote -> server:8081 open [ipv4]: refused",
      "server -> localhost:8081 open [ipv4]: refused",
      "server -> server:8081 open [ipv4]: refused",
    ]);

    // Adopting the change: record --update rewrites only the recorded step (the counters step stays), and the scenario passes again.
    const update = await fwspec("record", "recorded.yaml", "--update");
    expect(update.exitCode, update.all).toBe(0);
    const updated = readFileSync(join(dir, "recorded.yaml"), "utf8");
    expect(updated).toContain("      - remote -> server:8081/tcp4 refused  # filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with tcp-reset (rules.sh:7)\n      - remote -> server:8081/tcp6 open  # filter INPUT policy ACCEPT\n");
    expect(updated.split("  - counters:")[1]).toBe(recorded.split("  - counters:")[1]);
    expect(updated.match(/# recorded by fwspec record/g)).toHaveLength(1);
    const again = await fwspec("run", "recorded.yaml");
    expect(again.exitCode, again.all).toBe(0);

    // A rule the kept counters step names, taken out of the rules: record says that check will not pass (tester 41a), at its line.
    writeFileSync(join(dir, "rules.sh"), readFileSync(join(dir, "rules.sh"), "utf8").replace("ip6tables -A INPUT -p tcp --dport 8080 -j DROP\n", ""));
    const stale = await fwspec("record", "recorded.yaml", "--update");
    expect(stale.exitCode, stale.all).toBe(0);
    expect(stale.stdout).toMatch(/^kept as written, will not pass: the counters check at recorded\.yaml:\d+: rule "-A INPUT -p tcp --dport 8080 -j DROP" names no ipv6 rule among those loaded on server \(step at line \d+\)$/m);
  });
});
