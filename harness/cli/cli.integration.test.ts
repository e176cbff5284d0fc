/**
 * The fwspec command end to end: real scenarios, real containers, exit codes,
 * and reports that parse.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import type { RunReport } from "../report/model.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const fwspec = (...args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, reject: false, all: true });

describe("fwspec run", () => {
  it("passes the shipped localhost-only scenario and writes JSON and JUnit that parse", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-cli-"));
    const r = await fwspec("run", "scenarios/restrict-localhost/02-localhost-only-both-families.yaml", "--json", join(dir, "r.json"), "--junit", join(dir, "r.xml"));
    expect(r.exitCode, r.all).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as RunReport;
    expect(report.scenarios).toHaveLength(1);
    const s = report.scenarios[0]!;
    expect(s.status).toBe("passed");
    expect(s.expectations.length).toBeGreaterThanOrEqual(10);
    for (const e of s.expectations) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(["from", "to", "port", "protocol", "family", "expected", "actual", "status", "evidence"]));
      expect(Object.keys(e.evidence)).toEqual(expect.arrayContaining(["command", "exitCode", "stderr", "durationMs"]));
    }
    expect(report.summary.failed).toBe(0);
    const xml = readFileSync(join(dir, "r.xml"), "utf8");
    expect(xml).toMatch(/^<\?xml/);
    expect(xml).toMatch(/<testsuites[^>]*tests="\d+"/);
    expect(r.stdout).toMatch(/from \\ to/);
  });

  it("a shard with no scenario file is no failure (more CI machines than files); a filter matching nothing is", async () => {
    const empty = await fwspec("run", "examples/failing", "--shard", "2/2");
    expect(empty.exitCode, empty.all).toBe(0);
    expect(empty.stderr).toContain("fwspec: shard 2/2 has no scenario file (fewer files than shards): nothing to run");
    const none = await fwspec("run", "examples/failing", "-t", "no-check-is-called-this");
    expect(none.exitCode, none.all).toBe(1);
    expect(none.stderr).toContain("fwspec: no scenario has a check matching /no-check-is-called-this/");
  });

  it("exits 1 on the failing example with expected vs observed and a repro command", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-cli-"));
    const r = await fwspec("run", "examples/failing", "--json", join(dir, "r.json"));
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toMatch(/expected dropped, observed open/);
    expect(r.stdout).toMatch(/repro:\s+docker exec fwspec-\S+ timeout -k 1 \d+ nc -v -N -w \d+ 198\.1[89]\.\d+\.\d+ 8080/);
    // Its lab is removed by now: said once, after the failures.
    expect(r.stdout.match(/repro commands need the lab: re-run with --keep-on-failure\b[^]*?\(this\s+run's are removed\)/g)).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as RunReport;
    expect(report.scenarios[0]!.status).toBe("failed");
    expect(report.summary.failed).toBeGreaterThanOrEqual(1);
  });

  /** A project in a temporary folder: `broken.rules.v4` applied by scenarios/a-broken.yaml, and scenarios/b-good.yaml, which passes. */
  function projectWith(rules: string): string {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-cli-"));
    writeFileSync(join(dir, "package.json"), "{}\n");
    mkdirSync(join(dir, "scenarios"));
    writeFileSync(join(dir, "broken.rules.v4"), rules);
    const hosts = "hosts:\n  server: { firewall: true, listen: [tcp/8080] }\n  remote: {}\n";
    writeFileSync(join(dir, "scenarios", "a-broken.yaml"), `name: broken restore file\ndescription: the tools refuse it\nfamily: ipv4\n${hosts}steps:\n  - apply: { host: server, restore: { ipv4: ../broken.rules.v4 } }\n  - expect:\n      - remote -> server:8080 dropped\n`);
    writeFileSync(join(dir, "scenarios", "b-good.yaml"), `name: good\ndescription: still runs\nfamily: ipv4\n${hosts}steps:\n  - expect:\n      - remote -> server:8080 open\n`);
    return dir;
  }

  it("a rules file that fails inside the container errors its scenario; the others still run", async () => {
    const dir = projectWith("*filter\n-A INPUT -p tcp --dprot 8080 -j DROP\nCOMMIT\n");
    const r = await execa(process.execPath, [CLI, "run", "scenarios", "--json", "r.json"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as RunReport;
    const byName = new Map(report.scenarios.map((s) => [s.name, s]));
    expect(byName.get("broken restore file")?.status).toBe("error");
    expect(JSON.stringify(byName.get("broken restore file"))).toMatch(/iptables-restore --test/);
    expect(byName.get("good")?.status).toBe("passed");
    expect(r.stdout).toMatch(/not run: step 1 \(apply, line \d+\) failed/);
    // Named as the user's file and the rule's line (relative to where fwspec runs, as the terminal names files), not the staged copy in the host,
    // with the way to find every bad line first.
    expect(r.stdout.replace(/\s+/g, " ")).toContain("(line 8): broken.rules.v4:2: ipv4: ");
    expect(r.stdout).not.toContain(`${join(dir, "broken.rules.v4")}:2`);
    expect(r.stdout).toMatch(/hint: `(npx fwspec|\/\S+\/bin\/fwspec) validate --rules`/);
  });

  it("a jump to no chain or target errors its scenario before its lab starts, named as validate names it; the others still run", async () => {
    const dir = projectWith("*filter\n-A INPUT -p tcp --dport 8080 -j NOSUCHTARGET\nCOMMIT\n");
    const r = await execa(process.execPath, [CLI, "run", "scenarios", "--json", "r.json", "--junit", "r.xml"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as RunReport;
    const [broken, good] = report.scenarios;
    expect(broken?.status).toBe("error");
    expect(broken?.steps).toEqual([]);
    expect(broken?.errors[0]).toMatch(/^1 rule line\(s\) rejected by the lab image's target list \(its lab was not started\):\n {2}broken\.rules\.v4:2:30: ipv4: -j NOSUCHTARGET: no chain or target named NOSUCHTARGET\n {2}hint: fix each line named above; `(npx fwspec|\/\S+\/bin\/fwspec) validate` checks them again/);
    expect(good?.status).toBe("passed");
    expect(r.stdout).toContain("      broken.rules.v4:2:30: ipv4: -j NOSUCHTARGET: no chain or target named NOSUCHTARGET");
    // No lab for it: only the good scenario's.
    expect(r.stderr).toContain("running 1 scenario(s) on 1 lab(s)");
    expect(readFileSync(join(dir, "r.xml"), "utf8")).toMatch(/<error message="1 rule line\(s\) rejected by the lab image&apos;s target list \(its lab was not started\):">/);
    // Asked to check the rules first: bad input, nothing runs.
    const checked = await execa(process.execPath, [CLI, "run", "scenarios", "--check-rules"], { cwd: dir, reject: false, all: true });
    expect(checked.exitCode, checked.all).toBe(2);
    expect(checked.stderr).toContain("(no scenario lab was started)");
  });
});
