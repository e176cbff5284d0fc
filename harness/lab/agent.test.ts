/** Unit tests (table-driven, no Docker) for agent.ts. */
import { describe, expect, test, vi } from "vitest";
import { type AgentReply, CUT_DECODED_BYTES, encodeRequest, OUTPUT_KEPT_BYTES, ReplyReader, takeReply } from "./agent.ts";

const bytes = (s: string) => Buffer.from(s, "utf8");

describe("agent requests", () => {
  test.each([
    { argv: ["true"], stdin: "", limit: 60, wire: "7 60 0 4\ntrue" },
    { argv: ["sh", "-c", 'echo "$1"; exit 3', "x", "a b;c|d"], stdin: "", limit: 2, wire: '7 2 0 2 2 17 1 7\nsh-cecho "$1"; exit 3xa b;c|d' },
    { argv: ["cat"], stdin: "line 1\nline 2", limit: 60, wire: "7 60 13 3\ncatline 1\nline 2" },
    { argv: ["echo", ""], stdin: "", limit: 0, wire: "7 0 0 4 0\necho" },
    { argv: ["printf", "%s", "ü→\n"], stdin: "", limit: 3600, wire: "7 3600 0 6 2 6\nprintf%sü→\n" },
  ])("$argv with limit $limit is sent as counted bytes", ({ argv, stdin, limit, wire }) => {
    expect(encodeRequest(7, argv, stdin, limit).toString("utf8")).toBe(wire);
  });

  test.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses the time limit %s", (limit) => {
    expect(() => encodeRequest(1, ["true"], "", limit)).toThrow(/time limit/);
  });

  test.each([
    { argv: [], stdin: "", message: /needs a command/ },
    { argv: ["echo", "a\0b"], stdin: "", message: /cannot contain NUL/ },
    { argv: ["cat"], stdin: "a\0b", message: /stdin .* cannot contain NUL/ },
  ])("refuses $argv / $stdin", ({ argv, stdin, message }) => {
    expect(() => encodeRequest(1, argv, stdin)).toThrow(message);
  });
});

describe("agent replies", () => {
  test.each([
    { wire: "3 0 4 0 0 4 0\nout\n", reply: { id: 3, exitCode: 0, stdout: "out\n", stderr: "", timedOut: false }, rest: "" },
    { wire: "12 127 0 14 0 0 14\nnc: not found\nNEXT", reply: { id: 12, exitCode: 127, stdout: "", stderr: "nc: not found\n", timedOut: false }, rest: "NEXT" },
    { wire: "1 1 3 2 0 3 2\nü ab", reply: { id: 1, exitCode: 1, stdout: "ü ", stderr: "ab", timedOut: false }, rest: "" },
    { wire: "5 124 5 0 1 5 0\nstart", reply: { id: 5, exitCode: 124, stdout: "start", stderr: "", timedOut: true }, rest: "" },
    { wire: "6 137 0 0 1 0 0\n", reply: { id: 6, exitCode: 137, stdout: "", stderr: "", timedOut: true }, rest: "" },
    // A command that exits 124 by itself before its limit did not time out.
    { wire: "7 124 0 0 0 0 0\n", reply: { id: 7, exitCode: 124, stdout: "", stderr: "", timedOut: false }, rest: "" },
    // More printed than sent back (the agent keeps the first bytes of each stream): the reply says how much.
    { wire: "8 0 3 1 0 70000000 1\nabce", reply: { id: 8, exitCode: 0, stdout: "abc", stderr: "e", timedOut: false, printed: { stdout: 70000000, stderr: 1 } }, rest: "" },
    { wire: "9 0 0 2 0 0 9\nee", reply: { id: 9, exitCode: 0, stdout: "", stderr: "ee", timedOut: false, printed: { stdout: 0, stderr: 9 } }, rest: "" },
  ])("takes $wire", ({ wire, reply, rest }) => {
    const taken = takeReply(bytes(wire));
    expect(taken?.reply).toEqual(reply);
    expect(taken?.rest.toString("utf8")).toBe(rest);
  });

  test.each(["", "3 0 4 0 0 4 0", "3 0 4 0 0 4 0\nou"])("waits for the rest of %j", (wire) => {
    expect(takeReply(bytes(wire))).toBeUndefined();
  });

  test.each(["hello\n", "1 x 0 0 0 0 0\n", "1 0 0\n", "1 0 0 0 0\n", "1 0 0 0 2 0 0\n", "1 0 5 0 0 4 0\nabcde", `1 0 ${OUTPUT_KEPT_BYTES + 1} 0 0 ${OUTPUT_KEPT_BYTES + 1} 0\n`, `1 0 ${"9".repeat(400)} 0 0 ${"9".repeat(400)} 0\n`])("refuses %j", (wire) => {
    expect(() => takeReply(bytes(wire))).toThrow(/not an agent reply/);
  });
});

describe("reading replies as they arrive", () => {
  const wire = "1 0 5 0 0 5 0\nhello2 3 0 3 0 0 3\nerr3 0 0 0 0 0 0\n";
  const replies: AgentReply[] = [
    { id: 1, exitCode: 0, stdout: "hello", stderr: "", timedOut: false },
    { id: 2, exitCode: 3, stdout: "", stderr: "err", timedOut: false },
    { id: 3, exitCode: 0, stdout: "", stderr: "", timedOut: false },
  ];

  test.each([1, 2, 3, 7, 14, 100])("in chunks of %i bytes: the same replies, each once, in order", (size) => {
    const reader = new ReplyReader();
    const whole = bytes(wire);
    const got: AgentReply[] = [];
    for (let at = 0; at < whole.length; at += size) reader.push(whole.subarray(at, at + size), (r) => got.push(r));
    expect(got).toEqual(replies);
  });

  test("a reply in many chunks is joined once, not on every chunk (a large output stays linear)", () => {
    const reader = new ReplyReader();
    const body = Buffer.alloc(4096 * 1000, 0x78);
    const whole = Buffer.concat([bytes(`4 0 ${body.length} 0 0 ${body.length} 0\n`), body]);
    const concat = vi.spyOn(Buffer, "concat");
    try {
      const got: AgentReply[] = [];
      for (let at = 0; at < whole.length; at += 4096) reader.push(whole.subarray(at, at + 4096), (r) => got.push(r));
      expect(got.map((r) => [r.id, r.stdout.length])).toEqual([[4, body.length]]);
      expect(concat.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      concat.mockRestore();
    }
  });

  test("something that is not a reply throws, after the replies before it are given; nothing after it is read", () => {
    const got: number[] = [];
    const reader = new ReplyReader();
    expect(() => reader.push(bytes("1 0 2 0 0 2 0\nokhello\n"), (r) => got.push(r.id))).toThrow(/not an agent reply/);
    expect(() => reader.push(bytes("2 0 0 0 0 0 0\n"), (r) => got.push(r.id))).toThrow(/not an agent reply/);
    expect(got).toEqual([1]);
  });

  test("of a cut reply only the start of each stream is decoded (the failure shows no more, and must not hold the rest)", () => {
    const body = Buffer.alloc(100_000, 0x61);
    const taken = takeReply(Buffer.concat([bytes(`5 0 ${body.length} 3 0 90000000 3\n`), body, bytes("err")]));
    expect(taken?.reply.stdout.length).toBe(CUT_DECODED_BYTES);
    expect(taken?.reply.stderr).toBe("err");
    expect(taken?.reply.printed).toEqual({ stdout: 90_000_000, stderr: 3 });
  });
});
