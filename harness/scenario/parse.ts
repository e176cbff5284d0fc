/**
 * Scenario YAML to a raw value: the YAML parser's errors (and duplicate keys)
 * as positioned diagnostics with hints, the limits of limits.ts, and a top
 * level that must be a mapping; with the locator that turns paths in the value
 * back into lines and columns.
 */
import { isScalar, LineCounter, visit } from "yaml";
import { fileDiagnostic, ScenarioError } from "./diagnostics.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { isStackOverflow, MAX_DEPTH, readYaml, TOO_DEEP_HINT } from "./limits.ts";
import { positionInText, YamlLocator } from "./locate.ts";
import { describeValue, isRecord } from "./values.ts";

const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: "indent with spaces; YAML does not allow tabs",
  BAD_INDENT: "check the indentation: nested keys and `- ` items go deeper than their parent, siblings line up",
  MISSING_CHAR: "a quote or bracket opened here is not closed",
  BLOCK_AS_IMPLICIT_KEY: "check the indentation: a line indented under `key: value` continues nothing",
  MULTILINE_IMPLICIT_KEY: "a key and its `:` must be on one line; check the indentation of the next line",
  MULTIPLE_DOCS: "a scenario file holds one YAML document: remove `---`, or split the file",
  UNEXPECTED_TOKEN: "check quoting here: quote values that contain `: `, `#`, `[`, `{`, or start with `>`, `|`, `*`, `&`, `!`",
  BAD_ALIAS: "an alias `*name` must name an anchor `&name` defined before it",
  BAD_DIRECTIVE: "remove the `%` directive",
  TAG_RESOLVE_FAILED: "remove the `!tag`; scenarios use plain YAML",
};

/** The parser's own words where they speak of its API, not of the file. */
const YAML_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: "the file holds more than one YAML document (a second `---`)",
};

/**
 * A flow map or sequence the parser found unclosed where the next line
 * starts (`server: { firewall: true` without its `}`): the parser names that
 * next line, so the hint names the line the bracket opened on (tester 43b).
 */
export function unclosedFlowHint(text: string, message: string, line: number): string | undefined {
  const m = /^Flow (map|sequence) in block collection must be sufficiently indented and end with a ([}\]])/.exec(message);
  if (!m) return undefined;
  const [open, close] = m[2] === "}" ? ["{", "}"] : ["[", "]"];
  const lines = text.split("\n");
  for (let i = Math.min(line, lines.length) - 2; i >= 0; i--) {
    const bare = lines[i]!.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, "").replace(/\s#.*$/, "");
    const depth = [...bare].reduce((d, c) => d + (c === open ? 1 : c === close ? -1 : 0), 0);
    if (depth > 0) return `the \`${open}\` opened on line ${i + 1} is not closed: end it with \`${close}\` on that line (or indent its continuation deeper than its key)`;
  }
  return undefined;
}

export interface ParsedYaml {
  readonly raw: Record<string, unknown>;
  readonly locator: YamlLocator;
  /** Problems that did not stop the parse (duplicate keys). */
  readonly syntax: readonly Diagnostic[];
}

/** Parses scenario text (already checked for size and NUL bytes); `display` names it in diagnostics. */
export function parseYaml(text: string, display: string): ParsedYaml {
  if (text.trim() === "") {
    throw fileDiagnostic(display, "the scenario file is empty", "start with `name:`, `description:`, `hosts:` and `steps:`");
  }
  const lineCounter = new LineCounter();
  const read = readYaml(text, lineCounter);
  if ("problem" in read) {
    const pos = positionInText(text, read.problem.offset);
    throw fileDiagnostic(display, read.problem.message, read.problem.hint, pos.line, pos.column);
  }
  const doc = read.doc;
  const locator = new YamlLocator(doc, text, lineCounter);
  const syntax: Diagnostic[] = [];
  let fatal = false;
  for (const e of doc.errors) {
    const pos = locator.position(e.pos[0]);
    if (e.code === "DUPLICATE_KEY") {
      const key = locator.keyAt(e.pos[0]);
      syntax.push({
        file: display,
        ...pos,
        message: key === undefined ? "duplicate key" : `duplicate key \`${key}\``,
        hint: "each key may appear once in a mapping; merge the two entries or rename one",
      });
      continue;
    }
    fatal = true;
    if (syntax.some((d) => d.line === pos.line && d.column === pos.column)) continue; // one error per place
    syntax.push({ file: display, ...pos, message: YAML_MESSAGES[e.code] ?? `YAML syntax error: ${e.message}`, hint: unclosedFlowHint(text, e.message, pos.line) ?? YAML_HINTS[e.code] ?? "the YAML parser stopped here; check indentation and quoting" });
  }
  if (fatal) throw new ScenarioError(syntax);
  // A key that is no plain text or number (`? [a]`, `? !!binary aGk=`): said at its place, before the YAML library turns it
  // into text with a warning on stderr (tester 44d: accepted as a host `hi`; a list key named at 1:1).
  let oddKey: { offset: number; what: string } | undefined;
  visit(doc, {
    Pair(_, pair) {
      const k = pair.key;
      if (k === null || (isScalar(k) && k.tag !== "tag:yaml.org,2002:binary")) return undefined;
      oddKey = { offset: (k as { range?: [number, number, number] }).range?.[0] ?? 0, what: isScalar(k) ? "binary data (a `!!binary` tag)" : "a list or mapping" };
      return visit.BREAK;
    },
  });
  if (oddKey) {
    const pos = locator.position(oddKey.offset);
    throw new ScenarioError([...syntax, { file: display, ...pos, message: `a key here is ${oddKey.what}; scenario keys are plain words`, hint: "write the key as plain text (a host name, `name:`, `steps:` …), without `? ` or a tag" }]);
  }
  const contents = doc.contents;
  if (contents === null) {
    throw fileDiagnostic(display, "the scenario file has no content (only comments)", "start with `name:`, `description:`, `hosts:` and `steps:`");
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (isStackOverflow(error)) throw fileDiagnostic(display, `the YAML nests deeper than ${MAX_DEPTH} levels (through aliases)`, TOO_DEEP_HINT);
    throw fileDiagnostic(display, `cannot read the YAML: ${(error as Error).message}`, "avoid deeply nested aliases (`*name`)");
  }
  if (Array.isArray(raw)) {
    throw new ScenarioError([
      ...syntax,
      { file: display, ...locator.locate([]), message: "the top level is a list; a scenario is a mapping", hint: "write `name:`, `description:`, `hosts:` and `steps:` at the top level, without a leading `- `" },
    ]);
  }
  if (!isRecord(raw)) {
    throw new ScenarioError([
      ...syntax,
      { file: display, ...locator.locate([]), message: `the top level is ${describeValue(raw)}; a scenario is a mapping`, hint: "write `name:`, `description:`, `hosts:` and `steps:` at the top level" },
    ]);
  }
  // `!!set` and `!!omap` read as a Set or Map, which every check below would take for an empty mapping (tester 44d: a
  // host written `!!set` was a plain host without a word).
  const tagged = collectionTagAt(raw);
  if (tagged) {
    throw new ScenarioError([...syntax, { file: display, ...locator.locate(tagged.path), message: `${tagged.path.length === 0 ? "the top level" : `\`${tagged.path.join(".")}\``} is a YAML ${tagged.tag}, which a scenario has no use for`, hint: "remove the tag: write a plain mapping (`key: value`) or list (`- item`)" }]);
  }
  return { raw, locator, syntax };
}

/** The first value a `!!set` or `!!omap`/`!!pairs` tag made (a Set, a Map), with its path; undefined when none. */
function collectionTagAt(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; tag: string } | undefined {
  if (value instanceof Set) return { path, tag: "`!!set`" };
  if (value instanceof Map) return { path, tag: "`!!omap` (or `!!pairs`)" };
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = collectionTagAt(v, [...path, i]);
      if (found) return found;
    }
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      const found = collectionTagAt(v, [...path, k]);
      if (found) return found;
    }
  }
  return undefined;
}
