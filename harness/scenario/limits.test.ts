/** Unit tests (table-driven, no Docker) for limits.ts. */
import { LineCounter, parseDocument } from "yaml";
import { describe, expect, test } from "vitest";
import { loneCarriageReturn, MAX_DEPTH, MAX_NETWORKS, readYaml, tooDeep } from "./limits.ts";

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

describe("readYaml: tags the parser does not know are problems, at the tag", () => {
  test.each<[string, string, string | undefined]>([
    ["timeout: !!float 2\n", "unknown YAML tag `!!float`", "timeout: ".length.toString()],
    ["a: !custom x\n", "unknown YAML tag `!custom`", "3"],
    ["a: !!js/function 'f'\n", "unknown YAML tag `!!js/function`", "3"],
    ["a: !!str 3\n", "", undefined],
    ["a: plain\n", "", undefined],
  ])("%j", (text, message, offset) => {
    const r = readYaml(text, new LineCounter());
    if (offset === undefined) expect("doc" in r).toBe(true);
    else expect(r).toMatchObject({ problem: { message, offset: Number(offset) } });
  });
});
