/**
 * Unit tests (table-driven, no Docker) of the nft readers on rulesets the real
 * tools wrote (fixtures/generated/, PROVENANCE.md): firewalld 1.3.3's
 * `table inet firewalld` (nft -j, nft -a and plain listings of one ruleset)
 * and ufw 0.36.2's rules on iptables-nft as nft lists them. The three
 * readings must agree rule for rule: every JSON rule has its printed text, and
 * the evidence reader (plain listing) puts each rule at the JSON's position.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { nftEvidenceRules } from "./nft-evidence.ts";
import { parseNftJson, targetOf } from "./nft-json.ts";
import { parseNftListing, textKey } from "./nft-listing.ts";
import { nftSavedPart } from "./nft-saved.ts";

const generated = (name: string) => readFileSync(path.join(import.meta.dirname, "..", "..", "fixtures", "generated", name), "utf8");
const json = parseNftJson(generated("firewalld.json"));
const texts = parseNftListing(generated("firewalld.handles.nft"));
const evidence = nftEvidenceRules(generated("firewalld.nft"));

describe("firewalld's generated table", () => {
  test("one inet table, no counters anywhere (firewalld 1.3.3 writes none)", () => {
    expect(json.tables).toEqual(["inet firewalld"]);
    expect(json.rules).toHaveLength(94);
    expect(json.counters).toEqual([]);
    expect(json.rules.filter((r) => r.counter !== null || r.namedCounter !== null)).toEqual([]);
  });

  test("every rule of the JSON has its printed text (paired by handle)", () => {
    expect(json.rules.filter((r) => !texts.has(textKey(r.table, r.handle)))).toEqual([]);
  });

  test("the evidence reader and the JSON agree on every rule's chain, position and target, per family", () => {
    const fromJson = json.rules.map((r) => `${r.chain} #${r.position} ${targetOf(r) ?? "-"} ${texts.get(textKey(r.table, r.handle))}`);
    for (const family of ["ipv4", "ipv6"] as const) {
      expect(evidence.filter((r) => r.family === family).map((r) => `${r.chain} #${r.position} ${r.target ?? "-"} ${r.text}`)).toEqual(fromJson);
    }
  });

  test.each([
    ["filter_INPUT", 3, "ACCEPT", 'iifname "lo" accept'],
    ["filter_INPUT", 5, "filter_INPUT_ZONES", "jump filter_INPUT_ZONES"],
    ["filter_INPUT", 6, "REJECT", "reject with icmpx admin-prohibited"],
    ["filter_INPUT_ZONES", 1, "filter_IN_public", "goto filter_IN_public"],
    ["filter_IN_public", 9, "REJECT", "reject with icmpx admin-prohibited"],
    ["filter_IN_public_allow", 1, "ACCEPT", "tcp dport 22 accept"],
    ["filter_IN_public_allow", 3, "ACCEPT", "tcp dport 80 accept"],
    ["filter_IN_public_allow", 4, "ACCEPT", "ip saddr @admins tcp dport 9090 accept"],
  ])("%s #%i: %s (%s)", (chain, position, target, text) => {
    const saved = nftSavedPart(json, texts, "ipv4").rules.find((r) => r.chain === chain && r.position === position);
    expect(saved).toMatchObject({ table: "inet firewalld", target, counts: false, packets: 0 });
    expect(saved?.text).toMatch(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} # handle \\d+$`));
  });

  test("base chains' policies are read (accept, no counter)", () => {
    const chains = nftSavedPart(json, texts, "ipv6").chains;
    expect(chains.map((c) => `${c.chain} ${c.policy}`)).toContain("filter_INPUT ACCEPT");
    expect(chains.every((c) => c.packets === 0)).toBe(true);
  });
});

describe("ufw's rules on iptables-nft, as nft lists them", () => {
  const ufw = parseNftJson(generated("ufw.json"));
  test("xtables compat rules are read like the others: verdict, jump target, counter", () => {
    const limit = ufw.rules.filter((r) => r.table === "ip filter" && r.chain === "ufw-user-input").map((r) => [r.position, r.verdict, r.jumpTo, r.counter]);
    expect(limit).toEqual([
      [1, null, null, { packets: 0, bytes: 0 }],
      [2, "jump", "ufw-user-limit", { packets: 0, bytes: 0 }],
      [3, "jump", "ufw-user-limit-accept", { packets: 0, bytes: 0 }],
      [4, "accept", null, { packets: 0, bytes: 0 }],
      [5, "drop", null, { packets: 0, bytes: 0 }],
    ]);
  });
});
