import path from "node:path";
import { describe, expect, test } from "vitest";
import { ScenarioError } from "./diagnostics.ts";
import { parseScenarioText } from "./load.ts";
import type { CountersStep } from "./model.ts";

const HEAD = `name: T
description: D
hosts:
  server: { firewall: true, listen: [tcp/8080] }
  remote: {}
steps:
  - counters:
      - `;
const file = path.join(import.meta.dirname, "testdata", "nft-counters.yaml");
const parse = (item: string) => parseScenarioText(`${HEAD}${item}\n`, file);

describe("nft counter selectors", () => {
  test.each([
    ["{ table: inet fw, handle: 8, packets: 1 }", { kind: "handle", table: "inet fw", handle: 8 }],
    ["{ table: inet fw, chain: input, handle: 8, packets: 1 }", { kind: "handle", table: "inet fw", handle: 8, chain: "input" }],
    ['{ table: inet fw, chain: input, rule: "tcp dport 8080 counter drop", packets: ">= 1" }', { kind: "nft-text", table: "inet fw", chain: "input", rule: "tcp dport 8080 counter drop" }],
    ["{ table: ip6 only6, chain: input, position: 1, packets: 0 }", { kind: "position", table: "ip6 only6", chain: "input", position: 1 }],
    ["{ counter: ssh_hits, packets: 2 }", { kind: "named-counter", name: "ssh_hits" }],
    ["{ counter: ssh_hits, table: inet fw, bytes: \">= 60\" }", { kind: "named-counter", name: "ssh_hits", table: "inet fw" }],
    ['{ comment: "block 8080", packets: 1 }', { kind: "comment", comment: "block 8080" }],
    // `table` (and `chain`) narrow a comment selector: the same comment in two tables (iptables or nftables).
    ["{ table: inet b, comment: web2, packets: 1 }", { kind: "comment", comment: "web2", table: "inet b" }],
    ["{ table: inet fw, chain: input, comment: web, packets: 1 }", { kind: "comment", comment: "web", table: "inet fw", chain: "input" }],
    ["{ table: nat, comment: web, packets: 1 }", { kind: "comment", comment: "web", table: "nat" }],
    ["{ chain: INPUT, comment: web, packets: 1 }", { kind: "comment", comment: "web", chain: "INPUT" }],
    ["{ table: filter, chain: FORWARD, comment: web, packets: 1 }", { kind: "comment", comment: "web", table: "filter", chain: "FORWARD" }],
    ["{ rule: -A INPUT -j DROP, packets: 1 }", { kind: "text", rule: "-A INPUT -j DROP" }],
    ["{ table: nat, chain: OUTPUT, position: 1, packets: 0 }", { kind: "position", table: "nat", chain: "OUTPUT", position: 1 }],
  ])("%s", (item, selector) => {
    expect((parse(item).steps[0] as CountersStep).checks[0]!.selector).toEqual(selector);
  });

  // The family a check reads follows an nft table's: an ip6 table's rules are in the IPv6 reading only.
  test.each([
    ["{ table: ip6 only6, handle: 3, packets: 0 }", ["ipv6"]],
    ["{ table: ip6 only6, chain: input, position: 1, family: ipv6, packets: 0 }", ["ipv6"]],
    ["{ table: ip only4, comment: web, packets: 0 }", ["ipv4"]],
    ["{ table: inet fw, handle: 8, packets: 1 }", ["ipv4"]],
    ["{ counter: ssh_hits, table: ip6 fw6, packets: 1 }", ["ipv6"]],
    ["{ counter: ssh_hits, table: ip6 fw6, family: ipv6, packets: 1 }", ["ipv6"]],
    ["{ counter: ssh_hits, packets: 1 }", ["ipv4"]],
    ["{ rule: -A INPUT -j DROP, family: both, packets: 1 }", ["ipv4", "ipv6"]],
  ])("%s reads %j", (item, families) => {
    expect((parse(item).steps[0] as CountersStep).checks[0]!.families).toEqual(families);
  });

  test.each([
    ["{ handle: 8, packets: 1 }", "needs its table"],
    ["{ table: inet fw, rule: tcp dport 8080 drop, packets: 1 }", "needs its `chain`"],
    ["{ table: inet fw, handle: 8, rule: tcp dport 8080 drop, chain: input, packets: 1 }", "both `handle` and `rule`"],
    ["{ counter: ssh_hits, handle: 3, table: inet fw, packets: 1 }", "both `handle` and `counter`"],
    ["{ counter: \"bad name\", packets: 1 }", "invalid nft counter name"],
    ["{ counter: c, chain: input, packets: 1 }", "belongs to a table, not a chain"],
    ["{ table: inet fw, chain: input, position: 1, comment: x, packets: 1 }", "both `comment` and `position`"],
    ["{ chain: INPUT, position: 1, comment: x, packets: 1 }", "both `chain` and `comment`"],
    ["{ table: inet fw, comment: 'say \"hi\"', packets: 1 }", "invalid rule comment"],
    ["{ chain: \"IN PUT\", comment: x, packets: 1 }", "invalid chain name"],
    ["{ table: inet fw, chain: \"in put\", comment: x, packets: 1 }", "invalid nft chain name"],
    ["{ table: inet fw, position: 1, packets: 1 }", "`position` needs a `chain`"],
    ["{ table: \"inet fw; drop\", chain: input, position: 1, packets: 1 }", "table"],
    ["{ rule: tcp dport 8080 drop, packets: 1 }", "for an nftables rule add its `table: inet fw`"],
    ["{ table: ip6 only6, chain: input, position: 1, family: ipv4, packets: 0 }", "table ip6 only6 holds only ipv6 rules: a `family: ipv4` check finds no rule there"],
    ["{ table: ip only4, handle: 3, family: both, packets: 0 }", "table ip only4 holds only ipv4 rules: a `family: both` check finds no rule there"],
    ["{ table: inet fw, handle: 8, family: both, packets: 1 }", "each of its rules has one counter for IPv4 and IPv6 together"],
    ["{ table: inet fw, comment: web, family: both, packets: 1 }", "leave `family` out"],
    // One counter of both families: a check labelled with one would pass on the other's packets.
    ["{ table: inet fw, handle: 8, family: ipv6, packets: 1 }", "so `family: ipv6` cannot be checked apart (the count includes IPv4 packets)"],
    ["{ table: inet fw, comment: port forward, family: ipv4, packets: 1 }", "so `family: ipv4` cannot be checked apart (the count includes IPv6 packets)"],
    ["{ counter: fwd_web, family: ipv6, packets: 1 }", "a named counter counts what every rule using it counts, in an inet table IPv4 and IPv6 together"],
    ["{ counter: fwd_web, family: both, packets: 1 }", "give its table (`table: ip6 NAME` reads IPv6 only"],
    ["{ table: netdev edge, chain: ingress, rule: tcp dport 8080 counter drop, packets: 1 }", "table netdev edge is a netdev table: fwspec reads the counters of ip, ip6 and inet tables only"],
    ["{ table: bridge br, handle: 3, packets: 1 }", "table bridge br is a bridge table"],
    ["{ table: arp a, chain: input, position: 1, packets: 1 }", "table arp a is an arp table"],
  ])("%s is refused: %s", (item, message) => {
    let error: unknown;
    try {
      parse(item);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const text = (error as ScenarioError).diagnostics.map((d) => `${d.message} ${d.hint ?? ""}`).join("\n");
    expect(text).toContain(message);
  });
});
