/** Unit tests (no Docker) for read-file.ts: what counts as inside the project root. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { failureWords, readTextFileSync } from "./read-file.ts";

describe("readTextFileSync with a root", () => {
  const root = mkdtempSync(join(tmpdir(), "fwspec-read-"));
  mkdirSync(join(root, "project"));
  writeFileSync(join(root, "project", "..rules.v4"), "*filter\nCOMMIT\n");
  writeFileSync(join(root, "outside.v4"), "*filter\nCOMMIT\n");

  test.each([
    ["a file whose name starts with `..` is inside", join(root, "project", "..rules.v4"), true],
    ["the folder above the root is outside", join(root, "outside.v4"), false],
  ])("%s", (_what, file, ok) => {
    const r = readTextFileSync(file, { root: join(root, "project") });
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.failure.kind).toBe("outside");
  });
});

describe("failureWords: a failure as `cannot use FILE (…)` says it (tester 43b: `not file`)", () => {
  test.each<[string, Parameters<typeof failureWords>[0], string]>([
    ["missing", { kind: "missing", error: new Error("ENOENT") }, "not found"],
    ["a folder", { kind: "not-file", what: "a directory" }, "a directory, not a file"],
    ["something else", { kind: "not-file", what: "not a regular file" }, "not a regular file"],
    ["empty", { kind: "empty" }, "empty"],
    ["too large", { kind: "too-large", size: 40_000_000 }, "too large: 40000000 bytes"],
    ["not UTF-8", { kind: "not-utf8" }, "not UTF-8 text"],
  ])("%s", (_, failure, words) => {
    expect(failureWords(failure)).toBe(words);
  });
});
