/** Unit tests (table-driven, no Docker) for stability.ts. */
import { describe, expect, it } from "vitest";
import { changeLines, changedVerdicts, runSeed } from "./stability.ts";

const m = (o: Record<string, string>) => new Map(Object.entries(o));

describe("changedVerdicts", () => {
  it.each([
    ["identical runs", [m({ a: "open", b: "dropped" }), m({ a: "open", b: "dropped" }), m({ a: "open", b: "dropped" })], 0],
    ["one flip in run 3", [m({ a: "open", b: "dropped" }), m({ a: "open", b: "dropped" }), m({ a: "open", b: "refused" })], 1],
    ["a missing cell counts", [m({ a: "open", b: "dropped" }), m({ a: "open" })], 1],
    ["a new cell counts", [m({ a: "open" }), m({ a: "open", b: "open" })], 1],
    ["a single run has nothing to compare", [m({ a: "open" })], 0],
  ])("%s", (_name, runs, count) => {
    expect(changedVerdicts(runs)).toHaveLength(count);
  });
});

describe("runSeed", () => {
  it.each([
    [1, false, undefined],
    [2, false, 1],
    [20, false, 19],
    [1, true, undefined],
    [5, true, undefined],
  ])("run %i, same order %s: seed %s", (run, same, seed) => {
    expect(runSeed(run, same)).toBe(seed);
  });
});

describe("changeLines", () => {
  const change = (run: number, cell: string) => ({ run, cell, first: "dropped", now: "open" });
  it("groups the changes by run, each run with its order and one command to run that order again", () => {
    const lines = changeLines([change(2, "a.yaml:7 x -> y:80 dropped [ipv4]"), change(2, "b.yaml:9 x -> y:81 dropped [ipv6]"), change(4, "a.yaml:7 x -> y:80 dropped [ipv4]")], (r) => runSeed(r, false), "npx fwspec run scenarios");
    expect(lines).toEqual([
      "changed in run 2 (the order of --shuffle 1): a.yaml:7 x -> y:80 dropped [ipv4]: dropped → open",
      "changed in run 2 (the order of --shuffle 1): b.yaml:9 x -> y:81 dropped [ipv6]: dropped → open",
      "  run 2 again: npx fwspec run scenarios --shuffle 1",
      "changed in run 4 (the order of --shuffle 3): a.yaml:7 x -> y:80 dropped [ipv4]: dropped → open",
      "  run 4 again: npx fwspec run scenarios --shuffle 3",
    ]);
  });
  it("with the written order: no --shuffle to give", () => {
    expect(changeLines([change(3, "c")], (r) => runSeed(r, true), "fwspec run")).toEqual(["changed in run 3 (the written order): c: dropped → open", "  run 3 again: fwspec run"]);
  });
  it("no change, no line", () => {
    expect(changeLines([], () => 1, "fwspec run")).toEqual([]);
  });
});
