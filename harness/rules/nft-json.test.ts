import { describe, expect, test } from "vitest";
import { iptablesOwned } from "./host-state.ts";
import { NFT_JSON, nftJsonWith } from "../testing/nft-fixture.ts";
import { NftJsonError, parseNftJson, ruleCount, sharedCounters, tableFamilies, targetOf } from "./nft-json.ts";

const json = NFT_JSON;
/** The fixture with rules of table fw counted (by handle), and the named counter moved on. */
const counted = (changes: Record<number, number>, named = 0) => nftJsonWith(Object.fromEntries(Object.entries(changes).map(([h, n]) => [`fw ${h}`, n])), named);

describe("parseNftJson", () => {
  const reading = parseNftJson(json);
  const rule = (table: string, handle: number) => reading.rules.find((r) => r.table === table && r.handle === handle)!;

  test.each([
    // table, handle, chain, position, verdict/target, comment, counter, named counter, reject
    ["inet fw", 5, "input", 1, "ACCEPT", null, null, null, null],
    ["inet fw", 7, "input", 3, "ACCEPT", null, null, "ssh_hits", null],
    ["inet fw", 8, "input", 4, "DROP", "block 8080", { packets: 0, bytes: 0 }, null, null],
    ["inet fw", 10, "input", 5, "zone_public", null, { packets: 0, bytes: 0 }, null, null],
    ["inet fw", 11, "input", 6, "REJECT", null, null, null, "icmpx admin-prohibited"],
    ["inet fw", 12, "zone_public", 1, "REJECT", null, { packets: 0, bytes: 0 }, null, "tcp reset"],
    ["inet fw", 13, "zone_public", 2, null, null, { packets: 0, bytes: 0 }, null, null],
    ["ip nat", 3, "OUTPUT", 1, "DOCKER_OUTPUT", null, { packets: 0, bytes: 0 }, null, null],
    ["ip6 only6", 2, "input", 1, "DROP", null, { packets: 0, bytes: 0 }, null, null],
  ] as const)("%s handle %i: chain %s #%i, target %s", (table, handle, chain, position, target, comment, counter, named, reject) => {
    const r = rule(table, handle);
    expect({ chain: r.chain, position: r.position, target: targetOf(r), comment: r.comment, counter: r.counter, named: r.namedCounter, reject: r.reject }).toEqual({ chain, position, target, comment, counter, named, reject });
  });

  test("tables, base chains with policies, named counters", () => {
    expect(reading.tables).toEqual(["ip nat", "inet fw", "ip6 only6"]);
    expect(reading.chains.filter((c) => c.policy !== null).map((c) => `${c.table} ${c.chain} ${c.hook} ${c.policy}`)).toEqual(["ip nat OUTPUT output accept", "inet fw input input drop", "ip6 only6 input input accept"]);
    expect(reading.counters).toEqual([{ table: "inet fw", name: "ssh_hits", handle: 3, packets: 0, bytes: 0 }]);
  });

  test("counter values and named counters are read from JSON", () => {
    const moved = parseNftJson(counted({ 8: 3, 12: 1 }, 2));
    const r = (h: number) => moved.rules.find((x) => x.table === "inet fw" && x.handle === h)!;
    expect(r(8).counter).toEqual({ packets: 3, bytes: 180 });
    expect(r(12).counter).toEqual({ packets: 1, bytes: 60 });
    expect(ruleCount(r(7), moved.counters)).toEqual({ packets: 2, bytes: 120 }); // through its named counter
    expect(ruleCount(r(5), moved.counters)).toBeNull(); // no counter statement
    expect(r(8).key).toBe(rule("inet fw", 8).key); // counting does not change what the rule is
  });

  test("a named counter two rules update counts for neither (tester 43a: an IPv4 probe credited to the IPv6 rule beside it)", () => {
    const moved = parseNftJson(counted({}, 2));
    const seven = moved.rules.find((x) => x.table === "inet fw" && x.handle === 7)!;
    const twin = { ...seven, handle: 99, position: seven.position + 1 };
    expect(ruleCount(seven, moved.counters, sharedCounters(moved.rules))).toEqual({ packets: 2, bytes: 120 });
    expect(ruleCount(seven, moved.counters, sharedCounters([...moved.rules, twin]))).toBeNull();
    expect(ruleCount(twin, moved.counters, sharedCounters([...moved.rules, twin]))).toBeNull();
    // The same name in another table is another counter.
    expect(ruleCount(seven, moved.counters, sharedCounters([...moved.rules, { ...twin, table: "ip6 only6" }]))).toEqual({ packets: 2, bytes: 120 });
  });

  test("tables iptables-nft manages can be left out (nft backend), not on a legacy host", () => {
    expect(parseNftJson(json, (t) => !iptablesOwned(t, "nft")).tables).toEqual(["inet fw", "ip6 only6"]);
    expect(parseNftJson(json, (t) => !iptablesOwned(t, "legacy")).tables).toEqual(["ip nat", "inet fw", "ip6 only6"]);
  });

  test.each([
    ["ip nat", ["ipv4"]],
    ["ip6 only6", ["ipv6"]],
    ["inet fw", ["ipv4", "ipv6"]],
    ["bridge b", []],
    ["netdev n", []],
  ] as const)("table %s sees %j", (table, families) => expect(tableFamilies(table)).toEqual(families));

  test.each([
    ["", []],
    ['{"nftables": []}', []],
  ])("empty input %j", (text, tables) => expect(parseNftJson(text).tables).toEqual(tables));

  // `counter name tcp dport map { 8081 : "c81" }` picks a named counter per packet: the rule has no count of its own.
  test("a counter map is no counter of the rule's own", () => {
    const map = { map: { key: { payload: { protocol: "tcp", field: "dport" } }, data: { set: [[8081, "c81"]] } } };
    const text = JSON.stringify({ nftables: [{ rule: { family: "inet", table: "fw", chain: "input", handle: 20, expr: [{ counter: map }, { reject: { type: "tcp reset" } }] } }] });
    const r = parseNftJson(text).rules[0]!;
    expect([r.counter, r.namedCounter, ruleCount(r, [])]).toEqual([null, null, null]);
  });

  test.each(["not json", '{"foo": 1}', "[1]"])("refuses %j", (text) => expect(() => parseNftJson(text)).toThrow(NftJsonError));
});
