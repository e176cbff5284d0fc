/** The project's fwspec.config.json through the real `fwspec validate` (no Docker): read when it marks the root, so broken JSON or a setting that does nothing is an error, not silence. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, test } from "vitest";

const MAIN = path.resolve(import.meta.dirname, "main.ts");
const tmp = mkdtempSync(path.join(tmpdir(), "fwspec-config-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCENARIO = "name: T\ndescription: D\nhosts: { server: { firewall: true, listen: [tcp/22] }, client: {} }\nsteps:\n  - expect: [client -> server:22 open]\n";

/** A project at tmp/<name> with `config` as its fwspec.config.json and two scenarios; `fwspec validate scenarios` in it. */
async function validate(name: string, config: string) {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, "scenarios"), { recursive: true });
  writeFileSync(path.join(dir, "fwspec.config.json"), config);
  for (const s of ["a.yaml", "b.yaml"]) writeFileSync(path.join(dir, "scenarios", s), SCENARIO);
  const r = await execa(process.execPath, [MAIN, "validate", "scenarios"], { cwd: dir, reject: false });
  // Named as the terminal shows it: relative to the folder fwspec runs in.
  return { code: r.exitCode, out: `${r.stdout}\n${r.stderr}`, config: "fwspec.config.json" };
}

describe("fwspec.config.json is read where it marks the root", () => {
  test("{} and an empty file mark the root and pass", async () => {
    expect((await validate("empty", "")).code).toBe(0);
    expect((await validate("braces", "{}\n")).code).toBe(0);
  });

  test("broken JSON: exit 2, once, naming the file, line and column and what to do", async () => {
    const r = await validate("broken", '{\n  "scenarios": "tests/fw",\n}\n');
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain(`${r.config}:3:1: fwspec.config.json is not valid JSON: Expected double-quoted property name`);
    expect(r.out).toContain("hint: fix the JSON here, or leave the file empty or `{}`");
    expect(r.out.split(`${r.config}:`).length - 1, r.out).toBe(1);
  });

  test("a key a user expects to work: exit 2 naming the key and saying the config has no settings", async () => {
    const r = await validate("key", '{ "scenarios": "tests/fw" }\n');
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain(`${r.config}:1:3: fwspec.config.json: \`scenarios\` is not a setting: the config has no settings yet: it only marks the project root`);
    expect(r.out).toMatch(/`(npx fwspec|\/\S+\/bin\/fwspec) run tests\/firewall`/);
  });
});
