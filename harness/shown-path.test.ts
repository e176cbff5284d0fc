import path from "node:path";
import { describe, expect, test } from "vitest";
import { shownPath } from "./shown-path.ts";

describe("shownPath", () => {
  test.each([
    ["/p/scenarios/x.yaml", "/p", "scenarios/x.yaml"],
    ["/p/x.yaml", "/p", "x.yaml"],
    ["/elsewhere/x.yaml", "/p", "/elsewhere/x.yaml"],
    ["/p2/x.yaml", "/p", "/p2/x.yaml"],
    ["/p", "/p", "/p"],
    ["scenarios/x.yaml", "/p", "scenarios/x.yaml"],
  ])("%s from %s: %s", (file, cwd, shown) => {
    expect(shownPath(file, cwd)).toBe(shown);
  });

  test("without a folder: the one fwspec runs in", () => {
    expect(shownPath(path.join(process.cwd(), "a", "b.yaml"))).toBe(path.join("a", "b.yaml"));
  });
});
