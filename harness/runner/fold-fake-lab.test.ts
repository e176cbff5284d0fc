/**
 * Scenarios of a smaller shape on a larger lab (plan/absorb.ts,
 * shared-lab.ts): one lab starts for the suite; the scenario casts onto some
 * of its hosts, and a host the previous scenario changed and this one leaves
 * idle is still reset before the next scenario that uses it. No Docker:
 * in-memory labs that keep each host's iptables rules.
 */
import { expect, test } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";

const TWO_FIREWALLS = { a: { firewall: true, listen: ["tcp/8080"] }, b: { firewall: true, listen: ["tcp/8080"] }, client: {} };

/** Drops 8080 on `b`, the second firewall host. */
const both = defineScenario({
  name: "both",
  description: "a rule on the second firewall host",
  family: "ipv4",
  hosts: TWO_FIREWALLS,
  steps: [{ apply: { host: "b", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["client -> b:8080 dropped", "client -> a:8080 open"] }],
});

/** One firewall host and a peer: cast onto `a` and `client`, `b` idle. */
const one = defineScenario({
  name: "one",
  description: "a smaller shape",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/9090"] }, remote: {} },
  steps: [{ expect: ["remote -> server:9090 open"] }],
});

/** Both firewall hosts as booted; its reboot makes it the lab's last. */
const after = defineScenario({
  name: "after",
  description: "nothing applied: both open",
  family: "ipv4",
  hosts: TWO_FIREWALLS,
  steps: [{ expect: ["client -> b:8080 open", "client -> a:8080 open"] }, { reboot: "b" }],
});

test("a smaller scenario runs on the larger lab; the host it left idle is reset before the next scenario uses it", async () => {
  const provider = new FakeLabProvider();
  const order: string[] = [];
  const report = await run({ scenarios: [both, one, after] }, { provider, labs: 1, timing: (t) => order.push(`${t.scenario.name}@${t.lab}`) });
  expect(provider.started.map((lab) => lab.hosts.size)).toEqual([3]);
  expect(order).toEqual(["both@1", "one@1", "after@1"]);
  expect(report.scenarios.map((s) => [s.name, s.status])).toEqual([
    ["both", "passed"],
    ["one", "passed"],
    ["after", "passed"],
  ]);
  // `one` was cast onto the lab's first firewall host and its peer: its probe left `client` for `a`'s address.
  const lab = provider.started[0]!;
  const probed = report.scenarios[1]!.expectations[0]!;
  expect(probed.address).toBe(lab.host("a").addresses.ipv4);
  expect(probed.evidence?.command).toMatch(/^fake-exec client /);
});

test("a kept lab of a smaller scenario lists the hosts it left idle as such", async () => {
  const provider = new FakeLabProvider();
  const report = await run({ scenarios: [after, one] }, { provider, labs: 1, keep: "all" });
  // `one` runs first (before the larger scenario, the lab's last) and is kept with the lab; `after` gets a fresh one.
  expect(provider.started.map((l) => l.hosts.size)).toEqual([3, 3]);
  // Its hosts on the lab's containers, which are named after the larger scenario's hosts: said which (a shell line for `remote` opens `…-client`).
  expect(report.scenarios[1]!.kept?.hosts.map((h) => h.name).sort()).toEqual(["b (idle: no host of this scenario)", "remote (the lab's client, named for the scenario the lab was started for)", "server (the lab's a, named for the scenario the lab was started for)"]);
});
