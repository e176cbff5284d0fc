import { describe, expect, it } from "vitest";
import { bounds, contains, isAligned, overlaps, parseCidr, within } from "./cidr.ts";

describe("cidr", () => {
  it.each([
    ["198.18.7.0/24", "ipv4", true],
    ["198.18.7.0/33", "ipv4", false],
    ["198.18.7/24", "ipv4", false],
    ["2001:db8:7::/64", "ipv6", true],
    ["2001:db8:7::/129", "ipv6", false],
    ["198.18.7.0/24", "ipv6", false],
    ["lan", "ipv4", false],
  ] as const)("parses %s as %s: %s", (text, family, ok) => {
    expect(parseCidr(text, family) !== null).toBe(ok);
  });

  it.each([
    ["198.18.7.0/24", true],
    ["198.18.7.1/24", false],
    ["198.18.7.128/25", true],
    ["2001:db8:7::/64", true],
    ["2001:db8:7::1/64", false],
  ])("%s aligned: %s", (text, ok) => {
    const c = parseCidr(text, text.includes(":") ? "ipv6" : "ipv4")!;
    expect(isAligned(c)).toBe(ok);
  });

  it.each([
    ["198.18.7.0/25", "198.18.7.10", true],
    ["198.18.7.0/25", "198.18.7.200", false],
    ["198.18.7.0/25", "198.18.8.10", false],
    ["2001:db8:7::/65", "2001:db8:7::10", true],
    ["2001:db8:7::/65", "2001:db8:7:0:8000::10", false],
    ["2001:db8:7::/65", "198.18.7.10", false],
  ])("%s holds %s: %s", (subnet, address, ok) => {
    expect(contains(parseCidr(subnet, subnet.includes(":") ? "ipv6" : "ipv4")!, address)).toBe(ok);
  });

  it.each([
    ["198.18.7.0/24", "198.18.7.128/25", true],
    ["198.18.7.0/24", "198.18.8.0/24", false],
    ["198.18.0.0/16", "198.18.200.0/24", true],
    ["198.18.6.0/23", "198.18.7.0/24", true],
    ["2001:db8:7::/64", "2001:db8:7:0:8000::/65", true],
    ["2001:db8:7::/64", "2001:db8:8::/64", false],
  ])("%s overlaps %s: %s", (a, b, ok) => {
    const f = a.includes(":") ? "ipv6" : "ipv4";
    expect(overlaps(parseCidr(a, f)!, parseCidr(b, f)!)).toBe(ok);
    expect(overlaps(parseCidr(b, f)!, parseCidr(a, f)!)).toBe(ok);
  });

  it("within and bounds", () => {
    expect(within(parseCidr("198.18.7.0/24", "ipv4")!, parseCidr("198.18.0.0/16", "ipv4")!)).toBe(true);
    expect(within(parseCidr("198.18.0.0/15", "ipv4")!, parseCidr("198.18.0.0/16", "ipv4")!)).toBe(false);
    const b = bounds(parseCidr("198.18.7.0/25", "ipv4")!);
    expect(b.last - b.first).toBe(127n);
  });
});
