import { expect, test } from "vitest";
import type { CheckResult, StepResult } from "../model/results.ts";
import { checksHeld, scenarioReport, summarize } from "./build.ts";

const step = (kind: StepResult["step"], status: StepResult["status"]): StepResult => ({ kind: "step", step: kind, line: 1, title: `${kind}`, status, message: "" });

test.each<[string, CheckResult[], { held: number; of: number }, { passed: number; failed: number; errors: number }, string[]?]>([
  ["every check held; apply and reboot are no checks", [step("apply", "passed"), step("run", "passed"), step("reboot", "passed")], { held: 1, of: 1 }, { passed: 1, failed: 0, errors: 0 }],
  ["a failed reboot counts among what did not hold, as the summary counts it", [step("run", "passed"), step("reboot", "failed")], { held: 1, of: 2 }, { passed: 1, failed: 1, errors: 0 }],
  ["a failed run step", [step("run", "failed"), step("apply", "passed")], { held: 0, of: 1 }, { passed: 0, failed: 1, errors: 0 }],
  ["an apply that errored", [step("apply", "error"), step("run", "passed")], { held: 1, of: 2 }, { passed: 1, failed: 0, errors: 1 }],
  ["an error of the scenario itself (its lab did not start)", [step("run", "passed")], { held: 1, of: 2 }, { passed: 1, failed: 0, errors: 1 }, ["lab did not start"]],
])("%s", (_, results, held, summary, errors = []) => {
  const report = scenarioReport({ file: "s.yaml", name: "s", description: "d" }, results, errors);
  expect(checksHeld(report)).toEqual(held);
  expect(summarize([report])).toEqual(summary);
  // What did not hold is what the summary counts as failed or errored.
  expect(held.of - held.held).toBe(summary.failed + summary.errors);
});
