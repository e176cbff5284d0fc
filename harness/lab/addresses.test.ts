/** Unit tests (table-driven, no Docker) for addresses.ts. */
import { describe, expect, it } from "vitest";
import { allowedTarget, bracketed, inBenchmarkRange, inDocumentationRange, pickSlot, subnetForSlot } from "./addresses.ts";

describe("subnetForSlot", () => {
  it.each([
    // Slot 0 in the canonical form (RFC 5952) the kernel and the engine print: a test comparing
    // `ip -6 route` output with the lab's subnet failed on "2001:db8:f5:0::/64".
    [0, "198.18.0.0/24", "2001:db8:f5::/64", "2001:db8:f5::1"],
    [12, "198.18.12.0/24", "2001:db8:f5:c::/64", "2001:db8:f5:c::1"],
    [255, "198.18.255.0/24", "2001:db8:f5:ff::/64", "2001:db8:f5:ff::1"],
  ])("slot %i → %s and %s", (slot, v4, v6, gw6) => {
    const plan = subnetForSlot(slot);
    expect(plan.ipv4Subnet).toBe(v4);
    expect(plan.ipv6Subnet).toBe(v6);
    expect(plan.ipv6Gateway).toBe(gw6);
    expect(inBenchmarkRange(plan.ipv4Gateway)).toBe(true);
    expect(inDocumentationRange(plan.ipv6Gateway)).toBe(true);
  });

  it.each([-1, 1.5, 256 * 64])("rejects slot %s", (slot) => {
    expect(() => subnetForSlot(slot)).toThrow(RangeError);
  });
});

describe("pickSlot", () => {
  it("never picks a taken slot", () => {
    const taken = new Set(Array.from({ length: 255 }, (_, i) => i));
    expect(pickSlot(taken)).toBe(255);
  });
  it("fails when every slot is taken", () => {
    expect(() => pickSlot(new Set(Array.from({ length: 256 }, (_, i) => i)))).toThrow(/in use/);
  });
  it("spreads picks with the random source", () => {
    expect(pickSlot(new Set(), () => 0)).toBe(0);
    expect(pickSlot(new Set(), () => 0.999)).toBe(255);
  });
});

describe("ranges", () => {
  it.each([
    ["198.18.0.1", true],
    ["198.19.255.254", true],
    ["198.20.0.1", false],
    ["10.0.0.1", false],
    ["2001:db8::1", true],
    ["2001:db9::1", false],
    ["127.0.0.1", true],
    ["::1", true],
    ["8.8.8.8", false],
  ] as const)("allowedTarget(%s) = %s", (address, allowed) => {
    expect(allowedTarget(address)).toBe(allowed);
  });
  it("brackets IPv6 only", () => {
    expect(bracketed("2001:db8::2")).toBe("[2001:db8::2]");
    expect(bracketed("198.18.0.2")).toBe("198.18.0.2");
  });
});
