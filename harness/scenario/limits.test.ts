/** Unit tests (table-driven, no Docker) for limits.ts. */
import { parseDocument } from "yaml";
import { describe, expect, test } from "vitest";
import { loneCarriageReturn, MAX_DEPTH, MAX_NETWORKS, tooDeep } from "./limits.ts";

describe("loneCarriageReturn", () => {
  test.each([
    ["a: 1\nb: 2\n", undefined],
    ["a: 1\r\nb: 2\r\n", undefined],
    ["a: 1\rb: 2\r", 4],
    ["a: 1\r\nb: 2\rc: 3", 10],
  ])("%j", (text, offset) => {
    expect(loneCarriageReturn(text)?.offset).toBe(offset);
  });
});

describe("tooDeep", () => {
  const nested = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
  test.each([
    [nested(MAX_DEPTH), undefined],
    [nested(MAX_DEPTH + 1), MAX_DEPTH],
    [`a:\n${Array.from({ length: MAX_DEPTH - 1 }, (_, i) => `${"  ".repeat(i + 1)}k${i}:`).join("\n")} 1\n`, undefined],
  ])("%#", (text, offset) => {
    expect(tooDeep(parseDocument(text))?.offset).toBe(offset);
  });
  test("block nesting past the limit", () => {
    const text = `a:\n${Array.from({ length: MAX_DEPTH + 2 }, (_, i) => `${"  ".repeat(i + 1)}k${i}:`).join("\n")} 1\n`;
    expect(tooDeep(parseDocument(text))?.message).toBe(`the YAML nests deeper than ${MAX_DEPTH} levels`);
  });
});

test("a lab holds as many networks as the address plan has automatic IPv4 subnets", () => {
  expect(MAX_NETWORKS).toBe(127);
});
