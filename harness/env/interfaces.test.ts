/** Unit tests for interfaces.ts: one interface's addresses read without blocking (this machine's loopback; no Docker). */
import { describe, expect, it } from "vitest";
import { interfaceAddresses, machineInterfaces } from "./interfaces.ts";

describe("interfaceAddresses", () => {
  it("reads one interface's addresses, as machineInterfaces has them", async () => {
    const lo = await interfaceAddresses("lo");
    expect(Object.keys(lo)).toEqual(["lo"]);
    expect(lo["lo"]!.map((a) => a.address)).toContain("127.0.0.1");
    expect(lo["lo"]!.map((a) => a.address).sort()).toEqual([...new Set(machineInterfaces()["lo"]!.map((a) => a.address))].sort());
  });

  it("a reading that fails throws (it proves nothing about the addresses)", async () => {
    await expect(interfaceAddresses("fwspec-none0")).rejects.toThrow(/fwspec-none0/);
  });
});
