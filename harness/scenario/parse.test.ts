/** Unit tests (table-driven, no Docker) for parse.ts: YAML errors in the scenario's words, not the library's. */
import { describe, expect, test } from "vitest";
import { ScenarioError } from "./diagnostics.ts";
import { parseYaml } from "./parse.ts";

describe("parseYaml: syntax errors said plainly", () => {
  test.each<[string, string, string, RegExp]>([
    ["a second document", "name: a\n---\nname: b\n", "2:1: the file holds more than one YAML document (a second `---`)", /remove `---`, or split the file/],
    ["a document end then more", "name: a\n...\n---\nname: b\n", "3:1: the file holds more than one YAML document (a second `---`)", /remove `---`/],
  ])("%s", (_what, text, want, hint) => {
    const error = ((): unknown => {
      try {
        return parseYaml(text, "x.yaml");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ScenarioError);
    const [d] = (error as ScenarioError).diagnostics;
    expect(`${d!.line}:${d!.column}: ${d!.message}`).toBe(want);
    expect(d!.hint).toMatch(hint);
    expect(d!.message).not.toMatch(/YAML\.parseAllDocuments|please use/);
  });
});
