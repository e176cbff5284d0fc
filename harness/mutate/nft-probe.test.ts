/**
 * A probe's fate as fwspec reads a host's native nft rules (pure): base chains
 * of the input hook in priority order, `iif lo`, policies, the matches it
 * models; undefined where it cannot tell.
 */
import { describe, expect, test } from "vitest";
import { parseCidr } from "../model/cidr.ts";
import type { Scenario } from "../scenario/model.ts";
import { chainPriority } from "./nft-lines.ts";
import { hostRules, namedPorts, namedSources, type Probe, probeFate } from "./nft-probe.ts";

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
    // A verdict map (named in one line: its elements not read; or inline) is no rule without a verdict: 8000 is not the policy's.
    ["a named verdict map", 'table inet f {\n\tmap m { type inet_service : verdict; elements = { 8000 : accept } }\n\tchain c {\n\t\ttype filter hook input priority 0; policy drop;\n\t\ttcp dport vmap @m\n\t}\n}\n', peer(8000), undefined],
    ["an inline verdict map", chain("inet", "input", "0", "drop", "tcp dport vmap { 8000 : accept, 8095 : drop }"), peer(8000), undefined],
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

describe("a peer's probe from a known source (an address, or the range its address lies in)", () => {
  const from = (source: string, port = 22): Probe => {
    const family = source.includes(":") ? "ipv6" : "ipv4";
    return { family, protocol: "tcp", port, loopback: false, source: parseCidr(source.includes("/") ? source : `${source}/${family === "ipv4" ? 32 : 128}`, family)! };
  };
  const ADMINS = 'table inet f {\n\tset admins {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 198.18.7.0/25, 198.18.9.5 }\n\t}\n\tchain c {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tip saddr @admins tcp dport 22 accept\n\t}\n}\n';
  const V6ND = (rule: string) => chain("inet", "input", "0", "drop", "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept", rule);
  test.each([
    ["an address in the rule's range", chain("inet", "input", "0", "drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept"), from("198.18.7.10"), "accepted"],
    ["an address outside it", chain("inet", "input", "0", "drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept"), from("198.18.7.200"), "dropped"],
    ["an automatic lab subnet (198.19.128.0/17) outside it", chain("inet", "input", "0", "drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept"), from("198.19.128.0/17"), "dropped"],
    ["a narrower rule first", chain("inet", "input", "0", "drop", "ip saddr 198.18.7.0/28 drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept"), from("198.18.7.10"), "dropped"],
    ["past the narrower rule", chain("inet", "input", "0", "drop", "ip saddr 198.18.7.0/28 drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept"), from("198.18.7.25"), "accepted"],
    ["a negated range, from outside it", chain("inet", "input", "0", "accept", "ip saddr != 198.18.7.0/25 tcp dport 22 drop"), from("198.19.128.0/17"), "dropped"],
    ["a negated range, from inside it", chain("inet", "input", "0", "accept", "ip saddr != 198.18.7.0/25 tcp dport 22 drop"), from("198.18.7.10"), "accepted"],
    ["an anonymous set of addresses", chain("inet", "input", "0", "drop", "ip saddr { 198.18.7.5, 198.18.9.0/24 } accept"), from("198.18.9.10"), "accepted"],
    ["outside every element", chain("inet", "input", "0", "drop", "ip saddr { 198.18.7.5, 198.18.9.0/24 } accept"), from("198.18.8.10"), "dropped"],
    ["a named set of addresses", ADMINS, from("198.18.9.5"), "accepted"],
    ["outside the named set", ADMINS, from("198.18.9.6"), "dropped"],
    ["IPv6, neighbour discovery accepted", V6ND("ip6 saddr 2001:db8:7::/64 tcp dport 22 accept"), from("2001:db8:7::a"), "accepted"],
    ["IPv6 from the automatic lab subnet", V6ND("ip6 saddr 2001:db8:7::/64 tcp dport 22 accept"), from("2001:db8:f5::/48"), "dropped"],
    ["an IPv4 match for an IPv6 source", V6ND("ip saddr 198.18.7.0/25 accept"), from("2001:db8:7::a"), "dropped"],
    // Part of the source's range in the rule's, part not: which one the probe leaves from decides.
    ["a range across the rule's", chain("inet", "input", "0", "drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept"), from("198.18.7.0/24"), undefined],
    ["a source not known", chain("inet", "input", "0", "drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept"), peer(22), undefined],
  ])("%s", (_what, content, probe, want) => {
    const rules = hostRules(scenario(content), "server");
    expect(rules === undefined ? undefined : probeFate(rules, probe)).toBe(want);
  });

  test("the source ranges the rules name, a named set's too, negated ones too, in rule order", () => {
    const rules = hostRules(scenario(`${chain("inet", "input", "0", "drop", "ip saddr != 198.18.7.0/25 drop", "ip6 saddr { 2001:db8:7::5, 2001:db8:9::/64 } accept")}${ADMINS}`), "server")!;
    expect(namedSources(rules).map((c) => c.text)).toEqual(["198.18.7.0/25", "2001:db8:7::5/128", "2001:db8:9::/64", "198.18.9.5/32"]);
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
