/** Unit tests (table-driven, no Docker) for counter checks on iptables rules (nft-counters.test.ts: native nft rules). */
import { describe, expect, test } from "vitest";
import { parseSave } from "../rules/saved.ts";
import type { CounterCheck, RuleSelector } from "../scenario/model.ts";
import { judgeCounter } from "./counters.ts";

const SAVE = (dropped: number) => `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
[0:0] -A INPUT -i lo -j ACCEPT
[0:0] -A INPUT -p tcp -m tcp --dport 22 -m comment --comment "ssh from admins" -j ACCEPT
[0:0] -A INPUT -p tcp -m tcp --dport 443 -j ACCEPT
[${dropped}:${dropped * 60}] -A INPUT -p tcp -m tcp --dport 8080 -j DROP
[0:0] -A OUTPUT -p tcp -m tcp --dport 444 -j ACCEPT
COMMIT
`;

const check = (selector: RuleSelector, packets: string): CounterCheck => ({
  host: "web", families: ["ipv4"], selector, packets: { op: packets.split(" ")[0] as ">=", value: Number(packets.split(" ")[1]), text: packets }, location: { file: "/s.yaml", line: 12, column: 7 },
});

describe("counter checks on iptables rules", () => {
  const before = parseSave(SAVE(1), "ipv4");
  const after = parseSave(SAVE(4), "ipv4");
  test.each<[string, RuleSelector, string, string, string]>([
    ["by text as written", { kind: "text", rule: "-A INPUT -p tcp --dport 8080 -j DROP" }, "== 3", "passed", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP: +3 packets, +180 bytes"],
    ["by text, a count that differs", { kind: "text", rule: "-A INPUT -p tcp --dport 8080 -j DROP" }, ">= 4", "failed", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP: packets 3, expected >= 4"],
    // No match: the nearest rule of the chain the text names (OUTPUT's --dport 444 rule is nearer by text, but another chain).
    ["a text with a changed port", { kind: "text", rule: "-A INPUT -p tcp --dport 444 -j ACCEPT" }, ">= 1", "error", 'no ipv4 rule on web matches rule "-A INPUT -p tcp --dport 444 -j ACCEPT"; the nearest loaded rule: `-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT`'],
    ["a text without a chain", { kind: "text", rule: "-p tcp --dport 8081 -j DROP" }, ">= 1", "error", 'no ipv4 rule on web matches rule "-p tcp --dport 8081 -j DROP"; the nearest loaded rule: `-A INPUT -p tcp -m tcp --dport 8080 -j DROP`'],
    ["a comment with a typo", { kind: "comment", comment: "ssh from admin" }, ">= 1", "error", 'no ipv4 rule on web matches rule with comment "ssh from admin"; the nearest loaded comment: "ssh from admins"'],
    ["by position", { kind: "position", table: "filter", chain: "INPUT", position: 9 }, ">= 1", "error", "no ipv4 rule on web matches rule 9 of chain INPUT in table filter"],
  ])("%s", (_what, selector, packets, status, message) => {
    const r = judgeCounter(check(selector, packets), "ipv4", before, after);
    expect([r.status, r.message]).toEqual([status, message]);
  });

  test("a counter that went down since the previous reading (zeroed in the host): counted from zero, and a failure says why", () => {
    const zeroed = parseSave(SAVE(1), "ipv4");
    const rule = { kind: "text", rule: "-A INPUT -p tcp --dport 8080 -j DROP" } as const;
    const failed = judgeCounter(check(rule, ">= 2"), "ipv4", parseSave(SAVE(4), "ipv4"), zeroed);
    expect([failed.status, failed.message]).toEqual(["failed", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP: packets 1, expected >= 2; its counter went down since the previous reading, so something in the host zeroed it meanwhile (`iptables -Z`, `iptables -L -Z`, `nft reset counters`) and this counts only from then"]);
    expect(judgeCounter(check(rule, ">= 1"), "ipv4", parseSave(SAVE(4), "ipv4"), zeroed).message).toBe("-A INPUT -p tcp -m tcp --dport 8080 -j DROP: +1 packets, +60 bytes");
  });
});

describe("a check that matches no rule of its family, and exactly one of the other's", () => {
  const v4 = parseSave("", "ipv4");
  const v6 = parseSave(SAVE(2).replace("--dport 8080", "--dport 9000"), "ipv6");
  const rule = { kind: "text", rule: "-A INPUT -p tcp -m tcp --dport 9000 -j DROP" } as const;

  // Tester 41a: an IPv6-only scenario's counter check read the IPv4 rules (the default) and said only that none matched.
  test("says the other family has it and how to name that family", () => {
    expect(judgeCounter(check(rule, ">= 1"), "ipv4", undefined, v4, v6).message).toBe('no ipv4 rule on web matches rule "-A INPUT -p tcp -m tcp --dport 9000 -j DROP"; the ipv6 rules on web have it: add `family: ipv6` to the check (a counter check reads the ipv4 rules unless it names its family)');
  });

  test("a position selector (any rule there matches) or a check of both families: no such advice", () => {
    expect(judgeCounter(check({ kind: "position", table: "filter", chain: "INPUT", position: 3 }, ">= 1"), "ipv4", undefined, v4, v6).message).toBe("no ipv4 rule on web matches rule 3 of chain INPUT in table filter");
    expect(judgeCounter({ ...check(rule, ">= 1"), families: ["ipv4", "ipv6"] }, "ipv4", undefined, v4, v6).message).toBe('no ipv4 rule on web matches rule "-A INPUT -p tcp -m tcp --dport 9000 -j DROP"');
  });

  test("the other family's rules matching none, or several: as before", () => {
    expect(judgeCounter(check({ kind: "text", rule: "-A INPUT -p tcp --dport 9999 -j DROP" }, ">= 1"), "ipv4", undefined, v4, v6).message).toBe('no ipv4 rule on web matches rule "-A INPUT -p tcp --dport 9999 -j DROP"');
  });
});

describe("a comment on rules in several places", () => {
  const save = parseSave(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
[2:120] -A INPUT -p tcp -m tcp --dport 80 -m comment --comment web -j ACCEPT
[0:0] -A INPUT -p tcp -m tcp --dport 81 -m comment --comment same -j ACCEPT
[0:0] -A INPUT -p tcp -m tcp --dport 82 -m comment --comment same -j ACCEPT
[5:300] -A FORWARD -p tcp -m tcp --dport 80 -m comment --comment web -j ACCEPT
[0:0] -A OUTPUT -m comment --comment two-tables -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
[1:60] -A PREROUTING -p tcp -m tcp --dport 80 -m comment --comment web -j REDIRECT --to-ports 8080
[0:0] -A POSTROUTING -m comment --comment nat-only -j MASQUERADE
[0:0] -A PREROUTING -m comment --comment nat-only -j ACCEPT
[0:0] -A POSTROUTING -m comment --comment two-tables -j ACCEPT
COMMIT
`, "ipv4");
  test.each<[string, RuleSelector, string, string, string]>([
    ["in three places", { kind: "comment", comment: "web" }, ">= 0", "error", '3 ipv4 rules on web match rule with comment "web" (in filter INPUT, filter FORWARD, nat PREROUTING); make the selector unique: add `table:` and `chain:`, or give the rules distinct comments'],
    ["in one table, two chains", { kind: "comment", comment: "web", table: "filter" }, ">= 0", "error", '2 ipv4 rules on web match rule with comment "web" in table filter (in filter INPUT, filter FORWARD); make the selector unique: add `chain:`, or give the rules distinct comments'],
    ["in two tables, one chain each", { kind: "comment", comment: "two-tables" }, ">= 0", "error", '2 ipv4 rules on web match rule with comment "two-tables" (in filter OUTPUT, nat POSTROUTING); make the selector unique: add `table:`, or give the rules distinct comments'],
    ["in two chains of a table", { kind: "comment", comment: "nat-only" }, ">= 0", "error", '2 ipv4 rules on web match rule with comment "nat-only" (in nat POSTROUTING, nat PREROUTING); make the selector unique: add `chain:`, or give the rules distinct comments'],
    ["narrowed to a chain", { kind: "comment", comment: "nat-only", chain: "POSTROUTING" }, "== 0", "passed", "-A POSTROUTING -m comment --comment nat-only -j MASQUERADE: +0 packets, +0 bytes"],
    ["twice in one chain", { kind: "comment", comment: "same" }, ">= 0", "error", '2 ipv4 rules on web match rule with comment "same" (all in filter INPUT); make the selector unique: give the rules distinct comments, or select one by `chain:` and `position:`'],
    ["narrowed to a table", { kind: "comment", comment: "web", table: "nat" }, "== 1", "passed", "-A PREROUTING -p tcp -m tcp --dport 80 -m comment --comment web -j REDIRECT --to-ports 8080: +1 packets, +60 bytes"],
    ["narrowed to a table and chain", { kind: "comment", comment: "web", table: "filter", chain: "FORWARD" }, "== 5", "passed", "-A FORWARD -p tcp -m tcp --dport 80 -m comment --comment web -j ACCEPT: +5 packets, +300 bytes"],
    // The nearest comment is looked for where the selector looks: not the same comment in another table.
    ["narrowed to a table without it", { kind: "comment", comment: "web", table: "mangle" }, ">= 0", "error", 'no ipv4 rule on web matches rule with comment "web" in table mangle; web has no table mangle in its ipv4 rules (its tables: filter, nat)'],
  ])("%s", (_what, selector, packets, status, message) => {
    const r = judgeCounter(check(selector, packets), "ipv4", undefined, save);
    expect([r.status, r.message]).toEqual([status, message]);
  });

  test("native nft rules sharing a comment in one chain: select one by its handle", () => {
    const nft = { ...save, rules: save.rules.map((r) => ({ ...r, table: `inet ${r.table}`, handle: r.position + 1 })) };
    expect(judgeCounter(check({ kind: "comment", comment: "same" }, ">= 0"), "ipv4", undefined, nft).message).toBe(
      '2 ipv4 rules on web match rule with comment "same" (all in inet filter INPUT); make the selector unique: give the rules distinct comments, or select one by `handle:` (or `chain:` and `position:`)',
    );
  });
});

test("an inet rule's check that fails says the other family's probes, parity probes included, count on it too (tester 42b); one that passes does not", () => {
  const inet = (dropped: number) => { const s = parseSave(SAVE(dropped), "ipv4"); return { ...s, rules: s.rules.map((r) => ({ ...r, table: `inet ${r.table}`, handle: r.position + 1 })) }; };
  const selector: RuleSelector = { kind: "comment", comment: "ssh from admins" };
  const bump = (n: number) => { const s = inet(0); return { ...s, rules: s.rules.map((r) => (r.comment === "ssh from admins" ? { ...r, packets: n, bytes: n * 60 } : r)) }; };
  const failed = judgeCounter(check(selector, "== 1"), "ipv4", inet(0), bump(2));
  expect([failed.status, failed.message]).toEqual(["failed", expect.stringMatching(/packets 2, expected == 1 \(inet: IPv4 and IPv6 together\); the other family's probes count on it too, the parity probes of one-family expectations included \(`parity: off` leaves those out\)$/)]);
  expect(judgeCounter(check(selector, "== 2"), "ipv4", inet(0), bump(2)).message).not.toContain("parity");
  // Too few counted: the other family's packets cannot explain it (reviewer), nor a resent SYN.
  expect(judgeCounter(check(selector, ">= 3"), "ipv4", inet(0), bump(2)).message).not.toMatch(/parity|resends/);
});

test("a DROP rule's check that counted two or more where fewer were allowed says a probe left to its timeout resends its SYN (tester 43a); an ACCEPT's, or one packet, does not", () => {
  const drop: RuleSelector = { kind: "text", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" };
  const failed = judgeCounter(check(drop, "== 1"), "ipv4", parseSave(SAVE(0), "ipv4"), parseSave(SAVE(2), "ipv4"));
  expect(failed.message).toMatch(/packets 2, expected == 1; a TCP probe not decided early \(run to its timeout\) resends its SYN after about 1 s, and each copy counts$/);
  expect(failed.message).not.toContain("parity");
  // One packet: no copy to blame.
  expect(judgeCounter(check(drop, "== 0"), "ipv4", parseSave(SAVE(0), "ipv4"), parseSave(SAVE(1), "ipv4")).message).not.toContain("resends");
  // An ACCEPT answers (the probe is never left to its timeout by it).
  const accept: RuleSelector = { kind: "comment", comment: "ssh from admins" };
  const bump = (n: number) => { const s = parseSave(SAVE(0), "ipv4"); return { ...s, rules: s.rules.map((r) => (r.comment === "ssh from admins" ? { ...r, packets: n, bytes: n * 60 } : r)) }; };
  expect(judgeCounter(check(accept, "== 1"), "ipv4", parseSave(SAVE(0), "ipv4"), bump(3)).message).not.toContain("resends");
  // A UDP DROP: no SYN to resend.
  const udp = (n: number) => parseSave(`*filter\n:INPUT ACCEPT [0:0]\n[${n}:${n * 60}] -A INPUT -p udp -m udp --dport 53 -j DROP\nCOMMIT\n`, "ipv4");
  expect(judgeCounter(check({ kind: "text", rule: "-A INPUT -p udp -m udp --dport 53 -j DROP" }, "== 1"), "ipv4", udp(0), udp(2)).message).toMatch(/packets 2, expected == 1$/);
});

test("a check naming a table the host does not have says so, with the nearest name (tester 42b: `inet filtr`)", () => {
  const s = parseSave(SAVE(0), "ipv4");
  const inet = { ...s, rules: s.rules.map((r) => ({ ...r, table: "inet filter", handle: r.position + 1 })), chains: s.chains.map((c) => ({ ...c, table: "inet filter" })) };
  expect(judgeCounter(check({ kind: "comment", comment: "ssh from admins", table: "inet filtr" }, ">= 0"), "ipv4", undefined, inet).message).toBe(
    'no ipv4 rule on web matches rule with comment "ssh from admins" in table inet filtr; web has no table inet filtr in its ipv4 rules (its tables: inet filter; did you mean inet filter?)',
  );
  // Another short name is no suggestion (nat for raw), and the other family having the rule is said first (reviewer).
  expect(judgeCounter(check({ kind: "comment", comment: "x", table: "raw" }, ">= 0"), "ipv4", undefined, parseSave(`${SAVE(0)}*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n`, "ipv4")).message).toBe('no ipv4 rule on web matches rule with comment "x" in table raw; web has no table raw in its ipv4 rules (its tables: filter, nat)');
  const v6 = parseSave("*raw\n:PREROUTING ACCEPT [0:0]\n[0:0] -A PREROUTING -m comment --comment x -j NOTRACK\nCOMMIT\n", "ipv6");
  expect(judgeCounter(check({ kind: "comment", comment: "x", table: "raw" }, ">= 0"), "ipv4", undefined, parseSave(SAVE(0), "ipv4"), v6).message).toMatch(/the ipv6 rules on web have it: add `family: ipv6`/);
  // A table the host has (an iptables nat table with policies only): no such note.
  const nat = parseSave(`${SAVE(0)}*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n`, "ipv4");
  expect(judgeCounter(check({ kind: "position", table: "nat", chain: "PREROUTING", position: 1 }, ">= 0"), "ipv4", undefined, nat).message).toBe("no ipv4 rule on web matches rule 1 of chain PREROUTING in table nat");
});
