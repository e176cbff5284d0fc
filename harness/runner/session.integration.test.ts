/**
 * The step kinds with real containers, through the TypeScript scenario API
 * (defineScenario: the same validation as YAML). Each test can fail: the
 * negative cases assert what a broken policy looks like.
 */
import { describe, expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import type { ExpectStep, HoldStep, RebootStep, RunStep, Scenario } from "../scenario/model.ts";
import { openSession as session, probeOne } from "../testing/session.ts";

const expectations = (scenario: Scenario, index: number) => (scenario.steps[index] as ExpectStep).expectations;

describe("run step", () => {
  it("passes on the expected exit status and patterns, fails otherwise", async () => {
    const scenario = defineScenario({
      name: "run",
      description: "iptables -C and -S judged by exit status and output",
      hosts: { server: { firewall: true, listen: ["tcp/8080"] } },
      steps: [
        { apply: { host: "server", commands: ["iptables -I INPUT 1 -p tcp --dport 8080 -j DROP"] } },
        { run: { host: "server", command: "iptables -C INPUT -p tcp --dport 8080 -j DROP" } },
        { run: { host: "server", command: "iptables -C INPUT -p tcp --dport 9999 -j DROP" } },
        { run: { host: "server", command: "iptables -S INPUT", contains: "--dport 9999" } },
        { run: { host: "server", command: "iptables --version", matches: "\\((nf_tables|legacy)\\)" } },
      ],
    });
    await using s = await session(scenario);
    await s.apply(scenario.steps[0] as never, "apply");
    expect((await s.run(scenario.steps[1] as RunStep, "run")).status).toBe("passed");
    const absent = await s.run(scenario.steps[2] as RunStep, "run");
    expect(absent.status).toBe("failed");
    expect(absent.message).toMatch(/exit status 1, expected 0/);
    const missing = await s.run(scenario.steps[3] as RunStep, "run");
    expect(missing.status).toBe("failed");
    expect(missing.message).toMatch(/does not contain "--dport 9999"/);
    expect((await s.run(scenario.steps[4] as RunStep, "run")).status).toBe("passed");
  });
});

describe("reboot step", () => {
  it("loses unsaved rules, restores netfilter-persistent ones, and brings listeners back", async () => {
    const scenario = defineScenario({
      name: "reboot",
      description: "a reboot as a Debian host has it",
      family: "ipv4",
      hosts: { plain: { firewall: true, listen: ["tcp/8080"] }, saved: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
      steps: [
        { apply: { host: "plain", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
        { apply: { host: "saved", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "netfilter-persistent save"] } },
        { expect: ["remote -> plain:8080 dropped", "remote -> saved:8080 dropped"] },
      ],
    });
    await using s = await session(scenario);
    await s.apply(scenario.steps[0] as never, "apply");
    await s.apply(scenario.steps[1] as never, "apply");
    const [plain, saved] = expectations(scenario, 2);
    expect((await probeOne(s, plain!, "ipv4")).actual).toBe("dropped");
    await s.reboot({ kind: "reboot", host: "plain", location: scenario.steps[0]!.location } satisfies RebootStep, "reboot");
    await s.reboot({ kind: "reboot", host: "saved", location: scenario.steps[0]!.location } satisfies RebootStep, "reboot");
    expect((await probeOne(s, plain!, "ipv4")).actual).toBe("open");
    expect((await probeOne(s, saved!, "ipv4")).actual).toBe("dropped");
  });
});

describe("hold step and held expectations", () => {
  // nft: the trace names whose packet the DROP rule took, so a dropped held check and the probes after it are
  // decided early from it; legacy: no trace, and counters cannot tell the held data's retransmissions from a probe's.
  it.each(["nft", "legacy"] as const)("a held connection passes data until conntrack forgets it (%s)", async (backend) => {
    const scenario = defineScenario({
      name: "held",
      description: "held connections and conntrack",
      family: "ipv4",
      hosts: { server: { firewall: true, backend, listen: ["tcp/3000"] }, remote: {} },
      steps: [
        { apply: { host: "server", commands: ["iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"] } },
        { hold: { name: "s", from: "remote", to: "server", port: 3000 } },
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 3000 -j DROP"] } },
        { expect: ["held s open", "remote -> server:3000 dropped"] },
      ],
    });
    await using s = await session(scenario);
    await s.apply(scenario.steps[0] as never, "apply");
    await s.hold(scenario.steps[1] as HoldStep, "hold");
    await s.apply(scenario.steps[2] as never, "apply");
    const [held, fresh] = expectations(scenario, 3);
    expect((await probeOne(s, held!, "ipv4")).actual).toBe("open");
    const before = await probeOne(s, fresh!, "ipv4");
    expect(before.actual).toBe("dropped");
    expect(before.evidence.stoppedEarly).toBeDefined();
    // Without the conntrack entry the same held connection is dropped: the check can fail.
    await s.lab.host("server").run(["conntrack", "-F"], "flush");
    await s.lab.host("server").run(["iptables", "-D", "INPUT", "1"], "delete the ESTABLISHED rule");
    const after = await probeOne(s, held!, "ipv4");
    expect(after.actual).toBe("dropped");
    expect(after.status).toBe("failed");
    if (backend === "nft") {
      // Stopped on the trace's evidence before its timeout (the words say so; no wall-clock bound in a test).
      expect(after.evidence.stoppedEarly).toMatch(/^stopped after \d+ ms: a DROP rule took/);
    } else expect(after.evidence.stoppedEarly).toBeUndefined();
    // Its unanswered data is retransmitted and counted by the same DROP rule for minutes: IPv4 probes are no
    // longer decided from counters; with a trace they are decided from it, otherwise they run to their timeout.
    const later = await probeOne(s, fresh!, "ipv4");
    expect(later.actual).toBe("dropped");
    if (backend === "nft") expect(later.evidence.stoppedEarly).toMatch(/^stopped after \d+ ms: a DROP rule took/);
    else expect(later.evidence.stoppedEarly).toBeUndefined();
  });
});

describe("routed topology", () => {
  it("a client reaches the other network only through the router, and FORWARD decides", async () => {
    const scenario = defineScenario({
      name: "routed",
      description: "two networks and a router",
      family: "ipv4",
      networks: ["lan", "dmz"],
      hosts: {
        client: { networks: ["lan"] },
        router: { firewall: true, router: true, networks: ["lan", "dmz"] },
        backend: { networks: ["dmz"], listen: ["tcp/8080"] },
      },
      steps: [{ expect: ["client -> backend:8080 open"] }],
    });
    await using s = await session(scenario);
    const [e] = expectations(scenario, 0);
    const before = await probeOne(s, e!, "ipv4");
    expect(before.actual).toBe("open");
    expect(before.decidedBy).toEqual([]); // no rules yet
    await s.lab.host("router").run(["iptables", "-A", "FORWARD", "-p", "tcp", "--dport", "8080", "-j", "DROP"], "forward drop");
    const after = await probeOne(s, e!, "ipv4");
    expect(after.actual).toBe("dropped");
    expect(after.decidedBy.join("\n")).toContain("-A FORWARD -p tcp -m tcp --dport 8080 -j DROP");
    // Without forwarding the router is no route at all.
    const client = s.lab.host("client");
    expect(s.lab.addressFor(client, s.lab.host("backend"), "ipv4")).toBe(s.lab.host("backend").addressOn("dmz", "ipv4"));
  });
});
