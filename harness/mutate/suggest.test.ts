/**
 * Suggestions for iptables survivors (pure): every suggestion names a real
 * port, or says in words what check is needed — never `undefined` — for
 * rules with a source port (ufw's DHCPv6 rule), a port list, or no port.
 */
import { describe, expect, test } from "vitest";
import type { Scenario } from "../scenario/model.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";
import { suggestCheck } from "./suggest.ts";
import { UNWEIGHED, UNWEIGHED_IPT } from "./suggest-weigh.ts";

test("an unweighed suggestion says so, and what to do", () => {
  expect(UNWEIGHED).toMatch(/^ \(not weighed against the rules: .*make sure it holds with the rules as written before adding it\)$/);
});

const rules = [
  "*filter",
  ":INPUT DROP [0:0]",
  "-A INPUT -s fe80::/10 -d fe80::/10 -p udp -m udp --sport 547 --dport 546 -j ACCEPT",
  "-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT",
  "-A INPUT -s 2001:db8::5 -j DROP",
  "-A INPUT -s 2001:db8::6 -j REJECT",
  "-A INPUT -s ::1/128 -j ACCEPT",
  "COMMIT",
].join("\n");

const fw: Scenario = {
  file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
  hosts: [{ name: "server", firewall: true, listen: [] } as never, { name: "remote", firewall: false, listen: [] } as never],
  steps: [{ kind: "apply", host: "server", sources: [{ kind: "restore", family: "ipv6", path: "/p/rules.v6", content: rules }], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
};

/** What the peer must declare to send from the rule's source address `2001:db8::N`. */
const needs = (n: number) => `remote needs the address 2001:db8::${n}, which the rule's source matches: \`addresses: { lan: { extra: ["2001:db8::${n}"] } }\` on remote, with \`subnets: { lan: { ipv6: 2001:db8::/64 } }\``;

describe("suggestions for iptables survivors", () => {
  test.each([
    // The rule matches only source port 547 (DHCPv6 replies): no probe, to 546 or 547, can match it.
    ["port", "port@rules.v6:3 --dport 546→547", "no probe can catch it: the rule matches only source port 547 (before and after its destination port 546 became 547), and a probe cannot choose its source port (fwspec probes come from ephemeral ports); a check needs traffic sent from source port 547, or accept it as a known gap"],
    ["port", "port@rules.v6:3 --sport 547→548", "no probe can catch it: the rule's source port 547 became 548, and a probe cannot choose its source port (fwspec probes come from ephemeral ports); a check needs traffic sent from source port 547, or accept it as a known gap"],
    ["port", "port@rules.v6:4 --dports 443→444", "add a check on port 443, which the rule decides: `remote -> server:443/tcp6 open` (with `listen: [tcp/443]` on server)" + UNWEIGHED_IPT],
    ["accept-drop", "accept-drop@rules.v6:3", "add `remote -> server:546/udp6 open` (with `listen: [udp/546]` on server; the rule also matches only source port 547, which a probe cannot choose; the rule matches only sources in fe80::/10, and no lab host can be given such an address (declared addresses lie in 2001:db8::/32))" + UNWEIGHED_IPT],
    // The rule matches only 2001:db8::5: the probe leaves from it (a probe from remote's own address never meets the rule).
    ["accept-drop", "accept-drop@rules.v6:5", `add \`remote@[2001:db8::5] -> server:9999/tcp6 dropped\` (with \`listen: [tcp/9999]\` on server; ${needs(5)})` + UNWEIGHED_IPT],
    ["delete", "delete@rules.v6:7", "add `server -> localhost:9999/tcp6 open` (with `listen: [tcp/9999]` on server)"],
    ["drop-reject", "drop-reject@rules.v6:6", `add \`remote@[2001:db8::6] -> server:9999/tcp6 refused\` (with \`listen: [tcp/9999]\` on server; ${needs(6)})` + UNWEIGHED_IPT],
    ["swap", "swap@rules.v6:5", `add a probe the reordered rules both match: \`remote@[2001:db8::5] -> server:9999/tcp6 dropped\` (with \`listen: [tcp/9999]\` on server; ${needs(5)})` + UNWEIGHED_IPT],
    ["loopback-iface", "loopback-iface@rules.v6:7", "add `server -> server:9999/tcp6 blocked` (with `listen: [tcp/9999]` on server; the host's own non-loopback address arrives on lo too, from a non-loopback source)"],
  ])("%s: %s", (op, id, want) => {
    const all = mutantsOf(fw, selectOperators([op]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    const got = suggestCheck(m!, fw);
    expect(got).not.toMatch(/undefined/);
    expect(got).toBe(want);
  });
});

describe("a suggestion the scenario already has", () => {
  const check = { from: "remote", to: { kind: "host", host: "server" }, port: 9999, protocol: "tcp", families: ["ipv4", "ipv6"], expected: "dropped", text: "remote -> server:9999 dropped", location: { file: "/p/s.yaml", line: 9, column: 9 } };
  // Rule 5 matches only 2001:db8::5: a check leaving from that address, as the suggestion writes it.
  const fromFive = { ...check, source: "2001:db8::5", families: ["ipv6"], text: "remote@[2001:db8::5] -> server:9999 dropped" };
  const checking = (...expectations: object[]): Scenario => ({ ...fw, steps: [...fw.steps, { kind: "expect", expectations, location: { file: "/p/s.yaml", line: 8, column: 1 } } as never] });
  const withCheck = checking(fromFive);
  const held = "and it held with this change: no TCP/UDP probe from remote tells it apart (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a `run` step that sends such traffic, or accept it as a known gap";
  test.each([
    // The check held with the mutant, so repeating it would not catch it: say so instead.
    ["accept-drop", "accept-drop@rules.v6:5", withCheck, `the scenario already checks \`remote@[2001:db8::5] -> server:9999 dropped\` (line 9) ${held}`],
    ["swap", "swap@rules.v6:5", withCheck, `the scenario already checks \`remote@[2001:db8::5] -> server:9999 dropped\` (line 9) ${held}`],
    // A check in the other family only, from an address the rule does not match, or with another verdict, is not the same check.
    ["accept-drop", "accept-drop@rules.v6:4", checking({ ...check, port: 80, expected: "open", families: ["ipv4"], text: "remote -> server:80/tcp4 open" }), "make `remote -> server:80/tcp4 open` (line 9) both families (`family: both`, or no 4/6 suffix), or add it for ipv6"],
    ["accept-drop", "accept-drop@rules.v6:5", checking({ ...check, families: ["ipv6"] }), `add \`remote@[2001:db8::5] -> server:9999/tcp6 dropped\` (with \`listen: [tcp/9999]\` on server; ${needs(5)})` + UNWEIGHED_IPT],
    ["accept-drop", "accept-drop@rules.v6:5", checking({ ...check, families: ["ipv4"] }), `add \`remote@[2001:db8::5] -> server:9999/tcp6 dropped\` (with \`listen: [tcp/9999]\` on server; ${needs(5)})` + UNWEIGHED_IPT],
    ["drop-reject", "drop-reject@rules.v6:6", withCheck, `add \`remote@[2001:db8::6] -> server:9999/tcp6 refused\` (with \`listen: [tcp/9999]\` on server; ${needs(6)})` + UNWEIGHED_IPT],
  ])("%s: %s", (op, id, scenario, want) => {
    const m = mutantsOf(scenario, selectOperators([op])).find((x) => x.id === id);
    expect(m).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});

describe("another destination port on a rule that matches a fixed source port", () => {
  const v4 = (rule: string): Scenario => ({
    ...fw, steps: [{ kind: "apply", host: "server", sources: [{ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: `*filter\n:INPUT DROP [0:0]\n${rule}\nCOMMIT\n` }], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
  });
  test.each([
    // ufw's DHCP reply rule (fixtures/generated/ufw.rules.v4:79): probes come from ephemeral ports, never from 67.
    ["-A ufw-before-input -p udp -m udp --sport 67 --dport 68 -j ACCEPT", "port@rules.v4:3 --dport 68→69", "no probe can catch it: the rule matches only source port 67 (before and after its destination port 68 became 69), and a probe cannot choose its source port (fwspec probes come from ephemeral ports); a check needs traffic sent from source port 67, or accept it as a known gap"],
    ["-A INPUT -p udp -m multiport --sports 67,68 -m udp --dport 68 -j ACCEPT", "port@rules.v4:3 --dport 68→69", "no probe can catch it: the rule matches only source port 67,68 (before and after its destination port 68 became 69), and a probe cannot choose its source port (fwspec probes come from ephemeral ports); a check needs traffic sent from source port 67,68, or accept it as a known gap"],
    // Every source port but 67, or a range of them: a probe can match it.
    ["-A INPUT -p udp -m udp ! --sport 67 --dport 68 -j ACCEPT", "port@rules.v4:3 --dport 68→69", "add a check on port 68, which the rule decides: `remote -> server:68/udp4 open` (with `listen: [udp/68]` on server)"],
    ["-A INPUT -p udp -m udp --sport 1024:65535 --dport 68 -j ACCEPT", "port@rules.v4:3 --dport 68→69", "add a check on port 68, which the rule decides: `remote -> server:68/udp4 open` (with `listen: [udp/68]` on server)"],
  ])("%s: %s", (rule, id, want) => {
    const s = v4(rule);
    const all = mutantsOf(s, selectOperators(["port"]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, s)).toBe(want);
  });
});

/** A one-family expectation as the loader makes it, from `from -> to:port/tcp4 verdict`. */
function expectation(text: string, line: number) {
  const [, from, to, port, protocol, v, expected] = /^(\S+) -> (\S+):(\d+)\/(tcp|udp)([46]) (\S+)$/.exec(text)!;
  return { from, to: to === "localhost" ? { kind: "localhost" } : { kind: "host", host: to }, port: Number(port), protocol, families: [v === "4" ? "ipv4" : "ipv6"], expected, text, location: { file: "/p/s.yaml", line, column: 9 } };
}

describe("another destination port: a check that holds with the rules as written and fails with the mutant", () => {
  // The localhost-only rules of the seeds (scenarios/restrict-localhost), with the checks a weak scenario has.
  const script = "iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT\niptables -A INPUT -p tcp --dport 8080 -j DROP\n";
  const weak = (...expect: string[]): Scenario => ({
    ...fw,
    hosts: [{ name: "server", firewall: true, listen: [{ protocol: "tcp", port: 8080 }, { protocol: "tcp", port: 8081 }] } as never, { name: "remote", firewall: false, listen: [] } as never],
    steps: [
      { kind: "apply", host: "server", sources: [{ kind: "script", path: "/p/rules.sh", content: script }], location: { file: "/p/s.yaml", line: 3, column: 1 } },
      { kind: "expect", expectations: expect.map((text, i) => expectation(text, 5 + i)), location: { file: "/p/s.yaml", line: 4, column: 1 } } as never,
    ],
  });
  test.each([
    // The loopback ACCEPT moved to 8081: only a probe from the host itself sees it (the peer's 8081 check is open either way).
    ["port@rules.sh:1 --dport 8080→8081", weak("remote -> server:8080/tcp4 dropped", "remote -> server:8081/tcp4 open"), "add a check on port 8080, which the rule decides: `server -> localhost:8080/tcp4 open`"],
    // The DROP moved to 8081, 8080 not checked: check it where the rule decides.
    ["port@rules.sh:2 --dport 8080→8081", weak(), "add a check on port 8080, which the rule decides: `remote -> server:8080/tcp4 dropped`"],
    // 8080 is checked dropped already: the moved DROP shows on 8081, open before.
    ["port@rules.sh:2 --dport 8080→8081", weak("remote -> server:8080/tcp4 dropped"), "add a check on port 8081: `remote -> server:8081/tcp4 open`"],
    // Tester 43d: the scenario checks 8080 open from the peer (an earlier ACCEPT decides it): the DROP is shadowed
    // there, and a check of 8080 as dropped would fail with the rules as written.
    ["port@rules.sh:2 --dport 8080→8081", weak("remote -> server:8080/tcp4 open"), "the scenario's line 5 checks port 8080 as open, so an earlier rule decides it before this one (`--coverage` names a shadowed rule); add a check on port 8081 with the verdict the rules give it now (`remote -> server:8081/tcp4 …`, not dropped): the mutant makes it dropped"],
  ])("%s with %#", (id, scenario, want) => {
    const all = mutantsOf(scenario, selectOperators(["port"]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});

describe("a counters check suggested for an nft rule", () => {
  const nft = (table: string): Scenario => ({
    ...fw,
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/rules.nft", content: `table ${table} {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    tcp dport 8080 counter accept comment "web"\n  }\n}\n` }], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
  });
  // The comment alone would be looked up in the IPv4 reading, which has no ip6 table: the table goes with it.
  test.each(["ip6 fw6", "inet fw"])("names the rule's table with its comment (%s)", (table) => {
    const s = nft(table);
    const m = mutantsOf(s, selectOperators(["delete"])).find((x) => x.id === "delete@rules.nft:4");
    expect(m).toBeDefined();
    expect(suggestCheck(m!, s, true)).toContain(`counters: [{ host: server, table: ${table}, comment: "web", packets: ">= 1" }]`);
  });
});

describe("native nft: the suggested check holds with the rules as written and fails with the mutant", () => {
  // /tmp/nftjourney: an inet filter (input policy drop, `iif lo accept`) and an ip6 table whose base input chain
  // at priority -10 (before it) drops 8083 and 8084.
  const ruleset = [
    "#!/usr/sbin/nft -f",
    "flush ruleset",
    "",
    "table inet filter {",
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy drop;",
    "\t\tct state established,related accept",
    "\t\tiif lo accept",
    "\t\tmeta l4proto icmp accept",
    "\t\tmeta l4proto ipv6-icmp accept",
    "\t\ttcp dport 22 accept",
    '\t\ttcp dport 80 counter accept comment "web traffic"',
    "\t\ttcp dport 8081 counter reject with tcp reset",
    "\t\ttcp dport 8082 reject with icmpx admin-prohibited",
    "\t}",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter; policy drop;",
    "\t}",
    "\tchain output {",
    "\t\ttype filter hook output priority filter; policy accept;",
    "\t}",
    "}",
    "",
    "table ip6 v6only {",
    "\tcounter v6drops {",
    "\t}",
    "\tchain input {",
    "\t\ttype filter hook input priority -10; policy accept;",
    '\t\ttcp dport 8083 counter name "v6drops" drop',
    '\t\ttcp dport 8084 counter drop comment "v6 block 8084"',
    "\t}",
    "}",
    "",
  ].join("\n");
  /** `from -> to:port verdict` in both families, as the loader makes it. */
  const both = (text: string, line: number) => {
    const [, from, to, port, expected] = /^(\S+) -> (\S+):(\d+) (\S+)$/.exec(text)!;
    return { from, to: to === "localhost" ? { kind: "localhost" } : { kind: "host", host: to }, port: Number(port), protocol: "tcp", families: ["ipv4", "ipv6"], expected, text, location: { file: "/p/s.yaml", line, column: 9 } };
  };
  const native = (router = false, checks = true): Scenario => ({
    ...fw,
    hosts: [
      { name: "server", firewall: true, backend: "nft", ...(router ? { router: true } : {}), listen: [22, 80, 8080, 8081, 8082, 8083, 8084].map((port) => ({ protocol: "tcp", port })) } as never,
      { name: "client", firewall: false, listen: [] } as never,
    ],
    steps: [
      { kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/rules.nft", content: ruleset }], location: { file: "/p/s.yaml", line: 10, column: 5 } },
      ...(checks ? [{
        kind: "expect", location: { file: "/p/s.yaml", line: 11, column: 5 },
        expectations: [
          both("client -> server:22 open", 13), both("client -> server:80 open", 14), both("client -> server:8080 dropped", 15),
          both("client -> server:8081 refused", 16), both("client -> server:8082 unreachable", 17),
          expectation("client -> server:8083/tcp6 dropped", 18), expectation("client -> server:8083/tcp4 dropped", 19),
          expectation("client -> server:8084/tcp6 dropped", 20), both("server -> localhost:8080 open", 21),
        ],
      } as never] : []),
    ],
  });
  const forward = (router: boolean): Scenario => ({
    ...native(router, false),
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/rules.nft", content: "table inet f {\n\tchain forward {\n\t\ttype filter hook forward priority 0; policy drop;\n\t\ttcp dport 22 accept\n\t}\n}\n" }], location: { file: "/p/s.yaml", line: 10, column: 5 } }],
  });
  const held = "and it held with this change: no TCP/UDP probe from client tells it apart (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a `run` step that sends such traffic, or accept it as a known gap";
  test.each([
    // 8084 left the ip6 table's drop: from client the inet filter's policy drops it anyway, but over lo the ip6
    // table decides it before the inet filter's `iif lo accept` (client -> server:8085 would be dropped by the policy).
    ["port", "port@rules.nft:30 dport 8084→8085", native(), "add `server -> localhost:8084/tcp6 dropped` (with this change it is open)"],
    ["accept-drop", "accept-drop@rules.nft:29", native(), "add `server -> localhost:8083/tcp6 dropped` (with this change it is open)"],
    ["accept-drop", "accept-drop@rules.nft:30", native(), "add `server -> localhost:8084/tcp6 dropped` (with this change it is open)"],
    // `iif lo accept` moved behind the rejects: only a loopback probe to a port a later rule rejects tells (22 is accepted
    // either way); first the ports of the rules the change touches (it now comes after the reject of 8082).
    ["move-end", "move-end@rules.nft:8", native(), "add a probe the reordered rules both match: `server -> localhost:8082/tcp4 open` (with this change it is unreachable)"],
    // The same with nothing listening on 8082: the check comes with the listener it needs.
    ["move-end", "move-end@rules.nft:8", { ...native(), hosts: [{ ...native().hosts[0]!, listen: [{ protocol: "tcp", port: 22 }] } as never, native().hosts[1]!] }, "add a probe the reordered rules both match: `server -> localhost:8082/tcp4 open` (with `listen: [tcp/8082]` on server; with this change it is unreachable)"],
    // No probe reaches the forward chain of a host that routes nothing; a router's forward chain is for probes through it.
    ["policy", "policy@rules.nft:17", native(), "no probe can catch it: the forward chain's policy decides only packets server forwards, and server is no router (no `router: true`): a probe to it goes through input, and no lab host routes through it; accept it as a known gap"],
    ["policy", "policy@rules.nft:17", native(true), "add a probe server forwards (from a host on one of its networks to a host on another, to a port no rule names): the forward chain's policy (drop) decides it, not a probe to server itself"],
    // The input policy: a port server listens on that no rule names (the checks left out: they check 8080 already, which the mutant would open).
    ["policy", "policy@rules.nft:6", native(false, false), "add `client -> server:8080/tcp4 dropped` (server listens on tcp/8080 and no rule names the port: the input policy decides it)"],
    // The ICMP rules: no TCP/UDP probe tells, and the scenario's check says so.
    ["delete", "delete@rules.nft:9", native(), `the scenario already checks \`client -> server:22 open\` (line 13) ${held}`],
    ["move-end", "move-end@rules.nft:9", native(), `the scenario already checks \`client -> server:22 open\` (line 13) ${held}`],
    ["delete", "delete@rules.nft:9", native(false, false), "no TCP/UDP probe tells it apart: as fwspec reads the rules, every probe from client and from server itself gets the same verdict with and without this change (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a `run` step that sends such traffic, or accept it as a known gap"],
    // A forward chain's rule: a probe to the host never meets it.
    ["accept-drop", "accept-drop@rules.nft:4", forward(false), "no probe can catch it: `tcp dport 22 accept` in the forward chain decides only packets server forwards, and server is no router (no `router: true`): a probe to it goes through input, and no lab host routes through it; accept it as a known gap"],
    ["accept-drop", "accept-drop@rules.nft:4", forward(true), "add a probe server forwards (from a host on one of its networks to a host on another): `tcp dport 22 accept` in the forward chain decides it, not a probe to server itself"],
  ])("%s: %s", (op, id, scenario, want) => {
    const all = mutantsOf(scenario, selectOperators([op]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});

describe("a chain policy's survivor: a check the scenario loader takes as pasted", () => {
  // Every probed port needs a listener (scenario/listeners.ts): a check on a port the host does not listen on is refused.
  const ruleset = (policy: string, ...rules: string[]) => ["flush ruleset", "table inet filter {", "\tchain input {", `\t\ttype filter hook input priority filter; policy ${policy};`, ...rules.map((r) => `\t\t${r}`), "\t}", "}", ""].join("\n");
  const accepts = ruleset("drop", "ct state established,related accept", "iif lo accept", "meta l4proto ipv6-icmp accept", "tcp dport 22 accept", "tcp dport 80 accept");
  const drops = ruleset("accept", "tcp dport 22 drop");
  const host = (content: string, ...listen: string[]): Scenario => ({
    ...fw,
    hosts: [
      { name: "server", firewall: true, backend: "nft", listen: listen.map((l) => ({ protocol: l.split("/")[0], port: Number(l.split("/")[1]) })) } as never,
      { name: "client", firewall: false, listen: [] } as never,
    ],
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/fw.nft", content }], location: { file: "/p/s.yaml", line: 8, column: 5 } }],
  });
  test.each([
    // policy drop → accept: a port the host listens on that no rule names is dropped by the policy, open with the mutant.
    ["drop, every listener's port accepted by a rule: one no rule names, with its listener", host(accepts, "tcp/22", "tcp/80"), "add `client -> server:9999/tcp4 dropped` (with `listen: [tcp/9999]` on server; a port no rule names: the input policy decides it)"],
    ["drop, a listener no rule names", host(accepts, "tcp/22", "tcp/80", "tcp/8080"), "add `client -> server:8080/tcp4 dropped` (server listens on tcp/8080 and no rule names the port: the input policy decides it)"],
    ["drop, an http listener no rule names: a TCP probe", host(accepts, "tcp/22", "http/3000"), "add `client -> server:3000/tcp4 dropped` (server listens on http/3000 and no rule names the port: the input policy decides it)"],
    ["drop, TCP before UDP", host(accepts, "udp/5353", "tcp/22", "tcp/8443"), "add `client -> server:8443/tcp4 dropped` (server listens on tcp/8443 and no rule names the port: the input policy decides it)"],
    ["drop, only a UDP listener no rule names", host(accepts, "tcp/22", "udp/5353"), "add `client -> server:5353/udp4 dropped` (server listens on udp/5353 and no rule names the port: the input policy decides it)"],
    // policy accept → drop: such a port is open, dropped with the mutant (was: `… refused` on a port nothing listens on).
    ["accept, a listener no rule names", host(drops, "tcp/22", "tcp/80"), "add `client -> server:80/tcp4 open` (server listens on tcp/80 and no rule names the port: the input policy lets it through)"],
    ["accept, every listener's port named", host(drops, "tcp/22"), "add `client -> server:9999/tcp4 open` (with `listen: [tcp/9999]` on server; a port no rule names: the input policy lets it through)"],
  ])("%s", (_, scenario, want) => {
    const m = mutantsOf(scenario, selectOperators(["policy"])).find((x) => x.id === "policy@fw.nft:4");
    expect(m, mutantsOf(scenario, selectOperators(["policy"])).map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});

describe("a source-restricted rule: the suggested probe leaves from an address the rule matches", () => {
  // Neighbour discovery accepted first (else no peer's IPv6 probe is weighed: the ND case in suggest-weigh.test.ts).
  const v6 = (rule: string) => ({ kind: "restore", family: "ipv6", path: "/p/rules.v6", content: `*filter\n:INPUT DROP [0:0]\n-A INPUT -p ipv6-icmp -j ACCEPT\n${rule}\nCOMMIT\n` });
  const v4 = (rule: string) => ({ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: `*filter\n:INPUT DROP [0:0]\n${rule}\nCOMMIT\n` });
  const nft = (rule: string) => ({ kind: "nft", path: "/p/rules.nft", content: `table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\t${rule}\n\t}\n}\n` });
  const lab = (source: object, extra: { hosts?: object[]; subnets?: Scenario["subnets"] } = {}): Scenario => ({
    ...fw,
    ...(extra.subnets ? { subnets: extra.subnets } : {}),
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [{ protocol: "tcp", port: 22 }] } as never, { name: "remote", firewall: false, listen: [] } as never, ...(extra.hosts ?? []) as never[]],
    steps: [{ kind: "apply", host: "server", sources: [source as never], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
  });
  const needs6 = "remote needs the address 2001:db8::5, which the rule's source matches: `addresses: { lan: { extra: [\"2001:db8::5\"] } }` on remote, with `subnets: { lan: { ipv6: 2001:db8::/64 } }`";
  const admin = { name: "admin", firewall: false, listen: [], addresses: { lan: { ipv6: "2001:db8::10", extra: ["2001:db8::5"] } } };
  const inside = { name: "inside", firewall: false, listen: [], addresses: { lan: { ipv4: "198.18.7.10" } } };
  test.each([
    // No host has the address: the check names it, with the address plan that gives it to the peer.
    ["accept-drop", "accept-drop@rules.v6:4", lab(v6("-A INPUT -s 2001:db8::5 -p tcp --dport 22 -j ACCEPT")), `add \`remote@[2001:db8::5] -> server:22/tcp6 open\` (${needs6})`],
    // IPv6 over rules that accept no neighbour discovery: not weighed, and said so.
    ["accept-drop", "accept-drop@rules.nft:4", lab(nft("ip6 saddr 2001:db8::5 tcp dport 22 accept")), `add \`remote@[2001:db8::5] -> server:22/tcp6 open\` (${needs6})${UNWEIGHED}`],
    ["port", "port@rules.v6:4 --dport 22→23", lab(v6("-A INPUT -s 2001:db8::5 -p tcp --dport 22 -j ACCEPT")), `add a check on port 22, which the rule decides: \`remote@[2001:db8::5] -> server:22/tcp6 open\` (${needs6})`],
    ["drop-reject", "drop-reject@rules.v6:4", lab(v6("-A INPUT -s 2001:db8::5 -j DROP")), `add \`remote@[2001:db8::5] -> server:22/tcp6 dropped\` (${needs6})`],
    // A declared subnet holds it already: only the address.
    ["accept-drop", "accept-drop@rules.v6:4", lab(v6("-A INPUT -s 2001:db8::5 -p tcp --dport 22 -j ACCEPT"), { subnets: { lan: { ipv6: "2001:db8::/64" } } }), "add `remote@[2001:db8::5] -> server:22/tcp6 open` (remote needs the address 2001:db8::5, which the rule's source matches: `addresses: { lan: { extra: [\"2001:db8::5\"] } }` on remote)"],
    // The peer has addresses there already: an extra one, so that its other probes keep their source.
    ["accept-drop", "accept-drop@rules.v6:4", { ...lab(v6("-A INPUT -s 2001:db8::5 -p tcp --dport 22 -j ACCEPT"), { subnets: { lan: { ipv6: "2001:db8::/64" } } }), hosts: [lab(v6("")).hosts[0]!, { name: "remote", firewall: false, listen: [], addresses: { lan: { ipv6: "2001:db8::20" } } } as never] }, "add `remote@[2001:db8::5] -> server:22/tcp6 open` (remote needs the address 2001:db8::5, which the rule's source matches: `\"2001:db8::5\"` in `extra:` of remote's addresses on lan)"],
    // A host holds such an address (an extra one, or a fixed one in the rule's range): the probe leaves from it.
    ["accept-drop", "accept-drop@rules.v6:4", lab(v6("-A INPUT -s 2001:db8::5 -p tcp --dport 22 -j ACCEPT"), { hosts: [admin] }), "add `admin@[2001:db8::5] -> server:22/tcp6 open`"],
    ["accept-drop", "accept-drop@rules.nft:4", lab(nft("ip6 saddr 2001:db8::5 tcp dport 22 accept"), { hosts: [admin] }), `add \`admin@[2001:db8::5] -> server:22/tcp6 open\`${UNWEIGHED}`],
    ["accept-drop", "accept-drop@rules.v4:3", lab(v4("-A INPUT -s 198.18.7.0/25 -p tcp -m tcp --dport 22 -j ACCEPT"), { hosts: [inside] }), "add `inside@198.18.7.10 -> server:22/tcp4 open`"],
    ["accept-drop", "accept-drop@rules.nft:4", lab(nft("ip saddr 198.18.7.0/25 tcp dport 22 accept"), { hosts: [inside] }), "add `inside@198.18.7.10 -> server:22/tcp4 open`"],
    // One element of the rule's port set removed: the check on it leaves from the rule's source too.
    ["set-element", "set-element@rules.nft:4 -80", lab(nft("ip6 saddr 2001:db8::5 tcp dport { 22, 80 } accept"), { hosts: [admin] }), `add \`admin@[2001:db8::5] -> server:80/tcp6 open\` (the set's element 80) with \`listen: [tcp/80]\` on server${UNWEIGHED}`],
    ["set-element", "set-element@rules.nft:4 -80", lab(nft("ip6 saddr 2001:db8::5 tcp dport { 22, 80 } accept")), `add \`remote@[2001:db8::5] -> server:80/tcp6 open\` (the set's element 80; ${needs6}) with \`listen: [tcp/80]\` on server${UNWEIGHED}`],
    // A range: an address in it, not its network address.
    ["accept-drop", "accept-drop@rules.v4:3", lab(v4("-A INPUT -s 198.18.7.0/25 -p tcp -m tcp --dport 22 -j ACCEPT")), "add `remote@198.18.7.10 -> server:22/tcp4 open` (remote needs the address 198.18.7.10, which the rule's source matches: `addresses: { lan: { extra: [198.18.7.10] } }` on remote, with `subnets: { lan: { ipv4: 198.18.7.0/24 } }`)"],
    // Every other source, or every lab address: any peer matches.
    ["accept-drop", "accept-drop@rules.v6:4", lab(v6("-A INPUT ! -s 2001:db8::5 -p tcp --dport 22 -j ACCEPT")), "add `remote -> server:22/tcp6 open`"],
    ["accept-drop", "accept-drop@rules.v6:4", lab(v6("-A INPUT -s 2001:db8::/32 -p tcp --dport 22 -j ACCEPT")), "add `remote -> server:22/tcp6 open`"],
  ])("%s: %s (%#)", (op, id, scenario, want) => {
    const all = mutantsOf(scenario, selectOperators([op]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});

describe("a rule in a router's FORWARD chain: the check is a probe the router forwards, not one to the router", () => {
  const forward = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i wan0 -o lan0 -p tcp --dport 80 -j ACCEPT\n-A FORWARD -i wan0 -o lan0 -p tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n";
  const routed = (...expect: string[]): Scenario => ({
    ...fw,
    hosts: [
      { name: "router", firewall: true, router: true, networks: ["lan", "wan"], interfaces: { wan: "wan0", lan: "lan0" }, listen: [] } as never,
      { name: "admin", firewall: false, networks: ["lan"], listen: [] } as never,
      { name: "client", firewall: false, networks: ["wan"], listen: [] } as never,
      { name: "backend", firewall: false, networks: ["lan"], listen: [{ protocol: "tcp", port: 80 }, { protocol: "tcp", port: 8080 }] } as never,
    ],
    steps: [
      { kind: "apply", host: "router", sources: [{ kind: "restore", family: "ipv4", path: "/p/a.v4", content: forward }], location: { file: "/p/s.yaml", line: 3, column: 1 } },
      { kind: "expect", expectations: expect.map((text, i) => expectation(text, 5 + i)), location: { file: "/p/s.yaml", line: 4, column: 1 } } as never,
    ],
  });
  test.each([
    // The forwarded check exists: it should say which refusal.
    ["reject-type@a.v4:4", routed("client -> backend:8080/tcp4 refused"), "make `client -> backend:8080/tcp4 refused` (line 5) say which refusal: `… refused:icmp`"],
    // None: a probe the router forwards, never one to the router itself (its INPUT decides that).
    ["reject-type@a.v4:4", routed(), "add `client -> backend:8080/tcp4 refused:icmp` (a probe router forwards: its FORWARD rule decides it, not a probe to router itself)"],
    // A refused check between two hosts of one network never crosses the router: not the one to sharpen.
    ["reject-type@a.v4:4", routed("admin -> backend:8080/tcp4 refused"), "add `client -> backend:8080/tcp4 refused:icmp` (a probe router forwards: its FORWARD rule decides it, not a probe to router itself)"],
    // Its interfaces name the way: in on wan0 (client's network), out on lan0 (backend's); the reverse is no probe of it.
    ["accept-drop@a.v4:3", routed(), "add `client -> backend:80/tcp4 open` (a probe router forwards: its FORWARD rule decides it, not a probe to router itself)"],
  ])("%s with %#", (id, scenario, want) => {
    const all = mutantsOf(scenario, selectOperators(["reject-type", "accept-drop"]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});

test("a REJECT answering with a prohibited or host unreachable: the check expects unreachable (a REJECT with a reset or port unreachable: refused)", () => {
  const scenario = (reject: string): Scenario => ({ ...fw, steps: [{ kind: "apply", host: "server", sources: [{ kind: "restore", family: "ipv4", path: "/p/r.v4", content: `*filter\n-A INPUT -p tcp --dport 9090 -j REJECT${reject}\nCOMMIT\n` }], location: { file: "/p/s.yaml", line: 3, column: 1 } }] });
  const advice = (reject: string) => suggestCheck(mutantsOf(scenario(reject), selectOperators(["delete"])).find((m) => m.id === "delete@r.v4:2")!, scenario(reject));
  expect(advice(" --reject-with icmp-admin-prohibited")).toBe("add `remote -> server:9090/tcp4 unreachable` (with `listen: [tcp/9090]` on server)");
  expect(advice(" --reject-with icmp-host-unreachable")).toBe("add `remote -> server:9090/tcp4 unreachable` (with `listen: [tcp/9090]` on server)");
  expect(advice(" --reject-with tcp-reset")).toBe("add `remote -> server:9090/tcp4 refused` (with `listen: [tcp/9090]` on server)");
  expect(advice("")).toBe("add `remote -> server:9090/tcp4 refused` (with `listen: [tcp/9090]` on server)");
});

test("a FORWARD rule matching a source address gets the forward wording, not a probe that would not come from it", () => {
  const scenario: Scenario = {
    ...fw,
    hosts: [{ name: "router", firewall: true, router: true, networks: ["lan", "wan"], listen: [] } as never, { name: "client", firewall: false, networks: ["wan"], listen: [] } as never, { name: "backend", firewall: false, networks: ["lan"], listen: [{ protocol: "tcp", port: 80 }] } as never],
    steps: [{ kind: "apply", host: "router", sources: [{ kind: "restore", family: "ipv4", path: "/p/f.v4", content: "*filter\n-A FORWARD -s 192.0.2.9/32 -p tcp --dport 80 -j ACCEPT\nCOMMIT\n" }], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
  };
  const m = mutantsOf(scenario, selectOperators(["accept-drop"])).find((x) => x.id === "accept-drop@f.v4:2")!;
  expect(suggestCheck(m, scenario)).toBe("add a probe router forwards (from a host on one of its networks to a host on another): `-A FORWARD -s 192.0.2.9/32 -p tcp --dport 80 -j ACCEPT` in the FORWARD chain decides it, not a probe to router itself");
});

describe("a rule naming a set whose elements fwspec did not read (tester 43d: a set written on one line)", () => {
  const rules = "table inet filter {\n\tset admins4 { type ipv4_addr; flags interval; elements = { 198.18.77.0/24 } }\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tmeta l4proto ipv6-icmp counter accept\n\t\ttcp dport 22 ip saddr @admins4 counter accept\n\t}\n}\n";
  const scenario: Scenario = {
    ...fw,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [{ protocol: "tcp", port: 22 }] } as never, { name: "client", firewall: false, listen: [] } as never],
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/web.nft", content: rules }] as never, location: { file: "/p/s.yaml", line: 3, column: 1 } }],
  };
  test.each([["port", "port@web.nft:6"], ["move-end", "move-end@web.nft:5"]])("%s: its suggestion is said to be unweighed, not given as a check that holds", (operator, id) => {
    const all = mutantsOf(scenario, selectOperators([operator as never]));
    const m = all.find((x) => x.id.startsWith(id));
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toMatch(new RegExp(`${UNWEIGHED.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  });
});
