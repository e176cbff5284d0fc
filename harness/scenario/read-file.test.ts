/** Unit tests (no Docker) for read-file.ts: what counts as inside the project root. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { failureWords, notUtf8At, readTextFileSync } from "./read-file.ts";

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
    ["not UTF-8", { kind: "not-utf8", line: 1, column: 1 }, "not UTF-8 text"],
  ])("%s", (_, failure, words) => {
    expect(failureWords(failure)).toBe(words);
  });
});

test.each([
  // Tester 44d: a Latin-1 byte on line 11 was said at 1:1.
  ["a Latin-1 byte on line 3", Buffer.concat([Buffer.from("name: n\ndescription: d\nhosts: caf"), Buffer.from([0xe9]), Buffer.from("\n")]), 3, 11],
  ["after a valid multi-byte character", Buffer.concat([Buffer.from("é x"), Buffer.from([0xff])]), 1, 4],
  ["on the first line", Buffer.from([0xc3, 0x28]), 1, 1],
])("a byte that is no UTF-8, %s: its line and character", (_what, buffer, line, column) => {
  expect(notUtf8At(buffer)).toEqual({ kind: "not-utf8", line, column });
});
