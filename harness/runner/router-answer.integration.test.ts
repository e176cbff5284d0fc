/**
 * A legacy router's counters (no trace to follow): a FORWARD DROP written for
 * the other direction (`-i lan0 -o wan0`) counts the server's answers, not
 * the client's SYN, which `-i wan0 -o lan0 --dport 8080 -j ACCEPT` let in.
 * fwspec names the DROP as taking the answer on its way back, never as taking
 * the SYN (the interfaces a probe crosses: probes/path-interfaces.ts).
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("a router's DROP for the other direction is named as taking the answer, not the SYN", async () => {
  const scenario = defineScenario({
    name: "router answer",
    description: "no ESTABLISHED rule on the router: the answer meets the lan-to-wan DROP",
    family: "ipv4",
    networks: ["wan", "lan"],
    hosts: {
      router: { firewall: true, router: true, backend: "legacy", networks: ["wan", "lan"], interfaces: { wan: "wan0", lan: "lan0" } },
      client: { networks: ["wan"] },
      server: { networks: ["lan"], listen: ["tcp/8080"] },
    },
    steps: [
      { apply: { host: "router", commands: ["iptables -P FORWARD DROP", "iptables -A FORWARD -i lan0 -o wan0 -j DROP", "iptables -A FORWARD -i wan0 -o lan0 -p tcp --dport 8080 -j ACCEPT"] } },
      { expect: ["client -> server:8080 dropped"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const e = report.scenarios[0]!.expectations[0]!;
  expect({ actual: e.actual, rule: e.decision?.rule, answer: e.decision?.answer, counted: e.counted?.map((c) => c.text) }).toEqual({
    actual: "dropped",
    rule: "-A FORWARD -i lan0 -o wan0 -j DROP",
    answer: true,
    counted: expect.arrayContaining(["-A FORWARD -i wan0 -o lan0 -p tcp -m tcp --dport 8080 -j ACCEPT"]),
  });
}, 120_000);
