/** A comma inside a `[ … ]` expectation list splits the line: the problem says so (zod-issues.ts typeHint). */
import { expect, test } from "vitest";
import { parseScenarioText, ScenarioError } from "./load.ts";

const scenario = (expect: string) => `name: n\ndescription: d\nhosts:\n  server: { firewall: true, listen: [tcp/22] }\n  remote: {}\nsteps:\n  - expect: ${expect}\n`;

function diagnostics(text: string): string[] {
  try {
    parseScenarioText(text, "/tmp/f.yaml", { root: "/tmp" });
  } catch (error) {
    if (error instanceof ScenarioError) return error.diagnostics.map((d) => `${d.line}:${d.column} ${d.message} | ${d.hint ?? ""}`);
    throw error;
  }
  return [];
}

test("`except 22,80` in a flow list: the split named, with the line quoted as the fix", () => {
  expect(diagnostics(scenario("[remote -> server:1-1024 blocked except 22,80]"))).toEqual([
    "7:56 `steps[0].expect[1]` must be text or a mapping, got the number 80 | in a `[ … ]` list a comma starts a new item, so `remote -> server:1-1024 blocked except 22,80` was split in two: quote the whole line (`\"remote -> server:1-1024 blocked except 22,80\"`), or write one item per line (`- …`)",
  ]);
});

test("quoted, the same line is a sweep", () => {
  expect(diagnostics(scenario('["remote -> server:1-1024 blocked except 22,80"]'))).toEqual([]);
});
