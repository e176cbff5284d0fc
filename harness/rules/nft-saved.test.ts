import { describe, expect, test } from "vitest";
import { NFT_JSON, NFT_LISTING, nftJsonWith } from "../testing/nft-fixture.ts";
import { decisiveCounts, earlyVerdict, nftRejectVerdict, rejectVerdict } from "./decisive.ts";
import { counterDeltas } from "./delta.ts";
import { iptablesOwned } from "./host-state.ts";
import { parseNftJson } from "./nft-json.ts";
import { parseNftListing } from "./nft-listing.ts";
import { countsBothFamilies, nftSavedPart, withNft } from "./nft-saved.ts";
import { parseSave } from "./saved.ts";

const json = NFT_JSON;
const texts = parseNftListing(NFT_LISTING);
const keep = (t: string) => !iptablesOwned(t, "nft");
const moved = (changes: Record<string, number>, named = 0) => parseNftJson(nftJsonWith(changes, named), keep);

const empty = (family: "ipv4" | "ipv6") => parseSave("", family);

describe("nftSavedPart", () => {
  test("a named counter two rules update counts for neither, and each names it as shared (tester 43a)", () => {
    const reading = moved({}, 2);
    const seven = reading.rules.find((r) => r.table === "inet fw" && r.handle === 7)!;
    const part = nftSavedPart({ ...reading, rules: [...reading.rules, { ...seven, handle: 99, position: seven.position + 1 }] }, texts, "ipv4");
    expect(part.rules.filter((r) => r.handle === 7 || r.handle === 99).map((r) => [r.handle, r.counts, r.packets, r.sharedCounter])).toEqual([[7, false, 0, "ssh_hits"], [99, false, 0, "ssh_hits"]]);
    expect(nftSavedPart(reading, texts, "ipv4").rules.find((r) => r.handle === 7)).toMatchObject({ counts: true, packets: 2 });
  });

  test("netdev chains (which no family's reading holds) are listed apart; an inet ingress chain is read, not listed; none, none", () => {
    const netdev = { nftables: [
      { table: { family: "netdev", name: "edge", handle: 1 } },
      { chain: { family: "netdev", table: "edge", name: "ingress", handle: 1, type: "filter", hook: "ingress", prio: -500, policy: "accept", dev: "ens18" } },
      { rule: { family: "netdev", table: "edge", chain: "ingress", handle: 2, expr: [{ match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 9000 } }, { counter: { packets: 2, bytes: 120 } }, { drop: null }] } },
    ] };
    const part = nftSavedPart(parseNftJson(JSON.stringify(netdev), keep), new Map(), "ipv4");
    expect([part.rules, part.netdev]).toEqual([[], ["netdev edge ingress"]]);
    expect(withNft(empty("ipv4"), parseNftJson(JSON.stringify(netdev), keep), new Map()).netdev).toEqual(["netdev edge ingress"]);
    expect(withNft(empty("ipv4"), moved({}), texts).netdev).toBeUndefined();
    const inet = { nftables: [
      { table: { family: "inet", name: "fw", handle: 1 } },
      { chain: { family: "inet", table: "fw", name: "early", handle: 1, type: "filter", hook: "ingress", prio: -500, policy: "accept", dev: "ens18" } },
    ] };
    expect(nftSavedPart(parseNftJson(JSON.stringify(inet), keep), new Map(), "ipv4").netdev).toEqual([]);
  });

  test("inet rules in both families, ip6 only in IPv6; iptables-nft's tables left to iptables-save", () => {
    const v4 = nftSavedPart(moved({}), texts, "ipv4");
    const v6 = nftSavedPart(moved({}), texts, "ipv6");
    expect(v4.rules.map((r) => `${r.table} ${r.handle}`)).toEqual(["inet fw 5", "inet fw 6", "inet fw 7", "inet fw 8", "inet fw 10", "inet fw 11", "inet fw 12", "inet fw 13"]);
    expect(v6.rules.map((r) => `${r.table} ${r.handle}`)).toContain("ip6 only6 2");
    expect(v4.counters.map((c) => c.name)).toEqual(["ssh_hits"]);
  });

  test.each([
    [8, { chain: "input", position: 4, target: "DROP", comment: "block 8080", counts: true, text: 'tcp dport 8080 counter drop comment "block 8080" # handle 8' }],
    [5, { chain: "input", position: 1, target: "ACCEPT", comment: null, counts: false, text: "ct state established,related accept # handle 5" }],
    [7, { chain: "input", position: 3, target: "ACCEPT", comment: null, counts: true, text: 'tcp dport @allowed_tcp counter name "ssh_hits" accept # handle 7' }],
    [11, { chain: "input", position: 6, target: "REJECT", comment: null, counts: false, text: "reject with icmpx admin-prohibited # handle 11" }],
  ] as const)("handle %i as a saved rule", (handle, want) => {
    const r = nftSavedPart(moved({}), texts, "ipv4").rules.find((x) => x.handle === handle)!;
    expect({ chain: r.chain, position: r.position, target: r.target, comment: r.comment, counts: r.counts, text: r.text }).toEqual(want);
  });

  test("a base chain's drop policy is listed without packets (nftables has no policy counter), with its hook, type and priority", () => {
    expect(nftSavedPart(moved({}), texts, "ipv4").chains).toEqual([{ table: "inet fw", chain: "input", policy: "DROP", packets: 0, bytes: 0, hook: "input", type: "filter", priority: 0 }]);
  });
});

describe("counters of native nft rules", () => {
  const before = { ipv4: withNft(empty("ipv4"), moved({}), texts), ipv6: withNft(empty("ipv6"), moved({}), texts) };

  test("deltas pair nft rules and name them as nft prints them", () => {
    const after = withNft(empty("ipv4"), moved({ "fw 8": 2, "fw 12": 1 }, 4), texts);
    const counted = counterDeltas(before.ipv4, after).filter((d) => d.packets > 0).map((d) => `${d.rule.table} ${d.rule.chain} #${d.rule.position} ${d.rule.text} +${d.packets}/${d.bytes}`);
    expect(counted).toEqual([
      'inet fw input #3 tcp dport @allowed_tcp counter name "ssh_hits" accept # handle 7 +4/240',
      'inet fw input #4 tcp dport 8080 counter drop comment "block 8080" # handle 8 +2/120',
      "inet fw zone_public #1 tcp dport 8081 counter reject with tcp reset # handle 12 +1/60",
    ]);
  });

  test.each([
    ["a counted drop rule decides dropped early", { "fw 8": 1 }, "tcp", "dropped"],
    ["a counted tcp-reset reject is left to the client, whom its reset ends (TCP)", { "fw 12": 1 }, "tcp", undefined],
    ["a reject for UDP is waited out", { "fw 12": 1 }, "udp", undefined],
    ["drop and reject both counted: waited out", { "fw 8": 1, "fw 12": 1 }, "tcp", undefined],
    ["nothing counted (a policy drop has no counter): waited out", {}, "tcp", undefined],
    ["an accept rule never decides", { "fw 10": 1 }, "tcp", undefined],
  ] as const)("%s", (_what, changes, protocol, verdict) => {
    const counts = decisiveCounts(before.ipv4, withNft(empty("ipv4"), moved(changes), texts)).map((c) => ({ ...c, host: "server" }));
    expect(earlyVerdict(counts, protocol)?.verdict).toBe(verdict);
  });

  test("IPv6 sees the ip6 table's drop", () => {
    const counts = decisiveCounts(before.ipv6, withNft(empty("ipv6"), moved({ "only6 2": 1 }), texts));
    expect(counts.map((c) => `${c.table} ${c.chain} ${c.kind} +${c.packets}`)).toEqual(["ip6 only6 input DROP +1"]);
  });

  test("an inet table's counters see both families; ip/ip6 tables and iptables rules do not", () => {
    expect(countsBothFamilies(before.ipv4)).toBe(true);
    expect(countsBothFamilies(parseSave("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\nCOMMIT\n", "ipv4"))).toBe(false);
    const only6 = parseNftJson(json, (t) => t === "ip6 only6");
    expect(countsBothFamilies(withNft(empty("ipv6"), only6, texts))).toBe(false);
  });
});

test.each([
  ["reject with icmpx admin-prohibited # handle 11", "unreachable"],
  ["reject with icmp host-prohibited", "unreachable"],
  ["reject with icmp type host-unreachable", "unreachable"],
  ["reject with icmpv6 no-route", "unreachable"],
  ["reject with icmpv6 addr-unreachable", "unreachable"],
  ["meta l4proto tcp counter reject with tcp reset # handle 9", "refused"],
  ["reject with icmpx port-unreachable", "refused"],
  ["tcp dport 8081 counter reject", "refused"],
  ["reject with icmp prot-unreachable", "unreachable"],
  ["reject with icmpv6 policy-fail", "unreachable"],
  ["reject with icmpv6 reject-route", "unreachable"],
  ["reject with icmp param-problem", undefined],
  ["tcp dport 8080 counter drop", undefined],
] as const)("nftRejectVerdict(%j) = %s", (text, verdict) => {
  expect(nftRejectVerdict(text)).toBe(verdict);
  expect(rejectVerdict(text)).toBe(verdict);
});
