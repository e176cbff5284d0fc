/** Unit tests (table-driven, no Docker) for lookalike.ts. */
import { describe, expect, test } from "vitest";
import { firstNonAscii, foldLookalikes, nonAsciiNote } from "./lookalike.ts";

describe("nonAsciiNote names the character, its place and what it imitates", () => {
  test.each([
    ["sеrver", 1, "character 2, `е` (U+0435, looks like `e`), is not ASCII"],
    ["ѕerver", 0, "character 1, `ѕ` (U+0455, looks like `s`), is not ASCII"],
    ["rοuter", 1, "character 2, `ο` (U+03BF, looks like `o`), is not ASCII"],
    ["ｓerver", 0, "character 1, `ｓ` (U+FF53, looks like `s`), is not ASCII"],
    ["web１", 3, "character 4, `１` (U+FF11, looks like `1`), is not ASCII"],
    ["a\u00a0b", 1, "character 2, an invisible character (U+00A0), is not ASCII"],
    // Tester 44d: `character 4, (U+202E), is not ASCII`, an empty slot.
    ["web\u202eX", 3, "character 4, an invisible character (U+202E), is not ASCII"],
    ["😀x", 0, "character 1, `😀` (U+1F600), is not ASCII"],
    ["x😀y", 1, "character 2, `😀` (U+1F600), is not ASCII"],
  ])("%j", (text, index, note) => {
    expect(nonAsciiNote(text)).toEqual({ index, note });
  });
  test("ASCII text has none", () => {
    expect(nonAsciiNote("server-1")).toBeUndefined();
    expect(firstNonAscii("")).toBeUndefined();
  });
  test("folding suggests the ASCII name", () => {
    expect(foldLookalikes("sеrvеr")).toBe("server");
    expect(foldLookalikes("ｓｅｒｖｅｒ")).toBe("server");
  });
});
