/** Unit tests (table-driven, no Docker) for text.ts: escapes, CI command lines, XML safety, and the checks that share its one control-character class. */
import { describe, expect, test } from "vitest";
import { hasCiCommandLine, hasRawControl, oneLine, safeText, terminalHazard, xmlSafe } from "./text.ts";

describe("safeText", () => {
  test.each([
    ["\u001b[31mred\u001b[0m", "\\x1b[31mred\\x1b[0m"],
    ["bell\u0007", "bell\\x07"],
    ["del\u007f", "del\\x7f"],
    ["csi\u009b2J", "csi\\x9b2J"],
    ["rtl\u202etxt.exe", "rtl\\u202etxt.exe"],
    ["isolate\u2066x\u2069", "isolate\\u2066x\\u2069"],
    ["cr\roverwrite", "cr\\x0doverwrite"],
    ["a\nb", "a\nb"],
    ["tab\tok", "tab\tok"],
    ["::error file=x::injected", "| ::error file=x::injected"],
    ["ok\n::error file=x::injected\n  ::warning::x", "ok\n| ::error file=x::injected\n|   ::warning::x"],
    ["##vso[task.setvariable variable=x]1", "| ##vso[task.setvariable variable=x]1"],
    ["not :: at start", "not :: at start"],
    ["lone \ud800 surrogate", "lone \\ud800 surrogate"],
    ["emoji 😀 stays", "emoji 😀 stays"],
  ])("%j", (input, output) => {
    expect(safeText(input)).toBe(output);
    expect(safeText(safeText(input))).toBe(output);
    expect(hasRawControl(safeText(input))).toBe(false);
    expect(hasCiCommandLine(safeText(input))).toBe(false);
  });
});

describe("oneLine", () => {
  test.each([
    ["name\n::error file=x::injected", "name\\n::error file=x::injected"],
    ["::error::x", "| ::error::x"],
    ["a\tb\r\n", "a\\tb\\r\\n"],
    ["\u001b]8;;http://x\u0007link", "\\x1b]8;;http://x\\x07link"],
    ["re\u200bmote", "re\\u200bmote"],
    ["a\u200cb\u200dc\u200ed\u200ff", "a\\u200cb\\u200dc\\u200ed\\u200ff"],
    ["word\u2060joiner", "word\\u2060joiner"],
    ["\ufeffbom", "\\ufeffbom"],
    ["arabic\u061cmark", "arabic\\u061cmark"],
    ["soft\u00adhyphen", "soft\\xadhyphen"],
  ])("%j", (input, output) => {
    expect(oneLine(input)).toBe(output);
    expect(oneLine(input)).not.toMatch(/\n/);
  });
});

describe("xmlSafe", () => {
  test.each([
    ["\u001b[31m", "\\x1b[31m"],
    ["nul\u0000", "nul\\x00"],
    ["\ufffe", "\\ufffe"],
    ["\udc00x", "\\udc00x"],
    ["keep\ttab\nand newline", "keep\ttab\nand newline"],
    // Bidi overrides and isolates: a CI's test view renders them (tester 44d).
    ["-A INPUT -m comment --comment \"\u202eopen\u202c\"", "-A INPUT -m comment --comment \"\\u202eopen\\u202c\""],
    ["\u2066x\u2069", "\\u2066x\\u2069"],
  ])("%j", (input, output) => {
    expect(xmlSafe(input)).toBe(output);
  });
});

describe("one control-character class for escaping and checking", () => {
  test.each([["\u2028"], ["\u2029"], ["\ud800"], ["\udc00"], ["\x1b"], ["\u202e"], ["\x9b"]])("%j is escaped by safeText and seen by hasRawControl and terminalHazard", (c) => {
    expect(safeText(`a${c}b`)).not.toContain(c);
    expect(hasRawControl(`a${c}b`)).toBe(true);
    expect(terminalHazard(`a${c}b`)?.index).toBe(1);
  });
});
