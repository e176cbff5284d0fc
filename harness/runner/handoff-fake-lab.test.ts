/**
 * A shared lab's handoff (shared-lab.ts): a host whose listeners stay the same
 * keeps them unless a handoff's script found one without its socket (read
 * only where a command of the previous scenario ran: no `ss` of their own);
 * counters are read past the warm-up only, not also after new listeners
 * are proven. No Docker: the in-memory lab records the commands it runs (when
 * each starts and ends), and the rules restore is held back a little.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { SharedLab } from "./shared-lab.ts";
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
  test.each([
    ["plain iptables lines: no sockets read (nothing of it could have ended a listener), no IPsec flush", ["iptables -A INPUT -p tcp --dport 8080 -j DROP"], false],
    ["a command of another tool: its sockets read and IPsec flushed", ["conntrack -F", "iptables -A INPUT -p tcp --dport 8080 -j DROP"], true],
  ])("after a scenario of %s", async (_what, commands, reads) => {
    const scripts: string[] = [];
    const provider = new TimelineProvider();
    const original = provider.start.bind(provider);
    provider.start = async (spec) => {
      const lab = await original(spec);
      aroundExec(lab, async (host, command, exec) => {
        if (host.spec.firewall && isForgetScript(command)) scripts.push(command[2]!);
        return exec();
      });
      return lab;
    };
    const first = defineScenario({ name: "first", description: "d", family: "ipv4", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ apply: { host: "server", commands } }, { expect: ["remote -> server:8080 dropped"] }] });
    const report = await run({ scenarios: [first, scenario("second")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    expect(scripts).toHaveLength(1);
    expect([scripts[0]!.includes("ss -H -ltun"), scripts[0]!.includes("ip xfrm policy flush")]).toEqual([reads, reads]);
    // No `ss` of its own beside the script either.
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
  test("a host where ss -K ended nothing (exit 0, SOCK_DESTROY refused) does not pass the handoff, and the kernel's words say why", async () => {
    const provider = new NoSockDestroyProvider();
    const lines: string[] = [];
    const progress = { step: (m: string) => lines.push(m), info: (m: string) => lines.push(m) };
    const report = await run({ scenarios: [scenario("first"), scenario("second")] }, { provider, labs: 1, progress });
    expect(lines.join("\n")).toContain("remote: ending the previous scenario's TCP connections failed: SOCK_DESTROY answers: Operation not permitted");
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

/** The handoff script's reading of the firewall host's sockets lacks tcp/8080 (a command of the previous scenario ended its listener) when `lose` says so. */
class LostListenerProvider extends ServerCommandsProvider {
  lose = false;
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (host, command, exec) => {
      const r = await exec();
      return this.lose && host.spec.firewall && isForgetScript(command) ? { ...r, stdout: r.stdout.split("\n").filter((l) => !l.includes(":8080 ")).join("\n") } : r;
    });
    return lab;
  }
}

describe("a listener a command of the previous scenario ended", () => {
  // A command of its own on the server (not iptables): the handoff reads the server's sockets.
  const withCommand = (name: string) =>
    defineScenario({
      name,
      description: "a command, then one probe",
      family: "ipv4",
      hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
      steps: [{ apply: { host: "server", commands: ["conntrack -F", "iptables -A INPUT -p tcp --dport 9 -j DROP"] } }, { expect: ["remote -> server:8080 open"] }],
    });
  test.each([
    ["found without its socket: set again before the next scenario", true, 1],
    ["found listening: left as it is", false, 0],
  ])("%s", async (_what, lose, sets) => {
    const provider = new LostListenerProvider();
    provider.lose = lose;
    const report = await run({ scenarios: [withCommand("first"), withCommand("second")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    const handoff = provider.commands.slice(provider.commands.lastIndexOf("forget"));
    expect(handoff.filter((c) => c === "fwspec-listen set")).toHaveLength(sets);
  });

  test("found while the next scenario leaves the host idle: set again when a later one casts it (reviewer 38)", async () => {
    const provider = new LostListenerProvider();
    provider.lose = true;
    // A scenario of a smaller shape, cast onto the lab's peer: the server idle, its sockets not read at the next handoff.
    const idle = defineScenario({ name: "idle", description: "the peer alone", family: "ipv4", hosts: { client: {} }, steps: [{ run: { host: "client", command: "true" } }] });
    const first = withCommand("first");
    await using shared = await SharedLab.start(provider, first, "lab");
    await shared.prepare(first);
    const { lab } = await shared.prepare(idle);
    expect(lab.host("client").base.name).toBe("remote");
    const before = provider.commands.length;
    await shared.prepare(withCommand("third"));
    expect(provider.commands.slice(before).filter((c) => c === "fwspec-listen set")).toHaveLength(1);
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
    const report = await run({ scenarios: [first, next("shows-none", "iptables -S")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    expect(provider.restores).toEqual(["ipv4 *filter"]);
  });

  test("one that prints an iptables-save listing, counters or not, gets no empty table left (tester 38a: a legacy raw table an earlier scenario made)", async () => {
    const provider = new RestoresProvider();
    const report = await run({ scenarios: [first, next("lists", "iptables-save")] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    // Only the changed tables restored (no counters to zero), then the empty ones deleted.
    expect(provider.restores).toEqual(["ipv4 *filter", "drop ipv4 filter", "drop ipv6 filter"]);
  });
});
