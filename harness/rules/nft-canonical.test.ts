import { expect, test } from "vitest";
import { canonicalNftRule } from "./nft-canonical.ts";
import { nftTextMatches } from "./nft-listing.ts";

// What a person wrote (left) and what nft 1.0.6 printed for it (`nft -a list ruleset` in the lab image), by table.
test.each([
  ["ct state related,established accept", "ct state established,related accept # handle 4", "inet fw"],
  ["ct state new,established accept", "ct state established,new accept", "ip t4"],
  ["ct state { related, established } accept", "ct state { established, related } accept", "ip t4"],
  ["ip6 nexthdr icmpv6 accept", "ip6 nexthdr ipv6-icmp accept", "inet fw"],
  ["meta l4proto icmpv6 accept", "meta l4proto ipv6-icmp accept", "ip t4"],
  ["ip protocol 6 accept", "ip protocol tcp accept", "ip t4"],
  ["meta l4proto 17 accept", "meta l4proto udp accept", "ip t4"],
  ["icmpv6 type { nd-neighbor-solicit, nd-router-advert, nd-neighbor-advert } accept", "icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept", "inet fw"],
  ["tcp dport ssh accept", "tcp dport 22 accept", "inet fw"],
  ["tcp dport http accept", "tcp dport 80 accept", "ip t4"],
  ["tcp dport { ssh, https } accept", "tcp dport { 22, 443 } accept", "ip t4"],
  ["tcp dport {80,443} accept", "tcp dport { 80, 443 } accept", "inet fw"],
  ["tcp dport { 443, 80 } accept", "tcp dport { 80, 443 } accept", "inet fw"],
  ["tcp dport vmap { 22: accept, 80 :drop }", "tcp dport vmap { 22 : accept, 80 : drop }", "ip t4"],
  ["ip6 saddr { 2001:db8::2, 2001:db8::1 } accept", "ip6 saddr { 2001:db8::1, 2001:db8::2 } accept", "ip6 t6"],
  ["meta l4proto tcp tcp dport 8081 accept", "tcp dport 8081 accept", "inet fw"],
  ["meta l4proto icmp icmp type echo-request accept", "icmp type echo-request accept", "inet fw"],
  ["meta l4proto ipv6-icmp icmpv6 type echo-request accept", "icmpv6 type echo-request accept", "inet fw"],
  ["ip protocol tcp tcp dport 22 accept", "tcp dport 22 accept", "ip t4"],
  ["ip6 nexthdr tcp tcp dport 22 accept", "tcp dport 22 accept", "ip6 t6"],
  ["ip6 nexthdr icmpv6 icmpv6 type echo-request accept", "icmpv6 type echo-request accept", "ip6 t6"],
  ["tcp flags & (syn|ack) == syn accept", "tcp flags syn / syn,ack accept", "inet fw"],
  ["tcp flags & (fin|syn|rst|ack) == syn accept", "tcp flags syn / fin,syn,rst,ack accept", "ip t4"],
  ["tcp dport 26 reject with icmpx type admin-prohibited", "tcp dport 26 reject with icmpx admin-prohibited", "inet fw"],
  ["tcp dport 28 reject with icmp type host-prohibited", "tcp dport 28 reject with icmp host-prohibited", "inet fw"],
  ["tcp dport 29 reject with icmpv6 type admin-prohibited", "tcp dport 29 reject with icmpv6 admin-prohibited", "inet fw"],
  ["counter reject with tcp reset", "meta l4proto tcp counter packets 0 bytes 0 reject with tcp reset", "inet fw"],
  // A reject with an IPv4 (IPv6) type in an inet table: nft prints the family match it implies (a tester's record named no line).
  ["tcp dport 9001 counter reject with icmp type host-unreachable", "meta nfproto ipv4 tcp dport 9001 counter packets 0 bytes 0 reject with icmp host-unreachable", "inet filter"],
  ["tcp dport 9002 counter reject with icmpv6 type addr-unreachable", "meta nfproto ipv6 tcp dport 9002 counter packets 0 bytes 0 reject with icmpv6 addr-unreachable", "inet filter"],
  // A bare reject after a family match, as the tester's lab printed it.
  ["ip protocol tcp tcp dport 8083 counter reject", "ip protocol tcp tcp dport 8083 counter packets 1 bytes 60 reject with icmp port-unreachable", "inet filter"],
  ["ip6 nexthdr tcp tcp dport 8083 counter reject", "ip6 nexthdr tcp tcp dport 8083 counter packets 1 bytes 80 reject with icmpv6 port-unreachable", "inet filter"],
  ["tcp dport 8083 reject", "tcp dport 8083 reject", "inet filter"],
  ["tcp dport 8084 reject", "tcp dport 8084 reject with icmpx port-unreachable", "inet filter"],
  ["tcp dport 8085 reject", "tcp dport 8085 reject with icmp port-unreachable", "ip t4"],
  ["meta mark 0x1 accept", "meta mark 0x00000001 accept", "inet fw"],
  ['ct state new tcp dport 35 counter accept comment "web"', 'ct state new tcp dport 35 counter packets 0 bytes 0 accept comment "web" # handle 51', "inet fw"],
])("%j names %j (%s)", (person, printed, table) => {
  expect(nftTextMatches(person, printed, table)).toBe(true);
});

// Different rules keep different texts.
test.each([
  // An inet rule naming the IPv4 type without an IPv4 match is not the bare reject, nor the IPv6 one.
  ["tcp dport 8086 reject with icmp port-unreachable", "tcp dport 8086 reject", "inet filter"],
  ["tcp dport 8086 reject with icmp port-unreachable", "tcp dport 8086 reject with icmpv6 port-unreachable", "inet filter"],
  ["ip protocol tcp tcp dport 8080 accept", "tcp dport 8080 accept", "inet fw"], // in inet it limits the rule to IPv4
  ["ip protocol icmp icmp type echo-request accept", "icmp type echo-request accept", "inet fw"],
  ["ip6 nexthdr tcp tcp dport 22 accept", "tcp dport 22 accept", "inet fw"],
  ["ct state new accept", "ct state established,new accept", "inet fw"],
  ["tcp dport { 80, 443 } accept", "tcp dport { 80, 443, 8080 } accept", "inet fw"],
  ["tcp dport 28 reject with icmp type host-prohibited", "tcp dport 28 reject with icmp admin-prohibited", "inet fw"],
  ["tcp dport @ssh accept", "tcp dport @22 accept", "inet fw"], // a named set is no service
  ['tcp dport 22 accept comment "a,b"', 'tcp dport 22 accept comment "b,a"', "inet fw"], // quoted strings as written
  ['log prefix "{x, y}" drop', 'log prefix "{ x, y }" drop', "inet fw"],
  ["meta l4proto udp tcp dport 22 accept", "tcp dport 22 accept", "inet fw"],
  ["udp dport 25 reject with tcp reset", "meta l4proto tcp udp dport 25 reject with tcp reset", "inet fw"],
  ["meta mark 0x10 accept", "meta mark 0x00000001 accept", "inet fw"],
  ['tcp dport 22 accept comment "0x01"', 'tcp dport 22 accept comment "0x1"', "inet fw"], // nothing rewrites a quoted string
  ['iifname "counter" accept', "iifname accept", "inet fw"],
])("%j does not name %j (%s)", (person, printed, table) => {
  expect(nftTextMatches(person, printed, table)).toBe(false);
});

test.each([
  ["tcp dport {443,80} accept", "tcp dport { 443, 80 } accept"],
  ['log prefix "fw: " counter packets 3 bytes 180 drop', 'log prefix "fw: " drop'],
  ["iif \"lo\" accept", "iif lo accept"],
  ["ct state related,established counter name \"c1\" accept", "ct state established,related counter name c1 accept"],
])("canonicalNftRule(%j) = %j", (text, canonical) => expect(canonicalNftRule(text)).toBe(canonical));
