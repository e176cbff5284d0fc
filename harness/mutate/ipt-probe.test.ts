/**
 * What an iptables host's rules do with a probe's first packet, as the model
 * reads them (pure): replayed from restore files, command lists and scripts;
 * INPUT walked into user chains, gotos and RETURNs; REJECT answers; undecided
 * wherever a match, target, table or step is not modelled.
 */
import { describe, expect, test } from "vitest";
import { parseCidr } from "../model/cidr.ts";
import type { RuleSource, Scenario } from "../scenario/model.ts";
import { iptHostRules, iptNamedPorts, iptNamedSources, iptProbeFate } from "./ipt-probe.ts";
import type { Probe } from "./nft-probe.ts";

const at = { file: "/p/s.yaml", line: 3, column: 1 };
const lab = (sources: readonly RuleSource[], more: Scenario["steps"] = []): Scenario => ({
  file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
  hosts: [{ name: "server", firewall: true, listen: [] } as never, { name: "remote", firewall: false, listen: [] } as never],
  steps: [{ kind: "apply", host: "server", sources, location: at }, ...more],
});
const restore = (family: "ipv4" | "ipv6", ...lines: string[]): RuleSource => ({ kind: "restore", family, path: `/p/rules.v${family === "ipv4" ? 4 : 6}`, content: `*filter\n${lines.join("\n")}\nCOMMIT\n` });
const script = (...lines: string[]): RuleSource => ({ kind: "script", path: "/p/rules.sh", content: `${lines.join("\n")}\n` });
const commands = (...lines: string[][]): RuleSource => ({ kind: "commands", commands: lines });

/** ufw's shape: a user chain jumped to from INPUT, state and loopback first, REJECTs of each kind, policy DROP. */
const UFW = restore("ipv4",
  ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", ":user-input - [0:0]",
  "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
  "-A INPUT -i lo -j ACCEPT",
  "-A INPUT -m conntrack --ctstate INVALID -j DROP",
  "-A INPUT -j user-input",
  "-A INPUT -p tcp -m tcp --dport 8000:8100 -j REJECT --reject-with icmp-admin-prohibited",
  "-A user-input -p tcp -m tcp --dport 22 -j ACCEPT",
  "-A user-input -p tcp -m multiport --dports 80,443 -j REJECT --reject-with tcp-reset",
  "-A user-input -p udp -m udp --dport 53 -j REJECT",
  "-A user-input -p udp -m udp --sport 1024:65535 --dport 123 -j ACCEPT");
const V6 = restore("ipv6", ":INPUT DROP [0:0]", "-A INPUT -p ipv6-icmp -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT");
const V6_NO_ND = restore("ipv6", ":INPUT DROP [0:0]", "-A INPUT -p tcp --dport 22 -j ACCEPT");
const V6_ND_TYPES = restore("ipv6", ":INPUT DROP [0:0]", "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -m hl --hl-eq 255 -j ACCEPT", "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 136 -m hl --hl-eq 255 -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT");
const V6_NS_ONLY = restore("ipv6", ":INPUT DROP [0:0]", "-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT");
const GOTO = restore("ipv4", ":check - [0:0]", "-A INPUT -p tcp -g check", "-A INPUT -j DROP", "-A check -p tcp --dport 22 -j RETURN", "-A check -j DROP");
const ADMINS = restore("ipv4", ":INPUT DROP [0:0]", "-A INPUT -s 198.18.7.0/25 -p tcp --dport 22 -j ACCEPT", "-A INPUT ! -s 198.18.7.0/24 -p tcp --dport 23 -j ACCEPT");
const INSERTED = commands(["iptables", "-P", "INPUT", "DROP"], ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"], ["iptables", "-w", "-I", "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP"], ["iptables", "-I", "INPUT", "3", "-p", "tcp", "--dport", "23", "-j", "ACCEPT"]);
const SCRIPT = script("#!/bin/sh", "set -eu", "# the guide's lines", "iptables -F", "iptables -P INPUT DROP", "iptables -N web", "iptables -A INPUT -j web", "iptables -A web -p tcp --dport 80 -j ACCEPT", "", "iptables -A INPUT -p tcp --dport 25 -j REJECT --reject-with icmp-host-prohibited");

const probe = (family: "ipv4" | "ipv6", protocol: "tcp" | "udp", port: number, more: Partial<Probe> = {}): Probe => ({ family, protocol, port, loopback: false, ...more });
const from = (cidr: string) => ({ source: parseCidr(cidr, cidr.includes(":") ? "ipv6" : "ipv4")! });

describe("a probe's first packet through an iptables host's rules", () => {
  test.each([
    ["ufw: the user chain's ACCEPT", lab([UFW]), probe("ipv4", "tcp", 22), "accepted"],
    ["ufw: a REJECT with a reset, through a multiport list", lab([UFW]), probe("ipv4", "tcp", 443), "refused:rst"],
    ["ufw: a REJECT's default answer", lab([UFW]), probe("ipv4", "udp", 53), "refused:icmp"],
    ["ufw: a prohibited answer after the user chain returns", lab([UFW]), probe("ipv4", "tcp", 8080), "unreachable"],
    ["ufw: the policy", lab([UFW]), probe("ipv4", "tcp", 9999), "dropped"],
    ["ufw: the host's own probe over lo", lab([UFW]), probe("ipv4", "tcp", 9999, { loopback: true }), "accepted"],
    ["ufw: a source port range holding every ephemeral port", lab([UFW]), probe("ipv4", "udp", 123), "accepted"],
    ["ufw: no IPv6 rules: every IPv6 probe admitted", lab([UFW]), probe("ipv6", "tcp", 9999), "accepted"],
    ["IPv6: neighbour discovery accepted", lab([V6]), probe("ipv6", "tcp", 22), "accepted"],
    ["IPv6: neighbour discovery accepted by type, hop limit 255", lab([V6_ND_TYPES]), probe("ipv6", "tcp", 23), "dropped"],
    ["IPv6: neighbour discovery dropped by the policy: undecided", lab([V6_NO_ND]), probe("ipv6", "tcp", 22), undefined],
    ["IPv6: solicitations accepted, advertisements not: undecided", lab([V6_NS_ONLY]), probe("ipv6", "tcp", 22), undefined],
    ["IPv6: the host's own probe needs no neighbour discovery", lab([V6_NO_ND]), probe("ipv6", "tcp", 22, { loopback: true }), "accepted"],
    ["a goto's chain returns past INPUT's next rule: the policy", lab([GOTO]), probe("ipv4", "tcp", 22), "accepted"],
    ["a goto's chain drops", lab([GOTO]), probe("ipv4", "tcp", 23), "dropped"],
    ["a source inside the rule's range", lab([ADMINS]), probe("ipv4", "tcp", 22, from("198.18.7.10/32")), "accepted"],
    ["a source outside it", lab([ADMINS]), probe("ipv4", "tcp", 22, from("198.18.7.200/32")), "dropped"],
    ["a source anywhere in the lab ranges: undecided", lab([ADMINS]), probe("ipv4", "tcp", 22), undefined],
    ["a negated range the source lies outside", lab([ADMINS]), probe("ipv4", "tcp", 23, from("198.18.9.0/24")), "accepted"],
    ["-I before -A: the DROP first", lab([INSERTED]), probe("ipv4", "tcp", 22), "dropped"],
    ["-I at a position", lab([INSERTED]), probe("ipv4", "tcp", 23), "accepted"],
    ["a script's lines, -N and a jump", lab([SCRIPT]), probe("ipv4", "tcp", 80), "accepted"],
    ["a script's REJECT with host-prohibited", lab([SCRIPT]), probe("ipv4", "tcp", 25), "unreachable"],
    ["a script's policy", lab([SCRIPT]), probe("ipv4", "udp", 80), "dropped"],
  ])("%s", (_name, scenario, p, want) => {
    const rules = iptHostRules(scenario, "server");
    expect(rules).toBeDefined();
    expect(iptProbeFate(rules!, p)).toBe(want);
  });

  test.each([
    ["a rate limit on the way", [restore("ipv4", ":INPUT DROP [0:0]", "-A INPUT -p tcp --dport 22 -m recent --set", "-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT")]],
    ["a rule in another table", [restore("ipv4", "-A INPUT -p tcp --dport 22 -j ACCEPT"), { kind: "restore", family: "ipv4", path: "/p/nat.v4", content: "*nat\n-A PREROUTING -p tcp --dport 22 -j REDIRECT --to-ports 2222\nCOMMIT\n" }]],
    ["OUTPUT's policy (the answers)", [restore("ipv4", ":OUTPUT DROP [0:0]", "-A INPUT -p tcp --dport 22 -j ACCEPT")]],
    ["a target not modelled", [restore("ipv4", "-A INPUT -p tcp --dport 22 -j MARK --set-mark 1", "-A INPUT -j DROP")]],
    ["an interface other than lo", [restore("ipv4", ":INPUT DROP [0:0]", "-A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT")]],
  ])("undecided: %s", (_name, sources) => {
    const rules = iptHostRules(lab(sources as RuleSource[]), "server");
    expect(rules).toBeDefined();
    expect(iptProbeFate(rules!, probe("ipv4", "tcp", 22))).toBeUndefined();
  });

  test.each([
    ["a script line that is no plain iptables command", lab([script("iptables -P INPUT DROP", "for p in 22 80; do iptables -A INPUT -p tcp --dport $p -j ACCEPT; done")])],
    ["a command that is not iptables", lab([commands(["iptables", "-P", "INPUT", "DROP"], ["ipset", "create", "admins", "hash:ip"])])],
    ["a rule deleted by its text", lab([commands(["iptables", "-A", "INPUT", "-j", "DROP"], ["iptables", "-D", "INPUT", "-j", "DROP"])])],
    ["an nft source", lab([{ kind: "nft", path: "/p/rules.nft", content: "table inet filter {\n}\n" }])],
    ["a rule appended to a chain never made", lab([commands(["iptables", "-A", "web", "-j", "DROP"])])],
    ["a run step on the host", lab([restore("ipv4", "-A INPUT -j DROP")], [{ kind: "run", host: "server", command: ["true"], location: at } as never])],
    ["a reboot of the host", lab([restore("ipv4", "-A INPUT -j DROP")], [{ kind: "reboot", host: "server", location: at } as never])],
  ])("not read: %s", (_name, scenario) => {
    expect(iptHostRules(scenario, "server")).toBeUndefined();
  });

  test("the ports and sources the rules name, both families", () => {
    expect(iptNamedPorts(iptHostRules(lab([UFW, V6_ND_TYPES]), "server")!)).toEqual([8000, 8100, 22, 80, 443, 53, 123]);
    expect(iptNamedSources(iptHostRules(lab([ADMINS]), "server")!).map((c) => c.text)).toEqual(["198.18.7.0/25", "198.18.7.0/24"]);
  });

  test("a second restore file of a family starts its tables over, as iptables-restore does", () => {
    const rules = iptHostRules(lab([UFW, ADMINS]), "server")!;
    expect(iptProbeFate(rules, probe("ipv4", "tcp", 443))).toBe("dropped");
  });
});

describe("reviewer 44: what the model must not read as known", () => {
  test.each([
    // A DROP of advertisements written as type/code: IPv6 probes undecided (they get no answer), not admitted.
    ["`--icmpv6-type 136/0` dropped before an ICMPv6 accept", [restore("ipv6", ":INPUT DROP [0:0]", "-A INPUT -p ipv6-icmp --icmpv6-type 136/0 -j DROP", "-A INPUT -p ipv6-icmp -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT")], probe("ipv6", "tcp", 22), undefined],
    ["a name's prefix, as ip6tables reads it", [restore("ipv6", ":INPUT DROP [0:0]", "-A INPUT -p ipv6-icmp --icmpv6-type neighbour-a -j DROP", "-A INPUT -p ipv6-icmp -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT")], probe("ipv6", "tcp", 22), undefined],
    ["another ICMPv6 type does not match neighbour discovery", [restore("ipv6", ":INPUT DROP [0:0]", "-A INPUT -p ipv6-icmp --icmpv6-type echo-request -j DROP", "-A INPUT -p ipv6-icmp -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT")], probe("ipv6", "tcp", 22), "accepted"],
    // Matches written after the target still match.
    ["`-j DROP -p tcp --dport 23`: port 22 passes it", [restore("ipv4", "-A INPUT -j DROP -p tcp --dport 23")], probe("ipv4", "tcp", 22), "accepted"],
    ["… and port 23 meets it", [restore("ipv4", "-A INPUT -j DROP -p tcp --dport 23")], probe("ipv4", "tcp", 23), "dropped"],
    ["`-j REJECT --reject-with tcp-reset -p tcp`", [restore("ipv4", "-A INPUT -j REJECT --reject-with tcp-reset -p tcp --dport 23")], probe("ipv4", "tcp", 23), "refused:rst"],
    // RETURN in a builtin chain: its policy.
    ["RETURN in INPUT", [restore("ipv4", ":INPUT DROP [0:0]", "-A INPUT -p tcp --dport 22 -j RETURN", "-A INPUT -p tcp -j ACCEPT")], probe("ipv4", "tcp", 22), "dropped"],
  ] as const)("%s", (_what, sources, p, want) => {
    const rules = iptHostRules(lab(sources as readonly RuleSource[]), "server");
    expect(rules).toBeDefined();
    expect(iptProbeFate(rules!, p)).toBe(want);
  });

  test("a legacy host with two restore files of one family is not read", () => {
    const s = lab([restore("ipv4", ":INPUT DROP [0:0]"), restore("ipv4", "-A INPUT -j ACCEPT")]);
    const legacy = { ...s, hosts: s.hosts.map((h) => (h.name === "server" ? { ...h, backend: "legacy" } : h)) } as Scenario;
    expect(iptHostRules(legacy, "server")).toBeUndefined();
    expect(iptHostRules(s, "server")).toBeDefined();
  });
});
