import { describe, expect, it } from "vitest";
import type { ScenarioTiming } from "../harness/runner/profile.ts";
import type { Scenario } from "../harness/scenario/model.ts";
import { phaseSummary } from "./suite-profile.ts";

const timing = (startMs: number, resetMs: number, steps: [string, number][]): ScenarioTiming => ({
  scenario: {} as Scenario, startMs, resetMs, removeMs: 0, steps: steps.map(([kind, ms]) => ({ kind, ms })),
});

describe("phaseSummary", () => {
  it.each([
    {
      name: "one lab at a time: the rest is the wall time the phases do not cover",
      timings: [timing(800, 0, [["apply", 100], ["expect", 600]]), timing(0, 200, [["expect", 300]])],
      wallMs: 2500,
      want: "lab start 0.80 s, handoff (reset, listeners) 0.20 s, apply 0.10 s, expect 0.90 s, the rest (parsing, lab removal) 0.50 s",
    },
    {
      name: "labs side by side: phases summed past the wall time are said to overlap, no negative rest",
      timings: [timing(600, 300, [["expect", 900]]), timing(600, 400, [["expect", 1000]])],
      wallMs: 2050,
      want: "lab start 1.20 s, handoff (reset, listeners) 0.70 s, expect 1.90 s (summed over labs that ran side by side: 3.80 s of phases in 2.05 s of wall time)",
    },
  ])("$name", ({ timings, wallMs, want }) => {
    expect(phaseSummary(timings, wallMs)).toBe(want);
  });
});
