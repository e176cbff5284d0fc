import { describe, expect, test } from "vitest";
import { nftMissingJumpMessage, nftMissingJumps } from "./nft-static-jumps.ts";

const FLUSH = "flush ruleset\n";
const found = (content: string) => nftMissingJumps(content).map((j) => `${j.line}:${j.column} ${j.verb} ${j.chain} @${j.table}`);

describe("nftMissingJumps: jumps to no chain of a file that starts over", () => {
  test.each<[string, string, string[]]>([
    ["a jump to a chain the table declares later", `${FLUSH}table inet filter {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport 22 jump ssh\n  }\n  chain ssh { accept }\n}\n`, []],
    ["a jump to a misspelt chain", `${FLUSH}table inet filter {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport 22 jump shh\n  }\n  chain ssh { accept }\n}\n`, ["5:18 jump shh @inet filter"]],
    ["goto, and a chain of another table does not count", `${FLUSH}table ip a {\n  chain x { }\n}\ntable ip b {\n  chain input { type filter hook input priority 0; goto x; }\n}\n`, ["6:52 goto x @ip b"]],
    ["a verdict map's elements", `${FLUSH}table inet f {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport vmap { 22 : jump ssh, 80 : goto web }\n  }\n  chain web { }\n}\n`, ["5:27 jump ssh @inet f"]],
    ["a named map of verdicts", `${FLUSH}table inet f {\n  map ports { type inet_service : verdict; elements = { 22 : jump ssh } }\n  chain ssh { }\n  chain nope { }\n}\n`, []],
    ["flat commands, the chain added after the rule", `${FLUSH}add table inet f\nadd chain inet f input { type filter hook input priority 0; }\nadd rule inet f input tcp dport 22 jump ssh\nadd chain inet f ssh\nadd rule inet f input jump gone\n`, ["6:23 jump gone @inet f"]],
    ["a table without its family is ip's", `${FLUSH}table filter {\n  chain input { type filter hook input priority 0; jump extra; }\n}\nadd chain ip filter extra\n`, []],
    ["words in comments and quoted strings are no jumps", `${FLUSH}table inet f {\n  # jump nowhere\n  chain input { type filter hook input priority 0; counter comment "jump nowhere" accept }\n}\n`, []],
    ["a variable is not judged", `${FLUSH}define target = ssh\ntable inet f {\n  chain input { type filter hook input priority 0; jump $target; }\n}\n`, []],
    // Reviewer 43: forms nft loads that an earlier reading took for jumps to nothing.
    ["a chain on the table's own line", `${FLUSH}table inet f { chain ssh { accept; }\n  chain input { type filter hook input priority 0; jump ssh; }\n}\n`, []],
    ["one line, chains parted by semicolons", `${FLUSH}table inet f { chain ssh { accept; }; chain input { type filter hook input priority 0; jump ssh; }; }\n`, []],
    ["add table with its chain inline, then flat rules", `${FLUSH}add table inet f { chain ssh { accept; }; }\nadd chain inet f input { type filter hook input priority 0; }\nadd rule inet f input jump ssh\n`, []],
    ["a chain declared over a line continuation", `${FLUSH}add table inet f\nadd chain inet f \\\n  ssh\nadd chain inet f input { type filter hook input priority 0; }\nadd rule inet f input jump ssh\n`, []],
    ["a chain header continued on the next line", `${FLUSH}table inet f {\n  chain ssh \\\n  { accept; }\n  chain input { type filter hook input priority 0; jump ssh; }\n}\n`, []],
    ["a chain renamed: not judged", `${FLUSH}table inet f {\n  chain old { accept; }\n  chain input { type filter hook input priority 0; }\n}\nrename chain inet f old ssh\nadd rule inet f input jump ssh\n`, []],
    ["a flush after a rule: only what follows the last flush is read", "add rule inet f input jump ssh\nflush ruleset\ntable inet g {\n  chain input { type filter hook input priority 0; jump nowhere; }\n}\n", ["4:52 jump nowhere @inet g"]],
    ["a misspelt chain in a named map's elements", `${FLUSH}table inet f {\n  map ports { type inet_service : verdict; elements = { 22 : jump shh } }\n  chain ssh { }\n}\n`, ["3:62 jump shh @inet f"]],
    // Not sure, so nothing: the chain may come from elsewhere, or the reading is off.
    ["no flush ruleset: the table may have chains from elsewhere", "table inet filter {\n  chain input { type filter hook input priority 0; jump ssh; }\n}\n", []],
    ["an include", `${FLUSH}include "/etc/nft.d/*.nft"\ntable inet f {\n  chain input { type filter hook input priority 0; jump ssh; }\n}\n`, []],
    ["braces that do not balance", `${FLUSH}table inet f {\n  chain input { type filter hook input priority 0; jump ssh;\n}\n`, []],
  ])("%s", (_, content, expected) => {
    expect(found(content)).toEqual(expected);
  });

  test("the message names the table's chains and the nearest", () => {
    const content = `${FLUSH}table inet filter {\n  chain input { type filter hook input priority 0; jump ssh_inn; }\n  chain ssh_in { }\n}\n`;
    const [j] = nftMissingJumps(content);
    expect(nftMissingJumpMessage(j!, content)).toBe(
      "jump ssh_inn: no chain ssh_inn in table inet filter (did you mean ssh_in? chains there: input, ssh_in); nft refuses the whole file at load time (`Could not process rule: No such file or directory`)",
    );
  });
});
