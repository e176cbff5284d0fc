/** Unit tests (table-driven, no Docker) for reporters.ts: --reporter values and the environment → outputs. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { wideReport } from "../testing/wide-report.ts";
import { outputOptions, writeOutputs } from "./reporters.ts";

const ACTIONS = { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: "/tmp/s.md", GITHUB_WORKSPACE: "/home/runner/work/r/r" };

describe("outputOptions", () => {
  test.each([
    [[], {}, ["console"]],
    [[], ACTIONS, ["console", "github"]],
    [[], { GITHUB_ACTIONS: "false" }, ["console"]],
    [["github"], {}, ["github"]],
    [["console,github"], {}, ["console", "github"]],
    [["console", "github", "console"], {}, ["console", "github"]],
    [["console"], ACTIONS, ["console"]],
    [[" github , "], {}, ["github"]],
  ] as const)("%j with %j → %j", (given, env, reporters) => {
    expect(outputOptions(given, { env, cwd: "/repo" }).reporters).toEqual(reporters);
  });

  test.each([["junit"], ["console,tap"], ["GitHub"], [""], ["  "], ["console,,github"], [",github"]])("%j is bad input", (given) => {
    expect(() => outputOptions([given], { env: {}, cwd: "/repo" })).toThrow(InputError);
  });

  test.each([
    [undefined, 100], [0, 100], [80, 80], [240, 240],
  ])("terminal columns %j → width %i", (columns, width) => {
    expect(outputOptions([], { env: {}, cwd: "/r", ...(columns !== undefined ? { columns } : {}) }).width).toBe(width);
  });

  test("under Actions: files relative to the workspace, the summary file from the environment", () => {
    const o = outputOptions([], { env: ACTIONS, cwd: "/home/runner/work/r/r/infra" });
    expect(o).toMatchObject({ workspace: "/home/runner/work/r/r", baseDir: "/home/runner/work/r/r/infra", stepSummary: "/tmp/s.md" });
    expect(outputOptions([], { env: {}, cwd: "/repo" })).toEqual({ reporters: ["console"], width: 100, baseDir: "/repo", workspace: "/repo" });
  });
});

describe("writeOutputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-reporters-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const report = wideReport(1, 1);

  test.each([
    [["console"], false, true, false],
    [["github"], true, false, true],
    [["console", "github"], true, true, true],
  ] as const)("%j: annotations %s, console %s, summary %s", (reporters, annotations, console, summary) => {
    const file = join(dir, `${reporters.join("-")}`, "summary.md");
    let out = "";
    const problem = writeOutputs(report, { reporters, width: 80, baseDir: "/work/repo", workspace: "/work", stepSummary: file }, (t) => { out += t; });
    expect(problem).toBeUndefined();
    expect(/^::error file=repo\/scenarios\/segmentation\/many-services.yaml,line=\d+,/m.test(out)).toBe(annotations);
    expect(out.includes("from \\ to")).toBe(console);
    let written = "";
    try { written = readFileSync(file, "utf8"); } catch { /* not written */ }
    expect(written.startsWith("## fwspec:")).toBe(summary);
  });

  test("the summary is appended (several steps share the file), and an unwritable one is a problem, not an exception", () => {
    const file = join(dir, "append.md");
    const o = { reporters: ["github"] as const, width: 80, baseDir: "/work", workspace: "/work", stepSummary: file };
    writeOutputs(report, o, () => {});
    writeOutputs(report, o, () => {});
    expect(readFileSync(file, "utf8").match(/^## fwspec:/gm)).toHaveLength(2);
    writeFileSync(join(dir, "a-file"), "");
    expect(writeOutputs(report, { ...o, stepSummary: join(dir, "a-file", "summary.md") }, () => {})?.message).toMatch(/could not write the job summary/);
  });
});
