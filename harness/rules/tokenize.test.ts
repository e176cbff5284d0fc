/** Unit tests (table-driven, no Docker) for tokenize.ts. */
import { describe, expect, it, test } from "vitest";
import { InputError } from "../errors.ts";
import { restoreWords, RuleSyntaxError, splitGroups, tokenizeRule } from "./tokenize.ts";

describe("tokenizeRule", () => {
  it.each([
    ["plain words", "-A INPUT -j ACCEPT", ["-A", "INPUT", "-j", "ACCEPT"]],
    ["runs of blanks and tabs", "  -A\tINPUT   -j  ACCEPT  ", ["-A", "INPUT", "-j", "ACCEPT"]],
    ["double quotes", '--comment "allow ssh"', ["--comment", "allow ssh"]],
    ["single quotes", "--comment 'allow ssh'", ["--comment", "allow ssh"]],
    ["single quotes keep backslashes and $", "--comment 'a\\b $HOME'", ["--comment", "a\\b $HOME"]],
    ["escaped quote inside double quotes", '--comment "say \\"hi\\""', ["--comment", 'say "hi"']],
    ["iptables-save escapes a single quote in double quotes", '--comment "it\\\'s"', ["--comment", "it's"]],
    ["other backslashes inside double quotes stay", '--comment "a\\nb"', ["--comment", "a\\nb"]],
    ["no expansion inside double quotes", '--comment "$HOME"', ["--comment", "$HOME"]],
    ["backslash escapes outside quotes", "--comment allow\\ ssh", ["--comment", "allow ssh"]],
    ["adjacent pieces join", "--comment a\"b c\"'d'", ["--comment", "ab cd"]],
    ["empty quotes give an empty word", '--log-prefix ""', ["--log-prefix", ""]],
    ["backslash-newline joins lines", "-A INPUT \\\n -j ACCEPT", ["-A", "INPUT", "-j", "ACCEPT"]],
    ["# at a word start is a comment", "-A INPUT -j ACCEPT # allow all", ["-A", "INPUT", "-j", "ACCEPT"]],
    ["# inside a word is literal", "--comment a#b", ["--comment", "a#b"]],
    ["quoted # is literal", '--comment "#1"', ["--comment", "#1"]],
    ["shell operators are ordinary characters", "-j ACCEPT; rm -rf /", ["-j", "ACCEPT;", "rm", "-rf", "/"]],
    ["empty text", "   ", []],
  ])("%s", (_name, text, tokens) => {
    expect(tokenizeRule(text)).toEqual(tokens);
  });

  it.each([
    ["unterminated double quote", '--comment "allow ssh'],
    ["unterminated single quote", "--comment 'allow ssh"],
  ])("rejects %s", (_name, text) => {
    expect(() => tokenizeRule(text)).toThrow(RuleSyntaxError);
    expect(() => tokenizeRule(text)).toThrow(InputError);
  });
});

describe("splitGroups", () => {
  it.each([
    ["one-value options", "-p tcp -s 1.2.3.4 -j ACCEPT", [
      { negated: false, name: "-p", args: ["tcp"] },
      { negated: false, name: "-s", args: ["1.2.3.4"] },
      { negated: false, name: "-j", args: ["ACCEPT"] },
    ]],
    ["verb with chain and number", "-I INPUT 2 -j DROP", [
      { negated: false, name: "-I", args: ["INPUT", "2"] },
      { negated: false, name: "-j", args: ["DROP"] },
    ]],
    ["negation before the option", "! -i lo", [{ negated: true, name: "-i", args: ["lo"] }]],
    ["deprecated negation after the option", "-s ! 10.0.0.0/8", [{ negated: true, name: "-s", args: ["10.0.0.0/8"] }]],
    ["two-argument option", "--tcp-flags SYN,ACK SYN --syn", [
      { negated: false, name: "--tcp-flags", args: ["SYN,ACK", "SYN"] },
      { negated: false, name: "--syn", args: [] },
    ]],
    ["--name=value", "--dport=22", [{ negated: false, name: "--dport", args: ["22"] }]],
    ["comment value starting with a dash", "--comment -j -j ACCEPT", [
      { negated: false, name: "--comment", args: ["-j"] },
      { negated: false, name: "-j", args: ["ACCEPT"] },
    ]],
    ["comment value that is !", "--comment ! -j ACCEPT", [
      { negated: false, name: "--comment", args: ["!"] },
      { negated: false, name: "-j", args: ["ACCEPT"] },
    ]],
  ])("%s", (_name, text, groups) => {
    expect(splitGroups(tokenizeRule(text))).toEqual(groups);
  });

  it.each([
    ["a word that belongs to no option", "INPUT -j ACCEPT"],
    ["a stray word after a one-value option", "-j ACCEPT now"],
    ["a dangling !", "-j ACCEPT !"],
    ["! before a word", "! lo"],
    ["a missing value", "-p"],
    ["a missing comment", "--comment"],
    ["double negation", "! -s ! 10.0.0.1"],
  ])("rejects %s", (_name, text) => {
    expect(() => splitGroups(tokenizeRule(text))).toThrow(RuleSyntaxError);
  });
});

describe("restoreWords (iptables-restore's own splitting)", () => {
  test.each([
    ["-A INPUT -j DROP", ["-A", "INPUT", "-j", "DROP"]],
    [String.raw`--comment "EVIL\033]x\\y\"q"`, ["--comment", String.raw`EVIL033]x\y"q`]],
    [String.raw`--comment a\b`, ["--comment", String.raw`a\b`]],
    ["--comment it's", ["--comment", "it's"]],
    ['--comment "two words"x', ["--comment", "two words", "x"]],
    ['--comment ""', ["--comment", ""]],
  ])("%s", (line, words) => expect(restoreWords(line)).toEqual(words));

  test("an unterminated quote is refused", () => {
    expect(() => restoreWords('--comment "open')).toThrow(/unterminated double quote/);
  });
});
