/**
 * A probe's fate as fwspec reads a host's native nft rules (pure): base chains
 * of the input hook in priority order, `iif lo`, policies, the matches it
 * models; undefined where it cannot tell.
 */
import { describe, expect, test } from "vitest";
import type { Scenario } from "../scenario/model.ts";
import { chainPriority } from "./nft-lines.ts";
import { hostRules, namedPorts, type Probe, probeFate } from "./nft-probe.ts";

const scenario = (content: string, extra: Scenario["steps"] = []): Scenario => ({
  file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
  hosts: [{ name: "server", firewall: true, listen: [] } as never, { name: "client", firewall: false, listen: [] } as never],
  steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/r.nft", content }], location: { file: "/p/s.yaml", line: 3, column: 1 } }, ...extra],
});

const chain = (family: string, hook: string, priority: string, policy: string, ...rules: string[]) =>
  `table ${family} t${hook}${priority.replace("-", "m").replace(/\W/g, "")} {\n\tchain c {\n\t\ttype filter hook ${hook} priority ${priority}; policy ${policy};\n${rules.map((r) => `\t\t${r}\n`).join("")}\t}\n}\n`;

const INET = chain("inet", "input", "filter", "drop", "ct state established,related accept", "iif lo accept", "meta l4proto ipv6-icmp accept", "tcp dport 22 accept", "tcp dport 8081 reject with tcp reset", "tcp dport 8082 reject with icmpx admin-prohibited", "tcp dport { 8000-8009, 9000 } accept");
const V6 = chain("ip6", "input", "-10", "accept", 'tcp dport 8083 counter name "v6drops" drop');

const peer = (port: number, family: Probe["family"] = "ipv4", protocol: Probe["protocol"] = "tcp"): Probe => ({ family, protocol, port, loopback: false });
const self = (port: number, family: Probe["family"] = "ipv4"): Probe => ({ family, protocol: "tcp", port, loopback: true });

describe("the fate of a probe's first packet", () => {
  test.each([
    ["an accept", INET, peer(22), "accepted"],
    ["a reset", INET, peer(8081), "refused:rst"],
    ["an ICMP error other than port-unreachable", INET, peer(8082), "unreachable"],
    ["the policy: a port no rule names", INET, peer(9999), "dropped"],
    ["a range in a set", INET, peer(8005), "accepted"],
    ["a UDP probe: no tcp rule matches", INET, peer(22, "ipv4", "udp"), "dropped"],
    ["`iif lo` before the rejects", INET, self(8081), "accepted"],
    // The ip6 chain at -10 comes first: it drops 8083 over lo before `iif lo accept`; an IPv4 probe never meets it.
    ["a lower priority first", `${INET}${V6}`, self(8083, "ipv6"), "dropped"],
    ["another family's table", `${INET}${V6}`, self(8083, "ipv4"), "accepted"],
    // An accept passes the packet on to the next chain of the hook.
    ["an accept in an earlier chain", `${chain("ip", "input", "-10", "accept", "tcp dport 22 accept")}${chain("ip", "input", "10", "drop")}`, peer(22), "dropped"],
    ["a named set", 'table inet f {\n\tset s {\n\t\ttype inet_service\n\t\telements = { 22, 80 }\n\t}\n\tchain c {\n\t\ttype filter hook input priority 0; policy drop;\n\t\ttcp dport @s accept\n\t}\n}\n', peer(80), "accepted"],
    ["an address the peer's is not", chain("inet", "input", "0", "drop", "ip saddr 127.0.0.1 accept"), peer(22), "dropped"],
    ["the loopback address", chain("inet", "input", "0", "drop", "ip saddr 127.0.0.1 accept"), self(22), "accepted"],
    // Undecided.
    ["IPv6 from a peer with neighbour discovery dropped", chain("inet", "input", "0", "drop", "tcp dport 22 accept"), peer(22, "ipv6"), undefined],
    ["a match not modelled", chain("inet", "input", "0", "drop", "tcp dport 22 limit rate 1/second accept"), peer(22), undefined],
    ["an interface other than lo from a peer", chain("inet", "input", "0", "drop", 'iifname "eth0" accept'), peer(22), undefined],
    ["a jump", chain("inet", "input", "0", "drop", "tcp dport 22 jump x"), peer(22), undefined],
    ["two chains of one priority", `${chain("ip", "input", "0", "accept")}${chain("inet", "input", "filter", "drop")}`, peer(22), undefined],
    ["an output chain with rules", `${chain("inet", "input", "0", "accept")}${chain("inet", "output", "0", "accept", "tcp sport 22 drop")}`, peer(22), undefined],
    ["a one-line chain", `${chain("inet", "input", "0", "accept")}table ip x {\n\tchain c { type filter hook input priority 5; policy drop; }\n}\n`, peer(22), undefined],
    // A rule the probe never reaches, or one that cannot match it, decides nothing.
    ["a match not modelled behind the verdict", chain("inet", "input", "0", "drop", "tcp dport 22 accept", "tcp dport 22 limit rate 1/second drop"), peer(22), "accepted"],
    ["an ICMP rule", chain("inet", "input", "0", "accept", "icmp type echo-request limit rate 1/second drop"), peer(22), "accepted"],
  ])("%s", (_what, content, probe, want) => {
    const rules = hostRules(scenario(content), "server");
    expect(rules === undefined ? undefined : probeFate(rules, probe)).toBe(want);
  });

  test("a rule file the steps may change is not read", () => {
    const run = { kind: "run", host: "server", command: ["nft", "flush", "ruleset"], exit: 0, contains: [], excludes: [], matches: [], location: { file: "/p/s.yaml", line: 4, column: 1 } } as never;
    expect(hostRules(scenario(INET), "server")).toBeDefined();
    expect(hostRules(scenario(INET, [run]), "server")).toBeUndefined();
  });

  test("a change is read into the rules: a deleted line, a line with two rules, a policy", () => {
    const content = chain("inet", "input", "0", "drop", "iif lo accept", "tcp dport 8081 reject with tcp reset");
    const changes = [
      { file: "/p/r.nft", line: 4, before: "iif lo accept", after: null },
      { file: "/p/r.nft", line: 5, before: "tcp dport 8081 reject with tcp reset", after: "tcp dport 8081 reject with tcp reset; iif lo accept" },
      { file: "/p/r.nft", line: 3, before: "", after: "type filter hook input priority 0; policy accept;" },
    ];
    const rules = hostRules(scenario(content), "server", changes)!;
    expect([probeFate(rules, self(8081)), probeFate(rules, self(22)), probeFate(rules, peer(22))]).toEqual(["refused:rst", "accepted", "accepted"]);
    expect(namedPorts(rules)).toEqual([8081]);
  });
});

describe("a base chain's priority", () => {
  test.each([
    ["type filter hook input priority filter; policy drop;", 0],
    ["type filter hook input priority -10; policy accept;", -10],
    ["type filter hook input priority filter - 5;", -5],
    ["type filter hook prerouting priority raw;", -300],
    ["type filter hook input priority $p;", undefined],
  ])("%s", (line, want) => {
    expect(chainPriority(line.split(" "))).toBe(want);
  });
});
