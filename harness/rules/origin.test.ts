/**
 * Where the deciding rule was written (pure): restore files, scripts, command
 * lists and nft files; policies; ambiguity and other hosts give no origin.
 */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { ApplyStep, RuleSource } from "../scenario/model.ts";
import { decisionOrigin, locatedDecision, rewriteWithOrigin, ruleCandidates } from "./origin.ts";

const SCENARIO = "/repo/scenarios/web.yaml";
const at = (line: number) => ({ file: SCENARIO, line, column: 5 });
const apply = (sources: readonly RuleSource[], host = "server"): ApplyStep => ({ kind: "apply", host, sources, location: at(7) });

const RESTORE4: RuleSource = {
  kind: "restore", family: "ipv4", path: "/repo/firewall/rules.v4",
  content: ["*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", "-A INPUT -i lo -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT", "-A INPUT -p tcp --dport 8080 -j DROP", "COMMIT", "*nat", "-A PREROUTING -p tcp --dport 8080 -j DROP", "COMMIT"].join("\n"),
};
const SCRIPT: RuleSource = {
  kind: "script", path: "/repo/firewall/rules.sh",
  content: ["#!/bin/sh", "# iptables -A INPUT -p tcp --dport 9 -j DROP", "iptables -P INPUT DROP", "sudo iptables -A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT", "ip6tables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp --dport $PORT -j DROP", "iptables -A INPUT -p tcp \\", "    --dport 5432 -s 198.18.9.0/24 \\", "    -j ACCEPT", "# a comment ending in a backslash \\", "iptables -A INPUT -p udp --dport 53 -j ACCEPT"].join("\n"),
};
const COMMANDS: RuleSource = { kind: "commands", commands: [["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "3000", "-m", "comment", "--comment", "the app", "-j", "REJECT"]], locations: [at(12)] };
const NFT: RuleSource = {
  kind: "nft", path: "/repo/firewall/fw.nft",
  content: ["#!/usr/sbin/nft -f", "flush ruleset", "table inet fw {", "\tset admins {", "\t\ttype ipv4_addr", "\t}", "\tchain input {", "\t\ttype filter hook input priority filter; policy drop;", '\t\tiifname "lo" accept', "\t\ttcp dport 22 accept", "\t\tct state related,established accept", "\t\ttcp dport {443,80} reject with icmpx type admin-prohibited", "\t}", "}", "add rule inet fw input tcp dport 8443 drop"].join("\n"),
};

function decision(over: Partial<Decision>): Decision {
  return { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "", action: "drop", policy: false, source: "counters", ...over };
}

describe("the line that wrote the deciding rule", () => {
  const candidates = ruleCandidates([apply([RESTORE4, SCRIPT, COMMANDS]), apply([NFT], "nfthost")]);
  test.each([
    // [what, decision, expected "shown:line" (undefined: no origin)]
    ["a restore line, as iptables-save prints it (-m tcp added)", decision({ rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" }), "../firewall/rules.v4:6"],
    ["a restore file's chain policy", decision({ rule: "policy DROP", policy: true }), undefined], // the script sets it too: ambiguous
    ["the FORWARD policy, written once", decision({ rule: "policy DROP", policy: true, path: ["FORWARD"] }), "../firewall/rules.v4:3"],
    ["the same rule text in another table is not it", decision({ table: "nat", path: ["PREROUTING"], rule: "-A PREROUTING -p tcp -m tcp --dport 8080 -j DROP" }), "../firewall/rules.v4:9"],
    ["a script line with sudo and multiport", decision({ rule: "-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT", action: "accept" }), "../firewall/rules.sh:4"],
    ["an ip6tables line answers only IPv6", decision({ family: "ipv6", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" }), "../firewall/rules.sh:5"],
    ["a rule continued over three lines (`\\`): its first line", decision({ rule: "-A INPUT -s 198.18.9.0/24 -p tcp -m tcp --dport 5432 -j ACCEPT", action: "accept" }), "../firewall/rules.sh:7"],
    ["a comment's trailing backslash continues nothing", decision({ rule: "-A INPUT -p udp -m udp --dport 53 -j ACCEPT", action: "accept" }), "../firewall/rules.sh:11"],
    ["a commented-out line and a shell variable never match", decision({ rule: "-A INPUT -p tcp -m tcp --dport 9 -j DROP" }), undefined],
    ["a command list: the scenario's own line", decision({ rule: '-A INPUT -p tcp -m tcp --dport 3000 -m comment --comment "the app" -j REJECT --reject-with icmp-port-unreachable', action: "reject" }), "web.yaml:12"],
    ["another host's rules are not searched", decision({ host: "client", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" }), undefined],
    ["nft: a rule in its table and chain", decision({ host: "nfthost", table: "inet fw", path: ["input"], rule: "tcp dport 22 accept", action: "accept", source: "trace" }), "../firewall/fw.nft:10"],
    ["nft: the chain's policy", decision({ host: "nfthost", table: "inet fw", path: ["input"], rule: "policy drop", policy: true, source: "trace" }), "../firewall/fw.nft:8"],
    ["nft: a flat `add rule` line", decision({ host: "nfthost", table: "inet fw", path: ["input"], rule: "tcp dport 8443 drop", source: "trace" }), "../firewall/fw.nft:15"],
    ["nft: written another way nft prints alike (flag order)", decision({ host: "nfthost", table: "inet fw", path: ["input"], rule: "ct state established,related accept", action: "accept", source: "trace" }), "../firewall/fw.nft:11"],
    ["nft: written another way nft prints alike (set order, reject type)", decision({ host: "nfthost", table: "inet fw", path: ["input"], rule: "tcp dport { 80, 443 } reject with icmpx admin-prohibited", action: "reject", source: "trace" }), "../firewall/fw.nft:12"],
    ["nft: the same rule text in another table is not it", decision({ host: "nfthost", table: "inet other", path: ["input"], rule: "tcp dport 22 accept", source: "trace" }), undefined],
    ["no filter chain decided: no line", decision({ rule: "no filter chain", table: "none", unfiltered: true, action: "accept" }), undefined],
  ] as const)("%s", (_what, d, expected) => {
    const origin = decisionOrigin(d, candidates, SCENARIO);
    expect(origin === undefined ? undefined : `${origin.shown}:${origin.line}`).toBe(expected);
  });

  test("restore lines split as iptables-restore splits them: a backslash in quotes escapes any character, outside quotes it stays", () => {
    // As measured: `--comment "EVIL\033]x\\y\"q"` loads as EVIL033]x\y"q, `--comment a\b` as a\b (iptables-save quotes both).
    const content = String.raw`*filter
-A INPUT -p tcp --dport 80 -m comment --comment "EVIL\033]x\\y\"q" -j DROP
-A INPUT -p tcp --dport 81 -m comment --comment a\b -j DROP
-A INPUT -p tcp --dport 82 -m comment --comment it's -j DROP
COMMIT`;
    const found = ruleCandidates([apply([{ kind: "restore", family: "ipv4", path: "/repo/firewall/odd.v4", content }])]);
    const line = (rule: string) => decisionOrigin(decision({ rule }), found, SCENARIO)?.line;
    expect(line(String.raw`-A INPUT -p tcp -m tcp --dport 80 -m comment --comment "EVIL033]x\\y\"q" -j DROP`)).toBe(2);
    expect(line(String.raw`-A INPUT -p tcp -m tcp --dport 81 -m comment --comment "a\\b" -j DROP`)).toBe(3);
    expect(line(String.raw`-A INPUT -p tcp -m tcp --dport 82 -m comment --comment "it\'s" -j DROP`)).toBe(4);
  });

  test("nft files as nftables.conf writes them: define'd names, rules continued with a backslash, insert rule", () => {
    const content = String.raw`define WEB_PORTS = { 80, 443 }
define ADMIN = 198.18.7.0/24
define ADMINS = $ADMIN
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		tcp dport $WEB_PORTS accept
		ip saddr $ADMINS tcp dport 22 accept # admins only
		tcp dport 8080 \
			counter \
			reject with icmpx type admin-prohibited
	}
}
insert rule inet filter input tcp dport 8086 reject with tcp reset
add rule inet filter input position 4 tcp dport 8087 drop`;
    const found = ruleCandidates([apply([{ kind: "nft", path: "/repo/firewall/fw.nft", content }], "nfthost")]);
    const line = (rule: string, action: Decision["action"] = "accept") => decisionOrigin(decision({ host: "nfthost", table: "inet filter", path: ["input"], rule, action, source: "trace" }), found, SCENARIO)?.line;
    expect(line("tcp dport { 80, 443 } accept")).toBe(7);
    expect(line("ip saddr 198.18.7.0/24 tcp dport 22 accept")).toBe(8);
    expect(line("tcp dport 8080 counter packets 3 bytes 180 reject with icmpx admin-prohibited", "reject")).toBe(9);
    expect(line("meta l4proto tcp tcp dport 8086 reject with tcp reset", "reject")).toBe(14);
    expect(line("tcp dport 8087 drop", "drop")).toBe(15);
  });

  test("nft commands (a command list, a script's lines): `add rule` and `insert rule` as nft reads its arguments", () => {
    const list: RuleSource = {
      kind: "commands",
      commands: [["nft", "add", "table", "inet", "t"], ["nft", "add", "rule", "inet", "t", "in", "tcp", "dport", "8080", "drop"], ["nft", "insert", "rule", "inet", "t", "in", "tcp dport { 22, 80 } accept"], ["nft", "-c", "add", "rule", "inet", "t", "in", "tcp", "dport", "9", "drop"], ["nft", "-a", "-e", "add rule inet t in tcp dport 10 drop"]],
      locations: [at(20), at(21), at(22), at(23), at(24)],
    };
    const script: RuleSource = { kind: "script", path: "/repo/firewall/nft.sh", content: ["#!/bin/sh", "nft add table inet s", "sudo nft add rule inet s in tcp dport 8081 counter drop", "# nft add rule inet s in tcp dport 8082 drop"].join("\n") };
    const found = ruleCandidates([apply([list, script], "nfthost")]);
    const shown = (table: string, rule: string, action: Decision["action"] = "drop") => {
      const o = decisionOrigin(decision({ host: "nfthost", table, path: ["in"], rule, action, source: "trace" }), found, SCENARIO);
      return o && `${o.shown}:${o.line}`;
    };
    expect(shown("inet t", "tcp dport 8080 drop")).toBe("web.yaml:21");
    expect(shown("inet t", "tcp dport { 22, 80 } accept", "accept")).toBe("web.yaml:22");
    expect(shown("inet t", "tcp dport 9 drop")).toBeUndefined(); // -c: checked, not added
    expect(shown("inet t", "tcp dport 10 drop")).toBe("web.yaml:24"); // -a -e print more; the statement one quoted word
    expect(shown("inet other", "tcp dport 8080 drop")).toBeUndefined();
    expect(shown("inet s", "tcp dport 8081 counter packets 1 bytes 60 drop")).toBe("../firewall/nft.sh:3");
    expect(shown("inet s", "tcp dport 8082 drop")).toBeUndefined();
  });

  test("`add rule` without a family is nft's default, ip (reviewer 37): its table is `ip NAME`", () => {
    const script: RuleSource = { kind: "script", path: "/repo/firewall/plain.sh", content: ["#!/bin/sh", "nft add table filter", "nft add chain filter input '{ type filter hook input priority 0; }'", "nft add rule filter input tcp dport 8083 drop", "nft insert rule inet filter input tcp dport 8084 drop"].join("\n") };
    const found = ruleCandidates([apply([script], "nfthost")]);
    const shown = (table: string, rule: string) => {
      const o = decisionOrigin(decision({ host: "nfthost", table, path: ["input"], rule, action: "drop", source: "trace" }), found, SCENARIO);
      return o && `${o.shown}:${o.line}`;
    };
    expect(shown("ip filter", "tcp dport 8083 drop")).toBe("../firewall/plain.sh:4");
    expect(shown("inet filter", "tcp dport 8083 drop")).toBeUndefined();
    expect(shown("inet filter", "tcp dport 8084 drop")).toBe("../firewall/plain.sh:5");
  });

  test("the same rule in two files gives no origin; one file applied twice gives its line", () => {
    const drop = decision({ rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" });
    const copy: RuleSource = { ...RESTORE4, path: "/repo/firewall/old.v4" };
    expect(decisionOrigin(drop, ruleCandidates([apply([RESTORE4]), apply([copy])]), SCENARIO)).toBeUndefined();
    expect(decisionOrigin(drop, ruleCandidates([apply([RESTORE4]), apply([RESTORE4])]), SCENARIO)?.line).toBe(6);
  });

  test("a scenario defined in code (`<inline>`) has no line to name for its commands", () => {
    const inline: ApplyStep = { kind: "apply", host: "server", sources: [COMMANDS], location: { file: "<inline>", line: 1, column: 1 } };
    const commands: RuleSource = { kind: "commands", commands: [["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "3001", "-j", "DROP"]] };
    const c = ruleCandidates([{ ...inline, sources: [commands] }]);
    expect(decisionOrigin(decision({ rule: "-A INPUT -p tcp -m tcp --dport 3001 -j DROP" }), c, "<inline>")).toBeUndefined();
  });

  test("the origin keeps the absolute file for annotations", () => {
    expect(decisionOrigin(decision({ rule: "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", action: "accept" }), candidates, SCENARIO)).toEqual({ file: "/repo/firewall/rules.v4", line: 5, shown: "../firewall/rules.v4" });
  });
});

describe("nft rules whose `meta nfproto` the listing leaves out (nft 1.0.6; tester 44a)", () => {
  const inet: RuleSource = { kind: "nft", path: "/repo/firewall/mixed.nft", content: ["table inet filter {", "\tchain input {", "\t\ttype filter hook input priority 0; policy drop;", "\t\tmeta nfproto ipv6 tcp dport 8086 reject with tcp reset comment \"v6 only\"", "\t\tmeta nfproto ipv4 tcp dport 23 add @banned { ip saddr } counter drop", "\t\tmeta nfproto ipv4 tcp dport 24 drop", "\t}", "}"].join("\n") };
  const c = ruleCandidates([apply([inet])]);
  const nft = (family: "ipv4" | "ipv6", rule: string) => decision({ family, table: "inet filter", path: ["input"], rule, source: "trace" });
  test.each([
    ["printed without it: the line, in its family", nft("ipv6", 'tcp dport 8086 reject with tcp reset comment "v6 only"'), 4],
    ["… never in the other family", nft("ipv4", 'tcp dport 8086 reject with tcp reset comment "v6 only"'), undefined],
    ["a set's add statement", nft("ipv4", "tcp dport 23 add @banned { ip saddr } counter drop"), 5],
    ["printed with it", nft("ipv4", "meta nfproto ipv4 tcp dport 24 drop"), 6],
  ] as const)("%s", (_what, d, line) => {
    expect(decisionOrigin(d, c, SCENARIO)?.line).toBe(line);
  });
});

describe("the line that wrote a NAT rewrite of the decided packet", () => {
  const nat4: RuleSource = { kind: "restore", family: "ipv4", path: "/repo/firewall/router.v4", content: ["*nat", "-A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80", "-A POSTROUTING -o eth1 -j MASQUERADE", "COMMIT"].join("\n") };
  const natNft: RuleSource = { kind: "nft", path: "/repo/firewall/router.nft", content: ["table inet router_nat {", "\tchain prerouting {", "\t\ttype nat hook prerouting priority dstnat; policy accept;", "\t\ttcp dport 80 dnat ip to 198.18.51.10:8080", "\t}", "}"].join("\n") };
  // The nftables wiki's naming: a native table called as iptables-nft's own, which the trace names as iptables does.
  const ipNat: RuleSource = { kind: "nft", path: "/repo/firewall/gw.nft", content: ["table ip nat {", "\tchain prerouting {", "\t\ttype nat hook prerouting priority dstnat; policy accept;", "\t\tip daddr 198.18.60.2 tcp dport 8080 dnat to 198.18.61.10:80", "\t}", "}", "add rule ip nat prerouting ip daddr 198.18.60.2 tcp dport 8081 dnat to 198.18.61.10:81"].join("\n") };
  const candidates = ruleCandidates([apply([nat4], "router"), apply([natNft], "nftrouter"), apply([ipNat], "gw")]);
  test.each([
    ["a native dnat in `table ip nat` (tester 44b)", "gw", "nat prerouting: ip daddr 198.18.60.2 tcp dport 8080 dnat to 198.18.61.10:80 [handle 18]", "nat prerouting: ip daddr 198.18.60.2 tcp dport 8080 dnat to 198.18.61.10:80 [handle 18] (../firewall/gw.nft:4)"],
    ["… and one its flat `add rule` wrote", "gw", "nat prerouting: ip daddr 198.18.60.2 tcp dport 8081 dnat to 198.18.61.10:81 [handle 19]", "nat prerouting: ip daddr 198.18.60.2 tcp dport 8081 dnat to 198.18.61.10:81 [handle 19] (../firewall/gw.nft:7)"],
    ["an iptables DNAT, named as iptables-save prints it", "router", "nat PREROUTING: -A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80 [handle 4]", "nat PREROUTING: -A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80 [handle 4] (../firewall/router.v4:2)"],
    ["a MASQUERADE", "router", "nat POSTROUTING: -A POSTROUTING -o eth1 -j MASQUERADE [handle 5]", "nat POSTROUTING: -A POSTROUTING -o eth1 -j MASQUERADE [handle 5] (../firewall/router.v4:3)"],
    ["a native dnat", "nftrouter", "inet router_nat prerouting: tcp dport 80 dnat ip to 198.18.51.10:8080", "inet router_nat prerouting: tcp dport 80 dnat ip to 198.18.51.10:8080 (../firewall/router.nft:4)"],
    ["a rewrite no line wrote stays as it was", "router", "nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 9 -j REDIRECT --to-ports 80 [handle 9]", "nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 9 -j REDIRECT --to-ports 80 [handle 9]"],
  ] as const)("%s", (_what, host, rewrite, expected) => {
    expect(rewriteWithOrigin(rewrite, { host, family: "ipv4" }, candidates, SCENARIO)).toBe(expected);
  });
});

describe("a decision located (what the session does before judging, sweeps included)", () => {
  const restore: RuleSource = { kind: "restore", family: "ipv4", path: "/repo/firewall/rules.v4", content: "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n*nat\n-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080\nCOMMIT\n" };
  const accept22 = decision({ rule: "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", action: "accept" });
  const shown = (d: Decision) => (d.origin ? `${d.origin.shown}:${d.origin.line}` : undefined);
  test.each([
    ["a rule the applied file wrote", [apply([restore])], accept22, "../firewall/rules.v4:2"],
    ["no apply step before the probe", [], accept22, undefined],
    ["a rule no applied line wrote (the host's own)", [apply([restore])], decision({ rule: "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT", action: "accept" }), undefined],
    ["an origin it has already is kept", [apply([restore])], { ...accept22, origin: { file: "/x/other.v4", line: 9, shown: "other.v4" } }, "other.v4:9"],
  ] as const)("%s", (_what, steps, d, expected) => {
    expect(shown(locatedDecision(d, ruleCandidates(steps), SCENARIO))).toBe(expected);
  });

  test("its NAT rewrites get their lines too, an unfiltered decision none of its own", () => {
    const d = decision({ rule: "no filter chain", table: "none", path: ["nat PREROUTING"], unfiltered: true, action: "accept", rewrites: ["nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080 [handle 3]"] });
    const located = locatedDecision(d, ruleCandidates([apply([restore])]), SCENARIO);
    expect(located.origin).toBeUndefined();
    expect(located.rewrites).toEqual(["nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080 [handle 3] (../firewall/rules.v4:5)"]);
  });
});

