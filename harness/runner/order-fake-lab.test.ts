/**
 * Labs side by side start longest first (plan/cost.ts): a suite whose long
 * scenario comes last in file order starts that scenario's lab first, and the
 * reports keep the given order. No Docker: in-memory labs.
 */
import { expect, test } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";

// A shape the long one's lab does not fit (its firewall host runs the legacy backend), so each has a lab of its own.
const short = defineScenario({
  name: "short",
  description: "one open probe",
  family: "ipv4",
  hosts: { server: { firewall: true, backend: "legacy", listen: ["tcp/8080"] }, remote: {} },
  steps: [{ expect: ["remote -> server:8080 open"] }],
});

// Another lab shape (a third host), and what takes long: blocked probes on both families, a reboot.
const long = defineScenario({
  name: "long",
  description: "blocked probes and a reboot",
  family: "both",
  hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {}, other: {} },
  steps: [
    { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j DROP", "ip6tables -A INPUT -p tcp --dport 8081 -j DROP"] } },
    { expect: ["remote -> server:8081 dropped", "other -> server:8081 dropped", "remote -> server:8080 open"] },
    { reboot: "server" },
  ],
});

test("the longest scenario's lab starts first; reports keep the given order", async () => {
  const provider = new FakeLabProvider();
  const report = await run({ scenarios: [short, long] }, { provider, labs: 1 });
  expect(report.scenarios.map((s) => s.name)).toEqual(["short", "long"]);
  expect(provider.started.map((lab) => lab.hosts.size)).toEqual([3, 2]);
});
