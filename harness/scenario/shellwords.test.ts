/** Unit tests (table-driven, no Docker) for shellwords.ts. */
import { describe, expect, test } from "vitest";
import { splitCommand } from "./shellwords.ts";

describe("splitCommand: words like a shell", () => {
  const cases: Array<[string, string[]]> = [
    ["iptables -A INPUT -p tcp --dport 8080 -j DROP", ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "8080", "-j", "DROP"]],
    ["  iptables\t-F  ", ["iptables", "-F"]],
    ["iptables -m comment --comment 'a; b $c `d`'", ["iptables", "-m", "comment", "--comment", "a; b $c `d`"]],
    ['iptables --comment "say \\"hi\\" \\$5"', ["iptables", "--comment", 'say "hi" $5']],
    ["iptables --comment a\\ b", ["iptables", "--comment", "a b"]],
    ["iptables ! -s 10.0.0.0/8 -j DROP", ["iptables", "!", "-s", "10.0.0.0/8", "-j", "DROP"]],
    ["iptables -i eth+ -j ACCEPT", ["iptables", "-i", "eth+", "-j", "ACCEPT"]],
    ["echo '' x", ["echo", "", "x"]],
    ["echo a'b'\"c\"", ["echo", "abc"]],
    ["iptables --log-prefix '[fw] '", ["iptables", "--log-prefix", "[fw] "]],
    ["a#b", ["a#b"]],
  ];
  test.each(cases)("%s", (line, argv) => {
    expect(splitCommand(line)).toEqual({ ok: true, argv });
  });
});

describe("splitCommand: what a shell would interpret is refused", () => {
  const cases: Array<[string, number | undefined, string]> = [
    ["iptables -F; iptables -X", 11, "`;`"],
    ["iptables -F && iptables -X", 12, "`&`"],
    ["iptables -S | grep x", 12, "`|`"],
    ["iptables-save > /tmp/x", 14, "`>`"],
    ["iptables-restore < /tmp/x", 17, "`<`"],
    ["(iptables -F)", 0, "`(`"],
    ["iptables -s $(hostname -i)", 12, "`$(`"],
    ["iptables -s ${PEER}", 12, "`${`"],
    ["iptables -s $PEER", 12, "`$`"],
    ['iptables -s "$PEER"', 13, "`$`"],
    ["iptables -s `hostname -i`", 12, "backtick"],
    ['iptables -s "`x`"', 13, "backtick"],
    ["iptables -F # flush", 12, "comment"],
    ["iptables -i eth*", 15, "wildcard"],
    ["ls ~/x", 3, "home-directory"],
    ["iptables 'unterminated", 9, "unterminated single quote"],
    ['iptables "unterminated', 9, "unterminated double quote"],
    ["iptables -F \\", 12, "backslash"],
    ["iptables -F\niptables -X", 11, "span lines"],
    ["", undefined, "empty command"],
    ["   ", undefined, "empty command"],
  ];
  test.each(cases)("%j", (line, offset, message) => {
    const r = splitCommand(line);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.offset).toBe(offset);
    expect(r.message).toContain(message);
    expect(r.hint.length).toBeGreaterThan(0);
  });
});
