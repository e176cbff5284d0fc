/** `fwspec init` (the example) in a folder that already has rules (no Docker: it only writes files). */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { packageVersion } from "../env/package-root.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { initExample, initFrom } from "./init.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("a repository with its own firewall/rules.v4: nothing is written, and the hint is `init --from`, never --force (which would replace the rules)", () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-init-example-"));
  dirs.push(dir);
  mkdirSync(join(dir, "firewall"));
  writeFileSync(join(dir, "firewall", "rules.v4"), "*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
  const error = (() => {
    try {
      initExample({ cwd: dir });
      return undefined;
    } catch (e) {
      return e as InputError;
    }
  })();
  expect(error).toBeInstanceOf(InputError);
  expect(error!.message).toBe("fwspec init would overwrite firewall/rules.v4; nothing was written");
  expect(error!.hint).toBe("to write a scenario for your own rules, run `npx fwspec init --from firewall/rules.v4`; --force would replace firewall/rules.v4 with the example's rules");
  expect(readFileSync(join(dir, "firewall", "rules.v4"), "utf8")).toBe("*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
});

test.each<[string, (dir: string) => void, boolean, string]>([
  ["a file where a folder must be", (dir) => writeFileSync(join(dir, ".github"), "x"), false, "fwspec init cannot write here: .github is a file where .github/workflows/fwspec.yml needs a folder; nothing was written"],
  ["a file named like the scenarios folder", (dir) => writeFileSync(join(dir, "scenarios"), "x"), false, "fwspec init cannot write here: scenarios is a file where scenarios/example.yaml needs a folder; nothing was written"],
  ["a folder where --force would write a file", (dir) => mkdirSync(join(dir, "scenarios", "example.yaml"), { recursive: true }), true, "fwspec init cannot write here: scenarios/example.yaml is a folder; nothing was written"],
])("%s: exit 2 before any file is written", (_what, arrange, force, message) => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-init-example-"));
  dirs.push(dir);
  arrange(dir);
  const before = readdirSync(dir, { recursive: true }).sort();
  expect(() => initExample({ cwd: dir, force })).toThrow(message);
  expect(readdirSync(dir, { recursive: true }).sort()).toEqual(before);
});

test.each<[string, string[], string, RegExp | undefined]>([
  ["a folder inside a project whose fwspec.config.json is above", ["fwspec.config.json"], "tests/sweep", /^fwspec init writes a project's starting point at its root, and this folder is inside the project at (\S+), the nearest directory with fwspec.config.json; nothing was written$/],
  ["a folder inside a git work tree", [".git/"], "sub/deep", /^fwspec init writes a project's starting point at its root, and this folder is inside the git work tree at (\S+); nothing was written$/],
  ["a folder with package.json above", ["package.json"], "tests", /^fwspec init writes .* inside the project at (\S+), the nearest directory with package.json; nothing was written$/],
  ["a folder made a root of its own (its own fwspec.config.json) inside a git work tree", [".git/", "sub/fwspec.config.json"], "sub", undefined],
])("%s: %s", (_what, markers, sub, refused) => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-init-root-"));
  dirs.push(dir);
  for (const m of markers) {
    if (m.endsWith("/")) mkdirSync(join(dir, m), { recursive: true });
    else {
      mkdirSync(join(dir, m, ".."), { recursive: true });
      writeFileSync(join(dir, m), "");
    }
  }
  const cwd = join(dir, sub);
  mkdirSync(cwd, { recursive: true });
  const before = readdirSync(cwd);
  let error: InputError | undefined;
  try {
    initExample({ cwd });
  } catch (e) {
    error = e as InputError;
  }
  if (!refused) {
    expect(error).toBeUndefined();
    expect(readdirSync(cwd)).toContain("scenarios");
    return;
  }
  expect(error).toBeInstanceOf(InputError);
  expect(error!.message).toMatch(refused);
  expect(refused.exec(error!.message)![1]).toBe(dir);
  expect(error!.hint).toContain(`cd ${dir} && npx fwspec init`);
  expect(readdirSync(cwd)).toEqual(before);
});

test.each<[string, string, RegExp, string]>([
  ["Windows line endings", "*filter\r\n:INPUT DROP [0:0]\r\nCOMMIT\r\n", /^--from `firewall\/crlf.v4` has Windows line endings \(CR LF, first on line 1\)/, "sed -i 's/\\r$//' firewall/crlf.v4"],
  ["an nft ruleset", "table inet filter {\n}\n", /^--from `firewall\/crlf.v4` looks like an nftables ruleset \(nft -f input\) \(line 1: `table inet filter \{`\), but `init --from` reads iptables-save files only/, "write the scenario without --from (`init` alone writes a working example) and load this file with `apply: { host: HOST, nft: firewall/crlf.v4 }`"],
])("init --from a rules file with %s: exit 2 naming the file as typed, before any lab and nothing written", async (_, text, message, hint) => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-init-crlf-"));
  dirs.push(dir);
  mkdirSync(join(dir, "firewall"));
  writeFileSync(join(dir, "firewall", "crlf.v4"), text);
  const error = await initFrom({ cwd: dir, from: "firewall/crlf.v4" }).then(() => undefined, (e: unknown) => e as InputError);
  expect(error).toBeInstanceOf(InputError);
  expect(error!.message).toMatch(message);
  expect(error!.hint).toContain(hint);
  expect(readdirSync(dir).sort()).toEqual(["firewall"]);
});

test("in a folder without a package.json, what was written says the workflow and the $schema need fwspec as a dev dependency; with one, nothing more", () => {
  const bare = mkdtempSync(join(tmpdir(), "fwspec-init-example-"));
  const npm = mkdtempSync(join(tmpdir(), "fwspec-init-example-"));
  dirs.push(bare, npm);
  writeFileSync(join(npm, "package.json"), "{}\n");
  const said = initExample({ cwd: bare });
  expect(said).toContain(`note: there is no package.json here: .github/workflows/fwspec.yml runs \`npm ci\` and \`npx --no-install fwspec\`, and the scenarios' $schema points into node_modules/fwspec; add fwspec as a dev dependency from a tarball kept in the repository (\`npm init -y && npm install -D ./vendor/fwspec-${packageVersion()}.tgz\``);
  // Never the bare name, which a package registry would resolve to someone else's package (tester 43b).
  expect(said).not.toMatch(/npm install (-D|--save-dev) fwspec`/);
  expect(initExample({ cwd: npm })).not.toContain("package.json");
});
