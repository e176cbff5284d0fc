import { describe, expect, it } from "vitest";
import type { ScenarioTiming } from "../harness/runner/profile.ts";
import type { Scenario } from "../harness/scenario/model.ts";
import { labTimelines, phaseSummary } from "./suite-profile.ts";

const timing = (startMs: number, resetMs: number, steps: [string, number][], lab = 1, endMs = 0, file = "s/x.yaml"): ScenarioTiming => ({
  scenario: { file } as Scenario, startMs, resetMs, removeMs: 0, steps: steps.map(([kind, ms]) => ({ kind, ms })), lab, endMs,
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

describe("labTimelines", () => {
  it("groups scenarios by lab in the order they ended, the lab that ended last first", () => {
    const timings = [
      timing(0, 300, [["expect", 700]], 1, 5000, "scenarios/a/2-b.yaml"),
      timing(1200, 0, [["expect", 800]], 1, 2000, "scenarios/a/1-a.yaml"),
      timing(900, 0, [["reboot", 5100]], 2, 6000, "scenarios/n/9-slow.yml"),
    ];
    expect(labTimelines(timings)).toEqual([
      "lab 2 ended at 6.0 s: n/9-slow 6.0",
      "lab 1 ended at 5.0 s: a/1-a 2.0, a/2-b 1.0",
    ]);
  });
});
