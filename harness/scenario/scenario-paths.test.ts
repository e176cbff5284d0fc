/** Scenario paths that name a symbolic link to nothing (no Docker): said as a loop or a dangling link, not "no such file". */
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { expandScenarioPaths } from "./files.ts";

test.each<[string, (dir: string) => void, string, string]>([
  ["a loop", (dir) => { symlinkSync("b.yaml", join(dir, "a.yaml")); symlinkSync("a.yaml", join(dir, "b.yaml")); }, "a.yaml", "a.yaml: a symbolic link that loops (too many levels of symbolic links)"],
  ["a dangling link", (dir) => symlinkSync("gone.yaml", join(dir, "a.yaml")), "a.yaml", "a.yaml: a symbolic link that leads to nothing (gone.yaml is not there)"],
  ["nothing at all", () => {}, "a.yaml", "a.yaml: no such file or directory"],
])("%s", (_what, arrange, arg, message) => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-paths-"));
  arrange(dir);
  expect(() => expandScenarioPaths([arg], dir)).toThrow(message);
});
