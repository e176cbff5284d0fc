/**
 * A sweep's `refused:rst` / `refused:icmp` holds each port to its refusal's
 * kind, as a single probe's does (tester 44f: a sweep of resets passed as
 * `refused:icmp`): real REJECTs of both kinds, both families.
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("a sweep expecting one refusal kind fails on ports REJECTed with the other, and passes on its own", async () => {
  const reject = (tool: string, ports: string, answer: string) => `${tool} -A INPUT -p tcp --dport ${ports} -j REJECT --reject-with ${answer}`;
  const scenario = defineScenario({
    name: "refusal kinds in sweeps", description: "9010-9014 reset, 9015-9019 port unreachable",
    hosts: { server: { firewall: true, listen: ["tcp/9010", "tcp/9015"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: [reject("iptables", "9010:9014", "tcp-reset"), reject("iptables", "9015:9019", "icmp-port-unreachable"), reject("ip6tables", "9010:9014", "tcp-reset"), reject("ip6tables", "9015:9019", "icmp6-port-unreachable")] } },
      { expect: ["remote -> server:9010-9014 refused:icmp", "remote -> server:9015-9019 refused:rst", "remote -> server:9010-9014 refused:rst", "remote -> server:9015-9019 refused:icmp"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => `${e.text} [${e.family}] ${e.status}${e.sweep?.broken[0] ? `: ${e.sweep.broken[0].port} ${e.sweep.broken[0].observed}` : ""}`);
  expect(rows).toEqual([
    "remote -> server:9010-9014 refused:icmp [ipv4] failed: 9010 refused:rst",
    "remote -> server:9010-9014 refused:icmp [ipv6] failed: 9010 refused:rst",
    "remote -> server:9015-9019 refused:rst [ipv4] failed: 9015 refused:icmp",
    "remote -> server:9015-9019 refused:rst [ipv6] failed: 9015 refused:icmp",
    "remote -> server:9010-9014 refused:rst [ipv4] passed",
    "remote -> server:9010-9014 refused:rst [ipv6] passed",
    "remote -> server:9015-9019 refused:icmp [ipv4] passed",
    "remote -> server:9015-9019 refused:icmp [ipv6] passed",
  ]);
}, 120_000);
