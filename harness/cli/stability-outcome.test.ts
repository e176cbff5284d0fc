import { describe, expect, test } from "vitest";
import { stabilityOutcome, type StabilityTotals } from "./stability.ts";

const base: StabilityTotals = { runs: 20, verdicts: 430, changes: 0, failed: 0, errors: 0, erroredRuns: 0, seconds: 399.4 };

describe("stabilityOutcome: 0 only when every verdict was observed alike in every run", () => {
  test.each([
    ["all observed, none changed", {}, "20 runs, 430 verdicts per run, 0 changed verdicts, 399 s", true],
    ["one changed", { changes: 1 }, "20 runs, 430 verdicts per run, 1 changed verdicts, 399 s", false],
    ["failing alike every run: stable", { failed: 40 }, "20 runs, 430 verdicts per run, 0 changed verdicts, 40 failed checks (the same in every run unless changed above), 399 s", true],
    ["errors: nothing observed", { errors: 6, erroredRuns: 2 }, "20 runs, 430 verdicts per run, 0 changed verdicts, 6 errors in 2 run(s): nothing was observed there, 399 s", false],
    ["no verdict at all (every apply failed)", { runs: 2, verdicts: 0, errors: 6, erroredRuns: 2, seconds: 4 }, "2 runs, 0 verdicts per run, 0 changed verdicts, 6 errors in 2 run(s): nothing was observed there, nothing was compared, 4 s", false],
  ] as const)("%s", (_, over, line, ok) => {
    expect(stabilityOutcome({ ...base, ...over })).toEqual({ line, ok });
  });
});
