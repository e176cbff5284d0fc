import { readFileSync } from "node:fs";
import path from "node:path";
import { CommanderError } from "commander";
import { describe, expect, test } from "vitest";
import { buildProgram } from "./main.ts";

const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, "../../package.json"), "utf8")) as { version: string };

describe("fwspec --version", () => {
  test.each(["--version", "-V"])("%s prints the package's version and ends with exit 0", async (flag) => {
    let out = "";
    const program = buildProgram().configureOutput({ writeOut: (s) => void (out += s), writeErr: () => undefined });
    const error = await program.parseAsync([flag], { from: "user" }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect([(error as CommanderError).code, (error as CommanderError).exitCode, out]).toEqual(["commander.version", 0, `${manifest.version}\n`]);
  });
});
