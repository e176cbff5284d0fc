/** Unit tests (table-driven, no Docker) for report files that would overwrite what a run reads, or each other. */
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { outputConflicts, type PlannedOutput } from "./output-paths.ts";

const INPUTS = [
  { file: "/p/scenarios/a.yaml", what: "scenario file" },
  { file: "/p/fixtures/rules.v4", what: "rules file" },
];

describe("report files against inputs and each other", () => {
  test.each<[string, PlannedOutput[], string[]]>([
    ["distinct files", [{ flag: "--json", file: "out/r.json" }, { flag: "--junit", file: "out/r.xml" }], []],
    ["the scenario file, relative", [{ flag: "--json", file: "scenarios/a.yaml" }], ["--json scenarios/a.yaml would overwrite the scenario file /p/scenarios/a.yaml"]],
    ["a rules file, spelt another way", [{ flag: "--html", file: "./fixtures/../fixtures/rules.v4" }], ["--html ./fixtures/../fixtures/rules.v4 would overwrite the rules file /p/fixtures/rules.v4"]],
    ["two reports, one file", [{ flag: "--html", file: "r.out" }, { flag: "--json", file: "./r.out" }], ["--html and --json both name ./r.out: one report would replace the other"]],
    ["three reports, one file", [{ flag: "--json", file: "r" }, { flag: "--junit", file: "r" }, { flag: "--html", file: "r" }], ["--json and --junit both name r: one report would replace the other", "--json and --html both name r: one report would replace the other"]],
  ])("%s", (_what, outputs, want) => {
    expect(outputConflicts(outputs, INPUTS, "/p", (f, cwd) => resolve(cwd, f))).toEqual(want);
  });

  test("a link to the scenario file is the scenario file", () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-outputs-"));
    writeFileSync(join(dir, "a.yaml"), "name: a\n");
    symlinkSync(join(dir, "a.yaml"), join(dir, "link.json"));
    expect(outputConflicts([{ flag: "--json", file: "link.json" }], [{ file: join(dir, "a.yaml"), what: "scenario file" }], dir)).toEqual([`--json link.json would overwrite the scenario file ${join(dir, "a.yaml")}`]);
    expect(outputConflicts([{ flag: "--json", file: "new.json" }], [{ file: join(dir, "a.yaml"), what: "scenario file" }], dir)).toEqual([]);
  });
});
