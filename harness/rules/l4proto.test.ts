/** Unit tests (table-driven, no Docker) for l4proto.ts: the protocols a rule's text can match, and whether a probe's packets have one. */
import { describe, expect, test } from "vitest";
import { matchesProbeProtocol, ruleProtocols } from "./l4proto.ts";

describe("ruleProtocols", () => {
  test.each<[string, string[] | undefined]>([
    ["-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", ["tcp"]],
    ["-A INPUT -p ipv6-icmp -j ACCEPT", ["ipv6-icmp"]],
    ["-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT", ["icmp"]],
    ["-A INPUT -p 17 -j DROP", ["udp"]],
    ["-A INPUT ! -p tcp -j DROP", undefined],
    ["-A INPUT -p all -j ACCEPT", undefined],
    ["-A INPUT -i lo -j ACCEPT", undefined],
    ["meta l4proto { icmp, ipv6-icmp } counter accept", ["icmp", "ipv6-icmp"]],
    ["meta l4proto ipv6-icmp accept", ["ipv6-icmp"]],
    ["meta l4proto != tcp drop", undefined],
    ["meta l4proto @protos accept", undefined],
    ["ip protocol icmp accept", ["icmp"]],
    ["ip6 nexthdr icmpv6 accept", ["ipv6-icmp"]],
    ["tcp dport 22 counter accept", ["tcp"]],
    ["icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept", ["ipv6-icmp"]],
    ["meta l4proto { tcp, udp } th dport 53 accept", ["tcp", "udp"]],
    ["meta l4proto { tcp, udp } tcp dport 53 accept", ["tcp"]],
    ['iifname "lo" accept', undefined],
    ['comment "-p icmp" accept', undefined],
  ])("%s", (text, want) => {
    const got = ruleProtocols(text);
    expect(got === undefined ? undefined : [...got].sort()).toEqual(want);
  });
});

describe("matchesProbeProtocol", () => {
  test.each<[string, "ipv4" | "ipv6", "tcp" | "udp", string, boolean]>([
    ["meta l4proto { icmp, ipv6-icmp } counter accept", "ipv4", "tcp", "open", false],
    ["meta l4proto { icmp, ipv6-icmp } counter accept", "ipv4", "tcp", "dropped", false],
    ["meta l4proto { icmp, ipv6-icmp } counter accept", "ipv4", "tcp", "refused", true],
    ["meta l4proto { icmp, ipv6-icmp } counter accept", "ipv6", "udp", "unreachable", true],
    ["-A INPUT -p icmp -j ACCEPT", "ipv6", "tcp", "refused", false],
    ["-A INPUT -p udp -j DROP", "ipv4", "tcp", "dropped", false],
    ["-A INPUT -p udp -j DROP", "ipv4", "udp", "dropped", true],
    ["-A INPUT -j DROP", "ipv4", "tcp", "dropped", true],
  ])("%s, %s %s %s: %s", (text, family, protocol, verdict, want) => {
    expect(matchesProbeProtocol(text, family, protocol, verdict)).toBe(want);
  });
});
