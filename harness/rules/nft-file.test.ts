import { describe, expect, test } from "vitest";
import { flushesRuleset, formatNftProblems, includeProblem, nativeRollbackInput, nftIncludes, nftProblems, tableBlocksOf, inCharacters, withEnoentMeaning } from "./nft-file.ts";

/** What `nft -c -f /tmp/r.nft` printed for a file with four syntax errors and one semantic error (nft 1.0.6, measured). */
const STDERR = `/tmp/r.nft:3:116-116: Error: syntax error, unexpected '}', expecting newline or semicolon
  chain OUTPUT { type nat hook output priority -100; policy accept; ip daddr 127.0.0.11 counter jump DOCKER_OUTPUT }
                                                                                                                   ^
/tmp/r.nft:4:3-7: Error: syntax error, unexpected chain
  chain DOCKER_OUTPUT { ip daddr 127.0.0.11 tcp dport 53 counter dnat to 127.0.0.11:45005 }
  ^^^^^
/tmp/r.nft:16:23-38: Error: abstracted ICMP unreachable not supported
    reject with icmpx admin-prohibited
    ~~~~~~            ^^^^^^^^^^^^^^^^
`;

describe("nftProblems", () => {
  test.each([
    [STDERR, "/tmp/r.nft", [
      { line: 3, column: 116, message: "syntax error, unexpected '}', expecting newline or semicolon", excerpt: { source: STDERR.split("\n")[1]!, marks: STDERR.split("\n")[2]! } },
      { line: 4, column: 3, message: "syntax error, unexpected chain", excerpt: { source: "  chain DOCKER_OUTPUT { ip daddr 127.0.0.11 tcp dport 53 counter dnat to 127.0.0.11:45005 }", marks: "  ^^^^^" } },
      { line: 16, column: 23, message: "abstracted ICMP unreachable not supported", excerpt: { source: "    reject with icmpx admin-prohibited", marks: "    ~~~~~~            ^^^^^^^^^^^^^^^^" } },
    ]],
    // the source line and nft's marks, as nft echoed them (tabs kept: the marks line up under the word)
    ["/dev/stdin:3:23-23: Error: syntax error, unexpected newline\n    tcp dport 22 acept\n                      ^\n", "/dev/stdin", [{ line: 3, column: 23, message: "syntax error, unexpected newline", excerpt: { source: "    tcp dport 22 acept", marks: "                      ^" } }]],
    ["/dev/stdin:4:15-15: Error: syntax error, unexpected newline\n\t\tiif lo acept\n\t\t            ^\n", "/dev/stdin", [{ line: 4, column: 15, message: "syntax error, unexpected newline", excerpt: { source: "\t\tiif lo acept", marks: "\t\t            ^" } }]],
    // an included file's error keeps its own file and line
    ["/etc/nftables.d/x.nft:2:1-5: Error: syntax error, unexpected table\n", "/tmp/r.nft", [{ line: undefined, message: "/etc/nftables.d/x.nft:2: syntax error, unexpected table" }]],
    ["Error: Could not process rule: No such file or directory\nadd rule inet fw input drop\n^^^^^^^^^^^^^^^^^^^^^^^^^^^\n", "/tmp/r.nft", [{ line: undefined, message: "Could not process rule: No such file or directory (a table, chain, set or map it names does not exist, or the kernel lacks something it uses (a flowtable, a match))" }]],
    ["internal:0:0-0: Error: Could not open file\n", "/tmp/r.nft", [{ line: undefined, message: "internal:0: Could not open file" }]],
    ["something else entirely\n", "/tmp/r.nft", [{ line: undefined, message: "something else entirely" }]],
    ["", "/tmp/r.nft", []],
  ] as const)("%#", (stderr, file, problems) => expect(nftProblems(stderr, file)).toEqual(problems));

  test("formatted with the file as written", () => {
    expect(formatNftProblems(nftProblems(STDERR, "/tmp/r.nft").slice(1), "/p/rules.nft")).toBe(
      "/p/rules.nft:4:3: syntax error, unexpected chain\n    chain DOCKER_OUTPUT { ip daddr 127.0.0.11 tcp dport 53 counter dnat to 127.0.0.11:45005 }\n    ^^^^^\n/p/rules.nft:16:23: abstracted ICMP unreachable not supported\n      reject with icmpx admin-prohibited\n      ~~~~~~            ^^^^^^^^^^^^^^^^",
    );
  });
});

const LISTING = `table ip nat {
\tchain OUTPUT {
\t\ttype nat hook output priority -100; policy accept;
\t}
}
table inet fw {
\tset s {
\t\ttype inet_service
\t\telements = { 22 }
\t}
}
`;

test("tableBlocksOf cuts top-level table blocks", () => {
  const blocks = tableBlocksOf(LISTING);
  expect([...blocks.keys()]).toEqual(["ip nat", "inet fw"]);
  expect(blocks.get("inet fw")).toBe("table inet fw {\n\tset s {\n\t\ttype inet_service\n\t\telements = { 22 }\n\t}\n}");
});

test.each([
  [new Map(), [], ""],
  [new Map(), ["inet fw"], "delete table inet fw\n"],
  [new Map([["inet fw", "table inet fw {\n}"]]), ["inet fw", "ip t"], "delete table inet fw\ndelete table ip t\ntable inet fw {\n}\n"],
  [new Map([["ip nat", "table ip nat {\n}"]]), [], "table ip nat {\n}\n"], // flush ruleset deleted it: loaded again
])("nativeRollbackInput %#", (before, now, input) => expect(nativeRollbackInput(before, now)).toBe(input));

test.each([
  ["flush ruleset\ntable inet fw {}\n", true],
  ["#!/usr/sbin/nft -f\n\nflush ruleset;\n", true],
  ["  flush ruleset # start over\n", true],
  ["table inet fw {}\nflush table inet fw\n", false],
  ["# flush ruleset\n", false],
])("flushesRuleset(%j) = %s", (content, flushes) => expect(flushesRuleset(content)).toBe(flushes));

describe("nft's ENOENT names nothing: what the line names that may not exist (tester 42b)", () => {
  test.each([
    ["a jump", "    tcp dport 22 jump ssh_chain", "Could not process rule: No such file or directory (the chain `ssh_chain` it jumps to does not exist in that table)"],
    ["a goto", "    goto blocked", "Could not process rule: No such file or directory (the chain `blocked` it jumps to does not exist in that table)"],
    ["a set", "    ip saddr @admin accept", "Could not process rule: No such file or directory (the set or map `@admin` it names does not exist in that table)"],
    ["nothing named", "    flowtable f { hook ingress priority 0; devices = { eth0 } }", "Could not process rule: No such file or directory (a table, chain, set or map it names does not exist, or the kernel lacks something it uses (a flowtable, a match))"],
  ])("%s", (_, source, want) => {
    expect(withEnoentMeaning("Could not process rule: No such file or directory", source)).toBe(want);
  });
  test("another message is left as it is; a located ENOENT carries the meaning", () => {
    expect(withEnoentMeaning("syntax error, unexpected tcp", "tcp dport 22 jump x")).toBe("syntax error, unexpected tcp");
    const stderr = "/tmp/j.nft:4:21-34: Error: Could not process rule: No such file or directory\n    tcp dport 22 jump ssh_chain\n                 ^^^^^^^^^^^^^^\n";
    expect(nftProblems(stderr, "/tmp/j.nft")[0]?.message).toBe("Could not process rule: No such file or directory (the chain `ssh_chain` it jumps to does not exist in that table)");
  });
  test("a line naming several chains or sets: the one nft's marks point at (tester 43a: a vmap's second chain)", () => {
    const vmap = "    tcp dport vmap { 22 : jump ssh_in, 8080 : jump web_inn }";
    expect(withEnoentMeaning("Could not process rule: No such file or directory", vmap, vmap.indexOf("web_inn") + 1)).toContain("the chain `web_inn` it jumps to");
    expect(withEnoentMeaning("Could not process rule: No such file or directory", vmap, vmap.indexOf("jump web_inn") + 1)).toContain("the chain `web_inn` it jumps to");
    const sets = "    ip saddr @admins ip daddr @serverz accept";
    expect(withEnoentMeaning("Could not process rule: No such file or directory", sets, sets.indexOf("@serverz") + 2)).toContain("`@serverz`");
    const both = "    ip saddr @blockd jump logdrop";
    expect(withEnoentMeaning("Could not process rule: No such file or directory", both, both.indexOf("@blockd") + 1)).toContain("`@blockd`");
    expect(withEnoentMeaning("Could not process rule: No such file or directory", both, both.indexOf("logdrop") + 1)).toContain("the chain `logdrop`");
    const stderr = `/tmp/v.nft:5:${vmap.indexOf("web_inn") + 1}-${vmap.indexOf("web_inn") + 7}: Error: Could not process rule: No such file or directory\n${vmap}\n${" ".repeat(vmap.indexOf("web_inn"))}^^^^^^^\n`;
    expect(nftProblems(stderr, "/tmp/v.nft")[0]?.message).toContain("the chain `web_inn` it jumps to");
  });
});

describe("nft's byte columns and marks in characters", () => {
  test.each<[string, string, string, number, number, string]>([
    ["an ASCII line: as nft printed", '    comment "abc" tcp dport 22 acept', "                     ^^^", 22, 22, "                     ^^^"],
    ["two-byte characters before the error", '    comment "ééééé" tcp dport 22 acept', "                         ^^^", 26, 21, "                    ^^^"],
    ["an emoji (four bytes, two columns wide) before, marks with context", '  "😀" tcp dport 22 acept', "       ~~~ ^^^^^^^^", 8, 5, "     ~~~ ^^^^^^^^"],
    ["a CJK character (three bytes, two columns wide) before", '  "漢" acept', "        ^^^^^", 9, 7, "       ^^^^^"],
    ["a tab kept under the text", '\tcomment "é" acept', "\t            ^^^^^", 15, 14, "\t           ^^^^^"],
    ["a mark past the line's end", "  acept é", "            ^", 13, 12, "           ^"],
    ["column 1", "é x", "^^", 1, 1, "^"],
  ])("%s", (_what, source, marks, byteColumn, column, shown) => {
    expect(inCharacters(source, marks, byteColumn)).toEqual({ column, marks: shown });
  });

  test("nftProblems gives the column in characters", () => {
    const stderr = '/u.nft:3:26-28: Error: syntax error, unexpected tcp, expecting newline or semicolon\n    comment "ééééé" tcp dport 22 acept\n                         ^^^\n';
    expect(nftProblems(stderr, "/u.nft")).toEqual([{ line: 3, column: 21, message: "syntax error, unexpected tcp, expecting newline or semicolon", excerpt: { source: '    comment "ééééé" tcp dport 22 acept', marks: "                    ^^^" } }]);
  });
});

describe("nftIncludes", () => {
  test.each([
    ['include "./conf.d/*.nft"', [{ line: 1, target: "./conf.d/*.nft" }]],
    ['  include "/etc/nftables.d/extra.nft"  # Debian style', [{ line: 1, target: "/etc/nftables.d/extra.nft" }]],
    ['# include "./off.nft"', []],
    ['table inet fw { chain input { comment "include \"x\""; } }', []],
    ["flush ruleset", []],
  ])("%s", (text, found) => {
    expect(nftIncludes(text)).toEqual(found);
  });

  test("the problem names each include with its line, and what to do", () => {
    const found = nftIncludes('flush ruleset\ninclude "./conf.d/*.nft"\ntable inet fw {}\n');
    const { message, hint } = includeProblem("k.nft", found);
    expect(message).toContain('k.nft:2: include "./conf.d/*.nft"');
    expect(message).toContain("only this file");
    expect(hint).toContain("`nft:` step of its own");
  });
});
