/**
 * The labs of one shape share its queue (plan/queues.ts) through the real
 * runner on in-memory labs: a lab that is free takes the next scenario, so a
 * slow scenario on one lab does not hold back those dealt behind it (before,
 * each lab ran the scenarios dealt to it). No Docker.
 */
import { expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider, isForgetScript } from "../testing/fake-lab.ts";

const scenario = (name: string, command: string) =>
  defineScenario({
    name,
    description: "one run step",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
    steps: [{ run: { host: "remote", command } }, { expect: ["remote -> server:8080 open"] }],
  }, { file: `/x/${name}.yaml` });

/** Labs that answer `true …` themselves (the fake knows no `true`), `true slow` after 300 ms, and note which lab ran each; every other command as the fake does. */
class SlowTrueProvider extends FakeLabProvider {
  readonly ran: string[][] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    const mine: string[] = [];
    this.ran.push(mine);
    aroundExec(lab, async (_host, command, exec) => {
      if (command[0] !== "true") return exec();
      mine.push(command[1]!);
      if (command[1] === "slow") await new Promise((resolve) => setTimeout(resolve, 300));
      return { command, exitCode: 0, stdout: "", stderr: "", durationMs: 0 };
    });
    return lab;
  }
}

test("two labs of one shape: while one runs the slow scenario, the other takes every other one", async () => {
  const provider = new SlowTrueProvider();
  const scenarios = ["slow", "q1", "q2", "q3"].map((name) => scenario(name, `true ${name}`));
  const report = await run({ scenarios }, { provider, labs: 2 });
  expect(report.scenarios.map((s) => `${s.name} ${s.status}`)).toEqual(["slow passed", "q1 passed", "q2 passed", "q3 passed"]);
  // Dealt by turns, the slow lab would also have run q2 after it.
  expect(provider.ran.map((names) => [...names].sort())).toEqual([["slow"], ["q1", "q2", "q3"]]);
});

/** The first lab's first handoff fails as a kernel without SOCK_DESTROY makes it fail (LabNotReusableError); every other command as the fake does. */
class FailingHandoffProvider extends FakeLabProvider {
  readonly ranOn: string[][] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    const index = this.ranOn.length;
    const mine: string[] = [];
    this.ranOn.push(mine);
    let failed = false;
    aroundExec(lab, async (_host, command, exec) => {
      if (command[0] === "true") {
        mine.push(command[1]!);
        return { command, exitCode: 0, stdout: "", stderr: "", durationMs: 0 };
      }
      if (index === 0 && !failed && isForgetScript(command)) {
        failed = true;
        return { command, exitCode: 8, stdout: "", stderr: "SOCK_DESTROY answers: Operation not supported\n", durationMs: 0 };
      }
      return exec();
    });
    return lab;
  }
}

test("a scenario whose handoff failed goes back to its shape's queue and runs once, on another lab; none is lost", async () => {
  const provider = new FailingHandoffProvider();
  const scenarios = ["a", "b", "c", "d", "e"].map((name) => scenario(name, `true ${name}`));
  const report = await run({ scenarios }, { provider, labs: 2 });
  expect(report.scenarios.map((s) => `${s.name} ${s.status}`)).toEqual(["a passed", "b passed", "c passed", "d passed", "e passed"]);
  // Each ran exactly once, whichever lab took it; the first lab ran one scenario before its handoff failed.
  expect(provider.ranOn.flat().sort()).toEqual(["a", "b", "c", "d", "e"]);
  expect(provider.ranOn[0]).toHaveLength(1);
  expect(provider.started.length).toBeGreaterThanOrEqual(2);
});
