/** Columns count characters (code points, as rustc does; no Docker): an emoji before the problem on its line is one column, not two UTF-16 units. */
import path from "node:path";
import { expect, test } from "vitest";
import { onlyProblemAtMark } from "../testing/positioned.ts";
import { positionInText } from "./locate.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");

test.each<[string, string]>([
  ["ASCII before", 'steps: [{ run: { host: server, command: "echo abc" } }, { expect: ["client -> server:22 ‸opne"] }]'],
  ["emoji before", 'steps: [{ run: { host: server, command: "echo 😀😀😀" } }, { expect: ["client -> server:22 ‸opne"] }]'],
  ["accents before", 'steps: [{ run: { host: server, command: "echo ééé" } }, { expect: ["client -> server:22 ‸opne"] }]'],
])("%s", (_what, steps) => {
  const text = `name: n\ndescription: d\nhosts:\n  server: { firewall: true, listen: [tcp/22] }\n  client: {}\n${steps}\n`;
  expect(onlyProblemAtMark(text, FILE)).toMatch(/^unknown verdict `opne`/);
});

test("a position found without a YAML parse (an unknown tag, too deep a nesting) counts characters too", () => {
  const text = 'name: n\nc: { x: "😀😀", y: !custom 1 }\n';
  expect(positionInText(text, text.indexOf("!custom"))).toEqual({ line: 2, column: 18 });
});
