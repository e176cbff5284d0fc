/** Unit tests (table-driven, no Docker) for host-firewall.ts. */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareSnapshots, type HostFirewallSnapshot, type PartReading, snapshotHostFirewall, stripNftCounters, uncheckedWarning } from "./host-firewall.ts";

const text = (t: string): PartReading => ({ ok: true, text: t });
const missing = (tool: string): PartReading => ({ ok: false, reason: `${tool} is not installed` });
const snap = (iptables: PartReading, ip6tables: PartReading, nft: PartReading): HostFirewallSnapshot => ({ iptables, ip6tables, nft });

describe("host firewall snapshots", () => {
  it("ignores nft counters", () => {
    expect(stripNftCounters("tcp dport 22 counter packets 12 bytes 720 accept")).toBe(stripNftCounters("tcp dport 22 counter packets 0 bytes 0 accept"));
  });
  it.each<[string, HostFirewallSnapshot, HostFirewallSnapshot, string[], string[]]>([
    ["same", snap(text("a"), text("b"), text("c")), snap(text("a"), text("b"), text("c")), [], []],
    ["iptables changed", snap(text("a"), text("b"), text("c")), snap(text("a2"), text("b"), text("c")), ["iptables"], []],
    ["two changed", snap(text("a"), text("b"), text("c")), snap(text("a"), text("b2"), text("c2")), ["ip6tables", "nft"], []],
    ["nft missing both times: not compared, not 'unchanged'", snap(text("a"), text("b"), missing("nft")), snap(text("a"), text("b"), missing("nft")), [], ["nft: nft is not installed"]],
    ["unreadable after: not compared", snap(text("a"), text("b"), text("c")), snap(text("a"), missing("ip6tables-save"), text("c")), [], ["ip6tables: ip6tables-save is not installed"]],
  ])("%s", (_name, before, after, changed, unchecked) => {
    const c = compareSnapshots(before, after);
    expect(c.changed).toEqual(changed);
    expect(c.unchecked.map((u) => `${u.part}: ${u.reason}`)).toEqual(unchecked);
  });
  it("warns naming the missing tool and what was not compared", () => {
    const nft = snap(text("a"), text("b"), missing("nft"));
    expect(uncheckedWarning(compareSnapshots(nft, nft))).toMatch(/WARNING.*NOT compared.*nft rules \(nft is not installed\).*fwspec setup/);
    const all = snap(text("a"), text("b"), text("c"));
    expect(uncheckedWarning(compareSnapshots(all, all))).toBeUndefined();
  });
});

describe("tools off PATH", () => {
  // Debian's default PATH for users has no /usr/sbin: iptables-save is there all the same, and is no "not installed".
  it.skipIf(!existsSync("/usr/sbin/iptables-save"))("a PATH without /usr/sbin still finds iptables-save there", async () => {
    const path = process.env["PATH"];
    process.env["PATH"] = "/usr/bin:/bin";
    try {
      const snap = await snapshotHostFirewall();
      expect(snap.iptables.ok ? "read" : snap.iptables.reason).not.toMatch(/not installed/);
    } finally {
      process.env["PATH"] = path;
    }
  });
});
