/** Unit tests (table-driven, pure) for neighbour.ts: fwspec-probe's note of an unresolved next hop. */
import { describe, expect, test } from "vitest";
import { neighbourHint, neighbourState, unresolvedNeighbour } from "./neighbour.ts";

describe("unresolvedNeighbour", () => {
  test.each([
    ["fwspec-probe: neighbour 2001:db8::2 unresolved (INCOMPLETE)\n", { address: "2001:db8::2", state: "INCOMPLETE" }],
    ["nc: something\nfwspec-probe: neighbour 198.18.0.1 unresolved (FAILED)\n", { address: "198.18.0.1", state: "FAILED" }],
    ["fwspec-probe: icmp destination unreachable received: ipv4 +0, ipv6 +1\n", undefined],
    // Only fwspec-probe's own line, whole: a tool's output quoting it is no note.
    ["nc: fwspec-probe: neighbour 2001:db8::2 unresolved (INCOMPLETE)\n", undefined],
    ["fwspec-probe: neighbour 2001:db8::2 unresolved (STALE)\n", undefined],
    // The router between the prober and its target held the entry (probes/probe.ts asks it).
    ["fwspec-probe: neighbour 2001:db8:5::3 unresolved (INCOMPLETE) at gw\n", { address: "2001:db8:5::3", state: "INCOMPLETE", at: "gw" }],
    ["fwspec-probe: neighbour 2001:db8:5::3 unresolved (INCOMPLETE) at \n", undefined],
    // The target held it on its way back to the prober: its answer never left.
    ["fwspec-probe: neighbour 2001:db8:4::2 unresolved (INCOMPLETE) at server replying\n", { address: "2001:db8:4::2", state: "INCOMPLETE", at: "server", replying: true }],
    ["fwspec-probe: neighbour 2001:db8:4::2 unresolved (INCOMPLETE) at server replying twice\n", undefined],
    ["", undefined],
  ])("%j", (stderr, want) => expect(unresolvedNeighbour(stderr)).toEqual(want));
});

describe("neighbourHint", () => {
  test.each([
    ["ipv6", "`-p ipv6-icmp --icmpv6-type 135 -j ACCEPT` and 136; nft `icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept`"],
    ["ipv6", "the asking host must send the solicitations (its OUTPUT) and accept advertisements"],
    ["ipv4", "ARP went unanswered"],
  ] as const)("%s", (family, text) => expect(neighbourHint(family)).toContain(text));
});

describe("neighbourState", () => {
  test.each([
    ["2001:db8::2 dev eth0 INCOMPLETE \n", "INCOMPLETE"],
    ["198.18.0.5 dev eth0  FAILED\n", "FAILED"],
    ["2001:db8::2 dev eth0 lladdr 02:42:c6:12:00:02 REACHABLE\n", undefined],
    ["2001:db8::2 dev eth0 lladdr 02:42:c6:12:00:02 router STALE\n", undefined],
    ["", undefined],
  ])("%j", (shown, state) => expect(neighbourState(shown)).toBe(state));
});
