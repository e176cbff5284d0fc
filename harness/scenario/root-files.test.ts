/** Unit tests (temporary directories, no Docker) for the project root as the loader applies it: rules files beside the scenarios' folder, --root, symbolic links out. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { loadScenarioSync, ScenarioError } from "./load.ts";
import type { LoadOptions } from "./load.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "fwspec-root-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCENARIO = "name: T\ndescription: D\nhosts: { server: { firewall: true } }\nsteps:\n  - apply: { restore: { ipv4: ../firewall/rules.v4 } }\n";
const RULES = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n";

/** A repository at tmp/<name>: `markers` (relative paths; a trailing / makes a directory), firewall/rules.v4, and infra/scenarios/s.yaml naming ../firewall/rules.v4 relative to infra/. */
function repo(name: string, markers: readonly string[]): string {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, "infra", "scenarios"), { recursive: true });
  mkdirSync(path.join(dir, "infra", "firewall"), { recursive: true });
  mkdirSync(path.join(dir, "firewall"), { recursive: true });
  for (const m of markers) {
    if (m.endsWith("/")) mkdirSync(path.join(dir, m), { recursive: true });
    else writeFileSync(path.join(dir, m), "");
  }
  writeFileSync(path.join(dir, "firewall", "rules.v4"), RULES);
  const scenarios = path.join(dir, "infra", "scenarios");
  // ../../firewall from infra/scenarios: the repository's own firewall/ folder.
  writeFileSync(path.join(scenarios, "s.yaml"), SCENARIO.replace("../firewall", "../../firewall"));
  return path.join(scenarios, "s.yaml");
}

function problem(file: string, opts: LoadOptions = {}): string | undefined {
  try {
    loadScenarioSync(file, opts);
    return undefined;
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.diagnostics.map((d) => `${d.message}\n  hint: ${d.hint}`).join("\n");
  }
}

describe("files a scenario names may be anywhere inside the project root", () => {
  test("a git work tree: a rules file outside the scenarios' folder is inside the project (no package.json anywhere)", () => {
    expect(problem(repo("git", [".git/"]))).toBeUndefined();
  });

  test("a .git file (a worktree or submodule) marks the work tree as well", () => {
    expect(problem(repo("gitfile", [".git"]))).toBeUndefined();
  });

  test("a git work tree wins over a package.json in a subfolder", () => {
    expect(problem(repo("git-pkg", [".git/", "infra/package.json"]))).toBeUndefined();
  });

  test("a fwspec.config.json narrows the root, and the message says which root and why, and how to change it", () => {
    const file = repo("config", [".git/", "infra/fwspec.config.json"]);
    const p = problem(file);
    expect(p).toContain(`\`../../firewall/rules.v4\` is outside the project root, ${path.join(tmp, "config", "infra")}, the nearest directory with fwspec.config.json`);
    expect(p).toContain("--root DIR");
    expect(p).toContain("fwspec.config.json in the directory that holds both");
  });

  test.each([
    ["fwspec.config.ts", "export default { timeout: 3 }\n", "fwspec does not read fwspec.config.ts"],
    ["fwspec.config.yaml", "timeout: 5\n", "fwspec.config.yaml: `timeout` is not a setting"],
  ])("a %s with settings beside the empty fwspec.config.json is refused as it would be alone", (name, text, message) => {
    const file = repo(`beside-${name}`, [".git/", "fwspec.config.json"]);
    writeFileSync(path.join(tmp, `beside-${name}`, name), text);
    expect(problem(file)).toContain(message);
    // An empty one beside it marks the root as well: nothing said.
    writeFileSync(path.join(tmp, `beside-${name}`, name), "");
    expect(problem(file)).toBeUndefined();
  });

  test("a CR LF rules file: the hint's commands name it as typed where fwspec runs, not relative to the scenario", () => {
    const file = repo("crlf", [".git/"]);
    const rules = path.join(tmp, "crlf", "firewall", "rules.v4");
    writeFileSync(rules, RULES.replace(/\n/g, "\r\n"));
    const p = problem(file);
    expect(p).toContain("`../../firewall/rules.v4` has Windows line endings");
    // Outside the folder fwspec runs in: the absolute path (inside it, the path relative to it: shown-path.ts).
    expect(p).toContain(`sed -i 's/\\r$//' ${rules}\` or \`dos2unix ${rules}\``);
    expect(p).not.toContain("dos2unix ../../firewall/rules.v4");
  });

  test("--root widens it again", () => {
    const file = repo("config-root", [".git/", "infra/fwspec.config.json"]);
    expect(problem(file, { root: path.join(tmp, "config-root") })).toBeUndefined();
  });

  test("the git work tree is named in the message when a path leaves it", () => {
    const file = repo("git-out", [".git/"]);
    writeFileSync(file, SCENARIO.replace("../firewall/rules.v4", "../../../elsewhere/rules.v4"));
    expect(problem(file)).toContain(`is outside the project root, the git work tree at ${path.join(tmp, "git-out")}`);
  });

  test("--root that is no directory is refused before anything is read", () => {
    const file = repo("bad-root", [".git/"]);
    expect(() => loadScenarioSync(file, { root: path.join(tmp, "no-such-dir") })).toThrow(/^--root .*no-such-dir: no such directory/);
  });

  test("a symbolic link leading out of the root stays refused", () => {
    const file = repo("link", [".git/"]);
    writeFileSync(path.join(tmp, "secret.v4"), RULES);
    rmSync(path.join(tmp, "link", "firewall", "rules.v4"));
    symlinkSync(path.join(tmp, "secret.v4"), path.join(tmp, "link", "firewall", "rules.v4"));
    const p = problem(file);
    expect(p).toContain(`leads outside the project root (to ${path.join(tmp, "secret.v4")}), the git work tree at ${path.join(tmp, "link")}`);
    expect(p).toContain("--root DIR");
  });
});
