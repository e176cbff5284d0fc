import { describe, expect, test } from "vitest";
import { iptablesOwned } from "../rules/host-state.ts";
import { parseNftJson } from "../rules/nft-json.ts";
import { parseNftListing } from "../rules/nft-listing.ts";
import { withNft } from "../rules/nft-saved.ts";
import { parseSave } from "../rules/saved.ts";
import type { CounterCheck, RuleSelector } from "../scenario/model.ts";
import { NFT_LISTING, nftJsonWith } from "../testing/nft-fixture.ts";
import { judgeCounter } from "./counters.ts";

const texts = parseNftListing(NFT_LISTING);

/** An IPv4 reading of the fixture with rule counters (by `table handle`) and the named counter moved on. */
const reading = (changes: Record<string, number>, named = 0) => withNft(parseSave("", "ipv4"), parseNftJson(nftJsonWith(changes, named), (t) => !iptablesOwned(t, "nft")), texts);

const check = (selector: RuleSelector, packets: string): CounterCheck => ({
  host: "server", families: ["ipv4"], selector, packets: { op: packets.split(" ")[0] as ">=", value: Number(packets.split(" ")[1]), text: packets }, location: { file: "/s.yaml", line: 9, column: 7 },
});

describe("counter checks on native nft rules", () => {
  const before = reading({ "fw 8": 2 }, 1);
  const after = reading({ "fw 8": 5, "fw 12": 1 }, 4);
  test.each<[string, RuleSelector, string, string, string]>([
    ["by handle", { kind: "handle", table: "inet fw", handle: 8 }, "== 3", "passed", 'tcp dport 8080 counter drop comment "block 8080" # handle 8: +3 packets, +180 bytes (inet: IPv4 and IPv6 together)'],
    ["by handle and chain", { kind: "handle", table: "inet fw", handle: 12, chain: "zone_public" }, "== 1", "passed", "tcp dport 8081 counter reject with tcp reset # handle 12: +1 packets, +60 bytes (inet: IPv4 and IPv6 together)"],
    ["by handle in the wrong chain", { kind: "handle", table: "inet fw", handle: 12, chain: "input" }, "== 1", "error", "no ipv4 rule on server matches nft rule with handle 12 in chain input of table inet fw"],
    ["by text as nft prints it", { kind: "nft-text", table: "inet fw", chain: "input", rule: 'tcp dport 8080 counter drop comment "block 8080"' }, ">= 3", "passed", 'tcp dport 8080 counter drop comment "block 8080" # handle 8: +3 packets, +180 bytes (inet: IPv4 and IPv6 together)'],
    ["by text with counter values", { kind: "nft-text", table: "inet fw", chain: "input", rule: 'tcp dport 8080 counter packets 7 bytes 420 drop comment "block 8080"' }, "== 3", "passed", 'tcp dport 8080 counter drop comment "block 8080" # handle 8: +3 packets, +180 bytes (inet: IPv4 and IPv6 together)'],
    ["by comment", { kind: "comment", comment: "block 8080" }, "== 3", "passed", 'tcp dport 8080 counter drop comment "block 8080" # handle 8: +3 packets, +180 bytes (inet: IPv4 and IPv6 together)'],
    ["by chain and position", { kind: "position", table: "inet fw", chain: "zone_public", position: 1 }, "== 0", "failed", "tcp dport 8081 counter reject with tcp reset # handle 12: packets 1, expected == 0 (inet: IPv4 and IPv6 together); the other family's probes count on it too, the parity probes of one-family expectations included (`parity: off` leaves those out)"],
    ["a rule counting through its named counter", { kind: "handle", table: "inet fw", handle: 7 }, "== 3", "passed", 'tcp dport @allowed_tcp counter name "ssh_hits" accept # handle 7: +3 packets, +180 bytes (inet: IPv4 and IPv6 together)'],
    ["the named counter itself", { kind: "named-counter", name: "ssh_hits" }, "== 3", "passed", "counter ssh_hits in table inet fw: +3 packets, +180 bytes (inet: IPv4 and IPv6 together)"],
    ["the named counter in its table", { kind: "named-counter", name: "ssh_hits", table: "inet fw" }, ">= 4", "failed", "counter ssh_hits in table inet fw: packets 3, expected >= 4 (inet: IPv4 and IPv6 together)"],
    ["a named counter that is not there", { kind: "named-counter", name: "nope" }, "== 0", "error", "no named counter `nope` on server for ipv4 (named counters there: ssh_hits); an ip6 table's rules are read only for ipv6: name its `table: ip6 NAME`"],
    // Looked up without a table: the IPv4 reading has no ip6 table, which may hold it.
    ["a comment no rule has", { kind: "comment", comment: "block 9090" }, "== 0", "error", 'no ipv4 rule on server matches rule with comment "block 9090"; the nearest loaded comment: "block 8080"; an ip6 table\'s rules are read only for ipv6: name its `table: ip6 NAME` or add `family: ipv6`'],
    ["a named counter not in the table named", { kind: "named-counter", name: "ssh_hits", table: "ip other" }, "== 0", "error", "no named counter `ssh_hits` in table ip other on server for ipv4 (it has none)"],
    ["a rule without a counter statement", { kind: "handle", table: "inet fw", handle: 5 }, "== 0", "error", "ct state established,related accept # handle 5 has no counter statement: nftables counts only rules with `counter` (add it to the rule)"],
    ["text that is not the rule", { kind: "nft-text", table: "inet fw", chain: "input", rule: "tcp dport 8080 accept" }, "== 0", "error", 'no ipv4 rule on server matches nft rule "tcp dport 8080 accept" in chain input of table inet fw'],
    // A native table named like iptables' own: read as iptables-nft's, said so.
    ["a native rule in `ip filter`", { kind: "nft-text", table: "ip filter", chain: "input", rule: "tcp dport 8080 counter drop" }, "== 1", "error", 'no ipv4 rule on server matches nft rule "tcp dport 8080 counter drop" in chain input of table ip filter; fwspec reads `ip filter` as iptables-nft\'s own table, whose view cannot show native nftables chains in it: name the table otherwise (`table inet filter`, `table ip fw`)'],
  ])("%s", (_what, selector, packets, status, message) => {
    const r = judgeCounter(check(selector, packets), "ipv4", before, after);
    expect([r.status, r.message]).toEqual([status, message]);
  });

  test.each<[string, readonly ("ipv4" | "ipv6")[], string]>([
    ["family: ipv6", ["ipv6"], "ipv6"],
    ["family: both", ["ipv4", "ipv6"], "both"],
  ])("a comment found in an inet table with %s written: an error, the one counter holds both families", (_, families, said) => {
    const r = judgeCounter({ ...check({ kind: "comment", comment: "block 8080" }, "== 3"), families, familyGiven: true }, families[0]!, before, after);
    expect([r.status, r.message]).toEqual(["error", `tcp dport 8080 counter drop comment "block 8080" # handle 8 is in table inet fw, which counts IPv4 and IPv6 together: \`family: ${said}\` cannot be checked apart; leave \`family\` out, or check a rule that matches only one family`]);
  });

  test("a rule whose named counter another rule updates too: an error naming the counter, not its shared count (tester 43a)", () => {
    const shared = (r: ReturnType<typeof reading>) => ({ ...r, rules: r.rules.map((x) => (x.handle === 7 ? { ...x, counts: false, sharedCounter: "ssh_hits", packets: 0, bytes: 0 } : x)) });
    const r = judgeCounter(check({ kind: "handle", table: "inet fw", handle: 7 }, "== 0"), "ipv4", shared(before), shared(after));
    expect([r.status, r.message]).toEqual(["error", 'tcp dport @allowed_tcp counter name "ssh_hits" accept # handle 7 updates the named counter ssh_hits, which another rule of inet fw updates too (or several): what it counts is theirs together, not this rule\'s (check the named counter, `counter: ssh_hits`, or give the rule a `counter` of its own)']);
  });

  test("a host without named counters says it has none", () => {
    const plain = { ...after, counters: [] };
    expect(judgeCounter(check({ kind: "named-counter", name: "nope" }, "== 0"), "ipv4", undefined, plain).message).toBe("no named counter `nope` on server for ipv4 (it has none); an ip6 table's rules are read only for ipv6: name its `table: ip6 NAME`");
  });

  test("a named counter read for the first time counts from zero", () => {
    expect(judgeCounter(check({ kind: "named-counter", name: "ssh_hits" }, "== 4"), "ipv4", undefined, after).status).toBe("passed");
    expect(judgeCounter(check({ kind: "named-counter", name: "ssh_hits" }, "== 4"), "ipv4", reading({}, 9), after).status).toBe("passed"); // reset in between
  });
});
