/** Unit tests (table-driven, no file system) for config.ts: what a fwspec.config.* file may hold — nothing yet — and how anything else is reported. */
import { describe, expect, test } from "vitest";
import { checkConfigText } from "./config.ts";

interface Case {
  readonly title: string;
  readonly file: string;
  readonly text: string;
  /** `line:column: message` of each diagnostic, as a substring of the message; none when empty. */
  readonly expected: readonly string[];
  readonly hint?: RegExp;
  /** How the user runs fwspec (cli/invocation.ts); none: the default. */
  readonly invocation?: string;
}

const LAUNCHER = "/home/me/fwspec/bin/fwspec";

const CASES: readonly Case[] = [
  { title: "an empty JSON file marks the root", file: "/r/fwspec.config.json", text: "", expected: [] },
  { title: "whitespace only", file: "/r/fwspec.config.json", text: " \n\n", expected: [] },
  { title: "{}", file: "/r/fwspec.config.json", text: "{}\n", expected: [] },
  { title: "{} over lines", file: "/r/fwspec.config.json", text: "{\n}\n", expected: [] },
  { title: "an empty YAML file", file: "/r/fwspec.config.yaml", text: "", expected: [] },
  { title: "YAML with comments only", file: "/r/fwspec.config.yml", text: "# marks the root\n", expected: [] },
  { title: "YAML {}", file: "/r/fwspec.config.yaml", text: "{}\n", expected: [] },
  { title: "an empty .ts file is a marker", file: "/r/fwspec.config.ts", text: "\n", expected: [] },
  { title: "an empty .mjs file is a marker", file: "/r/fwspec.config.mjs", text: "", expected: [] },
  {
    title: "a trailing comma: JSON syntax error at its line and column",
    file: "/r/fwspec.config.json", text: '{\n  "a": 1,\n}\n',
    expected: ["3:1: fwspec.config.json is not valid JSON: Expected double-quoted property name"], hint: /fix the JSON here/,
  },
  {
    title: "a missing comma between keys",
    file: "/r/fwspec.config.json", text: '{\n  "scenarios": "x"\n  "b": 2\n}\n',
    expected: ["3:3: fwspec.config.json is not valid JSON: Expected ',' or '}' after property value"],
  },
  { title: "an unclosed brace: where the next key should start", file: "/r/fwspec.config.json", text: "{\n", expected: ["2:1: fwspec.config.json is not valid JSON"] },
  { title: "YAML comments are not JSON", file: "/r/fwspec.config.json", text: "# root\n", expected: ["1:1: fwspec.config.json is not valid JSON"] },
  {
    title: "a key a user expects to work: named, with what to do instead",
    file: "/r/fwspec.config.json", text: '{\n  "scenarios": "tests/fw"\n}\n',
    expected: ["2:3: fwspec.config.json: `scenarios` is not a setting: the config has no settings yet: it only marks the project root"], hint: /fwspec run tests\/firewall/,
  },
  {
    title: "every key is named",
    file: "/r/fwspec.config.json", text: '{"root": ".", "colour": true}',
    expected: ["1:2: fwspec.config.json: `root` is not a setting", "1:15: fwspec.config.json: `colour` is not a setting"],
  },
  { title: "an unknown key gets the generic hint", file: "/r/fwspec.config.json", text: '{"colour": true}', expected: ["1:2: fwspec.config.json: `colour` is not a setting"], hint: /command-line options/ },
  { title: "a YAML key", file: "/r/fwspec.config.yaml", text: "# settings\nscenarios: tests/fw\n", expected: ["2:1: fwspec.config.yaml: `scenarios` is not a setting"] },
  { title: "a JSON array", file: "/r/fwspec.config.json", text: "[]", expected: ["1:1: fwspec.config.json must be an object, if anything"] },
  { title: "a JSON string", file: "/r/fwspec.config.json", text: '"tests"', expected: ["1:1: fwspec.config.json must be an object"] },
  { title: "JSON null", file: "/r/fwspec.config.json", text: "null", expected: [] },
  { title: "a YAML list", file: "/r/fwspec.config.yml", text: "- a\n", expected: ["1:1: fwspec.config.yml must be a mapping"] },
  { title: "broken YAML", file: "/r/fwspec.config.yaml", text: "a: [1,\n", expected: ["fwspec.config.yaml is not valid YAML"], hint: /fix the YAML here/ },
  { title: "a duplicate YAML key", file: "/r/fwspec.config.yaml", text: "a: 1\na: 2\n", expected: ["2:1: fwspec.config.yaml: duplicate key `a`"], hint: /^each key may appear once: remove one, or leave the file empty: it only marks the project root$/ },
  { title: "a duplicate JSON key", file: "/r/fwspec.config.json", text: '{"a": 1, "a": 2}', expected: ["1:10: fwspec.config.json: duplicate key `a`"], hint: /^each key may appear once: remove one, or leave the file empty or `\{\}`: it only marks the project root$/ },
  {
    title: "a TypeScript config with content is not run, so refused",
    file: "/r/fwspec.config.ts", text: "export default { scenarios: 'tests/fw' };\n",
    expected: ["1:1: fwspec does not read fwspec.config.ts: it runs no config code"], hint: /rename it to fwspec.config.json/,
  },
  { title: "a JavaScript config with content", file: "/r/fwspec.config.js", text: "module.exports = {};\n", expected: ["1:1: fwspec does not read fwspec.config.js"] },
  { title: "a hint's command starts as a package user runs fwspec by default", file: "/r/fwspec.config.json", text: '{"paths": "x"}', expected: ["1:2: fwspec.config.json: `paths` is not a setting"], hint: /`npx fwspec run tests\/firewall`/ },
  { title: "a hint's command starts as this user runs fwspec", file: "/r/fwspec.config.json", text: '{"include": "x"}', invocation: LAUNCHER, expected: ["1:2: fwspec.config.json: `include` is not a setting"], hint: /`\/home\/me\/fwspec\/bin\/fwspec run tests\/firewall`/ },
  { title: "an option's hint names the run command as this user runs it", file: "/r/fwspec.config.yaml", text: "labs: 2\n", invocation: LAUNCHER, expected: ["1:1: fwspec.config.yaml: `labs` is not a setting"], hint: /pass `--labs N` to `\/home\/me\/fwspec\/bin\/fwspec run`/ },
  { title: "the generic hint's help command as this user runs it", file: "/r/fwspec.config.json", text: '{"colour": true}', invocation: LAUNCHER, expected: ["1:2: fwspec.config.json: `colour` is not a setting"], hint: /\(`\/home\/me\/fwspec\/bin\/fwspec run --help` lists them\)/ },
  { title: "a refused code config's help command as this user runs it", file: "/r/fwspec.config.mjs", text: "export default {};\n", invocation: LAUNCHER, expected: ["1:1: fwspec does not read fwspec.config.mjs"], hint: /\(`\/home\/me\/fwspec\/bin\/fwspec run --help`\)/ },
];

describe("checkConfigText: a config only marks the project root", () => {
  test.each(CASES)("$title", (c) => {
    const found = checkConfigText(c.file, c.text, c.invocation);
    expect(found.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual(c.expected.map((e) => expect.stringContaining(e)));
    for (const d of found) expect(d.file).toBe(c.file);
    if (c.hint) expect(found[0]?.hint).toMatch(c.hint);
  });
});

test("an alias bomb in a YAML config is the file's problem at its first line, not an internal error (tester 44d)", () => {
  const bomb = Array.from({ length: 10 }, (_, i) => (i === 0 ? "a0: &a0 [1,1,1,1,1,1,1,1,1,1]" : `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(",")}]`)).join("\n");
  const found = checkConfigText("/repo/fwspec.config.yml", `${bomb}\n`);
  expect(found.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([expect.stringMatching(/^1:1: fwspec\.config\.yml: cannot read the YAML: .*alias/i)]);
  expect(found[0]?.hint).toMatch(/avoid aliases/);
});
