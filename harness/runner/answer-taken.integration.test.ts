/**
 * The rule named as deciding a dropped probe whose first packet passed (two
 * testers' repros): a router's FORWARD DROP that took the answer a DNAT's
 * backend sent (the trace shows the first packet only, let through by the
 * FORWARD policy), and an INPUT `--ctstate ESTABLISHED` DROP that took the
 * handshake's last ACK (the SYN and SYN-ACK passed). Each named before the
 * ACCEPT that let the first packet through. Real containers and packets.
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("names the DROP that took the answer behind a DNAT, and the ESTABLISHED DROP that took the handshake's last ACK", async () => {
  const forwarded = defineScenario({
    name: "routed dnat synack",
    description: "the forwarded SYN-ACK is dropped on the router",
    family: "ipv4",
    networks: ["lan", "dmz"],
    hosts: {
      client: { networks: ["lan"] },
      router: { firewall: true, router: true, networks: ["lan", "dmz"], listen: ["tcp/80"] },
      backend: { networks: ["dmz"], listen: ["tcp/8080"] },
    },
    steps: [
      { apply: { host: "router", commands: ["iptables -t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination {{ backend.ipv4 }}:8080", "iptables -A FORWARD -p tcp --sport 8080 -j DROP"] } },
      { expect: ["client -> router:80 dropped", "client -> backend:8080 dropped"] },
    ],
  });
  const established = defineScenario({
    name: "established drop",
    description: "the handshake's last ACK is dropped",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -m conntrack --ctstate ESTABLISHED -j DROP", "iptables -A INPUT -p tcp --dport 8080 -j ACCEPT"] } },
      { expect: ["client -> server:8080 dropped"] },
    ],
  });
  const report = await run({ scenarios: [forwarded, established] }, { provider: await testLabProvider() });
  const decided = report.scenarios.map((s) => s.expectations.map((e) => ({ status: e.status, host: e.decision?.host, rule: e.decision?.rule, answer: e.decision?.answer, later: e.decision?.later })));
  expect(decided).toEqual([
    [1, 2].map(() => ({ status: "passed", host: "router", rule: "-A FORWARD -p tcp -m tcp --sport 8080 -j DROP", answer: true, later: undefined })),
    [{ status: "passed", host: "server", rule: "-A INPUT -p tcp -m tcp --dport 8080 -m conntrack --ctstate ESTABLISHED -j DROP", answer: undefined, later: true }],
  ]);
});

it("names the OUTPUT policy DROP that took a REJECT's answer (RELATED forgotten on OUTPUT), on TCP and UDP, not the REJECT (tester 42a)", async () => {
  const scenario = defineScenario({
    name: "reject answer dropped",
    description: "OUTPUT lets out ESTABLISHED only: the REJECT's reset and port unreachable never leave",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/9000", "udp/161"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -P OUTPUT DROP", "iptables -A OUTPUT -o lo -j ACCEPT", "iptables -A OUTPUT -m state --state ESTABLISHED -j ACCEPT", "iptables -A INPUT -p tcp --dport 9000 -j REJECT --reject-with tcp-reset", "iptables -A INPUT -p udp --dport 161 -j REJECT"] } },
      { expect: ["client -> server:9000 dropped", "client -> server:161/udp dropped"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const decided = report.scenarios[0]!.expectations.map((e) => ({ status: e.status, host: e.decision?.host, path: e.decision?.path, rule: e.decision?.rule, answer: e.decision?.answer }));
  expect(decided).toEqual([1, 2].map(() => ({ status: "passed", host: "server", path: ["OUTPUT"], rule: "policy DROP", answer: true })));
});
