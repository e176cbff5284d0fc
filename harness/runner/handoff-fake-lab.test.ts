/**
 * A shared lab's handoff (shared-lab.ts): a host whose listeners stay the same
 * has its sockets checked (`ss`) side by side with its rules reset, not after
 * it; counters are read past the warm-up only, not also after new listeners
 * are proven. No Docker: the in-memory lab records the commands it runs (when
 * each starts and ends), and the rules restore is held back a little.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider } from "../testing/fake-lab.ts";

/** Records `start <argv0>` / `end <argv0>` per command; the reset's restore takes 20 ms. */
class TimelineProvider extends FakeLabProvider {
  readonly events: string[] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (_host, command, exec) => {
      const restore = command.includes("fwspec-reset");
      const name = restore ? "reset" : command.slice(0, 2).join(" ");
      this.events.push(`start ${name}`);
      if (restore) await new Promise((resolve) => setTimeout(resolve, 20));
      const r = await exec();
      this.events.push(`end ${name}`);
      return r;
    });
    return lab;
  }
}

const scenario = (name: string) =>
  defineScenario({
    name,
    description: "a rule, then one probe",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
    steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 dropped"] }],
  });

describe("a shared lab's handoff", () => {
  test("checks unchanged listeners while the rules are reset", async () => {
    const provider = new TimelineProvider();
    const report = await run({ scenarios: [scenario("first"), scenario("second")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    const resetEnd = provider.events.indexOf("end reset");
    const ss = provider.events.indexOf("start ss -H");
    expect(resetEnd).toBeGreaterThan(0);
    expect(ss).toBeGreaterThan(0);
    expect(ss).toBeLessThan(resetEnd);
  });
});

/** `ss -K` on the non-firewall host answers as the kernel does without NET_ADMIN: exit 0, nothing ended. */
class NoSockDestroyProvider extends FakeLabProvider {
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (host, command, exec) =>
      command[0] === "ss" && command[1] === "-K" && !host.spec.firewall
        ? { command, exitCode: 0, stdout: "", stderr: "SOCK_DESTROY answers: Operation not permitted\n", durationMs: 1 }
        : exec(),
    );
    return lab;
  }
}

describe("ending the previous scenario's connections", () => {
  test("a host where ss -K ended nothing (exit 0, SOCK_DESTROY refused) does not pass the handoff", async () => {
    const provider = new NoSockDestroyProvider();
    const report = await run({ scenarios: [scenario("first"), scenario("second")] }, { provider, labs: 1 });
    const second = report.scenarios.find((s) => s.name === "second")!;
    // The lab is not reused as it is: the second scenario gets a fresh lab of its own, and passes there.
    expect(provider.started).toHaveLength(2);
    expect(second.status).toBe("passed");
  });
});

/** Records the argv0 of every command run on the firewall host, in order. */
class ServerCommandsProvider extends FakeLabProvider {
  readonly commands: string[] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (host, command, exec) => {
      if (host.spec.firewall) this.commands.push(command[0] === "sh" ? String(command[3]) : command.includes("fwspec-reset") ? "fwspec-reset" : command.slice(0, 2).join(" "));
      return exec();
    });
    return lab;
  }
}

describe("the counters a handoff reads", () => {
  test("are read once past the warm-up, not also right after new listeners are proven", async () => {
    const provider = new ServerCommandsProvider();
    const other = (name: string, listen: string[]) =>
      defineScenario({
        name,
        description: "a rule, then one probe",
        family: "ipv4",
        hosts: { server: { firewall: true, listen }, remote: {} },
        steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 dropped"] }],
      });
    const report = await run({ scenarios: [other("first", ["tcp/8080"]), other("second", ["tcp/8080", "tcp/9090"])] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    const handoff = provider.commands.slice(provider.commands.lastIndexOf("ss -K"));
    const listenersSet = handoff.indexOf("fwspec-listen set");
    const warmUp = handoff.indexOf("warm-up");
    expect(listenersSet).toBeGreaterThan(0);
    expect(warmUp).toBeGreaterThan(listenersSet);
    expect(handoff.slice(listenersSet, warmUp).filter((c) => c === "iptables-save -c")).toEqual([]);
    expect(handoff.slice(warmUp).filter((c) => c === "iptables-save -c").length).toBeGreaterThan(0);
  });
});
