/** Unit tests (table-driven, no Docker) for match.ts. */
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import type { Family } from "../model/types.ts";
import type { RuleSelector } from "../scenario/model.ts";
import { describeSelector, findRules, normalizeRule, ruleMatchesText, RuleSyntaxError } from "./match.ts";
import { parseSave } from "./saved.ts";
import type { SavedRule } from "./saved.ts";

/** A saved rule as parseSave makes it from one `-A ...` line. */
function saved(line: string, family: Family = "ipv4", table = "filter"): SavedRule {
  const rule = parseSave(`*${table}\n[0:0] ${line}\nCOMMIT\n`, family).rules[0];
  if (!rule) throw new RangeError(`no rule in ${line}`);
  return rule;
}

const SSH = "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT";
const LOOPBACK_8080 = "-A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT";

describe("ruleMatchesText: matches", () => {
  it.each<[string, string, string, Family?, string?]>([
    // [why, person's text, saved text, family, table]
    ["the saved text itself", SSH, SSH],
    ["implicit -m tcp left out", "-A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["-m tcp given by the person", "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", SSH],
    ["iptables command", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["sudo iptables command", "sudo iptables -A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["iptables by path, nft variant", "/usr/sbin/iptables-nft -A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["-I with a position", "iptables -I INPUT 1 -p tcp --dport 22 -j ACCEPT", SSH],
    ["-I without a position", "iptables -I INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["-C", "iptables -C INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["-D with a rule", "iptables -D INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["-R with a number", "iptables -R INPUT 3 -p tcp --dport 22 -j ACCEPT", SSH],
    ["--append", "iptables --append INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["--insert", "iptables --insert INPUT 2 -p tcp --dport 22 -j ACCEPT", SSH],
    ["--check", "iptables --check INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["--delete", "iptables --delete INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["no chain verb matches any chain", "-p tcp --dport 22 -j ACCEPT", SSH],
    ["no chain verb, other chain", "-i lo -j ACCEPT", "-A NODE_PROTECT -i lo -j ACCEPT"],
    ["explicit -t filter", "iptables -t filter -A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["-t nat", "iptables -t nat -A OUTPUT -d 127.0.0.11 -j DOCKER_OUTPUT", "-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT", "ipv4", "nat"],
    ["--table nat after the verb", "iptables -A OUTPUT --table nat -d 127.0.0.11 -j DOCKER_OUTPUT", "-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT", "ipv4", "nat"],
    ["--table=nat", "iptables --table=nat -A OUTPUT -d 127.0.0.11 -j DOCKER_OUTPUT", "-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT", "ipv4", "nat"],
    ["options in another order", "-A INPUT -j ACCEPT --dport 8080 -p tcp -s 127.0.0.1", LOOPBACK_8080],
    ["match module with its option", "-A INPUT -p tcp -m multiport --dports 8080,8081 -j DROP", "-A INPUT -p tcp -m multiport --dports 8080,8081 -j DROP"],
    ["multiport list as a set", "-A INPUT -p tcp -m multiport --dports 8081,8080 -j DROP", "-A INPUT -p tcp -m multiport --dports 8080,8081 -j DROP"],
    ["multiport --destination-ports and service names", "-A INPUT -p tcp -m multiport --destination-ports https,http -j DROP", "-A INPUT -p tcp -m multiport --dports 80,443 -j DROP"],
    ["! negation before the option", "-A INPUT ! -i lo -j DROP", "-A INPUT ! -i lo -j DROP"],
    ["! negation in another order", "-A INPUT -j DROP ! -s 10.0.0.0/8", "-A INPUT ! -s 10.0.0.0/8 -j DROP"],
    ["deprecated ! after the option", "-A INPUT -s ! 10.0.0.0/8 -j DROP", "-A INPUT ! -s 10.0.0.0/8 -j DROP"],
    ["negated port", "-A INPUT -p tcp ! --dport 22 -j DROP", "-A INPUT -p tcp -m tcp ! --dport 22 -j DROP"],
    ["--protocol --source --destination-port --jump", "-A INPUT --protocol tcp --source 127.0.0.1 --destination-port 8080 --jump ACCEPT", LOOPBACK_8080],
    ["--src", "-A INPUT --src 127.0.0.1 -p tcp --dport 8080 -j ACCEPT", LOOPBACK_8080],
    ["--dst and --destination", "-A OUTPUT --dst 10.0.0.1 -j DROP", "-A OUTPUT -d 10.0.0.1/32 -j DROP"],
    ["--destination", "-A OUTPUT --destination 10.0.0.1 -j DROP", "-A OUTPUT -d 10.0.0.1/32 -j DROP"],
    ["--in-interface", "-A INPUT --in-interface lo -j ACCEPT", "-A INPUT -i lo -j ACCEPT"],
    ["--out-interface", "-A OUTPUT --out-interface eth0 -j ACCEPT", "-A OUTPUT -o eth0 -j ACCEPT"],
    ["--goto", "-A INPUT -p tcp --dport 8080 --goto NODE_PROTECT", "-A INPUT -p tcp -m tcp --dport 8080 -g NODE_PROTECT"],
    ["--match", "-A INPUT --match conntrack --ctstate NEW -j ACCEPT", "-A INPUT -m conntrack --ctstate NEW -j ACCEPT"],
    ["--source-port", "-A INPUT -p udp --source-port 53 -j ACCEPT", "-A INPUT -p udp -m udp --sport 53 -j ACCEPT"],
    ["--dport=22", "-A INPUT -p tcp --dport=22 -j ACCEPT", SSH],
    ["-m udp left out", "-A INPUT -p udp --dport 5353 -j DROP", "-A INPUT -p udp -m udp --dport 5353 -j DROP"],
    ["icmp type by name", "-A INPUT -p icmp --icmp-type echo-request -j ACCEPT", "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT"],
    ["icmp type with code by name", "-A INPUT -p icmp --icmp-type port-unreachable -j ACCEPT", "-A INPUT -p icmp -m icmp --icmp-type 3/3 -j ACCEPT"],
    ["-m icmp6 left out, icmpv6 protocol alias", "ip6tables -A INPUT -p icmpv6 --icmpv6-type echo-request -j ACCEPT", "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT", "ipv6"],
    ["-m ipv6-icmp given by the person", "ip6tables -A INPUT -p ipv6-icmp -m ipv6-icmp --icmpv6-type 128 -j ACCEPT", "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT", "ipv6"],
    ["127.0.0.1 is 127.0.0.1/32", "-A INPUT -s 127.0.0.1 -p tcp --dport 8080 -j ACCEPT", LOOPBACK_8080],
    ["::1 is ::1/128", "ip6tables -A INPUT -s ::1 -p tcp --dport 8080 -j ACCEPT", "-A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT", "ipv6"],
    ["long IPv6 form", "-A INPUT -s 0:0:0:0:0:0:0:1/128 -p tcp --dport 8080 -j ACCEPT", "-A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT", "ipv6"],
    ["dotted netmask", "-A INPUT -s 10.0.0.0/255.0.0.0 -j DROP", "-A INPUT -s 10.0.0.0/8 -j DROP"],
    ["host bits under the mask", "-A INPUT -s 10.1.2.3/8 -j DROP", "-A INPUT -s 10.0.0.0/8 -j DROP"],
    ["-s 0.0.0.0/0 is no -s", "-A INPUT -s 0.0.0.0/0 -p tcp --dport 22 -j ACCEPT", SSH],
    ["-p all is no -p", "-A INPUT -p all -i lo -j ACCEPT", "-A INPUT -i lo -j ACCEPT"],
    ["-p TCP", "-A INPUT -p TCP --dport 22 -j ACCEPT", SSH],
    ["-p 6", "-A INPUT -p 6 --dport 22 -j ACCEPT", SSH],
    ["--ctstate as a set", "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"],
    ["--ctstate lowercase", "-A INPUT -m conntrack --ctstate established,related -j ACCEPT", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"],
    ["--state as a set", "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT", "-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT"],
    ["REJECT default, ipv4", "-A INPUT -p tcp --dport 8081 -j REJECT", "-A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp-port-unreachable"],
    ["REJECT default, ipv6", "ip6tables -A INPUT -p tcp --dport 8081 -j REJECT", "-A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp6-port-unreachable", "ipv6"],
    ["REJECT icmp-admin-prohibited", "-A INPUT -p tcp --dport 8081 -j REJECT --reject-with icmp-admin-prohibited", "-A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp-admin-prohibited"],
    ["REJECT admin-prohib alias", "-A INPUT -p tcp --dport 8081 -j REJECT --reject-with admin-prohib", "-A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp-admin-prohibited"],
    ["REJECT port-unreach alias, ipv4", "-A INPUT -j REJECT --reject-with port-unreach", "-A INPUT -j REJECT --reject-with icmp-port-unreachable"],
    ["REJECT name prefix, ipv4", "-A INPUT -j REJECT --reject-with icmp-host-prohib", "-A INPUT -j REJECT --reject-with icmp-host-prohibited"],
    ["REJECT tcp-reset", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
    ["REJECT tcp-rst alias", "-A INPUT -p tcp -j REJECT --reject-with tcp-rst", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset"],
    ["REJECT adm-prohibited, ipv6", "ip6tables -A INPUT -j REJECT --reject-with adm-prohibited", "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited", "ipv6"],
    ["REJECT port-unreach, ipv6", "-A INPUT -j REJECT --reject-with port-unreach", "-A INPUT -j REJECT --reject-with icmp6-port-unreachable", "ipv6"],
    ["REJECT tcp-reset, ipv6", "-A INPUT -p tcp -j REJECT --reject-with TCP-RESET", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "ipv6"],
    ["comment in single quotes", "-A INPUT -m comment --comment 'allow ssh' -p tcp --dport 22 -j ACCEPT", '-A INPUT -m comment --comment "allow ssh" -p tcp -m tcp --dport 22 -j ACCEPT'],
    ["comment in double quotes", '-A INPUT -p tcp --dport 22 -m comment --comment "allow ssh" -j ACCEPT', '-A INPUT -m comment --comment "allow ssh" -p tcp -m tcp --dport 22 -j ACCEPT'],
    ["comment quoted by the person, bare in the save", "-A INPUT -m comment --comment 'ssh' -j ACCEPT", "-A INPUT -m comment --comment ssh -j ACCEPT"],
    ["comment with a quote", `-A INPUT -m comment --comment "it's ssh" -j ACCEPT`, `-A INPUT -m comment --comment "it\\'s ssh" -j ACCEPT`],
    ["--syn", "-A INPUT -p tcp --syn -j DROP", "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP"],
    ["! --syn", "-A INPUT -p tcp ! --syn -m conntrack --ctstate NEW -j DROP", "-A INPUT -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j DROP"],
    ["--tcp-flags as sets, ALL", "-A INPUT -p tcp --tcp-flags ALL ack,fin -j DROP", "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG FIN,ACK -j DROP"],
    ["port by service name", "-A INPUT -p tcp --dport ssh -j ACCEPT", SSH],
    ["open port range", "-A INPUT -p tcp --dport 1024: -j DROP", "-A INPUT -p tcp -m tcp --dport 1024:65535 -j DROP"],
    ["one-port range", "-A INPUT -p tcp --dport 22:22 -j ACCEPT", SSH],
    ["LOG default level", '-A INPUT -j LOG --log-prefix "fw: " --log-level warning', '-A INPUT -j LOG --log-prefix "fw: "'],
    ["LOG level by name", "-A INPUT -j LOG --log-level info", "-A INPUT -j LOG --log-level 6"],
    ["-w and -4 ignored", "iptables -w 5 -4 -A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["DNAT", "iptables -t nat -A DOCKER_OUTPUT -d 127.0.0.11 -p tcp --dport 53 -j DNAT --to-destination 127.0.0.11:33143", "-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:33143", "ipv4", "nat"],
  ])("%s", (_why, person, savedText, family = "ipv4", table = "filter") => {
    expect(ruleMatchesText(person, saved(savedText, family, table))).toBe(true);
  });
});

describe("ruleMatchesText: does not match", () => {
  it.each<[string, string, string, Family?, string?]>([
    ["different port", "-A INPUT -p tcp --dport 8081 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT"],
    ["different target", "-A INPUT -p tcp --dport 8080 -j REJECT", "-A INPUT -p tcp -m tcp --dport 8080 -j NODE_PROTECT"],
    ["ACCEPT vs DROP", "-A INPUT -p tcp --dport 22 -j DROP", SSH],
    ["different chain", "-A OUTPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["-s 127.0.0.1 vs no -s", "-A INPUT -s 127.0.0.1 -p tcp --dport 22 -j ACCEPT", SSH],
    ["no -s vs -s 127.0.0.1", "-A INPUT -p tcp --dport 8080 -j ACCEPT", LOOPBACK_8080],
    ["different address", "-A INPUT -s 127.0.0.2 -p tcp --dport 8080 -j ACCEPT", LOOPBACK_8080],
    ["different prefix", "-A INPUT -s 10.0.0.0/16 -j DROP", "-A INPUT -s 10.0.0.0/8 -j DROP"],
    ["-s vs -d", "-A INPUT -d 127.0.0.1 -p tcp --dport 8080 -j ACCEPT", LOOPBACK_8080],
    ["different protocol", "-A INPUT -p udp --dport 22 -j ACCEPT", SSH],
    ["--dport vs --sport", "-A INPUT -p tcp --sport 22 -j ACCEPT", SSH],
    ["different table", "iptables -t nat -A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["filter text vs nat rule", "-A OUTPUT -d 127.0.0.11 -j DOCKER_OUTPUT", "-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT", "ipv4", "nat"],
    ["extra option", "-A INPUT -i eth0 -p tcp --dport 22 -j ACCEPT", SSH],
    ["missing option", "-A INPUT -p tcp -j ACCEPT", SSH],
    ["negated vs not", "-A INPUT -i lo -j DROP", "-A INPUT ! -i lo -j DROP"],
    ["-m state vs -m conntrack", "-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"],
    ["different ctstate", "-A INPUT -m conntrack --ctstate NEW -j ACCEPT", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"],
    ["REJECT default vs admin-prohibited", "-A INPUT -p tcp --dport 8081 -j REJECT", "-A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp-admin-prohibited"],
    ["REJECT tcp-reset vs default", "-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "-A INPUT -p tcp -j REJECT --reject-with icmp-port-unreachable"],
    ["ipv4 reject type on ipv6", "-A INPUT -j REJECT --reject-with icmp-admin-prohibited", "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited", "ipv6"],
    ["REJECT vs DROP", "-A INPUT -p tcp --dport 22 -j REJECT", "-A INPUT -p tcp -m tcp --dport 22 -j DROP"],
    ["ip6tables text vs ipv4 rule", "ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT", SSH],
    ["iptables text vs ipv6 rule", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", SSH, "ipv6"],
    ["different comment", "-A INPUT -m comment --comment 'allow http' -j ACCEPT", '-A INPUT -m comment --comment "allow ssh" -j ACCEPT'],
    ["comment case", "-A INPUT -m comment --comment 'Allow SSH' -j ACCEPT", '-A INPUT -m comment --comment "allow ssh" -j ACCEPT'],
    ["different multiport list", "-A INPUT -p tcp -m multiport --dports 8080 -j DROP", "-A INPUT -p tcp -m multiport --dports 8080,8081 -j DROP"],
    ["multiport vs --dport", "-A INPUT -p tcp --dport 8080 -j DROP", "-A INPUT -p tcp -m multiport --dports 8080 -j DROP"],
    ["target case", "-A INPUT -p tcp --dport 22 -j accept", SSH],
    ["-j vs -g", "-A INPUT -p tcp --dport 8080 -j NODE_PROTECT", "-A INPUT -p tcp -m tcp --dport 8080 -g NODE_PROTECT"],
    ["duplicate group counts", "-A INPUT -p tcp --dport 22 -j ACCEPT -m comment --comment a", "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT -m comment --comment a -m comment --comment a"],
    ["interface", "-A INPUT -i eth0 -j ACCEPT", "-A INPUT -i lo -j ACCEPT"],
    ["icmp type", "-A INPUT -p icmp --icmp-type echo-reply -j ACCEPT", "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT"],
  ])("%s", (_why, person, savedText, family = "ipv4", table = "filter") => {
    expect(ruleMatchesText(person, saved(savedText, family, table))).toBe(false);
  });
});

describe("normalizeRule", () => {
  it.each<[string, Family, { table: string; chain: string | null; key: string; commandFamily: Family | null }]>([
    ["iptables -I INPUT 2 -p tcp --dport 22 -j ACCEPT", "ipv4", { table: "filter", chain: "INPUT", key: "--dport 22 -j ACCEPT -p tcp", commandFamily: "ipv4" }],
    ["-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", "ipv4", { table: "filter", chain: "INPUT", key: "--dport 22 -j ACCEPT -p tcp", commandFamily: null }],
    ["ip6tables -t nat -A OUTPUT -d ::1 -j RETURN", "ipv6", { table: "nat", chain: "OUTPUT", key: "-d ::1/128 -j RETURN", commandFamily: "ipv6" }],
    ["-p tcp ! --dport 22 -j DROP", "ipv4", { table: "filter", chain: null, key: "! --dport 22 -j DROP -p tcp", commandFamily: null }],
    ["-A INPUT -j REJECT", "ipv6", { table: "filter", chain: "INPUT", key: "--reject-with icmp6-port-unreachable -j REJECT", commandFamily: null }],
    ["-A INPUT -m comment --comment 'allow ssh' -j ACCEPT", "ipv4", { table: "filter", chain: "INPUT", key: '--comment "allow ssh" -j ACCEPT -m comment', commandFamily: null }],
  ])("%s (%s)", (text, family, expected) => {
    expect(normalizeRule(text, family)).toEqual(expected);
  });

  it.each([
    ["empty text", ""],
    ["the command alone", "sudo iptables"],
    ["unterminated quote", "-A INPUT -m comment --comment 'oops -j ACCEPT"],
    ["a chain command", "iptables -N NODE_PROTECT"],
    ["a policy", "iptables -P INPUT DROP"],
    ["a flush", "iptables --flush INPUT"],
    ["a verb without a chain", "iptables -A"],
    ["two verbs", "iptables -A INPUT -D INPUT -j ACCEPT"],
    ["two tables", "iptables -t nat -t filter -A INPUT -j ACCEPT"],
    ["delete by number", "iptables -D INPUT 3"],
    ["delete by number and rule", "iptables -D INPUT 3 -j ACCEPT"],
    ["-A with a number", "iptables -A INPUT 3 -j ACCEPT"],
    ["-I with a word after the chain", "iptables -I INPUT first -j ACCEPT"],
    ["-R without a number", "iptables -R INPUT -j ACCEPT"],
    ["only a chain", "iptables -A INPUT"],
    ["a stray word", "iptables -A INPUT -j ACCEPT please"],
    ["-j without a target", "-A INPUT -j"],
  ])("rejects %s", (_why, text) => {
    expect(() => normalizeRule(text, "ipv4")).toThrow(RuleSyntaxError);
    expect(() => normalizeRule(text, "ipv4")).toThrow(InputError);
  });

  it("names the rule and the problem", () => {
    expect(() => normalizeRule("iptables -D INPUT 3", "ipv4")).toThrow(/iptables -D INPUT 3.*names no rule/);
  });
});

const EXAMPLE = `# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 21 04:34:39 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:NODE_PROTECT - [0:0]
[1:34] -A INPUT -p udp -m udp --dport 5353 -j DROP
[2:120] -A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp-admin-prohibited
[2:120] -A INPUT -p tcp -m tcp --dport 8080 -j NODE_PROTECT
[0:0] -A NODE_PROTECT -i lo -j ACCEPT
[0:0] -A INPUT -m comment --comment "allow ssh" -p tcp -m tcp --dport 22 -j ACCEPT
[0:0] -A NODE_PROTECT -j DROP
[0:0] -A OUTPUT -j DROP
COMMIT
*nat
:OUTPUT ACCEPT [0:0]
:DOCKER_OUTPUT - [0:0]
[0:0] -A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT
COMMIT
`;

describe("findRules", () => {
  const ruleset = parseSave(EXAMPLE, "ipv4");
  it.each<[string, RuleSelector, string[]]>([
    ["text", { kind: "text", rule: "iptables -A INPUT -p udp --dport 5353 -j DROP" }, ["filter/INPUT/1"]],
    ["text with REJECT alias", { kind: "text", rule: "-A INPUT -p tcp --dport 8081 -j REJECT --reject-with admin-prohib" }, ["filter/INPUT/2"]],
    ["text, nat table", { kind: "text", rule: "iptables -t nat -A OUTPUT -d 127.0.0.11 -j DOCKER_OUTPUT" }, ["nat/OUTPUT/1"]],
    ["text without a chain, several chains", { kind: "text", rule: "-j DROP" }, ["filter/NODE_PROTECT/2", "filter/OUTPUT/1"]],
    ["text that matches nothing", { kind: "text", rule: "-A INPUT -p tcp --dport 9999 -j ACCEPT" }, []],
    ["text for the other family", { kind: "text", rule: "ip6tables -A INPUT -p udp --dport 5353 -j DROP" }, []],
    ["position", { kind: "position", table: "filter", chain: "INPUT", position: 3 }, ["filter/INPUT/3"]],
    ["position in a user chain", { kind: "position", table: "filter", chain: "NODE_PROTECT", position: 2 }, ["filter/NODE_PROTECT/2"]],
    ["position past the end", { kind: "position", table: "filter", chain: "INPUT", position: 9 }, []],
    ["position in another table", { kind: "position", table: "nat", chain: "OUTPUT", position: 1 }, ["nat/OUTPUT/1"]],
    ["comment", { kind: "comment", comment: "allow ssh" }, ["filter/INPUT/4"]],
    ["comment that is not there", { kind: "comment", comment: "allow" }, []],
    ["comment in its table", { kind: "comment", comment: "allow ssh", table: "filter" }, ["filter/INPUT/4"]],
    ["comment in its table and chain", { kind: "comment", comment: "allow ssh", table: "filter", chain: "INPUT" }, ["filter/INPUT/4"]],
    ["comment in another table", { kind: "comment", comment: "allow ssh", table: "nat" }, []],
    ["comment in another chain", { kind: "comment", comment: "allow ssh", chain: "NODE_PROTECT" }, []],
  ])("%s", (_why, selector, expected) => {
    expect(findRules(ruleset, selector).map((r) => `${r.table}/${r.chain}/${r.position}`)).toEqual(expected);
  });

  it("rejects a text selector that is not a rule", () => {
    expect(() => findRules(ruleset, { kind: "text", rule: "iptables -F" })).toThrow(InputError);
  });
});

describe("describeSelector", () => {
  it.each<[RuleSelector, string]>([
    [{ kind: "text", rule: " -A INPUT -p tcp --dport 22 -j ACCEPT " }, 'rule "-A INPUT -p tcp --dport 22 -j ACCEPT"'],
    [{ kind: "position", table: "filter", chain: "INPUT", position: 2 }, "rule 2 of chain INPUT in table filter"],
    [{ kind: "comment", comment: "allow ssh" }, 'rule with comment "allow ssh"'],
    [{ kind: "comment", comment: "web2", table: "inet b" }, 'rule with comment "web2" in table inet b'],
    [{ kind: "comment", comment: "web", chain: "INPUT" }, 'rule with comment "web" in chain INPUT'],
    [{ kind: "comment", comment: "web", table: "inet a", chain: "input" }, 'rule with comment "web" in chain input of table inet a'],
  ])("%j", (selector, text) => {
    expect(describeSelector(selector)).toBe(text);
  });
});
