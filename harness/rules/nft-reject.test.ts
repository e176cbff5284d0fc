/**
 * Unit tests (table-driven, no Docker): what a native nft `reject` answers, as
 * `nft list ruleset` prints it — the rules of fixtures/generated/firewalld.nft
 * (firewalld 1.3.3's own) among them — and the verdict sentence built from a
 * trace decision on such a rule names that answer, never iptables' default.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { verdictCause } from "../judge/explain.ts";
import type { Decision } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { nftRejectAnswer } from "./nft-listing.ts";

const FIREWALLD = readFileSync(path.join(import.meta.dirname, "..", "..", "fixtures", "generated", "firewalld.nft"), "utf8");
const firewalldRejects = FIREWALLD.split("\n").map((l) => l.trim()).filter((l) => /\breject\b/.test(l));

describe("nftRejectAnswer", () => {
  test("firewalld's generated table has the rejects the cases below name", () => {
    expect(firewalldRejects).toContain("reject with icmpx admin-prohibited");
    expect(firewalldRejects.some((l) => l.endsWith("reject with icmpv6 addr-unreachable"))).toBe(true);
  });

  test.each<[string, Family, string | undefined]>([
    ["reject with icmpx admin-prohibited", "ipv4", "icmpx admin-prohibited"],
    ["reject with icmpx admin-prohibited # handle 125", "ipv6", "icmpx admin-prohibited"],
    ["ip6 daddr { ::/96, 2002::/24 } reject with icmpv6 addr-unreachable", "ipv6", "icmpv6 addr-unreachable"],
    ["tcp dport 8081 counter packets 0 bytes 0 reject with tcp reset", "ipv4", "tcp reset"],
    ["reject with icmp type host-prohibited", "ipv4", "icmp host-prohibited"],
    ["reject with icmp host-prohibited", "ipv4", "icmp host-prohibited"],
    ["tcp dport 8080 reject", "ipv4", "icmp port-unreachable"],
    ["tcp dport 8080 reject", "ipv6", "icmpv6 port-unreachable"],
    ['tcp dport 22 accept comment "no reject here"', "ipv4", undefined],
    ["-A INPUT -j REJECT --reject-with tcp-reset", "ipv4", undefined],
  ])("%s (%s) answers %s", (rule, family, answer) => {
    expect(nftRejectAnswer(rule, family)).toBe(answer);
  });
});

describe("the verdict sentence for a traced nft reject", () => {
  const decision = (rule: string, family: Family): Decision => ({
    host: "server", family, table: "inet firewalld", path: ["filter_INPUT", "filter_IN_public"], rule, action: "reject", policy: false, source: "trace", handle: 125,
  });
  test.each<[string, Family, string]>([
    ["reject with icmpx admin-prohibited", "ipv4", "answered its SYN with icmpx admin-prohibited, which the client reports as unreachable: server filter_INPUT → filter_IN_public: reject with icmpx admin-prohibited"],
    ["reject with icmpx admin-prohibited", "ipv6", "answered its SYN with icmpx admin-prohibited, which the client reports as unreachable"],
    ["tcp dport 8080 reject", "ipv6", "answered its SYN with icmpv6 port-unreachable: server"],
  ])("%s (%s)", (rule, family, words) => {
    const text = verdictCause(rule.includes("admin") ? "unreachable" : "refused", { decision: decision(rule, family), watched: true });
    expect(text).toContain(words);
    expect(text).not.toMatch(/icmp6?-port-unreachable/);
  });
});
