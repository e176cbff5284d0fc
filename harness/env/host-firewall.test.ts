import { describe, expect, it } from "vitest";
import { compareSnapshots, stripNftCounters } from "./host-firewall.ts";

describe("host firewall snapshots", () => {
  it("ignores nft counters", () => {
    expect(stripNftCounters("tcp dport 22 counter packets 12 bytes 720 accept")).toBe(stripNftCounters("tcp dport 22 counter packets 0 bytes 0 accept"));
  });
  it.each([
    [{ iptables: "a", ip6tables: "b", nft: "c" }, { iptables: "a", ip6tables: "b", nft: "c" }, []],
    [{ iptables: "a", ip6tables: "b", nft: "c" }, { iptables: "a2", ip6tables: "b", nft: "c" }, ["iptables"]],
    [{ iptables: "a", ip6tables: "b", nft: "c" }, { iptables: "a", ip6tables: "b2", nft: "c2" }, ["ip6tables", "nft"]],
  ])("compares %j with %j", (a, b, diff) => {
    expect(compareSnapshots(a, b)).toEqual(diff);
  });
});
