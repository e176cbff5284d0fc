/** The command lines the real `fwspec` prints for the user to type start as this user can run it (cli/invocation.ts), end to end, no Docker. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, test } from "vitest";

const MAIN = path.resolve(import.meta.dirname, "main.ts");
const CHECKOUT = path.resolve(import.meta.dirname, "../..");
const LAUNCHER = path.join(CHECKOUT, "bin", "fwspec");
const tmp = mkdtempSync(path.join(tmpdir(), "fwspec-invocation-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The inherited PATH without any folder holding an `fwspec` (a machine with fwspec installed or linked must not change what these tests see). */
const PATH_WITHOUT_FWSPEC = (process.env["PATH"] ?? "").split(path.delimiter).filter((d) => d !== "" && !existsSync(path.join(d, "fwspec"))).join(path.delimiter);

/** fwspec with exactly these npm variables (the test itself may run under npx: its own are dropped), `pathFirst` the only folder on PATH with an fwspec. */
async function fwspec(args: readonly string[], cwd: string, npm: Record<string, string> = {}, pathFirst?: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));
  env["PATH"] = pathFirst === undefined ? PATH_WITHOUT_FWSPEC : `${pathFirst}${path.delimiter}${PATH_WITHOUT_FWSPEC}`;
  const r = await execa(process.execPath, [MAIN, ...args], { cwd, env: { ...env, ...npm }, extendEnv: false, reject: false });
  return { code: r.exitCode, out: `${r.stdout}\n${r.stderr}` };
}

describe("printed fwspec commands", () => {
  test("started through npx: `npx fwspec …`", async () => {
    const r = await fwspec(["diff", "web.yaml"], tmp, { npm_command: "exec", npm_lifecycle_event: "npx" });
    expect(r.code).toBe(2);
    expect(r.out).toContain("hint: npx fwspec diff web.yaml --base main");
  });

  test("inside fwspec's own checkout, not through npx: `npx fwspec …` (npm runs the checkout's launcher there)", async () => {
    const r = await fwspec(["record", "scenarios/block-port/11-drop-behind-accept.yaml"], CHECKOUT);
    expect(r.out).toMatch(/hint: npx fwspec record \S+ --out \S+ {3}or: npx fwspec record \S+ --update/);
  });

  test("the checkout's launcher from another folder: its absolute path, since neither npx nor PATH finds fwspec there", async () => {
    const dir = path.join(tmp, "elsewhere");
    mkdirSync(path.join(dir, ".git"), { recursive: true });
    const r = await fwspec(["validate"], dir);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`\`${LAUNCHER} validate path/to/scenarios\``);
    expect(r.out).toContain(`\`${LAUNCHER} init\``);
  });

  test("this launcher first on PATH (a symlink to it, as `npm install -g` makes): plain `fwspec`", async () => {
    const bin = path.join(tmp, "global-bin");
    mkdirSync(bin);
    symlinkSync(LAUNCHER, path.join(bin, "fwspec"));
    const dir = path.join(tmp, "on-path");
    mkdirSync(path.join(dir, ".git"), { recursive: true });
    const r = await fwspec(["validate"], dir, {}, bin);
    expect(r.code).toBe(2);
    expect(r.out).toContain("`fwspec validate path/to/scenarios`");
    expect(r.out).not.toContain(LAUNCHER);
  });

  test("init's next steps", async () => {
    const dir = path.join(tmp, "init");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "package.json"), "{}\n");
    const r = await fwspec(["init"], dir, { npm_command: "exec" });
    expect(r.code).toBe(0);
    expect(r.out).toContain("next: npx fwspec validate && npx fwspec run");
  });

  test("a config key's hint, from another folder: the launcher's path", async () => {
    const dir = path.join(tmp, "config");
    mkdirSync(path.join(dir, "scenarios"), { recursive: true });
    writeFileSync(path.join(dir, "fwspec.config.json"), '{"scenarios": "tests"}\n');
    const r = await fwspec(["validate"], dir);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`\`${LAUNCHER} run tests/firewall\``);
  });

  test("the example init writes names `init --from` as the user ran init", async () => {
    const dir = path.join(tmp, "init-elsewhere");
    mkdirSync(path.join(dir, ".git"), { recursive: true });
    const r = await fwspec(["init"], dir);
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, "scenarios", "example.yaml"), "utf8")).toContain(`\`${LAUNCHER} init --from\``);
  });
});
