/**
 * A sweep leaves from the same source port as an earlier sweep of its
 * scenario: to conntrack, the same flow. While a connection is held (no
 * conntrack flush between steps), an entry the earlier sweep left for an
 * answered UDP port carried the later sweep's datagram past a rule for new
 * connections, and the sweep read that port open where every new client is
 * dropped (a tester's repro). Real containers and packets.
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("a later UDP sweep meets the rule for new connections an earlier sweep's answered port now has, not the earlier sweep's conntrack entry", async () => {
  const scenario = defineScenario({
    name: "a UDP sweep after a rule change while a connection is held",
    description: "conntrack entries of an earlier sweep are not this sweep's",
    hosts: { server: { firewall: true, listen: ["udp/5000", "tcp/8080"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: [
        ...["iptables", "ip6tables"].flatMap((t) => [
          `${t} -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
          `${t} -A INPUT -p tcp --dport 8080 -j ACCEPT`,
          `${t} -A INPUT -p udp --dport 5000 -j ACCEPT`,
          `${t} -A INPUT -p udp -j DROP`,
        ]),
      ] } },
      { hold: { name: "h4", from: "client", to: "server", port: 8080, family: "ipv4" } },
      { expect: ["client -> server:4998-5002/udp blocked except 5000"] },
      { apply: { host: "server", commands: ["iptables -I INPUT 2 -p udp --dport 5000 -m conntrack --ctstate NEW -j DROP", "ip6tables -I INPUT 2 -p udp --dport 5000 -m conntrack --ctstate NEW -j DROP"] } },
      // Both families side by side, from the same source port: each sweep deletes its own family's entries only.
      { expect: ["client -> server:4998-5002/udp blocked", "held h4 open"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect(s.status, JSON.stringify([s.errors, s.expectations.map((e) => `${e.text} ${e.family} ${e.actual} ${e.reason}`)])).toBe("passed");
});
