/** Scenario paths that name a symbolic link to nothing (no Docker): said as a loop or a dangling link, not "no such file". */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { expandScenarioPaths } from "./files.ts";

test.each<[string, (dir: string) => void, string, string]>([
  ["a loop", (dir) => { symlinkSync("b.yaml", join(dir, "a.yaml")); symlinkSync("a.yaml", join(dir, "b.yaml")); }, "a.yaml", "a.yaml: a symbolic link that loops (too many levels of symbolic links)"],
  ["a dangling link", (dir) => symlinkSync("gone.yaml", join(dir, "a.yaml")), "a.yaml", "a.yaml: a symbolic link that leads to nothing (gone.yaml is not there)"],
  ["nothing at all", () => {}, "a.yaml", "a.yaml: no such file or directory"],
  // Tester 44d: a newline in the argument reached the terminal raw; shown escaped, on one line.
  ["nothing, a newline in the name", () => {}, "nl\nx.yaml", "nl\\nx.yaml: no such file or directory"],
])("%s", (_what, arrange, arg, message) => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-paths-"));
  arrange(dir);
  expect(() => expandScenarioPaths([arg], dir)).toThrow(message);
});

test.each<[string, readonly string[], string]>([
  ["an empty folder beside a file", ["ex.yaml", "empty"], "no scenario files (.yaml, .yml) in empty"],
  ["an empty folder before a file", ["empty", "ex.yaml"], "no scenario files (.yaml, .yml) in empty"],
  ["an empty folder alone", ["empty"], "no scenario files (.yaml, .yml) in empty"],
  ["an empty path", [""], "an empty path"],
  ["an empty path beside a file", ["ex.yaml", ""], "an empty path"],
  ["a path of spaces", ["  "], "an empty path"],
])("%s is bad input", (_what, args, message) => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-paths-"));
  mkdirSync(join(dir, "empty"));
  writeFileSync(join(dir, "ex.yaml"), "name: x\n");
  expect(() => expandScenarioPaths(args, dir)).toThrow(message);
});
