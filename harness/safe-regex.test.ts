/** Unit tests (table-driven, no Docker) for safe-regex.ts. */
import { describe, expect, test } from "vitest";
import { InputError } from "./errors.ts";
import { boundedTest } from "./safe-regex.ts";

describe("bounded regular expressions", () => {
  test.each([
    { pattern: "^-A INPUT .*-j DROP$", flags: "m", text: "-P INPUT ACCEPT\n-A INPUT -p tcp -j DROP\n", result: true },
    { pattern: "^-A INPUT .*-j DROP$", flags: "", text: "-P INPUT ACCEPT\n-A INPUT -p tcp -j DROP\n", result: false },
    { pattern: "nf_tables", flags: "m", text: "iptables v1.8.9 (nf_tables)", result: true },
    { pattern: "\\(legacy\\)", flags: "m", text: "iptables v1.8.9 (nf_tables)", result: false },
    { pattern: "^(a+)+$", flags: "m", text: "aaaa", result: true },
    { pattern: "ü→", flags: "u", text: "xü→y", result: true },
    { pattern: "DROP", flags: "i", text: "drop", result: true },
  ])("/$pattern/$flags on $text is $result", ({ pattern, flags, text, result }) => {
    expect(boundedTest(pattern, flags, text)).toBe(result);
    expect(boundedTest(pattern, flags, text)).toBe(new RegExp(pattern, flags).test(text));
  });

  test.each([
    { pattern: "^(a+)+$", text: `${"a".repeat(40)}!` },
    { pattern: "(a|a)*b", text: "a".repeat(40) },
    { pattern: "^(\\w+\\s?)*$", text: `${"word ".repeat(20)}!` },
  ])("/$pattern/ on $text ends with an error naming the pattern", ({ pattern, text }) => {
    let thrown: unknown;
    try {
      boundedTest(pattern, "m", text, 100);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).message).toBe(`the regular expression /${pattern}/m did not finish matching ${text.length} characters within 100 ms`);
    expect((thrown as InputError).hint).toMatch(/backtracks catastrophically/);
  });

  test("a pattern after a timed-out one works as before", () => {
    expect(() => boundedTest("^(a+)+$", "", `${"a".repeat(40)}!`, 50)).toThrow(InputError);
    expect(boundedTest("^a+!$", "", `${"a".repeat(40)}!`)).toBe(true);
  });

  test("an invalid pattern is a SyntaxError, as with new RegExp", () => {
    expect(() => boundedTest("(", "", "x")).toThrow(SyntaxError);
  });
});
