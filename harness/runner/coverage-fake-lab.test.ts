/**
 * Rule coverage through the real runner (api.run → session → report) on the
 * in-memory lab: counted rules carry their host, apply steps their loaded
 * rules, and the DROP appended behind a broader ACCEPT comes out shadowed.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";

const scenario = defineScenario({
  name: "drop behind accept",
  description: "the DROP appended after a broader ACCEPT never counts; inserted first it does",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, client: {} },
  steps: [
    { apply: { host: "server", commands: ["iptables -A INPUT -p tcp -j ACCEPT", "iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
    { expect: ["client -> server:8080 open"] },
    { apply: { host: "server", commands: ["iptables -I INPUT 1 -p tcp --dport 8080 -j DROP"] } },
    { expect: ["client -> server:8080 dropped", "client -> server:8081 open"] },
  ],
});

describe("rule coverage on a fake lab", () => {
  test("every rule of each applied ruleset with the checks that took its packets; the appended DROP is shadowed", async () => {
    const report = await run({ scenarios: [scenario] }, { provider: new FakeLabProvider(), labs: 1, coverage: true });
    const c = report.scenarios[0]!.coverage!;
    const lines = c.rulesets.flatMap((rs) => rs.rules.map((r) => `${rs.host} ${rs.loadedBy}: ${r.family} #${r.position} ${r.text}: ${r.status} ${r.checks.map((k) => `line ${k.line} ${k.family}${k.parity ? " parity" : ""}`).join(", ")}`));
    expect(lines).toEqual([
      "server apply (line 1): ipv4 #1 -A INPUT -p tcp -j ACCEPT: exercised line 1 ipv4",
      "server apply (line 1): ipv4 #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP: shadowed ",
      "server apply (line 1): ipv4 #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP: exercised line 1 ipv4",
      "server apply (line 1): ipv4 #2 -A INPUT -p tcp -j ACCEPT: exercised line 1 ipv4",
      "server apply (line 1): ipv4 #3 -A INPUT -p tcp -m tcp --dport 8080 -j DROP: shadowed ",
    ]);
    expect(c.rulesets[0]!.rules[1]!.shadowedBy!.rules).toEqual(["ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT"]);
    expect(report.coverage).toEqual({ rules: 5, exercised: 3, shadowed: 2, unexercised: 2, percent: 60, unattributed: 0, unmeasurable: 0 });
  });

  test("without the option the report has no coverage", async () => {
    const report = await run({ scenarios: [scenario] }, { provider: new FakeLabProvider(), labs: 1 });
    expect(report.coverage).toBeUndefined();
    expect(report.scenarios[0]!.coverage).toBeUndefined();
  });
});
