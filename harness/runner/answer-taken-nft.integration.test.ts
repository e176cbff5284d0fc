/**
 * The rule named as deciding a dropped probe whose first packet passed, on
 * native nftables rulesets (tester 35c's finding): a counted drop in the
 * target's output chain that took the answer, and a counted `ct state
 * established` drop (reached through a jump) that took the handshake's last
 * ACK. The trace follows the first packet only, which the input chain's
 * policy accepted; the counters show the drop. Also behind a native `dnat`
 * on a router: its forward chain's drop of the answer. Real containers and packets.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";
import { decidedFor } from "../report/failure.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-answer-nft-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ruleset(name: string, lines: string[]): string {
  writeFileSync(path.join(dir, name), `${lines.join("\n")}\n`);
  return name;
}

const answer = ruleset("answer.nft", [
  "table inet fw {",
  "  chain in { type filter hook input priority 0; policy accept; }",
  "  chain out {",
  "    type filter hook output priority 0; policy accept;",
  "    tcp sport 8080 counter drop",
  "  }",
  "}",
]);
const established = ruleset("established.nft", [
  "table inet fw {",
  "  chain guard {",
  "    ct state established counter drop",
  "  }",
  "  chain in {",
  "    type filter hook input priority 0; policy accept;",
  "    tcp dport 8080 jump guard",
  "  }",
  "}",
]);

function scenario(name: string, file: string, family?: "ipv4") {
  return defineScenario({
    name,
    description: `native nft: ${name}`,
    ...(family ? { family } : {}),
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, client: {} },
    steps: [{ apply: { host: "server", nft: file } }, { expect: ["client -> server:8080 dropped"] }],
  } as never, { baseDir: dir });
}

it("names the counted drop that took the answer, and the ct state established drop behind a jump that took the last ACK", async () => {
  const report = await run({ scenarios: [scenario("answer dropped", answer), scenario("last ack dropped", established)] }, { provider: await testLabProvider() });
  const decided = report.scenarios.map((s) => s.expectations.map((e) => ({ family: e.family, status: e.status, host: e.decision?.host, table: e.decision?.table, path: e.decision?.path, rule: e.decision?.rule, answer: e.decision?.answer, later: e.decision?.later })));
  expect(decided).toEqual([
    (["ipv4", "ipv6"] as const).map((family) => ({ family, status: "passed", host: "server", table: "inet fw", path: ["out"], rule: expect.stringMatching(/^tcp sport 8080 counter drop # handle \d+$/), answer: true, later: undefined })),
    (["ipv4", "ipv6"] as const).map((family) => ({ family, status: "passed", host: "server", table: "inet fw", path: ["in", "guard"], rule: expect.stringMatching(/^ct state established counter drop # handle \d+$/), answer: undefined, later: true })),
  ]);
});

const routed = ruleset("routed.nft", [
  "table inet router {",
  "  chain prerouting {",
  "    type nat hook prerouting priority dstnat; policy accept;",
  '    iifname "wan0" meta nfproto ipv4 tcp dport 80 counter dnat ip to {{ backend.ipv4 }}:8080',
  "  }",
  "  chain forward {",
  "    type filter hook forward priority 0; policy drop;",
  '    iifname "dmz0" oifname "wan0" tcp sport 8080 counter drop',
  "    ct state established,related accept",
  "    ct status dnat counter accept",
  "  }",
  "}",
]);

it("names the forward chain's counted drop that took the answer behind a native dnat on a router (tester 36b)", async () => {
  const scenario = defineScenario({
    name: "native routed dnat",
    description: "native nft: the forwarded SYN-ACK is dropped on the router",
    family: "ipv4",
    networks: ["wan", "dmz"],
    hosts: {
      client: { networks: ["wan"] },
      router: { firewall: true, router: true, networks: ["wan", "dmz"], interfaces: { wan: "wan0", dmz: "dmz0" }, listen: ["tcp/80"] },
      backend: { networks: ["dmz"], listen: ["tcp/8080"] },
    },
    steps: [{ apply: { host: "router", nft: routed } }, { expect: ["client -> router:80 dropped"] }],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const [e] = report.scenarios[0]!.expectations;
  expect({ status: e!.status, host: e!.decision?.host, path: e!.decision?.path, rule: e!.decision?.rule, answer: e!.decision?.answer }, JSON.stringify(e)).toEqual({
    status: "passed", host: "router", path: ["forward"], rule: expect.stringMatching(/^iifname "dmz0" oifname "wan0" tcp sport 8080 counter drop # handle \d+$/), answer: true,
  });
});

it("a policy drop that took the handshake's last ACK (nothing counts it): the decided line says a later packet was lost, not the answer (tester 36b)", async () => {
  const file = ruleset("policy.nft", [
    "table inet fw {",
    "  chain in {",
    "    type filter hook input priority 0; policy drop;",
    "    tcp dport 8080 ct state new counter accept",
    "  }",
    "}",
  ]);
  // IPv4 only: the policy drops IPv6 neighbour discovery too, so an IPv6 SYN never reaches the server.
  const report = await run({ scenarios: [scenario("policy takes the last ack", file, "ipv4")] }, { provider: await testLabProvider() });
  const lines = report.scenarios[0]!.expectations.map((e) => ({ actual: e.actual, halfOpen: e.halfOpen, decided: e.decision ? decidedFor(e, e.decision) : undefined }));
  expect(lines).toEqual([{
    actual: "dropped",
    halfOpen: true,
    decided: expect.stringMatching(/tcp dport 8080 ct state new counter accept.*; it let the first packet through and the answer came back: a later packet, the handshake's last ACK or what followed, was lost on its way to server/),
  }]);
});

it("a reject whose answer the host's own output drops reads dropped, as the client sees it, never refused (tester 36d)", async () => {
  const file = ruleset("reject-lost.nft", [
    "table inet fw {",
    "  chain in {",
    "    type filter hook input priority 0; policy accept;",
    "    tcp dport 8080 counter reject with tcp reset",
    "    tcp dport 8081 counter reject",
    "  }",
    "  chain out {",
    "    type filter hook output priority 0; policy accept;",
    "    tcp sport 8080 tcp flags rst counter drop",
    "    icmp type destination-unreachable counter drop",
    "    icmpv6 type destination-unreachable counter drop",
    "  }",
    "}",
  ]);
  const lost = defineScenario({
    name: "reject answers lost",
    description: "the rejecting host drops its own answers",
    hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, client: {} },
    steps: [{ apply: { host: "server", nft: file } }, { expect: ["client -> server:8080 dropped", "client -> server:8081 dropped"] }],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [lost] }, { provider: await testLabProvider() });
  expect(report.scenarios[0]!.expectations.map((e) => `${e.text} ${e.family} ${e.actual}`)).toEqual([
    "client -> server:8080 dropped ipv4 dropped",
    "client -> server:8080 dropped ipv6 dropped",
    "client -> server:8081 dropped ipv4 dropped",
    "client -> server:8081 dropped ipv6 dropped",
  ]);
});

it("a probe held half-open leaves no socket on the prober resending its FIN into later probes' windows (tester 36d)", async () => {
  const file = ruleset("est-drop.nft", [
    "table inet fw {",
    "  chain in {",
    "    type filter hook input priority 0; policy accept;",
    "    tcp dport 8080 ct state established counter drop",
    "  }",
    "}",
  ]);
  const held = defineScenario({
    name: "prober fin",
    description: "the handshake's last ACK and the client's FIN are dropped",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, client: {} },
    steps: [
      { apply: { host: "server", nft: file } },
      { expect: ["client -> server:8080 dropped"] },
      { run: { host: "client", command: "ss -Htan state fin-wait-1 state fin-wait-2 state last-ack state closing", excludes: ":8080" } },
    ],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [held] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect([s.expectations.map((e) => `${e.actual} ${e.halfOpen}`), s.steps.map((x) => x.status)], JSON.stringify(s.steps)).toEqual([["dropped true"], ["passed", "passed"]]);
});

it("a connection held half-open behind a masquerading router reads dropped, not a silent open (tester 36d)", async () => {
  const file = ruleset("masquerade.nft", [
    "table ip masq {",
    "  chain post {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    '    oifname "lan0" masquerade',
    "  }",
    "}",
    "table inet f {",
    "  chain forward {",
    "    type filter hook forward priority 0; policy accept;",
    '    iifname "wan0" oifname "lan0" tcp dport 9090 ct state established counter drop',
    "  }",
    "}",
  ]);
  const masq = defineScenario({
    name: "masquerade half-open",
    description: "the handshake's last ACK is dropped on a masquerading router",
    family: "ipv4",
    networks: ["wan", "lan"],
    hosts: {
      client: { networks: ["wan"] },
      router: { firewall: true, router: true, networks: ["wan", "lan"], interfaces: { wan: "wan0", lan: "lan0" } },
      backend: { networks: ["lan"], listen: ["tcp/9090"] },
    },
    steps: [{ apply: { host: "router", nft: file } }, { expect: ["client -> backend:9090 dropped"] }],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [masq] }, { provider: await testLabProvider() });
  expect(report.scenarios[0]!.expectations.map((e) => `${e.actual} ${e.halfOpen}`), JSON.stringify([report.scenarios[0]!.errors, report.scenarios[0]!.steps])).toEqual(["dropped true"]);
});

