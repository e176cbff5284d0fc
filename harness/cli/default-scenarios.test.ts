/** Without paths, the real `fwspec validate` (no Docker) reads scenarios/ in the project root, from any folder of the project; where there is none it says which folder it looked in and why that root. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, test } from "vitest";

const MAIN = path.resolve(import.meta.dirname, "main.ts");
const tmp = mkdtempSync(path.join(tmpdir(), "fwspec-default-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCENARIO = "name: T\ndescription: D\nhosts: { server: { firewall: true, listen: [tcp/22] }, client: {} }\nsteps:\n  - expect: [client -> server:22 open]\n";

/** A project at tmp/<name> with `markers` (a trailing / makes a directory), an empty firewall/ folder and, with `scenarios`, two scenario files. */
function project(name: string, markers: readonly string[], scenarios: boolean): string {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, "firewall", "deep"), { recursive: true });
  for (const m of markers) {
    if (m.endsWith("/")) mkdirSync(path.join(dir, m), { recursive: true });
    else {
      mkdirSync(path.dirname(path.join(dir, m)), { recursive: true });
      writeFileSync(path.join(dir, m), "");
    }
  }
  if (scenarios) {
    mkdirSync(path.join(dir, "scenarios"));
    for (const s of ["a.yaml", "b.yaml"]) writeFileSync(path.join(dir, "scenarios", s), SCENARIO);
  }
  return dir;
}

async function validate(cwd: string, args: readonly string[] = []) {
  const r = await execa(process.execPath, [MAIN, "validate", ...args], { cwd, reject: false });
  return { code: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
}

describe("the default scenarios/ is the project root's", () => {
  test("from a subfolder of a git work tree: the root's scenarios/", async () => {
    const dir = project("git", [".git/"], true);
    const r = await validate(path.join(dir, "firewall", "deep"));
    expect(r.out).toContain("2 scenario file(s) valid");
    expect(r.code).toBe(0);
  });

  test("from a subfolder of a folder with fwspec.config.json: that folder's scenarios/", async () => {
    const dir = project("config", [".git/", "infra/fwspec.config.json"], false);
    mkdirSync(path.join(dir, "infra", "scenarios", "x"), { recursive: true });
    writeFileSync(path.join(dir, "infra", "scenarios", "x", "s.yaml"), SCENARIO);
    const r = await validate(path.join(dir, "infra", "scenarios", "x"));
    expect(r.out).toContain("1 scenario file(s) valid");
  });

  test("--root DIR: DIR's scenarios/", async () => {
    const dir = project("option", [], true);
    const r = await validate(tmp, ["--root", dir]);
    expect(r.out).toContain("2 scenario file(s) valid");
  });

  test("none there: exit 2 naming the absolute folder, the rule that chose the root, and what to do", async () => {
    const dir = project("none", [".git/"], false);
    const r = await validate(path.join(dir, "firewall"));
    expect(r.code).toBe(2);
    expect(r.out).toContain(`no scenarios folder at ${path.join(dir, "scenarios")}`);
    expect(r.out).toContain(`the git work tree at ${dir}`);
    expect(r.out).toMatch(/hint: .*validate path\/to\/scenarios.*init/);
  });

  test("an empty scenarios/ in the root: names it and the root", async () => {
    const dir = project("empty", ["package.json"], false);
    mkdirSync(path.join(dir, "scenarios"));
    const r = await validate(path.join(dir, "firewall"));
    expect(r.code).toBe(2);
    expect(r.out).toContain(`no scenario files (.yaml, .yml) in ${path.join(dir, "scenarios")}`);
    expect(r.out).toContain(`${dir}, the nearest directory with package.json`);
  });
});
