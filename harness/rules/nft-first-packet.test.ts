/** Native nftables rule text, read for first-packet.ts (pure, table-driven). */
import { describe, expect, it } from "vitest";
import { nativeBaseChains, nativeDnatChains, nftAdmitsProtocol, nftCanTakeFirstPacket, nftCrossesInterfaces, nftJumps, nftSendsOn } from "./nft-first-packet.ts";
import type { SavedChain } from "./saved.ts";

describe("nftCanTakeFirstPacket", () => {
  it.each([
    ["ct state established counter drop # handle 4", false],
    ["ct state established,related accept # handle 4", false],
    ["ct state { established, related } counter drop # handle 4", false],
    ["ct state related drop", false],
    ["ct state != new counter drop", true], // invalid and untracked packets are first packets too
    ["ct state != { new, invalid, untracked } drop", false],
    ["ct state new,established accept", true],
    ["ct state invalid drop", true],
    ["tcp dport 8080 ct state established counter drop", false],
    ["tcp dport 8080 counter drop", true],
    ['tcp dport 8080 counter drop comment "not for ct state established"', true],
    ["counter drop", true],
    ["something nft prints that fwspec does not know", true],
  ] as const)("%s: %s", (text, expected) => {
    expect(nftCanTakeFirstPacket(text)).toBe(expected);
  });
});

describe("nftAdmitsProtocol", () => {
  it.each([
    ["tcp dport 8080 counter drop", "tcp", true],
    ["tcp dport 8080 counter drop", "udp", false],
    ["udp dport 53 drop", "tcp", false],
    ["udp dport 514 counter drop # handle 9", "tcp", false],
    ["udp dport 53 drop", "udp", true],
    ["meta l4proto udp drop", "tcp", false],
    ["meta l4proto { tcp, udp } th dport 8080 drop", "tcp", true],
    ["meta l4proto != tcp drop", "tcp", false],
    ["meta l4proto != tcp drop", "udp", true],
    ["ip protocol icmp drop", "tcp", false],
    ["ip6 nexthdr ipv6-icmp accept", "udp", false],
    ["th dport 8080 drop", "udp", true],
    ['ct state established drop comment "udp dport 53 stays open"', "tcp", true],
    ["counter drop", "tcp", true],
    // A map keyed by the protocol dispatches every protocol it lists (reviewer 39).
    ["meta l4proto vmap { tcp : jump tcpin, udp : jump udpin }", "tcp", true],
    ["ip protocol vmap @protos", "udp", true],
  ] as const)("%s (%s): %s", (text, protocol, expected) => {
    expect(nftAdmitsProtocol(text, protocol)).toBe(expected);
  });
});

describe("nftCrossesInterfaces", () => {
  const via = { in: "wan0", out: "lan0" };
  it.each([
    ['iifname "wan0" counter drop', via, true],
    ['iifname "lan0" counter drop', via, false],
    ['oifname "lan0" drop', via, true],
    ['oifname "wan0" drop', via, false],
    ['iifname != "lan0" drop', via, true],
    ['iifname != "wan0" drop', via, false],
    ['iifname "wan*" drop', via, true],
    ['iifname { "eth0", "wan0" } drop', via, true],
    ['iifname { "eth0", "eth1" } drop', via, false],
    ['iifname "lan0" oifname "wan0" drop', via, false],
    ['iifname "lan0" drop', { out: "lan0" }, true], // the interface a packet came in by is not known
    ['iifname "lan0" drop', undefined, true],
    ["tcp dport 22 drop", via, true],
    // A concatenation fwspec does not read: admitted.
    ['iifname . oifname { "wan0" . "lan0" } counter drop', via, true],
    ['iifname . oifname { "lan0" . "wan0" } counter drop', via, true],
    ['tcp dport 22 drop comment "iifname lan0"', via, true],
    // A named set or a map keyed by the name (reviewer 39): its names are not read here, so unknown (admitted).
    ["iifname @lan_ifs tcp dport 8081 drop", via, true],
    ["iifname != @lan_ifs drop", via, true],
    ['tcp dport 8081 iifname vmap { "lan0" : jump grey }', via, true],
    ['iifname map { "lan0" : 1 } drop', via, true],
    ['ip saddr . iifname != { 198.18.0.9 . "wan0" } jump grey', via, true],
  ] as const)("%s %j: %s", (text, at, expected) => {
    expect(nftCrossesInterfaces(text, at)).toBe(expected);
  });
});

describe("nativeBaseChains", () => {
  const chain = (table: string, name: string, hook: string, priority: number, type = "filter"): SavedChain => ({ table, chain: name, policy: "ACCEPT", packets: 0, bytes: 0, hook, type, priority });
  const chains = [
    chain("inet fw", "in", "input", 0),
    chain("inet early", "in", "input", -10),
    chain("inet fw", "pre", "prerouting", 0),
    chain("ip nat", "dnat", "prerouting", -100, "nat"),
    chain("inet fw", "fwd", "forward", 0),
    chain("inet fw", "out", "output", 0),
    chain("inet fw", "route", "output", -150, "route"),
    { table: "filter", chain: "INPUT", policy: "ACCEPT", packets: 0, bytes: 0 },
  ];
  it.each([
    ["INPUT", [["inet fw", "pre", 0, 0], ["inet early", "in", 1, -10], ["inet fw", "in", 1, 0]]],
    ["FORWARD", [["inet fw", "pre", 0, 0], ["inet fw", "fwd", 1, 0]]],
    ["OUTPUT", [["inet fw", "route", 1, -150], ["inet fw", "out", 1, 0]]],
  ] as const)("%s: by stage, then priority; no nat chains, no iptables chains", (hook, expected) => {
    expect(nativeBaseChains(chains, hook).map((c) => [c.table, c.chain, c.stage, c.priority])).toEqual(expected);
  });
});

describe("nftJumps", () => {
  it.each([
    ["tcp dport 22 jump ssh # handle 3", ["ssh"]],
    ["goto other", ["other"]],
    ['iifname vmap { "lan0" : jump lan, "wan0" : jump wan } # handle 7', ["lan", "wan"]],
    ["tcp dport vmap { 22 : accept, 80 : goto web }", ["web"]],
    ['counter drop comment "jump nowhere"', []],
  ] as const)("%s: %j", (text, expected) => {
    expect(nftJumps(text)).toEqual(expected);
  });
});

describe("native destination NAT", () => {
  it.each([
    ['iifname "wan0" tcp dport 8002 counter dnat ip to 198.18.5.9 # handle 5', true],
    ["tcp dport 80 dnat to 198.18.5.9:8080", true],
    ["dnat ip6 to [2001:db8::9]:8080", true],
    ["tcp dport 80 redirect to :8080", false],
    ["oifname \"wan0\" masquerade", false],
    ["snat ip to 198.18.0.1", false],
    ["ct status dnat counter accept", false],
    ['tcp dport 80 accept comment "dnat to the backend"', false],
  ] as const)("%s: sends on %s", (text, expected) => {
    expect(nftSendsOn(text)).toBe(expected);
  });

  it("the nat chains at prerouting only", () => {
    const chain = (name: string, hook: string, type: string): SavedChain => ({ table: "inet r", chain: name, policy: "ACCEPT", packets: 0, bytes: 0, hook, type, priority: -100 });
    expect(nativeDnatChains([chain("pre", "prerouting", "nat"), chain("post", "postrouting", "nat"), chain("raw", "prerouting", "filter")])).toEqual([["inet r", "pre"]]);
  });
});
