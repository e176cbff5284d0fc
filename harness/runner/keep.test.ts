/** Which scenarios' labs `--keep` and `--keep-on-failure` leave running (keep.ts), table-driven. */
import { describe, expect, it } from "vitest";
import { keepsLab } from "./keep.ts";

describe("keepsLab", () => {
  it.each([
    [undefined, "passed", false],
    [undefined, "failed", false],
    [undefined, "error", false],
    ["all", "passed", true],
    ["all", "failed", true],
    ["all", "error", true],
    ["failed", "passed", false],
    ["failed", "failed", true],
    ["failed", "error", true],
  ] as const)("keep %s, scenario %s -> %s", (mode, status, kept) => {
    expect(keepsLab(mode, status)).toBe(kept);
  });
});
