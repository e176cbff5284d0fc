/** User patterns in `run` steps and `--filter` cannot hang fwspec (see safe-regex.ts). */
import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { defineScenario } from "../scenario/load.ts";
import type { RunStep } from "../scenario/model.ts";
import { judgeRun } from "../judge/run.ts";
import { planScenario } from "../plan/plan.ts";

// 2^28 backtracking steps: seconds of CPU with a plain RegExp, cut off at 250 ms here.
const EVIL = "^(a+)+$";
const VICTIM = `${"a".repeat(28)}!`;

function runStep(matches: string[]): RunStep {
  const s = defineScenario({
    name: "patterns",
    description: "run step patterns",
    hosts: { server: { firewall: true } },
    steps: [{ run: { host: "server", command: "iptables -S", matches } }],
  });
  return s.steps[0] as RunStep;
}

describe("run step patterns", () => {
  test.each([
    { matches: ["^-P INPUT ACCEPT$"], output: "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n", problems: [] },
    { matches: ["^-A INPUT"], output: "-P INPUT ACCEPT\n", problems: ["output does not match /^-A INPUT/m"] },
    { matches: [EVIL], output: "aaaa", problems: [] },
  ])("$matches on $output", ({ matches, output, problems }) => {
    expect(judgeRun(runStep(matches), { exitCode: 0, stdout: output, stderr: "" })).toEqual(problems);
  });

  test("a catastrophic pattern is an error naming it, not a pass, a failure or a hang", () => {
    expect(() => judgeRun(runStep([EVIL]), { exitCode: 0, stdout: VICTIM, stderr: "" })).toThrow(InputError);
    expect(() => judgeRun(runStep([EVIL]), { exitCode: 0, stdout: VICTIM, stderr: "" })).toThrow(`the regular expression /${EVIL}/m did not finish matching`);
  });
});

describe("--filter", () => {
  const scenario = defineScenario({
    name: VICTIM,
    description: "a scenario name a catastrophic filter chokes on",
    hosts: { server: { listen: ["tcp/8080"] }, client: {} },
    steps: [{ expect: ["client -> server:8080 open"] }],
  });

  test.each([
    { filter: /open/, n: 2 },
    { filter: /ipv6/, n: 1 },
    { filter: /refused/, n: 0 },
  ])("$filter keeps $n checks", ({ filter, n }) => {
    expect(planScenario(scenario, { filter }).selected).toBe(n);
  });

  test("a catastrophic filter is an input error, not a hang", () => {
    expect(() => planScenario(scenario, { filter: new RegExp(EVIL) })).toThrow(InputError);
  });
});
