/** How a refused probe was refused, from fwspec-probe's note of ICMP errors received (table-driven). */
import { describe, expect, test } from "vitest";
import { familyNote, icmpErrorsSeen, refusalOf, refusalShown, withRefusal } from "./refusal.ts";
import type { Family } from "../model/types.ts";

const NOTE = (v4: number, v6: number) => `nc: connect to x port 1 (tcp) failed: Connection refused\nfwspec-probe: icmp destination unreachable received: ipv4 +${v4}, ipv6 +${v6}\n`;
const REFUSED = "nc: connect to x port 1 (tcp) failed: Connection refused\n";

describe("refusalOf", () => {
  test.each([
    ["TCP, no ICMP arrived: a reset", "refused", "tcp", "ipv4", REFUSED, "tcp-reset"],
    ["TCP, an ICMP port unreachable arrived", "refused", "tcp", "ipv4", NOTE(1, 0), "icmp-port-unreachable"],
    ["TCP over IPv6, ICMPv6 arrived", "refused", "tcp", "ipv6", NOTE(0, 1), "icmp-port-unreachable"],
    ["TCP over IPv6, only an IPv4 ICMP (another probe's family): a reset", "refused", "tcp", "ipv6", NOTE(2, 0), "tcp-reset"],
    ["HTTP, ICMP arrived", "refused", "http", "ipv4", NOTE(1, 0), "icmp-port-unreachable"],
    ["UDP is always ICMP", "refused", "udp", "ipv4", REFUSED, "icmp-port-unreachable"],
    ["not refused: none", "dropped", "tcp", "ipv4", NOTE(1, 0), undefined],
    ["open: none", "open", "tcp", "ipv4", "", undefined],
  ] as const)("%s", (_name, verdict, protocol, family, stderr, want) => {
    expect(refusalOf(verdict, protocol, family, stderr)).toBe(want);
  });

  test("the reason names the kind", () => {
    expect(withRefusal("Connection refused (TCP RST or ICMP port unreachable)", "tcp-reset")).toBe("Connection refused (tcp-reset: a TCP RST came back)");
    expect(withRefusal("Connection refused (TCP RST or ICMP port unreachable)", "icmp-port-unreachable")).toBe("Connection refused (icmp port-unreachable: an ICMP port unreachable came back)");
    expect(withRefusal("no answer", undefined)).toBe("no answer");
    // IPv6's refusal is an ICMPv6 one (tester 41a: an icmp6-port-unreachable rule was told as icmp-port-unreachable).
    expect(withRefusal("Connection refused (TCP RST or ICMP port unreachable)", "icmp-port-unreachable", "ipv6")).toBe("Connection refused (icmp6 port-unreachable: an ICMPv6 port unreachable came back)");
    expect(withRefusal("Connection refused (TCP RST or ICMP port unreachable)", "tcp-reset", "ipv6")).toBe("Connection refused (tcp-reset: a TCP RST came back)");
  });

  test.each([
    ["tcp-reset", "ipv4", "tcp-reset"],
    ["tcp-reset", "ipv6", "tcp-reset"],
    ["icmp-port-unreachable", "ipv4", "icmp-port-unreachable"],
    ["icmp-port-unreachable", "ipv6", "icmp6-port-unreachable"],
  ] as const)("refusalShown(%s, %s): %s, as a rule's --reject-with names it", (refusal, family, want) => {
    expect(refusalShown(refusal, family)).toBe(want);
  });
});

describe("familyNote: a probe's output keeps fwspec-probe's ICMP note for its own family only", () => {
  const both = (v4: number, v6: number) => `fwspec-probe: icmp destination unreachable received: ipv4 +${v4}, ipv6 +${v6}\n`;
  test.each<[string, Family, string]>([
    [`nc: timed out\n${both(0, 1)}`, "ipv4", "nc: timed out\n"],
    [`nc: timed out\n${both(0, 1)}`, "ipv6", "nc: timed out\nfwspec-probe: icmp destination unreachable received: ipv6 +1\n"],
    [both(2, 1), "ipv4", "fwspec-probe: icmp destination unreachable received: ipv4 +2\n"],
    ["nc: connection refused\n", "ipv4", "nc: connection refused\n"],
    ["", "ipv6", ""],
  ])("%j as %s: %j", (stderr, family, expected) => {
    expect(familyNote(stderr, family)).toBe(expected);
    // Read again, the kept note counts as the original did for that family.
    expect(icmpErrorsSeen(family, familyNote(stderr, family))).toBe(icmpErrorsSeen(family, stderr));
  });
});
