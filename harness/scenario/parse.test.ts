/** Unit tests (table-driven, no Docker) for parse.ts: YAML errors in the scenario's words, not the library's. */
import { describe, expect, test } from "vitest";
import { ScenarioError } from "./diagnostics.ts";
import { parseYaml } from "./parse.ts";

describe("parseYaml: syntax errors said plainly", () => {
  test.each<[string, string, string, RegExp]>([
    ["a second document", "name: a\n---\nname: b\n", "2:1: the file holds more than one YAML document (a second `---`)", /remove `---`, or split the file/],
    ["a document end then more", "name: a\n...\n---\nname: b\n", "3:1: the file holds more than one YAML document (a second `---`)", /remove `---`/],
    // The parser names the line after an unclosed flow map; the hint names where it opened (tester 43b).
    ["a flow map left open", "name: n\nhosts:\n  server: { firewall: true, listen: [tcp/22]\n  remote: {}\n", "4:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }", /^the `\{` opened on line 3 is not closed: end it with `\}` on that line/],
    ["a flow sequence left open", "name: n\nhosts:\n  server: { firewall: true }\nsteps:\n  - expect: [a -> b:1 open\n  - expect: []\n", "6:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]", /^the `\[` opened on line 5 is not closed/],
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
