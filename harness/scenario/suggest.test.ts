/** Unit tests (table-driven, no Docker) for suggest.ts: "did you mean", and a note when the word only looks like the suggestion. */
import { describe, expect, test } from "vitest";
import { didYouMean } from "./suggest.ts";

describe("didYouMean", () => {
  test.each<[string, readonly string[], string | undefined]>([
    ["opne", ["open", "dropped"], "did you mean `open`?"],
    ["xyz", ["open", "dropped"], undefined],
    ["\u043epen", ["open", "dropped"], "did you mean `open`? (`\u043epen` only looks like it: character 1, `\u043e` (U+043E, looks like `o`), is not ASCII)"],
    ["re\u200bmote", ["remote", "server"], "did you mean `remote`? (`re\u200bmote` only looks like it: character 3, an invisible character (U+200B), is not ASCII)"],
    ["s\u0435rvre", ["server"], "did you mean `server`? (`s\u0435rvre`: character 2, `\u0435` (U+0435, looks like `e`), is not ASCII)"],
  ])("%j", (word, candidates, want) => {
    expect(didYouMean(word, candidates)).toBe(want);
  });
});
