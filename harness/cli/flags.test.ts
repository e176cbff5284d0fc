import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { flagNumber, percentFlag } from "./flags.ts";

describe("numeric flags", () => {
  test.each<[string, string, number | undefined, number | RegExp]>([
    ["--timeout", "5", undefined, 5],
    ["--timeout", " 7 ", undefined, 7],
    ["--timeout", "x", undefined, /^--timeout must be a whole number, not `x`$/],
    ["--max-probes", "1", 1, 1],
    ["--max-probes", "-1", 1, /^--max-probes must be a whole number of at least 1, not `-1`$/],
    ["--max-probes", "0", 1, /^--max-probes must be a whole number of at least 1, not `0`$/],
    ["--max-probes", "2.5", 1, /of at least 1, not `2\.5`$/],
  ])("%s %s (min %s)", (flag, text, min, want) => {
    if (typeof want === "number") expect(flagNumber(flag, text, min)).toBe(want);
    else {
      expect(() => flagNumber(flag, text, min)).toThrow(InputError);
      expect(() => flagNumber(flag, text, min)).toThrow(want);
    }
  });

  test.each<[string, number | RegExp]>([["90", 90], ["12.5", 12.5], ["101", /from 0 to 100, not `101`/], ["-1", /from 0 to 100/]])("--coverage-min %s", (text, want) => {
    if (typeof want === "number") expect(percentFlag("--coverage-min", text)).toBe(want);
    else expect(() => percentFlag("--coverage-min", text)).toThrow(want);
  });
});
