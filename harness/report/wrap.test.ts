/** Unit tests (table-driven, pure) for wrap.ts: lines fitted to a width, a continuation line never starting a CI command. */
import { describe, expect, test } from "vitest";
import { fitLine } from "./wrap.ts";

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
    ["a failed command's `on HOST:` line: never broken", "    on srv: iptables -A INPUT -m comment --comment 'aaaa bbbb cccc' -j DROP", 30, ["    on srv:", "      iptables -A INPUT -m comment --comment 'aaaa bbbb cccc' -j DROP"]],
  ])("%s", (_, line, width, want) => expect(fitLine(line, width)).toEqual(want));
});
