/** Unit tests (table-driven, no Docker) for stability.ts. */
import { describe, expect, it } from "vitest";
import { changedVerdicts } from "./stability.ts";

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
