/** Columns count characters as an editor does (no Docker): an emoji before the problem on its line is one column, not two UTF-16 units. */
import path from "node:path";
import { expect, test } from "vitest";
import { onlyProblemAtMark } from "../testing/positioned.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");

test.each<[string, string]>([
  ["ASCII before", 'steps: [{ run: { host: server, command: "echo abc" } }, { expect: ["client -> server:22 ‸opne"] }]'],
  ["emoji before", 'steps: [{ run: { host: server, command: "echo 😀😀😀" } }, { expect: ["client -> server:22 ‸opne"] }]'],
  ["accents before", 'steps: [{ run: { host: server, command: "echo ééé" } }, { expect: ["client -> server:22 ‸opne"] }]'],
])("%s", (_what, steps) => {
  const text = `name: n\ndescription: d\nhosts:\n  server: { firewall: true, listen: [tcp/22] }\n  client: {}\n${steps}\n`;
  expect(onlyProblemAtMark(text, FILE)).toMatch(/^unknown verdict `opne`/);
});
