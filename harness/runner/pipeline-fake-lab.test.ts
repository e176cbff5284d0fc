/**
 * Lab start and removal off the critical path (lab-pipeline.ts) through the
 * real runner on in-memory labs: the next lab starts while the previous
 * scenario runs and the previous lab is removed in the background; a lab
 * whose declared subnets overlap another's starts only after every earlier
 * removal (automatic networks stay off declared subnets); a lab that
 * fails to start ahead is reported as before; every lab is removed before
 * run() returns; `freshLabs` gives each scenario its own lab in line, with
 * the same verdicts. No Docker.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabProvider, LabSpec, RunningLab } from "../lab/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider } from "../testing/fake-lab.ts";

const tick = (n: number) => new Promise<void>((resolve) => setTimeout(resolve, n));

/** Records when each lab's start is asked for and when its removal ends; starts and removals take a few ticks. */
class RecordingProvider implements LabProvider {
  readonly events: string[] = [];
  readonly labs: RunningLab[] = [];
  readonly removed = new Set<string>();
  readonly specs: LabSpec[] = [];
  readonly #inner = new FakeLabProvider();
  readonly #failing: string | undefined;
  constructor(failing?: string) {
    this.#failing = failing;
  }
  async start(spec: LabSpec): Promise<RunningLab> {
    this.events.push(`start ${spec.name}`);
    this.specs.push(spec);
    await tick(5);
    if (spec.name === this.#failing) throw new Error(`engine said no to ${spec.name}`);
    const lab = await this.#inner.start(spec);
    const dispose = lab[Symbol.asyncDispose].bind(lab);
    Object.defineProperty(lab, Symbol.asyncDispose, {
      value: async () => {
        await tick(20);
        await dispose();
        this.removed.add(spec.name);
        this.events.push(`removed ${spec.name}`);
      },
    });
    this.labs.push(lab);
    return lab;
  }
}

const hosts = { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} };
/** A `run` step that changes the host (conntrack -F; not one stateless-run.ts knows): the scenario cannot share a lab, so each one starts its own. */
const alone = (name: string, extra: object = {}) =>
  defineScenario(
    {
      name,
      description: "own lab",
      hosts,
      ...extra,
      steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "ip6tables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 dropped", "remote -> server:8081 open"] }, { run: { host: "server", command: "conntrack -F" } }],
    },
    { file: `${name}.yaml` },
  );

const verdicts = (report: Awaited<ReturnType<typeof run>>) => report.scenarios.map((s) => `${s.name}: ${s.status} ${s.expectations.map((e) => `${e.text}/${e.family}=${e.actual}`).join(" ")}`);

describe("lab starts and removals off the critical path", () => {
  test("the next lab starts while the previous scenario runs, the previous is removed in the background, and all are removed before run returns", async () => {
    const provider = new RecordingProvider();
    const report = await run({ scenarios: [alone("a"), alone("b"), alone("c")] }, { provider, labs: 1 });
    const at = (e: string) => provider.events.indexOf(e);
    expect(at("start b")).toBeGreaterThanOrEqual(0);
    // Started ahead: b's lab was asked for before a's lab was gone (in line, a is removed first).
    expect(at("start b")).toBeLessThan(at("removed a"));
    expect(at("start c")).toBeLessThan(at("removed b"));
    expect(provider.removed).toEqual(new Set(["a", "b", "c"]));
    expect(report.summary).toEqual({ passed: 15, failed: 0, errors: 0 });
  });

  test("freshLabs: one lab per scenario, each removed before the next starts, with the same verdicts", async () => {
    const pooled = await run({ scenarios: [alone("a"), alone("b")] }, { provider: new RecordingProvider(), labs: 1 });
    const provider = new RecordingProvider();
    const fresh = await run({ scenarios: [alone("a"), alone("b")] }, { provider, labs: 1, freshLabs: true });
    expect(provider.events).toEqual(["start a", "removed a", "start b", "removed b"]);
    expect(verdicts(fresh)).toEqual(verdicts(pooled));
  });

  test("by default two labs run side by side: a scenario whose commands wait for another scenario's apply still ends", async () => {
    let ran!: () => void;
    const bRan = new Promise<void>((resolve) => (ran = resolve));
    class Holding extends RecordingProvider {
      override async start(spec: LabSpec): Promise<RunningLab> {
        const lab = await super.start(spec);
        aroundExec(lab, async (_host, command, exec) => {
          if (spec.name === "a") await bRan;
          // b's own rules, applied once its scenario runs (its lab's listener proof may run ahead of a's end).
          else if (command[0] === "iptables" && command[1] === "-A") ran();
          return await exec();
        });
        return lab;
      }
    }
    const other = alone("b", { hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {}, third: {} } });
    const report = await run({ scenarios: [alone("a"), other] }, { provider: new Holding() });
    expect(report.scenarios.map((s) => s.status)).toEqual(["passed", "passed"]);
  });

  test("by default the scenarios of one lab shape stay on one lab ; --labs 2 splits them; fresh labs stay in line", async () => {
    /** Shareable (no run step): scenarios of one shape share a lab. */
    const shared = (name: string) => defineScenario({ name, description: "shared", hosts, steps: [{ expect: ["remote -> server:8080 open"] }] }, { file: `${name}.yaml` });
    const byDefault = new RecordingProvider();
    await run({ scenarios: [shared("s1"), shared("s2")] }, { provider: byDefault });
    expect(byDefault.specs.map((spec) => spec.name)).toEqual(["s1"]);
    const split = new RecordingProvider();
    await run({ scenarios: [shared("s1"), shared("s2")] }, { provider: split, labs: 2 });
    expect(split.specs.map((spec) => spec.name).sort()).toEqual(["s1", "s2"]);
    const fresh = new RecordingProvider();
    await run({ scenarios: [alone("a"), alone("b"), alone("c")] }, { provider: fresh, freshLabs: true });
    expect(fresh.events).toEqual(["start a", "removed a", "start b", "removed b", "start c", "removed c"]);
  });

  test("a lab with declared subnets starts ahead like any other (automatic networks have a range of their own); one whose declared subnet overlaps another's starts only after every earlier lab is removed", async () => {
    const provider = new RecordingProvider();
    const d = alone("d", { subnets: { lan: { ipv4: "198.18.7.0/24", ipv6: "2001:db8:7::/64" } } });
    const e = alone("e", { subnets: { lan: { ipv4: "198.18.7.0/25" } } });
    const f = alone("f", { subnets: { lan: { ipv4: "198.18.9.0/24" } } });
    await run({ scenarios: [alone("a"), d, alone("c"), e, f] }, { provider, labs: 1 });
    const at = (ev: string) => provider.events.indexOf(ev);
    // e's declared subnet overlaps d's: both wait for every earlier removal.
    expect(at("start d")).toBeGreaterThan(at("removed a"));
    expect(at("start e")).toBeGreaterThan(at("removed d"));
    expect(at("start e")).toBeGreaterThan(at("removed c"));
    // f's subnet clashes with none: it starts while e runs, before e's lab is gone.
    expect(at("start f")).toBeLessThan(at("removed e"));
    expect(provider.removed).toEqual(new Set(["a", "d", "c", "e", "f"]));
  });

  test("a group that starts alone, then one that does not: both run (the second used to take the only run slot and wait for the first's start: run never returned)", async () => {
    const provider = new RecordingProvider();
    const subnets = { subnets: { lan: { ipv4: "198.18.7.0/24", ipv6: "2001:db8:7::/64" } } };
    const report = await run({ scenarios: [alone("d1", subnets), alone("a"), alone("d2", subnets), alone("b")] }, { provider, labs: 1 });
    expect(report.scenarios.map((s) => s.status)).toEqual(["passed", "passed", "passed", "passed"]);
    expect(provider.removed).toEqual(new Set(["d1", "a", "d2", "b"]));
  });

  test("two labs with declared subnets never exist at once, even with two labs side by side (mutate --jobs 2 on a declared-subnet scenario)", async () => {
    const provider = new RecordingProvider();
    const subnets = { subnets: { lan: { ipv4: "198.18.7.0/24", ipv6: "2001:db8:7::/64" } } };
    const report = await run({ scenarios: [alone("d1", subnets), alone("d2", subnets), alone("d3", subnets)] }, { provider, labs: 2 });
    const at = (e: string) => provider.events.indexOf(e);
    expect(at("start d2")).toBeGreaterThan(at("removed d1"));
    expect(at("start d3")).toBeGreaterThan(at("removed d2"));
    expect(report.scenarios.map((s) => s.status)).toEqual(["passed", "passed", "passed"]);
  });

  test("a lab that fails to start ahead is that scenario's error; the others run and every started lab is removed", async () => {
    const provider = new RecordingProvider("b");
    const report = await run({ scenarios: [alone("a"), alone("b"), alone("c")] }, { provider, labs: 1 });
    expect(report.scenarios.map((s) => s.status)).toEqual(["passed", "error", "passed"]);
    expect(report.scenarios[1]!.errors.join("\n")).toMatch(/the lab did not start: engine said no to b/);
    expect(provider.removed).toEqual(new Set(["a", "c"]));
  });
});
