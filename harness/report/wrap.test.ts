/** Unit tests (table-driven, pure) for wrap.ts: lines fitted to a width, a continuation line never starting a CI command. */
import { describe, expect, test } from "vitest";
import { fitLine, fitText } from "./wrap.ts";

describe("fitLine", () => {
  test.each([
    ["fits: as is", "counted: -A INPUT -s ::1/128 -j DROP", 60, ["counted: -A INPUT -s ::1/128 -j DROP"]],
    // A break before `::1/128` would start a continuation line with `::`: the word before it goes along, no `|`.
    ["the word before a `::` word goes along", "counted: ipv6 filter INPUT #3 -A INPUT -s ::1/128 -p tcp", 41, ["counted: ipv6 filter INPUT #3 -A INPUT", "         -s ::1/128 -p tcp"]],
    ["`##[` too", "meaning: the rule text says ##[group] here", 33, ["meaning: the rule text", "         says ##[group] here"]],
    // Nothing to carry (the word alone on its line before): the `| ` marker.
    ["nothing to carry: the marker", "note: averyveryveryverylongword ::error::x", 20, ["note: averyveryveryverylongword", "      | ::error::x"]],
    ["plain words: broken at spaces, hanging under the label", "ended: stopped after 5 ms before its timeout", 24, ["ended: stopped after 5", "       ms before its", "       timeout"]],
    ["repro: never broken", "repro: docker exec x nc -v -N -w 2 ::1 8080", 20, ["repro:", "       docker exec x nc -v -N -w 2 ::1 8080"]],
    // Tester 37a: a break inside `--comment 'aaaa … jjjj'` put a line break and spaces into the pasted argument.
  ])("%s", (_, line, width, want) => expect(fitLine(line, width)).toEqual(want));
});

describe("fitText", () => {
  test.each([
    // Tester 37a: a break inside `--comment 'aaaa … jjjj'` put a line break and spaces into the pasted argument.
    ["a failed command's `on HOST:` line: never broken", "rule command failed on srv\n    on srv: iptables -A INPUT -m comment --comment 'aaaa bbbb cccc' -j DROP\n    exit code 2", 30, "rule command failed on srv\n    on srv:\n      iptables -A INPUT -m comment --comment 'aaaa bbbb cccc' -j DROP\n    exit code 2"],
    ["a host name quoted as a shell takes it too", "  on 'a b': iptables -A INPUT -m comment --comment 'aaaa bbbb' -j DROP\n  exit code 1", 30, "  on 'a b':\n    iptables -A INPUT -m comment --comment 'aaaa bbbb' -j DROP\n  exit code 1"],
    // Reviewer 37: a line of the command's output that reads `on X: …` is text, broken as any.
    ["an output line that reads alike: broken as any", "  exit code 1:\n    on eth0: the link went down while the rules were loaded", 30, "  exit code 1:\n    on eth0: the link went\n      down while the rules\n      were loaded"],
  ])("%s", (_, text, width, want) => expect(fitText(text, width)).toEqual(want));
});
