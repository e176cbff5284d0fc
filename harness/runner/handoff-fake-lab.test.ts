/**
 * A shared lab's handoff (shared-lab.ts): a host whose listeners stay the same
 * has its sockets checked from its handoff script's reading (no `ss` of their
 * own); counters are read past the warm-up only, not also after new listeners
 * are proven. No Docker: the in-memory lab records the commands it runs (when
 * each starts and ends), and the rules restore is held back a little.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider, isForgetScript } from "../testing/fake-lab.ts";

/** Records `start <argv0 argv1>` / `end …` per command ("forget": the handoff's script, "reset": the restore, which takes 20 ms). */
class TimelineProvider extends FakeLabProvider {
  readonly events: string[] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (_host, command, exec) => {
      const restore = command.includes("fwspec-reset");
      const name = restore ? "reset" : isForgetScript(command) ? "forget" : command.slice(0, 2).join(" ");
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
  test("checks unchanged listeners from the sockets its script read: no ss of their own", async () => {
    const provider = new TimelineProvider();
    const report = await run({ scenarios: [scenario("first"), scenario("second")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    const handoff = provider.events.slice(provider.events.indexOf("start forget"));
    expect(handoff.indexOf("end reset")).toBeGreaterThan(0);
    expect(handoff.filter((e) => e.startsWith("start ss"))).toEqual([]);
  });
});

/** The handoff's script on the non-firewall host answers as when the kernel refuses `ss -K` (no NET_ADMIN: ss exits 0, nothing ended): forget.ts END_CONNECTIONS's exit 8. */
class NoSockDestroyProvider extends FakeLabProvider {
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (host, command, exec) =>
      isForgetScript(command) && !host.spec.firewall
        ? { command, exitCode: 8, stdout: "", stderr: "SOCK_DESTROY answers: Operation not permitted\n", durationMs: 1 }
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
      // A dropped probe's half-open connection ended (probes/probe.ts endHalfOpen) is no handoff's `ss -K`.
      if (host.spec.firewall) this.commands.push(isForgetScript(command) ? "forget" : command[0] === "sh" ? String(command[3]) : command.includes("fwspec-reset") ? "fwspec-reset" : command[1] === "half-open" ? "half-open" : command.slice(0, 2).join(" "));
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
    const handoff = provider.commands.slice(provider.commands.lastIndexOf("forget"));
    const listenersSet = handoff.indexOf("fwspec-listen set");
    const warmUp = handoff.indexOf("warm-up");
    expect(listenersSet).toBeGreaterThan(0);
    expect(warmUp).toBeGreaterThan(listenersSet);
    expect(handoff.slice(listenersSet, warmUp).filter((c) => c === "iptables-save -c")).toEqual([]);
    expect(handoff.slice(warmUp).filter((c) => c === "iptables-save -c").length).toBeGreaterThan(0);
  });
});

describe("the rules a handoff's reset starts from", () => {
  test("are those the handoff's script read after ending connections: no iptables-save of their own between it and the restore", async () => {
    const provider = new ServerCommandsProvider();
    const report = await run({ scenarios: [scenario("first"), scenario("second")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    const handoff = provider.commands.slice(provider.commands.indexOf("forget"));
    expect(handoff.indexOf("fwspec-reset")).toBeGreaterThan(0);
    expect(handoff.slice(0, handoff.indexOf("fwspec-reset")).filter((c) => c.startsWith("ip"))).toEqual([]);
  });
});

/** Records which family's rules each reset restores, and the tables it restores. */
class RestoresProvider extends FakeLabProvider {
  readonly restores: string[] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (_host, command, exec, options) => {
      if (command.includes("fwspec-reset")) {
        const tables = (options?.stdin ?? "").split("\n").filter((l) => l.startsWith("*")).join(" ");
        this.restores.push(`${command.includes("iptables-restore") ? "ipv4" : "ipv6"} ${tables}`);
      }
      if (command.includes("fwspec-drop-empty")) this.restores.push(`drop ${command[2]!.includes("ip6tables") ? "ipv6" : "ipv4"} ${command.slice(4).join(" ")}`);
      return exec();
    });
    return lab;
  }
}

describe("a scenario whose run step shows rule counters", () => {
  const first = defineScenario({
    name: "first",
    description: "an IPv4 rule only: a handoff restores only the IPv4 tables",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
    steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 dropped"] }],
  });
  const next = (name: string, command: string) =>
    defineScenario({ name, description: "a run step", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ run: { host: "server", command } }] });

  test("shares the lab, and its handoff restores every table of both families (counters zero, as on a fresh lab)", async () => {
    const provider = new RestoresProvider();
    const report = await run({ scenarios: [first, next("shows", "iptables-save -c")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    // Then, past the neighbour warm-up, the tables left empty are deleted (a fresh lab has none to count in).
    expect(provider.restores).toEqual(["ipv4 *filter", "ipv6 *filter", "drop ipv4 filter", "drop ipv6 filter"]);
  });

  test("one that shows none gets only the changed tables restored", async () => {
    const provider = new RestoresProvider();
    const report = await run({ scenarios: [first, next("shows-none", "iptables-save")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    expect(provider.restores).toEqual(["ipv4 *filter"]);
  });
});
