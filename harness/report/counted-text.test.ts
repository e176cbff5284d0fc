/** Unit tests (pure) for the `counted:` lines of a failed expectation: each counted rule after its host, then the chain policies. */
import { expect, test } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { countedText } from "./failure.ts";

const hit = (host: string, chain: string, text: string) => ({ host, family: "ipv4" as const, table: "filter", chain, position: 1, text, packets: 1 });

test.each([
  [
    "two firewall hosts' INPUT #1 told apart by host; the policy line after them",
    { decidedBy: ["ipv4 filter INPUT #1 -A INPUT -p icmp -j DROP (+1 packets)", "ipv4 filter INPUT #1 -A INPUT -p udp -j REJECT (+1 packets)", "ipv4 filter OUTPUT policy ACCEPT (+2 packets)"], counted: [hit("server", "INPUT", "-A INPUT -p icmp -j DROP"), hit("peer", "INPUT", "-A INPUT -p udp -j REJECT")] },
    "server: ipv4 filter INPUT #1 -A INPUT -p icmp -j DROP (+1 packets)\npeer: ipv4 filter INPUT #1 -A INPUT -p udp -j REJECT (+1 packets)\nipv4 filter OUTPUT policy ACCEPT (+2 packets)",
  ],
  ["only policies counted", { decidedBy: ["ipv4 filter INPUT policy DROP (+1 packets)"] }, "ipv4 filter INPUT policy DROP (+1 packets)"],
  ["nothing counted", { decidedBy: [] }, "none"],
])("%s", (_what, e, want) => {
  expect(countedText(e as unknown as ExpectationResult, "none")).toBe(want);
});
