/** Unit tests (table-driven, no Docker) for addresses.ts. */
import { describe, expect, it } from "vitest";
import { overlaps, parseCidr, RESERVED, within } from "../model/cidr.ts";
import { allowedTarget, bracketed, inBenchmarkRange, inDocumentationRange, pickSlot, SLOT_COUNT, subnetForSlot } from "./addresses.ts";

describe("subnetForSlot", () => {
  it.each([
    // Slot 0 in the canonical form (RFC 5952) the kernel and the engine print: a test comparing
    // `ip -6 route` output with the lab's subnet failed on "2001:db8:f5:0::/64".
    [0, "198.19.128.0/24", "2001:db8:f5::/64", "2001:db8:f5::1"],
    [12, "198.19.140.0/24", "2001:db8:f5:c::/64", "2001:db8:f5:c::1"],
    [126, "198.19.254.0/24", "2001:db8:f5:7e::/64", "2001:db8:f5:7e::1"],
  ])("slot %i → %s and %s", (slot, v4, v6, gw6) => {
    const plan = subnetForSlot(slot);
    expect(plan.ipv4Subnet).toBe(v4);
    expect(plan.ipv6Subnet).toBe(v6);
    expect(plan.ipv6Gateway).toBe(gw6);
    expect(inBenchmarkRange(plan.ipv4Gateway)).toBe(true);
    expect(inDocumentationRange(plan.ipv6Gateway)).toBe(true);
  });

  it("keeps every automatic subnet where no scenario may declare one, and off the engine's pools and bridge", () => {
    // A declared subnet of another run or test project must never be taken by an automatic network
    // (fresh-clone CI: a leaked automatic lab held 198.18.40.0/24, scenario 24's declared subnet).
    const engine = [parseCidr("198.19.0.0/17", "ipv4")!, parseCidr("198.19.255.0/24", "ipv4")!];
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const plan = subnetForSlot(slot);
      for (const family of ["ipv4", "ipv6"] as const) {
        const cidr = parseCidr(family === "ipv4" ? plan.ipv4Subnet : plan.ipv6Subnet, family)!;
        expect(RESERVED[family].some((r) => within(cidr, r)), `${cidr.text} reserved`).toBe(true);
      }
      const v4 = parseCidr(plan.ipv4Subnet, "ipv4")!;
      expect(engine.some((e) => overlaps(e, v4)), `${v4.text} clear of the engine`).toBe(false);
    }
  });

  it.each([-1, 1.5, SLOT_COUNT])("rejects slot %s", (slot) => {
    expect(() => subnetForSlot(slot)).toThrow(RangeError);
  });
});

describe("pickSlot", () => {
  it("never picks a taken slot", () => {
    const taken = new Set(Array.from({ length: SLOT_COUNT - 1 }, (_, i) => i));
    expect(pickSlot(taken)).toBe(SLOT_COUNT - 1);
  });
  it("fails when every slot is taken", () => {
    expect(() => pickSlot(new Set(Array.from({ length: SLOT_COUNT }, (_, i) => i)))).toThrow(/in use/);
  });
  it("spreads picks with the random source", () => {
    expect(pickSlot(new Set(), () => 0)).toBe(0);
    expect(pickSlot(new Set(), () => 0.999)).toBe(SLOT_COUNT - 1);
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
