/**
 * Repro commands quote each argument so that, pasted into bash, it is the
 * argument that ran (no Docker): plain words bare, the rest in single quotes,
 * an argument with characters a terminal would not show as themselves in
 * `$'…'` with escapes — one line, nothing for the report's escaping to alter.
 * Each case is checked by bash itself.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { hasRawControl } from "../text.ts";
import { shellQuote } from "./exec.ts";

describe("shellQuote", () => {
  test.each<[string, string, string]>([
    ["a plain word", "iptables", "iptables"],
    ["spaces", "echo a b", "'echo a b'"],
    ["a single quote", "it's", "'it'\\''s'"],
    ["an empty argument", "", "''"],
    ["brackets (a glob to bash)", "http://[2001:db8::2]:80/", "'http://[2001:db8::2]:80/'"],
    ["an emoji stays as it is", "héllo 😀", "'héllo 😀'"],
    ["ESC", "\u001b[31mred", "$'\\x1b[31mred'"],
    ["a newline and a tab", "a\nb\tc", "$'a\\nb\\tc'"],
    ["a quote and a backslash beside a control", "it's \\ \u0007", "$'it\\'s \\\\ \\x07'"],
    ["CR", "DROP\r", "$'DROP\\x0d'"],
    ["a bidi override (its UTF-8 bytes)", "a\u202eb", "$'a\\xe2\\x80\\xaeb'"],
    ["DEL and C1", "a\u007f\u009bb", "$'a\\x7f\\xc2\\x9bb'"],
  ])("%s", (_what, arg, quoted) => {
    expect(shellQuote([arg])).toBe(quoted);
    expect(hasRawControl(quoted)).toBe(false);
    expect(quoted).not.toContain("\n");
    // Pasted into bash, it is the argument again.
    expect(execFileSync("bash", ["-c", `printf %s ${quoted}`], { encoding: "utf8" })).toBe(arg);
  });
});
