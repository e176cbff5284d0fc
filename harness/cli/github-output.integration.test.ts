/**
 * fwspec run under GitHub Actions, end to end (real containers): annotations
 * on the scenario file and line, the job summary appended to
 * $GITHUB_STEP_SUMMARY, JUnit names relative to the working folder, and a
 * console report no wider than 100 columns when stdout is not a terminal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");

it("annotates the failing example's line, appends the job summary and names JUnit cases relatively", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-gh-"));
  const summary = join(dir, "summary.md");
  writeFileSync(summary, "earlier step's summary\n");
  const env = { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: PROJECT_ROOT };
  const r = await execa(process.execPath, [CLI, "run", "examples/failing", "--junit", join(dir, "r.xml")], { cwd: PROJECT_ROOT, env, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stdout).toMatch(/^::error file=examples\/failing\/drop-behind-accept\.yaml,line=21,title=fwspec%3A remote -> server%3A8080 dropped \[ipv4\]%3A expected dropped%2C observed open::.*%0A {2}repro: +docker exec /m);
  // The console report too (the default under Actions), fitted to 100 columns but for a repro command on its own line.
  expect(r.stdout).toMatch(/from \\ to/);
  for (const line of r.stdout.split("\n").filter((l) => !l.startsWith("::"))) {
    if (line.length > 100) expect(line.trim(), line).toMatch(/^docker exec \S+( \S+)*$/);
  }
  const md = readFileSync(summary, "utf8");
  expect(md).toMatch(/^earlier step's summary\n## fwspec: 1 of 1 scenario\(s\) failed/);
  expect(md).toMatch(/^\| 21 \| remote -&gt; server:8080 dropped \\\[ipv4\\\] \| dropped \| open \| ❌ failed \|$/m);
  expect(md).toMatch(/```sh\n {2}docker exec fwspec-\S+ /);
  expect(readFileSync(join(dir, "r.xml"), "utf8")).toContain('classname="examples/failing/drop-behind-accept.yaml"');
});

it("--reporter github alone: annotations, no console table", async () => {
  const r = await execa(process.execPath, [CLI, "run", "examples/failing", "--reporter", "github"], { cwd: PROJECT_ROOT, env: { GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "" }, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stdout).toMatch(/^::error file=examples\/failing\/drop-behind-accept\.yaml,line=21,/m);
  expect(r.stdout).not.toMatch(/from \\ to/);
});

/** A project folder with one scenario applying `bad.v4`, whose third line is `rule`. */
function badRulesProject(name: string, description: string, rule: string): string {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-gh-rules-"));
  writeFileSync(join(dir, "package.json"), "{}\n");
  writeFileSync(join(dir, "bad.v4"), `*filter\n:INPUT ACCEPT [0:0]\n${rule}\nCOMMIT\n`);
  writeFileSync(join(dir, "bad.yaml"), [
    `name: ${name}`,
    `description: ${description}`,
    "hosts:",
    "  server: { firewall: true, listen: [tcp/8080] }",
    "  client: {}",
    "steps:",
    "  - apply: { host: server, restore: { ipv4: bad.v4 } }",
    "  - expect: [client -> server:8080 dropped]",
    "",
  ].join("\n"));
  return dir;
}

it("--check-rules under GitHub Actions: an error annotation on the rules file's rejected line and column, then exit 2", async () => {
  const dir = badRulesProject("bad rules", "a jump to a target that does not exist", "-A INPUT -p tcp --dport 8080 -j DROPP");
  const r = await execa(process.execPath, [CLI, "run", "--check-rules", "bad.yaml"], { cwd: dir, env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: "", GITHUB_WORKSPACE: dir }, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(2);
  expect(r.stdout).toMatch(/^::error file=bad\.v4,line=3,col=30,title=fwspec%3A rule line rejected by iptables-restore::ipv4: -j DROPP: no chain or target named DROPP/m);
});

it("an apply step whose rules file a tool refused in the lab: an error annotation on that file's line too", async () => {
  const dir = badRulesProject("bad port", "a port number iptables refuses", "-A INPUT -p tcp --dport 99999 -j DROP");
  const r = await execa(process.execPath, [CLI, "run", "bad.yaml", "--reporter", "github"], { cwd: dir, env: { GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "", GITHUB_WORKSPACE: dir }, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stdout).toMatch(/^::error file=bad\.yaml,line=7,/m);
  expect(r.stdout).toMatch(/^::error file=bad\.v4,line=3,title=fwspec%3A rule line rejected by iptables-restore --test::bad port \(bad\.yaml:7\): ipv4: .*invalid port\/service `99999' specified$/m);
});

it("a jump to nothing found before any lab (no --check-rules): the scenario errors, and its rules file line and column are annotated", async () => {
  const dir = badRulesProject("bad jump", "a jump to a target that does not exist", "-A INPUT -p tcp --dport 8080 -j DROPP");
  const r = await execa(process.execPath, [CLI, "run", "bad.yaml", "--reporter", "github"], { cwd: dir, env: { GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "", GITHUB_WORKSPACE: dir }, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stdout).toMatch(/^::error file=bad\.v4,line=3,col=30,title=fwspec%3A rule line rejected by [^:]+::bad jump \(bad\.yaml\): ipv4: -j DROPP: no chain or target named DROPP/m);
  expect(r.stdout).toMatch(/^::error file=bad\.yaml,title=fwspec%3A scenario error/m);
});
