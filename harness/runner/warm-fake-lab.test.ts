/**
 * Warm labs across runs (`run({ reuse: true })`; shared-lab.ts park/claim):
 * a run leaves its shared labs warm, the next run of the same shape takes
 * them instead of starting labs and gives the first scenario the handoff
 * reset; a lab changed while warm (on any host), a kept lab, or one whose reset failed is
 * never used again. No Docker: the in-memory lab (testing/fake-lab.ts) keeps
 * warm labs in its provider, and records the firewall host's commands.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider, isForgetScript } from "../testing/fake-lab.ts";

const scenario = (name: string, port = 8080) =>
  defineScenario({
    name,
    description: "a DROP rule, then one probe to it and one past it",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/9090"] }, remote: {} },
    steps: [{ apply: { host: "server", commands: [`iptables -A INPUT -p tcp --dport ${port} -j DROP`] } }, { expect: [`remote -> server:${port} dropped`, `remote -> server:${port === 8080 ? 9090 : 8080} open`] }],
  });

/** Records the firewall host's commands (argv0 and the next word), across every lab it starts or is given back. */
class RecordingProvider extends FakeLabProvider {
  readonly commands: string[] = [];
  readonly #wrapped = new WeakSet<RunningLab>();
  #record(lab: RunningLab): void {
    if (this.#wrapped.has(lab)) return;
    this.#wrapped.add(lab);
    aroundExec(lab, async (host, command, exec) => {
      if (host.spec.firewall) this.commands.push(command.includes("fwspec-reset") ? "fwspec-reset" : isForgetScript(command) ? "forget" : command.slice(0, 2).join(" "));
      return exec();
    });
  }
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    this.#record(lab);
    return lab;
  }
}

const passed = (r: Awaited<ReturnType<typeof run>>) => r.scenarios.length > 0 && r.scenarios.every((s) => s.status === "passed");

describe("warm labs across runs", () => {
  test("a second run takes the lab the first left warm: no lab start, the same verdicts, the handoff reset before its first scenario", async () => {
    const provider = new RecordingProvider();
    const first = await run({ scenarios: [scenario("a"), scenario("b", 9090)] }, { provider, labs: 1, reuse: true });
    expect(passed(first)).toBe(true);
    expect(provider.started).toHaveLength(1);
    expect(provider.warm).toHaveLength(1);
    expect(provider.started[0]!.disposed).toBe(false);

    const before = provider.commands.length;
    const second = await run({ scenarios: [scenario("c", 9090), scenario("d")] }, { provider, labs: 1, reuse: true });
    expect(passed(second)).toBe(true);
    expect(second.scenarios.flatMap((s) => s.expectations.map((e) => e.actual))).toEqual(["dropped", "open", "dropped", "open"]);
    expect(provider.started).toHaveLength(1);
    // Left warm again at the end, still one lab.
    expect(provider.warm).toHaveLength(1);
    const ran = provider.commands.slice(before);
    const firstApply = ran.indexOf("iptables -A");
    // Taking it read its rules and whole state (sh -ec; compared with what was left); then connections ended, neighbours and IPsec policies forgotten (forget), conntrack flushed.
    expect(ran.slice(0, firstApply)).toEqual(expect.arrayContaining(["forget", "sh -ec", "conntrack -F"]));
  });

  test("without reuse nothing is left warm and a run takes nothing", async () => {
    const provider = new FakeLabProvider();
    await run({ scenarios: [scenario("a")] }, { provider, labs: 1, reuse: true });
    expect(provider.warm).toHaveLength(1);
    const plain = await run({ scenarios: [scenario("b")] }, { provider, labs: 1 });
    expect(passed(plain)).toBe(true);
    expect(provider.started).toHaveLength(2);
    expect(provider.warm).toHaveLength(1);
    expect(provider.started[1]!.disposed).toBe(true);
  });

  test.each([
    { who: "its firewall host", host: "server", rule: { text: "-A INPUT -p tcp -m tcp --dport 9090 -j DROP", port: 9090, target: "DROP" } },
    // A peer's rules would decide its probes too.
    { who: "a peer (no firewall)", host: "remote", rule: { text: "-A OUTPUT -p tcp -m tcp --dport 9090 -j REJECT --reject-with tcp-reset", port: 9090, target: "REJECT" } },
  ])("a lab on which $who got a rule while warm is removed, not used: the run starts a fresh one", async ({ host, rule }) => {
    const provider = new FakeLabProvider();
    await run({ scenarios: [scenario("a")] }, { provider, labs: 1, reuse: true });
    const warm = provider.warm[0]!.lab;
    // Someone stepped in and added a rule while it waited.
    warm.host(host).rules.ipv4.push({ ...rule, packets: 0, bytes: 0 });
    const second = await run({ scenarios: [scenario("b")] }, { provider, labs: 1, reuse: true });
    expect(passed(second)).toBe(true);
    expect(second.scenarios[0]!.expectations.map((e) => e.actual)).toEqual(["dropped", "open"]);
    expect(warm.disposed).toBe(true);
    expect(provider.started).toHaveLength(2);
    expect(provider.warm.map((w) => w.lab)).toEqual([provider.started[1]]);
  });

  test("a kept lab is not left warm", async () => {
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [scenario("a")] }, { provider, labs: 1, reuse: true, keep: "all" });
    expect(report.scenarios[0]!.kept).toBeDefined();
    expect(provider.warm).toHaveLength(0);
    expect(provider.started[0]!.kept).toBe(true);
  });

  test("a lab whose last scenario may leave state a reset does not undo (a run step writing a file) is removed, not left warm", async () => {
    const provider = new FakeLabProvider();
    const stateful = defineScenario({
      name: "stateful",
      description: "writes a file, which no reset removes",
      family: "ipv4",
      hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/9090"] }, remote: {} },
      steps: [{ run: { host: "server", command: "touch /root/left-behind" } }, { expect: ["remote -> server:8080 open"] }],
    });
    await run({ scenarios: [scenario("a"), stateful] }, { provider, labs: 1, reuse: true });
    expect(provider.started).toHaveLength(1);
    expect(provider.warm).toHaveLength(0);
    expect(provider.started[0]!.disposed).toBe(true);
  });

  test("a lab whose handoff failed is removed, not left warm; the fresh lab after it is", async () => {
    const provider = new FakeLabProvider();
    // ss -K refused on the non-firewall host (exit 0, nothing ended): the second scenario's handoff fails on the first lab.
    const original = provider.start.bind(provider);
    provider.start = async (spec) => {
      const lab = await original(spec);
      if (provider.started.length === 1) {
        aroundExec(lab, async (host, command, exec) =>
          isForgetScript(command) && !host.spec.firewall ? { command, exitCode: 8, stdout: "", stderr: "SOCK_DESTROY answers: Operation not permitted\n", durationMs: 1 } : exec(),
        );
      }
      return lab;
    };
    const report = await run({ scenarios: [scenario("a"), scenario("b")] }, { provider, labs: 1, reuse: true });
    expect(passed(report)).toBe(true);
    expect(provider.started).toHaveLength(2);
    expect(provider.started[0]!.disposed).toBe(true);
    expect(provider.warm.map((w) => w.lab)).toEqual([provider.started[1]]);
  });
});
