/**
 * What an apply step reads around its commands (session.ts, rules/apply.ts):
 * as the scenario's first step it rolls back to the rules its lease read (no
 * reading of its own before), later it reads them itself; after plain
 * iptables lines no listener is checked, after anything else it is. No
 * Docker: the in-memory lab records the firewall host's commands.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { LabError } from "../errors.ts";
import { aroundExec, FakeLabProvider } from "../testing/fake-lab.ts";

/** The firewall host's commands as `argv0 argv1` ("warm-up" for the handoff's pings), across every lab. */
class ServerCommandsProvider extends FakeLabProvider {
  readonly commands: string[] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (host, command, exec) => {
      if (host.spec.firewall) this.commands.push(command[0] === "sh" && command[3] === "warm-up" ? "warm-up" : command.slice(0, 2).join(" "));
      return exec();
    });
    return lab;
  }
}

const hosts = { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} };
const drop = "iptables -A INPUT -p tcp --dport 8080 -j DROP";
const scenario = (name: string, steps: unknown[]) => defineScenario({ name, description: "d", family: "ipv4", hosts, steps } as never);
const saves = (commands: readonly string[]) => commands.filter((c) => c === "iptables-save -c" || c === "ip6tables-save -c").length;

describe("an apply step's rollback target", () => {
  test("as the scenario's first step: the rules the handoff read past its warm-up, not read again", async () => {
    const provider = new ServerCommandsProvider();
    const steps = [{ apply: { host: "server", commands: [drop] } }, { expect: ["remote -> server:8080 dropped"] }];
    const report = await run({ scenarios: [scenario("first", steps), scenario("second", steps)] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(provider.started).toHaveLength(1);
    const handoff = provider.commands.slice(provider.commands.lastIndexOf("warm-up"));
    // Past the warm-up: one reading (both families), then the apply's command.
    expect(saves(handoff.slice(0, handoff.indexOf("iptables -A")))).toBe(2);
  });

  test("after another step: read again before the commands", async () => {
    const provider = new ServerCommandsProvider();
    const steps = [{ expect: ["remote -> server:8080 open"] }, { apply: { host: "server", commands: [drop] } }, { expect: ["remote -> server:8080 dropped"] }];
    const report = await run({ scenarios: [scenario("later", steps)] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    const beforeApply = provider.commands.slice(0, provider.commands.indexOf("iptables -A"));
    // The expect step's last reading, then the apply's own (the lease's is no longer current).
    expect(beforeApply.slice(-5)).toEqual(["sh -c", "iptables-save -c", "ip6tables-save -c", "iptables-save -c", "ip6tables-save -c"]);
  });

  test.each([
    ["the first scenario of a lab", 1],
    ["a scenario handed a shared lab", 2],
  ])("a first apply that fails half-way is rolled back to the rules its lease read (%s)", async (_what, nth) => {
    const provider = new FakeLabProvider();
    const ok = scenario("ok", [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j ACCEPT"] } }, { expect: ["remote -> server:8081 open"] }]);
    const failing = scenario("failing", [{ apply: { host: "server", commands: [drop, "iptables -A INPUT --no-such-option"] } }, { expect: ["remote -> server:8080 open"] }]);
    const report = await run({ scenarios: nth === 1 ? [failing] : [ok, failing] }, { provider, labs: 1 });
    const s = report.scenarios.find((x) => x.name === "failing")!;
    expect(s.steps[0]!.message).toMatch(/no rule of this apply step was kept \(rolled back\)/);
    // The DROP the first command added is gone again: the host reads as the lease read it (the fake's boot rules: none).
    const server = [...provider.started.at(-1)!.hosts.values()].find((h) => h.spec.firewall) as unknown as { rules: { ipv4: unknown[] } };
    expect(server.rules.ipv4).toEqual([]);
  });
});

describe("the listener check after an apply step", () => {
  test.each([
    ["plain iptables commands: none", [drop], 0],
    ["a command of another tool (conntrack): one", [drop, "conntrack -F"], 1],
  ])("%s", async (_what, commands, checks) => {
    const provider = new ServerCommandsProvider();
    const report = await run({ scenarios: [scenario("s", [{ apply: { host: "server", commands } }, { expect: ["remote -> server:8081 open"] }])] }, { provider, labs: 1 });
    expect(report.summary.errors).toBe(0);
    const apply = provider.commands.slice(provider.commands.indexOf("iptables -A"));
    expect(apply.slice(0, apply.indexOf("fwspec-probe start")).filter((c) => c === "ss -H").length).toBe(checks);
  });
});

describe("an apply step's notes", () => {
  test("a note the host's previous apply said is not said again; a new one is (tester 43c: the same table's note at every apply)", async () => {
    const outside = "iptables -A INPUT -s 10.20.0.0/16 -j DROP";
    const steps = [
      { apply: { host: "server", commands: [outside] } },
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j ACCEPT"] } },
      { apply: { host: "server", commands: ["iptables -A INPUT -s 203.0.113.5 -j DROP"] } },
      { expect: ["remote -> server:8081 open"] },
    ];
    const report = await run({ scenarios: [scenario("notes", steps)] }, { provider: new FakeLabProvider(), labs: 1 });
    const applies = report.scenarios[0]!.steps.filter((s) => s.step === "apply");
    expect(applies.map((s) => (s.notes ?? []).length)).toEqual([1, 0, 1]);
    expect(applies[0]!.message).toContain("note: the rules on server match address(es) 10.20.0.0/16");
    expect(applies[1]!.message).not.toContain("note:");
    expect(applies[2]!.message).toContain("203.0.113.5");
  });
});

describe("the progress line of a scenario whose lab never started", () => {
  test("counts its planned checks as not held, not its one error (tester 43a: `0/1 checks held` for 31 checks)", async () => {
    class Refusing extends FakeLabProvider {
      override async start(): Promise<RunningLab> {
        throw new LabError("the engine refused the lab");
      }
    }
    const said: string[] = [];
    const progress = { step: (m: string) => void said.push(m), info: (m: string) => void said.push(m) };
    const steps = [{ apply: { host: "server", commands: [drop] } }, { expect: ["remote -> server:8080 dropped", "remote -> server:8081 open"] }, { counters: [{ host: "server", rule: drop.replace("iptables ", ""), packets: ">= 1" }] }];
    const report = await run({ scenarios: [scenario("never started", steps)] }, { provider: new Refusing(), labs: 1, progress });
    expect(report.summary.errors).toBeGreaterThan(0);
    expect(said.filter((l) => /checks held/.test(l))).toEqual(["! never started: 0/3 checks held (1/1 scenarios)"]);
  });
});
