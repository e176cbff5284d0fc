/**
 * Report files never hide the result: missing folders are created, and a
 * report that cannot be written is one clear line and exit 4 (fwspec's own
 * failure) after an all-pass run, with the other report still written.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const SCENARIO = "scenarios/restrict-localhost/01-localhost-only-ipv4.yaml";
const fwspec = (...args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, reject: false, all: true });

describe("fwspec run report files", () => {
  it("creates missing folders for --json and --junit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-reports-"));
    const r = await fwspec("run", SCENARIO, "--json", join(dir, "reports/a/x.json"), "--junit", join(dir, "junit/x.xml"));
    expect(r.exitCode, r.all).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "reports/a/x.json"), "utf8")).summary.failed).toBe(0);
    expect(readFileSync(join(dir, "junit/x.xml"), "utf8")).toMatch(/^<\?xml/);
  });

  it("a report path that can be no file: exit 2 before any lab starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-reports-"));
    writeFileSync(join(dir, "plain-file"), "not a folder\n");
    const r = await fwspec("run", SCENARIO, "--json", join(dir, "plain-file/x.json"), "--junit", dir);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain(`--json ${join(dir, "plain-file/x.json")}: ${join(dir, "plain-file")} is not a folder; --junit ${dir} is a folder (${dir}), not a file`);
    expect(r.all).not.toMatch(/lab .*: starting/);
  });

  it("a report that cannot be written: exit 4, one line with a hint, no stack, JUnit still written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-reports-"));
    const r = await fwspec("run", SCENARIO, "--json", "/proc/fwspec-no-such/x.json", "--junit", join(dir, "out/x.xml"));
    expect(r.exitCode, r.all).toBe(4);
    expect(r.stdout).toMatch(/1 passed, 0 failed/);
    expect(r.stderr).toMatch(/could not write the JSON report to \/proc\/fwspec-no-such\/x\.json: .*\n\s+hint: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "out/x.xml"))).toBe(true);
  });
});
