import { describe, expect, test } from "vitest";
import { encodeRequest, parseReply } from "./agent.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("agent framing", () => {
  test.each([
    { argv: ["true"], stdin: "", line: `7.${b64("true\0")}.\n` },
    { argv: ["sh", "-c", 'echo "$1"; exit 3', "x", "a b;c|d"], stdin: "", line: `7.${b64('sh\0-c\0echo "$1"; exit 3\0x\0a b;c|d\0')}.\n` },
    { argv: ["cat"], stdin: "line 1\nline 2", line: `7.${b64("cat\0")}.${b64("line 1\nline 2")}\n` },
    { argv: ["echo", ""], stdin: "", line: `7.${b64("echo\0\0")}.\n` },
    { argv: ["printf", "%s", "ü→"], stdin: "", line: `7.${b64("printf\0%s\0ü→\0")}.\n` },
  ])("encodes $argv as NUL-terminated words", ({ argv, stdin, line }) => {
    expect(encodeRequest(7, argv, stdin)).toBe(line);
  });

  test.each([
    { argv: [], message: /needs a command/ },
    { argv: ["echo", "a\0b"], message: /cannot contain NUL/ },
  ])("refuses $argv", ({ argv, message }) => {
    expect(() => encodeRequest(1, argv)).toThrow(message);
  });

  test.each([
    { line: `3.0.${b64("out\n")}.`, reply: { id: 3, exitCode: 0, stdout: "out\n", stderr: "" } },
    { line: `12.127..${b64("nc: not found\n")}\n`, reply: { id: 12, exitCode: 127, stdout: "", stderr: "nc: not found\n" } },
    { line: `1.1.${b64("a")}.${b64("b")}`, reply: { id: 1, exitCode: 1, stdout: "a", stderr: "b" } },
    { line: "1.0.", reply: undefined },
    { line: "hello", reply: undefined },
    { line: "1.x.a.b", reply: undefined },
    { line: "1.0.a b.", reply: undefined },
  ])("parses $line", ({ line, reply }) => {
    expect(parseReply(line)).toEqual(reply);
  });
});
