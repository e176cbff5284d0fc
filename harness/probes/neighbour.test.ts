/** Unit tests (table-driven, pure) for neighbour.ts: fwspec-probe's note of an unresolved next hop. */
import { describe, expect, test } from "vitest";
import { neighbourHint, unresolvedNeighbour } from "./neighbour.ts";

describe("unresolvedNeighbour", () => {
  test.each([
    ["fwspec-probe: neighbour 2001:db8::2 unresolved (INCOMPLETE)\n", { address: "2001:db8::2", state: "INCOMPLETE" }],
    ["nc: something\nfwspec-probe: neighbour 198.18.0.1 unresolved (FAILED)\n", { address: "198.18.0.1", state: "FAILED" }],
    ["fwspec-probe: icmp destination unreachable received: ipv4 +0, ipv6 +1\n", undefined],
    // Only fwspec-probe's own line, whole: a tool's output quoting it is no note.
    ["nc: fwspec-probe: neighbour 2001:db8::2 unresolved (INCOMPLETE)\n", undefined],
    ["fwspec-probe: neighbour 2001:db8::2 unresolved (STALE)\n", undefined],
    ["", undefined],
  ])("%j", (stderr, want) => expect(unresolvedNeighbour(stderr)).toEqual(want));
});

describe("neighbourHint", () => {
  test.each([
    ["ipv6", false, "`-p ipv6-icmp --icmpv6-type 135 -j ACCEPT`, and 136"],
    ["ipv6", true, "`icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept`"],
    ["ipv4", false, "ARP went unanswered"],
  ] as const)("%s nft=%s", (family, nft, text) => expect(neighbourHint(family, nft)).toContain(text));
});
