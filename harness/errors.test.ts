/** Unit tests (table-driven, no Docker) for errors.ts: an error's report shows user text safely. */
import { describe, expect, test } from "vitest";
import { InputError } from "./errors.ts";

describe("FwspecError.report", () => {
  test.each<[string, string | undefined, string]>([
    ["n\u200bo.yaml: no such file or directory", "pass scenario files", "n\\u200bo.yaml: no such file or directory\n  hint: pass scenario files"],
    ["\ufeffx\u2060y", undefined, "\\ufeffx\\u2060y"],
    ["bell\u0007", "two\nlines", "bell\\x07\n  hint: two\nlines"],
  ])("%j", (message, hint, want) => {
    expect(new InputError(message, hint === undefined ? {} : { hint }).report()).toBe(want);
  });
});
