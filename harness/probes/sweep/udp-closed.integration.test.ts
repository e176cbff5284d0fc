/**
 * A UDP sweep of many closed ports on a host whose rules let them through: the
 * kernel answers each with a port unreachable, and a sweep sends thousands of
 * datagrams a second. Past the namespace's limit on ICMP errors (1000 a
 * second after a burst of 50) the answers went missing and the ports read
 * `dropped` where a single probe reads refused (a tester's 1-200/udp sweep:
 * 46 ports). Lab hosts lift that limit as they lift the per-destination one.
 * Real containers and packets.
 */
import { expect, it } from "vitest";
import { run } from "../../api.ts";
import { defineScenario } from "../../scenario/load.ts";
import { testLabProvider } from "../../testing/session.ts";

it("a 1-200/udp sweep of a host that admits UDP reads every closed port admitted (the kernel's port unreachable), not dropped", async () => {
  const scenario = defineScenario({
    name: "UDP sweep of closed ports",
    description: "every closed port answers with the kernel's port unreachable",
    hosts: { server: { firewall: true, listen: ["tcp/22", "udp/50"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 22 -j ACCEPT"] } },
      { expect: ["client -> server:1-200/udp refused except 50"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  // The sweep's `refused` is a rule's refusal: a port the firewall admitted fails it, as `admitted (nothing listening)`.
  expect(s.errors).toEqual([]);
  expect(s.expectations.map((e) => [e.family, e.sweep?.counts])).toEqual([["ipv4", { admitted: 199, open: 1 }], ["ipv6", { admitted: 199, open: 1 }]]);
});
