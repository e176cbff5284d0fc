/** Interface names a loaded ruleset matches on, against the host's own (pure, table-driven). */
import { describe, expect, test } from "vitest";
import { interfacesNamed, missingInterfaces } from "./interfaces-named.ts";

const SAVE = `*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80
-A POSTROUTING -s 198.18.51.0/24 -o eth0 -j MASQUERADE
COMMIT
*filter
-A INPUT -i lo -j ACCEPT
-A FORWARD -i eth1 -o eth0 -j ACCEPT
-A FORWARD ! -i wg+ -j DROP
-A INPUT -p tcp -m comment --comment "-i eth9 is not a match" -j ACCEPT
COMMIT
`;
const NFT = `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif "lo" accept
		iifname "lan0" tcp dport 22 accept
		oifname { "wan0", "ppp*" } accept
		meta iifname "docker0" drop
	}
}`;

describe("interfacesNamed", () => {
  test("iptables-save: -i and -o (negated too), wildcards as written; comments are not matches", () => {
    expect(interfacesNamed({ ipv4: SAVE, ipv6: "" })).toEqual(["eth0", "eth1", "lo", "wg+"]);
  });
  test("nft: iif, iifname, oifname and sets of names", () => {
    expect(interfacesNamed({ ipv4: "", ipv6: "", nft: NFT })).toEqual(["docker0", "lan0", "lo", "ppp*", "wan0"]);
  });
  test.each([
    ["the wiki's reverse-path filter", 'fib saddr . iif oif missing counter drop comment "rpfilter"', []],
    ["a local address", "fib daddr type local accept", []],
    ["a lookup by mark and input interface, then a real match", 'fib saddr . mark . iif oif 0 drop\n\t\tiifname "wan0" drop', ["wan0"]],
    ["fib's result compared with a name: that name is matched", 'fib daddr oifname "lan0" accept', ["lan0"]],
    ["the result's interface number", "fib saddr . iif oif != 0 accept", []],
  ])("nft: %s: the fib lookup's iif/oif are no interface names", (_what, rule, want) => {
    expect(interfacesNamed({ ipv4: "", ipv6: "", nft: `table inet t {\n\tchain pre {\n\t\t${rule}\n\t}\n}` })).toEqual(want);
  });
  test.each([
    ["a named set", "iifname @lan_ifs tcp dport 8081 accept", []],
    ["a verdict map keyed by the name", 'iifname vmap { "ens18" : jump grey }', []],
    ["a map", 'iifname map { "ens18" : 1 } drop', []],
    ["a concatenated map", 'iifname . tcp dport vmap { "ens18" . 80 : jump grey }', []],
    ["a concatenation's later part", 'ip saddr . iifname { 198.18.0.5 . "ens18" } accept', []],
  ])("nft: %s is no interface name (reviewer 39)", (_what, rule, want) => {
    expect(interfacesNamed({ ipv4: "", ipv6: "", nft: `table inet t {\n\tchain pre {\n\t\t${rule}\n\t}\n}` })).toEqual(want);
  });
  test.each([
    ["a netdev chain's device (tester 43a: one the host lacks loads and filters nothing)", 'table netdev edge {\n\tchain ingress {\n\t\ttype filter hook ingress device "ens19" priority -500; policy accept;\n\t}\n}', ["ens19"]],
    ["devices of a chain, unquoted", "table netdev edge {\n\tchain ingress {\n\t\ttype filter hook ingress devices = { ens18, wan0 } priority -500; policy accept;\n\t}\n}", ["ens18", "wan0"]],
    ["a flowtable's devices", 'table inet f {\n\tflowtable ft {\n\t\thook ingress priority filter\n\t\tdevices = { "lan0", "wan0" }\n\t}\n}', ["lan0", "wan0"]],
    ["a comment saying device", 'table inet t {\n\tchain c {\n\t\tcounter comment "device eth9" accept\n\t}\n}', []],
    ["a set named devices (reviewer 43)", 'table inet t {\n\tset devices {\n\t\ttype ifname\n\t\telements = { "eth0" }\n\t}\n\tchain c {\n\t\tiifname @devices accept\n\t}\n}', []],
    ["a chain named device (reviewer 43)", "table inet t {\n\tchain device {\n\t\tcounter accept\n\t}\n\tchain c {\n\t\tjump device\n\t}\n}", []],
  ])("nft: %s", (_what, nft, want) => {
    expect(interfacesNamed({ ipv4: "", ipv6: "", nft })).toEqual(want);
  });
});

describe("missingInterfaces", () => {
  test.each<[string, string[], string[], string[]]>([
    ["every name the host has", ["eth0", "lo"], ["lo", "eth0", "eth1"], []],
    ["a renamed host (wan0, lan0) and rules written for eth0/eth1", ["eth0", "eth1", "lo"], ["lo", "wan0", "lan0"], ["eth0", "eth1"]],
    ["iptables' + and nft's * match a prefix", ["eth+", "wg+", "ppp*"], ["lo", "eth0"], ["wg+", "ppp*"]],
    ["a name no host could have is still reported once", ["docker0", "docker0"], ["lo", "eth0"], ["docker0"]],
  ])("%s", (_, named, have, missing) => {
    expect(missingInterfaces(named, have)).toEqual(missing);
  });
});
