/**
 * A sweep's packets are nmap's raw SYNs (44 bytes over IPv4, only an MSS
 * option), not a client's (60 bytes, SACK, timestamps, window scaling): a
 * rule on the packet's shape takes one and lets the other through. The ports
 * such a rule can meet are probed with a client's packet, so the sweep says
 * what a client gets: here a client's SYN to 8080 is dropped by its length
 * (and over IPv6 by its SACK option), which nmap's would pass. nmap also
 * reads answers before the prober's own rules: a prober whose INPUT drops
 * them (no ESTABLISHED accept) gets nothing where nmap saw a SYN-ACK, so its
 * answered ports are asked again as single probes.
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("a rule on the packet's shape: its port is probed as a client, not by nmap's SYN", async () => {
  const scenario = defineScenario({
    name: "shape",
    description: "a client's SYN to 8080 is dropped by its length (IPv6: its SACK option); nmap's would pass",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: [
        "iptables -P INPUT DROP", "iptables -A INPUT -p tcp --dport 8080 -m length --length 53:65535 -j DROP", "iptables -A INPUT -p tcp --dport 8080 -j ACCEPT",
        "ip6tables -P INPUT DROP", "ip6tables -A INPUT -p ipv6-icmp -j ACCEPT", "ip6tables -A INPUT -p tcp --dport 8080 --tcp-option 4 -j DROP", "ip6tables -A INPUT -p tcp --dport 8080 -j ACCEPT",
      ] } },
      { expect: ["remote -> server:8075-8085 blocked except 8080"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({ family: e.family, status: e.status, broken: e.sweep?.broken.map((b) => `${b.port} ${b.observed}`) }));
  expect(rows).toEqual([
    { family: "ipv4", status: "failed", broken: ["8080 dropped"] },
    { family: "ipv6", status: "failed", broken: ["8080 dropped"] },
  ]);
}, 120_000);

it("a prober whose own INPUT drops the answers: the port nmap saw open is what the prober gets, dropped", async () => {
  const strict = (tool: string) => [`${tool} -P INPUT DROP`, `${tool} -A INPUT -i lo -j ACCEPT`];
  const scenario = defineScenario({
    name: "prober drops answers",
    description: "the client accepts no answers (no ESTABLISHED rule); the server admits 9020 only",
    hosts: { server: { firewall: true, listen: ["tcp/9020"] }, client: { firewall: true } },
    steps: [
      { apply: { host: "client", commands: [...strict("iptables"), ...strict("ip6tables"), "ip6tables -A INPUT -p ipv6-icmp -j ACCEPT"] } },
      { apply: { host: "server", commands: ["iptables -P INPUT DROP", "iptables -A INPUT -p tcp --dport 9020 -j ACCEPT", "ip6tables -P INPUT DROP", "ip6tables -A INPUT -p ipv6-icmp -j ACCEPT", "ip6tables -A INPUT -p tcp --dport 9020 -j ACCEPT"] } },
      { expect: ["client -> server:9015-9025 blocked except 9020"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({ family: e.family, status: e.status, broken: e.sweep?.broken.map((b) => `${b.port} ${b.observed}`) }));
  expect(rows).toEqual([
    { family: "ipv4", status: "failed", broken: ["9020 dropped"] },
    { family: "ipv6", status: "failed", broken: ["9020 dropped"] },
  ]);
}, 120_000);

it("a rule on the client's source ports (Linux's ephemeral range): a sweep's packets leave from such a port too", async () => {
  const scenario = defineScenario({
    name: "source ports",
    description: "only TCP from ephemeral source ports is let in (and 8080); the rest is dropped",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8050"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j ACCEPT", "iptables -A INPUT -p tcp --sport 32768:60999 -j ACCEPT", "iptables -A INPUT -p tcp -j DROP"] } },
      // A client's connection to 8050 comes from an ephemeral port: open; nothing listens on 8045-8049.
      { expect: ["client -> server:8050 open", "client -> server:8045-8050 blocked except 8050"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const [single, sweep] = report.scenarios[0]!.expectations;
  expect(single!.actual).toBe("open");
  // Every port admitted by the source-port rule, as a client's: 8045-8049 answered by the kernel (admitted), not dropped.
  expect({ status: sweep!.status, counts: sweep!.sweep?.counts }).toEqual({ status: "failed", counts: { admitted: 5, open: 1 } });
}, 120_000);
