/**
 * Two firewalls on a path, the first traced (a native nft router whose rules
 * count nothing), the second not (an iptables-legacy server): the ports the
 * router let through are decided by the server's rules, as its counters show
 * them, never by the router's accept; and a reset the counters alone cannot
 * tell (the router's rules count nothing) is `admitted` when the trace shows
 * the router accepted its packet (tester 44f). Single probes and a sweep,
 * both families; real containers and packets. And a sweep of the router
 * whose DNAT sends the ports on to the server: the server's tcp-reset REJECT
 * is refused, not "admitted (nothing listening)" (tester 45a: a wrong verdict).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-untraced-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, "gw.nft"), [
  "table inet fw {",
  "  chain forward {",
  "    type filter hook forward priority 0; policy drop;",
  "    ct state established,related accept",
  "    meta l4proto { icmp, ipv6-icmp } accept",
  "    tcp dport 7000-7019 accept",
  "    tcp dport 7020-7024 reject with tcp reset",
  "  }",
  "}",
  "",
].join("\n"));
writeFileSync(path.join(dir, "dnat.nft"), [
  "table inet fw {",
  "  chain prerouting {",
  "    type nat hook prerouting priority dstnat; policy accept;",
  "    meta nfproto ipv4 ip daddr {{ gw.wan.ipv4 }} tcp dport 7000-7039 dnat ip to {{ server.ipv4 }}",
  "    meta nfproto ipv6 ip6 daddr {{ gw.wan.ipv6 }} tcp dport 7000-7039 dnat ip6 to {{ server.ipv6 }}",
  "  }",
  "  chain forward {",
  "    type filter hook forward priority 0; policy drop;",
  "    ct state established,related accept",
  "    meta l4proto { icmp, ipv6-icmp } accept",
  "    tcp dport 7030-7039 accept",
  "  }",
  "}",
  "",
].join("\n"));

const server = (tool: string) => [`${tool} -A INPUT -p tcp --dport 7010:7014 -j REJECT`, `${tool} -A INPUT -p tcp --dport 7015:7019 -j DROP`];

it("names the legacy server's REJECT and DROP behind the nft router's accept, and reads the router-accepted resets as admitted", async () => {
  const scenario = defineScenario({
    name: "untraced beyond",
    description: "nft router (no counters) in front of an iptables-legacy server",
    networks: ["wan", "lan"],
    hosts: {
      client: { networks: ["wan"] },
      gw: { firewall: true, router: true, networks: ["wan", "lan"] },
      server: { firewall: true, backend: "legacy", networks: ["lan"], listen: ["tcp/7000", "tcp/7012", "tcp/7016"] },
    },
    steps: [
      { apply: { host: "gw", nft: "gw.nft" } },
      { apply: { host: "server", commands: [...server("iptables"), ...server("ip6tables")] } },
      { expect: ["client -> server:7012 refused:icmp", "client -> server:7016 dropped", "client -> server:7000-7029 blocked except 7000,7001,7002,7003,7004,7005,7006,7007,7008,7009"] },
    ],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({
    text: e.text, family: e.family, status: e.status,
    decided: e.sweep ? e.sweep.decided?.map((g) => `${g.ports}: ${g.decided.replace(/(?: \[handle \d+\])?(?:, written at .*)?(?: \(took .*)?$/, "")}`) : `${e.decision?.host} ${e.decision?.rule}${e.decision?.later ? " (later)" : ""}`,
    ...(e.sweep ? { counts: e.sweep.counts } : {}),
  }));
  const families = ["ipv4", "ipv6"] as const;
  expect(rows, JSON.stringify(report.scenarios[0]!.expectations.map((e) => e.sweep?.notes))).toEqual([
    ...families.map((family) => ({ text: "client -> server:7012 refused:icmp", family, status: "passed", decided: expect.stringMatching(/^server -A INPUT -p tcp -m tcp --dport 7010:7014 -j REJECT --reject-with icmp6?-port-unreachable$/) })),
    ...families.map((family) => ({ text: "client -> server:7016 dropped", family, status: "passed", decided: "server -A INPUT -p tcp -m tcp --dport 7015:7019 -j DROP" })),
    ...families.map((family) => ({
      text: "client -> server:7000-7029 blocked except 7000,7001,7002,7003,7004,7005,7006,7007,7008,7009", family, status: "passed",
      // The router's own decisions only: the ports it let through are the server's.
      decided: [`7020-7024: gw ${family} inet fw forward: tcp dport 7020-7024 reject with tcp reset`, `7025-7029: gw ${family} inet fw forward policy drop`],
      counts: { open: 1, admitted: 9, refused: 10, dropped: 10 },
    })),
  ]);
}, 180_000);

it("reads a server's tcp-reset REJECT behind the router's DNAT as refused in a sweep, not admitted", async () => {
  const reject = (tool: string) => `${tool} -A INPUT -p tcp --dport 7030:7034 -j REJECT --reject-with tcp-reset`;
  const scenario = defineScenario({
    name: "dnat sweep", description: "nft router DNAT (no counters) to an iptables-legacy server that REJECTs with tcp-reset",
    networks: ["wan", "lan"],
    hosts: {
      client: { networks: ["wan"] },
      gw: { firewall: true, router: true, networks: ["wan", "lan"] },
      server: { firewall: true, backend: "legacy", networks: ["lan"], listen: ["tcp/7031"] },
    },
    steps: [
      { apply: { host: "gw", nft: "dnat.nft" } },
      { apply: { host: "server", commands: [reject("iptables"), reject("ip6tables")] } },
      { expect: ["client -> gw:7030-7034 refused:rst", "client -> gw:7029-7039 blocked except 7035,7036,7037,7038,7039"] },
    ],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({ text: e.text, family: e.family, status: e.status, counts: e.sweep?.counts, decided: e.sweep?.decided?.map((g) => g.ports) }));
  const families = ["ipv4", "ipv6"] as const;
  expect(rows, JSON.stringify(report.scenarios[0]!.expectations.map((e) => [e.sweep?.notes, e.sweep?.broken]))).toEqual([
    ...families.map((family) => ({ text: "client -> gw:7030-7034 refused:rst", family, status: "passed", counts: { refused: 5 }, decided: [] })),
    // 7029: the router's forward policy drop (the trace); the others went on to the server.
    ...families.map((family) => ({ text: "client -> gw:7029-7039 blocked except 7035,7036,7037,7038,7039", family, status: "passed", counts: { dropped: 1, refused: 5, admitted: 5 }, decided: ["7029"] })),
  ]);
}, 180_000);

it("names the legacy router's ICMP DROP that took a REJECT's answer on its way back (tester 45a)", async () => {
  const scenario = defineScenario({
    name: "lost reject answer", description: "the server REJECTs 7012 with ICMP port unreachable; the legacy router drops ICMP port unreachable in FORWARD",
    networks: ["wan", "lan"],
    hosts: {
      client: { networks: ["wan"] },
      gw: { firewall: true, router: true, backend: "legacy", networks: ["wan", "lan"] },
      server: { firewall: true, networks: ["lan"], listen: ["tcp/7012"] },
    },
    steps: [
      { apply: { host: "gw", commands: ["iptables -A FORWARD -p icmp --icmp-type port-unreachable -j DROP", "ip6tables -A FORWARD -p ipv6-icmp --icmpv6-type port-unreachable -j DROP"] } },
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 7012 -j REJECT", "ip6tables -A INPUT -p tcp --dport 7012 -j REJECT"] } },
      { expect: ["client -> server:7012 dropped"] },
    ],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({ family: e.family, status: e.status, host: e.decision?.host, rule: e.decision?.rule, answer: e.decision?.answer }));
  expect(rows).toEqual([
    { family: "ipv4", status: "passed", host: "gw", rule: "-A FORWARD -p icmp -m icmp --icmp-type 3/3 -j DROP", answer: true },
    { family: "ipv6", status: "passed", host: "gw", rule: "-A FORWARD -p ipv6-icmp -m icmp6 --icmpv6-type 1/4 -j DROP", answer: true },
  ]);
}, 180_000);
