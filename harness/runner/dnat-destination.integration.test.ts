/**
 * A probe a router's DNAT sends on to a firewall host (tester 41b): that
 * host's own rules decide what the client sees, and fwspec names them — a
 * REJECT there, a DROP there — not the router's FORWARD accept that let the
 * packet through, nor "nothing listens on the port". Both with an iptables
 * router (counters decide) and a native nftables one whose accept has no
 * counter (the trace decides the router's part; the backend's counters its
 * own). Real containers and packets.
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { ruleFiles } from "../testing/rule-files.ts";
import { testLabProvider } from "../testing/session.ts";

const { dir, file } = ruleFiles("dnat-destination");

const backend = file("backend.v4", [
  "*filter",
  ":INPUT ACCEPT [0:0]",
  ":FORWARD ACCEPT [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  "-A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset",
  "-A INPUT -p tcp -m tcp --dport 86 -j DROP",
  "COMMIT",
]);

const iptablesRouter = [
  "iptables -t nat -A PREROUTING -p tcp --dport 8085 -j DNAT --to-destination {{ backend.ipv4 }}:85",
  "iptables -t nat -A PREROUTING -p tcp --dport 8086 -j DNAT --to-destination {{ backend.ipv4 }}:86",
  "iptables -t nat -A PREROUTING -p tcp --dport 8087 -j DNAT --to-destination {{ backend.ipv4 }}:87",
  "iptables -t nat -A PREROUTING -p tcp --dport 8088 -j DNAT --to-destination {{ backend.ipv4 }}:88",
  "iptables -P FORWARD DROP",
  "iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
  "iptables -A FORWARD -m conntrack --ctstate DNAT -j ACCEPT",
];

/** A forward chain that lets through only what a DNAT sent on (and its answers). */
const FORWARD_DNAT_ONLY = ["  chain forward {", "    type filter hook forward priority 0; policy drop;", "    ct state established,related accept", "    ct status dnat accept", "  }"];

const nftRouter = file("router.nft", [
  "table inet gw {",
  "  chain prerouting {",
  "    type nat hook prerouting priority dstnat; policy accept;",
  "    meta nfproto ipv4 tcp dport 8085 dnat ip to {{ backend.ipv4 }}:85",
  "    meta nfproto ipv4 tcp dport 8086 dnat ip to {{ backend.ipv4 }}:86",
  "    meta nfproto ipv4 tcp dport 8087 dnat ip to {{ backend.ipv4 }}:87",
  "    meta nfproto ipv4 tcp dport 8088 dnat ip to {{ backend.ipv4 }}:88",
  "  }",
  ...FORWARD_DNAT_ONLY,
  "}",
]);

// The same port forwards through a named map: the rule's text names no destination; the trace's next hook shows it (tester 42b).
const mapRouter = file("map-router.nft", [
  "table ip gwm {",
  "  map portfw {",
  "    type inet_service : ipv4_addr . inet_service",
  "    elements = { 8085 : {{ backend.ipv4 }} . 85, 8086 : {{ backend.ipv4 }} . 86, 8087 : {{ backend.ipv4 }} . 87, 8088 : {{ backend.ipv4 }} . 88 }",
  "  }",
  "  chain prerouting {",
  "    type nat hook prerouting priority dstnat; policy accept;",
  "    dnat to tcp dport map @portfw",
  "  }",
  "}",
  "table inet filt {",
  ...FORWARD_DNAT_ONLY,
  "}",
]);

function scenario(name: string, router: unknown) {
  return defineScenario({
    name,
    description: `a DNAT to a firewall host: ${name}`,
    family: "ipv4",
    networks: ["wan", "lan"],
    hosts: {
      client: { networks: ["wan"] },
      router: { firewall: true, router: true, networks: ["wan", "lan"], listen: ["tcp/8085", "tcp/8086", "tcp/8087", "tcp/8088"] },
      backend: { firewall: true, networks: ["lan"], listen: ["tcp/85", "tcp/86", "tcp/87"] },
    },
    steps: [
      { apply: { host: "backend", restore: { ipv4: backend } } },
      { apply: { host: "router", ...(router as object) } },
      // 8087: the backend's listener answers; 8085 and 8086 must say the backend's rule; 8088 reaches a port nobody
      // declared a listener on (its kernel refuses it): an error, never a pass of `blocked`.
      { expect: ["client -> router:8085 refused", "client -> router:8086 dropped", "client -> router:8087 open", "client -> router:8088 blocked"] },
    ],
  } as never, { baseDir: dir });
}

it("names the backend's REJECT and DROP behind an iptables router's and a native nft router's DNAT (by address, or through a map)", async () => {
  const report = await run({ scenarios: [scenario("iptables router", { commands: iptablesRouter }), scenario("nft router", { nft: nftRouter }), scenario("nft map router", { nft: mapRouter })] }, { provider: await testLabProvider() });
  expect(report.scenarios).toHaveLength(3);
  const decided = report.scenarios.map((s) => s.expectations.map((e) => ({ port: e.port, status: e.status, host: e.decision?.host, rule: e.decision?.rule?.replace(/ # handle \d+$/, ""), explanation: e.explanation })));
  for (const s of decided) {
    expect(s.slice(0, 2), JSON.stringify(s)).toEqual([
      { port: 8085, status: "passed", host: "backend", rule: "-A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset", explanation: undefined },
      { port: 8086, status: "passed", host: "backend", rule: "-A INPUT -p tcp -m tcp --dport 86 -j DROP", explanation: undefined },
    ]);
    expect(s[2]).toMatchObject({ port: 8087, status: "passed" });
  }
  const undeclared = report.scenarios.map((sc) => sc.expectations.find((e) => e.port === 8088));
  for (const e of undeclared) expect({ status: e?.status, actual: e?.actual, reason: e?.reason }).toEqual({ status: "error", actual: "error", reason: expect.stringMatching(/^a DNAT sent it on to backend \(198\.\d+\.\d+\.\d+(:88)?\), where no listener is declared on tcp\/88: its kernel may have refused it, not a rule/) });
});

const masquerading = file("masquerade.nft", [
  "table inet gw {",
  "  chain prerouting {",
  "    type nat hook prerouting priority dstnat; policy accept;",
  "    meta nfproto ipv4 tcp dport 8087 dnat ip to {{ backend.ipv4 }}:87",
  "  }",
  "  chain postrouting {",
  "    type nat hook postrouting priority srcnat; policy accept;",
  "    meta nfproto ipv4 oifname != lo ip daddr {{ backend.ipv4 }} masquerade",
  "  }",
  "  chain forward {",
  "    type filter hook forward priority 0; policy accept;",
  "    tcp sport 87 counter drop",
  "  }",
  "}",
]);

it("a dropped probe's half-open connection behind a masquerading router's DNAT is ended where it was sent (tester 41b: its resent SYN-ACKs counted in later probes)", async () => {
  const s = defineScenario({
    name: "masqueraded half-open",
    description: "the backend's answers are dropped on the router: it holds the connection half-open from the router's address",
    family: "ipv4",
    networks: ["wan", "lan"],
    hosts: {
      client: { networks: ["wan"] },
      router: { firewall: true, router: true, networks: ["wan", "lan"], listen: ["tcp/8087"] },
      backend: { networks: ["lan"], listen: ["tcp/87"] },
    },
    steps: [
      { apply: { host: "router", nft: masquerading } },
      { expect: ["client -> router:8087 dropped"] },
      { run: { host: "backend", command: "ss -Htn state syn-recv", excludes: ":87" } },
    ],
  } as never, { baseDir: dir });
  const report = await run({ scenarios: [s] }, { provider: await testLabProvider() });
  const sc = report.scenarios[0]!;
  expect([sc.expectations.map((e) => e.actual), sc.steps.map((x) => x.status)], JSON.stringify(sc.steps)).toEqual([["dropped"], ["passed", "passed"]]);
});
