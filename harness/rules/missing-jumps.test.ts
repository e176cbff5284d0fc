/** Unit tests (table-driven, no Docker) for missing-jumps.ts, with both backends' real words (iptables v1.8.9 of the lab image). */
import { describe, expect, it } from "vitest";
import { explainMissingJumps, extensionTargets, missingJumps, namedMissing } from "./missing-jumps.ts";

/** The lab image's listing, abridged: targets, matches, ebtables' and arptables' files. */
const LISTING = ["libxt_LOG.so", "libxt_MASQUERADE.so", "libxt_DNAT.so", "libxt_SNAT.so", "libipt_REJECT.so", "libip6t_REJECT.so", "libipt_TTL.so", "libip6t_HL.so", "libxt_MARK.so", "libxt_mark.so", "libxt_tcp.so", "libxt_standard.so", "libebt_log.so", "libarpt_mangle.so", "libebt_SNAT.so"];
const V4 = extensionTargets(LISTING, "ipv4")!;

const NFT = (chain: string, line: number) => `iptables-nft-restore v1.8.9 (nf_tables): Chain '${chain}' does not exist\nError occurred at line: ${line}\nTry \`iptables-nft-restore -h' or 'iptables-nft-restore --help' for more information.\n`;
const LEGACY = (target: string, line: number) => `iptables-restore v1.8.9 (legacy): Couldn't load target \`${target}':No such file or directory\n\nError occurred at line: ${line}\nTry \`iptables-restore -h' or 'iptables-restore --help' for more information.\n`;

const FILE = [
  "*filter", //                                     1
  ":INPUT ACCEPT [0:0]", //                         2
  ":FORWARD ACCEPT [0:0]", //                       3
  ":OUTPUT ACCEPT [0:0]", //                        4
  "-A INPUT -p tcp --dport 22 -j ACCPET", //        5
  "-A INPUT -i lo -j ACCEPT", //                    6
  "COMMIT", //                                      7
  "",
].join("\n");

describe("extensionTargets", () => {
  it.each([
    ["ipv4", ["DNAT", "LOG", "MARK", "MASQUERADE", "REJECT", "SNAT", "TTL"]],
    ["ipv6", ["DNAT", "HL", "LOG", "MARK", "MASQUERADE", "REJECT", "SNAT"]],
  ] as const)("%s: the upper-case xt and family modules, not matches, ebtables or arptables", (family, names) => {
    expect([...extensionTargets(LISTING, family)!].sort()).toEqual(names);
  });

  it("an unreadable listing is no list (never: every target missing)", () => {
    expect(extensionTargets(["ls: cannot access '/usr/lib/*/xtables': No such file or directory"], "ipv4")).toBeUndefined();
  });
});

describe("missingJumps", () => {
  const block = (...rules: string[]) => ["*filter", ":INPUT ACCEPT [0:0]", ...rules, "COMMIT"].join("\n");
  it.each([
    ["a typo of a verdict", block("-A INPUT -j ACCPET"), undefined, ["3 -j ACCPET"]],
    ["verdicts, targets and declared chains are fine", block(":WEB - [0:0]", "-A INPUT -j WEB", "-A INPUT -j LOG --log-prefix x", "-A INPUT -j REJECT", "-A WEB -j RETURN", "-A INPUT -j DROP"), undefined, []],
    ["a chain made with -N (before or after its use)", block("-A INPUT -j LATE", "-N EARLY", "-A INPUT -g EARLY", "--new-chain LATE"), undefined, []],
    ["a renamed chain", block(":OLD - [0:0]", "-E OLD NEW", "-A INPUT -j NEW"), undefined, []],
    ["-g, --jump, --goto and a counters prefix", block("-A INPUT -g NOPE1", "[3:180] -A INPUT --jump NOPE2", "-A INPUT --goto NOPE3"), undefined, ["3 -g NOPE1", "4 -j NOPE2", "5 -g NOPE3"]],
    ["a target name is case-sensitive", block("-A INPUT -j accept", "-A INPUT -j log"), undefined, ["3 -j accept", "4 -j log"]],
    ["-j inside a quoted comment is no jump", block('-A INPUT -m comment --comment "then -j NOWHERE" -j ACCEPT'), undefined, []],
    ["an ipv6 target in an ipv4 file", block("-A INPUT -j HL --hl-set 5"), undefined, ["3 -j HL"]],
    ["a line that cannot be read is skipped", block('-A INPUT -m comment --comment "open -j NOPE'), undefined, []],
  ])("%s", (_, content, at, jumps) => {
    expect(missingJumps(content, V4, at).map((j) => `${j.line} ${j.option} ${j.name}`)).toEqual(jumps);
  });

  it("a chain of another table does not count; the block holding the line decides", () => {
    const content = ["*nat", ":WEB - [0:0]", "-A PREROUTING -j NOPE", "COMMIT", "*filter", "-A INPUT -j WEB", "-A INPUT -j ACCPET", "COMMIT"].join("\n");
    expect(missingJumps(content, V4, 8).map((j) => j.line)).toEqual([6, 7]);
    expect(missingJumps(content, V4, 4).map((j) => j.line)).toEqual([3]);
    expect(missingJumps(content, V4).map((j) => j.line)).toEqual([3, 6, 7]);
  });

  it("on a rule line, only that line's jump (the legacy backend names the rule)", () => {
    expect(missingJumps(block("-A INPUT -j NOPE1", "-A INPUT -j NOPE2"), V4, 4).map((j) => j.name)).toEqual(["NOPE2"]);
  });

  it("without the extension list only the target the tool named is missing", () => {
    expect(missingJumps(block("-A INPUT -j LOG", "-A INPUT -j ACCPET", "-A INPUT -j MASQ"), undefined, 6, "ACCPET").map((j) => j.name)).toEqual(["ACCPET"]);
  });
});

describe("namedMissing", () => {
  it.each([
    [NFT("ACCPET", 7), "ACCPET"],
    [LEGACY("ACCPET", 5), "ACCPET"],
    ['iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"\nError occurred at line: 6\n', undefined],
  ])("%j → %s", (stderr, name) => {
    expect(namedMissing(stderr)).toBe(name);
  });
});

describe("explainMissingJumps", () => {
  it.each([
    ["nft backend: the rule's line, not the COMMIT", FILE, NFT("ACCPET", 7), V4, [
      "5: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?); iptables-nft-restore v1.8.9 (nf_tables): Chain 'ACCPET' does not exist (reported at line 7, the table's COMMIT)",
    ]],
    ["legacy backend: the rule's own line, with the suggestion", FILE, LEGACY("ACCPET", 5), V4, [
      "5: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?); iptables-restore v1.8.9 (legacy): Couldn't load target `ACCPET':No such file or directory",
    ]],
    ["nft names the first; every jump to nothing of the table is named, the tool's words on its own", ["*filter", ":WEB - [0:0]", "-A INPUT -j NOPE1", "-A INPUT -j WBE", "-A INPUT -j MASQUERAD", "COMMIT"].join("\n"), NFT("NOPE1", 6), V4, [
      "3: -j NOPE1: no chain or target named NOPE1; iptables-nft-restore v1.8.9 (nf_tables): Chain 'NOPE1' does not exist (reported at line 6, the table's COMMIT)",
      "4: -j WBE: no chain or target named WBE (did you mean WEB?)",
      "5: -j MASQUERAD: no chain or target named MASQUERAD (did you mean MASQUERADE?)",
    ]],
    ["no extension list: the named one only", FILE, NFT("ACCPET", 7), undefined, [
      "5: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?); iptables-nft-restore v1.8.9 (nf_tables): Chain 'ACCPET' does not exist (reported at line 7, the table's COMMIT)",
    ]],
  ])("%s", (_, content, stderr, targets, lines) => {
    expect(explainMissingJumps(content, stderr, targets)?.map((l) => `${l.line}: ${l.message}`)).toEqual(lines);
  });

  it.each([
    ["another refusal at a rule line", FILE, 'iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"\nError occurred at line: 5\n'],
    ["a refusal at COMMIT with every jump known", FILE.replace("ACCPET", "ACCEPT"), "iptables-restore: line 7 failed\n"],
  ])("%s is not explained (reported as it was)", (_, content, stderr) => {
    expect(explainMissingJumps(content, stderr, V4)).toBeUndefined();
  });
});
