import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nftEvidenceRules } from "./nft-evidence.ts";
import { nativeListing } from "./nft-read.ts";

const LISTED = readFileSync(join(import.meta.dirname, "testdata/nft-ruleset.txt"), "utf8");

describe("nftEvidenceRules", () => {
  it("reads every rule of the native tables in the apply's evidence, per family its table sees, with its target and whether it counts", () => {
    const listing = nativeListing(LISTED, (t) => t !== "ip nat");
    expect(nftEvidenceRules(listing).map((r) => `${r.family} ${r.table} ${r.chain} #${r.position} ${r.target} ${r.counts ? "counts" : "-"} ${r.text}`)).toEqual([
      "ipv4 inet fw input #1 ACCEPT - ct state established,related accept",
      "ipv6 inet fw input #1 ACCEPT - ct state established,related accept",
      "ipv4 inet fw input #2 ACCEPT - iif \"lo\" accept",
      "ipv6 inet fw input #2 ACCEPT - iif \"lo\" accept",
      "ipv4 inet fw input #3 ACCEPT counts tcp dport @allowed_tcp counter name \"ssh_hits\" accept",
      "ipv6 inet fw input #3 ACCEPT counts tcp dport @allowed_tcp counter name \"ssh_hits\" accept",
      "ipv4 inet fw input #4 DROP counts tcp dport 8080 counter drop comment \"block 8080\"",
      "ipv6 inet fw input #4 DROP counts tcp dport 8080 counter drop comment \"block 8080\"",
      "ipv4 inet fw input #5 zone_public counts tcp dport { 8081, 8082 } counter jump zone_public",
      "ipv6 inet fw input #5 zone_public counts tcp dport { 8081, 8082 } counter jump zone_public",
      "ipv4 inet fw input #6 REJECT - reject with icmpx admin-prohibited",
      "ipv6 inet fw input #6 REJECT - reject with icmpx admin-prohibited",
      "ipv4 inet fw zone_public #1 REJECT counts tcp dport 8081 counter reject with tcp reset",
      "ipv6 inet fw zone_public #1 REJECT counts tcp dport 8081 counter reject with tcp reset",
      "ipv4 inet fw zone_public #2 null counts counter",
      "ipv6 inet fw zone_public #2 null counts counter",
      "ipv6 ip6 only6 input #1 DROP counts tcp dport 9090 counter drop",
    ]);
  });

  it("rules that share a named counter count nothing of their own; a named counter one rule updates is its own (tester 45b)", () => {
    const listing = 'table inet fw {\n\tcounter c {\n\t}\n\tcounter solo {\n\t}\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tmeta nfproto ipv4 tcp dport 80 counter name "c" accept\n\t\tmeta nfproto ipv6 tcp dport 80 counter name "c" accept\n\t\ttcp dport 81 counter name "c" counter accept\n\t\ttcp dport 22 counter name "solo" accept\n\t}\n}';
    expect(nftEvidenceRules(listing).filter((r) => r.family === "ipv4").map((r) => `#${r.position} ${r.counts ? "counts" : "-"}`)).toEqual(["#1 -", "#2 -", "#3 counts", "#4 counts"]);
  });

  it("an empty listing has no rules", () => {
    expect(nftEvidenceRules("")).toEqual([]);
  });
});
