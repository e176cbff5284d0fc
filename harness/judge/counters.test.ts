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
});
