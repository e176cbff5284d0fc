/** Unit tests (no Docker) for mutate.ts: report paths that can be no file are bad input before any scenario is read or lab started. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../errors.ts";
import { runMutate } from "./mutate.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-mutate-"));
writeFileSync(path.join(dir, "rules.sh"), "");

describe("fwspec mutate: report paths refused up front", () => {
  test.each<[string, { json?: string; html?: string }, RegExp]>([
    ["--json empty", { json: "" }, /^--json '' names no file$/],
    ["--html an existing folder", { html: dir }, /^--html .* is a folder \(.*\), not a file$/],
    ["--json under a file", { json: path.join(dir, "rules.sh", "m.json") }, /^--json .*: .*rules\.sh is not a folder$/],
  ])("%s", async (_, opts, message) => {
    // The scenario path names nothing: the report path is refused before the scenarios are read.
    const run = runMutate([path.join(dir, "no-such.yaml")], opts);
    await expect(run).rejects.toThrow(message);
    await expect(runMutate([path.join(dir, "no-such.yaml")], opts)).rejects.toMatchObject({ exitCode: EXIT.badInput });
  });
});
