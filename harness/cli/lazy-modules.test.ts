/**
 * Commands that never reach Docker or start a process on the machine load
 * neither dockerode nor execa (about 0.18 s of `fwspec --help`): the CLI run
 * in a child node whose module hooks report every import of either.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Prints `loaded <name>` on stderr when dockerode or execa is imported (Node's synchronous module hooks).
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from "node:module";
import { writeSync } from "node:fs";
registerHooks({ resolve(specifier, context, next) {
  if (specifier === "dockerode" || specifier === "execa") writeSync(2, "loaded " + specifier + "\\n");
  return next(specifier, context);
} });`)}`;

function loaded(args: readonly string[]): string[] {
  const r = spawnSync(process.execPath, ["--import", HOOK, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  return [...r.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]!).sort();
}

it("the hook sees an import of either (the check below can fail)", () => {
  expect(loaded(["--input-type=module", "-e", 'await import("dockerode"); await import("execa");'])).toEqual(["dockerode", "execa"]);
});

it.each(["--help", "validate scenarios/block-port/11-drop-behind-accept.yaml"])("`fwspec %s` loads neither dockerode nor execa", (line) => {
  expect(loaded([MAIN, ...line.split(" ")])).toEqual([]);
});
