/**
 * Every in-container command is bounded: an apply script or a `run` step that
 * hangs is killed (with the processes it started) after the command timeout,
 * its step is an error naming the command, the host, the limit and the option,
 * and the run goes on.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { StepResult } from "../model/results.ts";
import { planScenario } from "../plan/plan.ts";
import { defineScenario } from "../scenario/load.ts";
import type { Scenario } from "../scenario/model.ts";
import { openSession, testLabProvider } from "../testing/session.ts";
import { runScenarioSet } from "./run-set.ts";
import type { ScenarioSession } from "./session.ts";
import { runScenario } from "./steps.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const LIMIT = 2;

const hangingApply = defineScenario(
  {
    name: "hanging apply script",
    description: "the apply script waits for a sleep that never ends",
    hosts: { fw: { firewall: true, listen: ["tcp/8080"] }, client: {} },
    steps: [{ apply: { host: "fw", script: "testdata/hangs.sh" } }, { expect: ["client -> fw:8080 open"] }],
  },
  { baseDir: HERE },
);

const hangingRun = defineScenario({
  name: "hanging run step",
  description: "a run step's command never ends",
  hosts: { fw: { firewall: true } },
  steps: [{ run: { host: "fw", command: ["sh", "-c", "echo started; sleep 3600; echo never"] } }, { run: { host: "fw", command: "true" } }],
});

const fine = defineScenario({
  name: "after the hangs",
  description: "a scenario after the hanging ones runs as usual",
  hosts: { fw: { firewall: true } },
  steps: [{ run: { host: "fw", command: "iptables -S INPUT", contains: "-P INPUT ACCEPT" } }],
});

/** Processes in the host still running `sleep 3600` (zombies waiting to be reaped do not count). */
async function sleepers(session: ScenarioSession): Promise<string[]> {
  const r = await session.lab.host("fw").exec(["ps", "-eo", "stat=,args="]);
  return r.stdout.split("\n").filter((l) => l.includes("sleep 3600") && !/^\s*Z/.test(l));
}

async function runWithLimit(scenario: Scenario) {
  await using session = await openSession(scenario, { commandTimeoutSeconds: LIMIT });
  const records = (await runScenario(planScenario(scenario), session)) as StepResult[];
  return { records, left: await sleepers(session) };
}

describe("command timeout", () => {
  it("kills a hanging apply script and everything it started; the step is an error naming it", async () => {
    const { records, left } = await runWithLimit(hangingApply);
    expect(records[0]!.status).toBe("error");
    expect(records[0]!.message).toMatch(/^`sh -e -x \S*hangs\.sh` did not finish within 2 s on fw/);
    // The staged copy only where the command is shown to be run again (`on fw:`), PS4 nowhere.
    expect(records[0]!.message).toMatch(/\n {2}on fw: sh -e -x \/tmp\/fwspec\/fw-[0-9a-f]+\.sh\n/);
    expect(records[0]!.message).not.toMatch(/PS4/);
    // The shell's trace names the command it was stuck in, and its line.
    expect(records[0]!.message).toMatch(/at \S*hangs\.sh:3 `sleep 3600` \(as the shell ran it, variables expanded\)/);
    expect(records[0]!.message).not.toMatch(/^\s*@@fwspec-trace/m);
    expect(records[0]!.message).toMatch(/waiting for something that never comes/);
    expect(records[0]!.message).toMatch(/--command-timeout <seconds>/);
    expect(records.slice(1).map((r) => r.status)).toEqual(["error", "error"]);
    expect(records[1]!.message).toMatch(/^not run: step 1 \(apply/);
    expect(left).toEqual([]);
  });

  it("kills a hanging run step command; the step is an error naming it", async () => {
    const { records, left } = await runWithLimit(hangingRun);
    expect(records[0]!.status).toBe("error");
    expect(records[0]!.message).toMatch(/^`sh -c echo started; sleep 3600; echo never` did not finish within 2 s on fw/);
    expect(records[0]!.message).toMatch(/--command-timeout <seconds>/);
    expect(records[1]!.message).toMatch(/^not run: step 1 \(run/);
    expect(left).toEqual([]);
  });

  it("lets the run go on to the next scenario and end", async () => {
    const reports = await runScenarioSet([hangingApply, hangingRun, fine].map((s) => planScenario(s)), { provider: await testLabProvider(LIMIT), labs: 1 });
    expect(reports.map((r) => [r.name, r.status])).toEqual([
      ["hanging apply script", "error"],
      ["hanging run step", "error"],
      ["after the hangs", "passed"],
    ]);
  });
});
