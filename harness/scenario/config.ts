/**
 * What a `fwspec.config.*` file may hold, pure: nothing yet. The file only
 * marks the project root (root.ts), so it may be empty or an empty mapping
 * (`{}`); broken JSON or YAML, and any key, are diagnostics with the file's
 * line and column, so a setting a user expects to work is never silently
 * ignored. JavaScript and TypeScript configs are never run: an empty one marks
 * the root, one with content is refused (what it sets could not take effect).
 */
import path from "node:path";
import { LineCounter } from "yaml";
import { fwspecCommand } from "../invocation.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { readYaml } from "./limits.ts";
import { positionInText, YamlLocator } from "./locate.ts";
import type { Position } from "./locate.ts";
import { isRecord } from "./values.ts";

/** The config formats fwspec reads; the others (.js, .mjs, .ts) only mark the root when empty. */
const READ = [".json", ".yaml", ".yml"];

const NO_SETTINGS = "the config has no settings yet: it only marks the project root";

/** Settings users reach for, and the command-line option that does it; `run` is the run command as the user types it. */
function instead(key: string, run: string): string | undefined {
  const name = `name the scenario files or folders on the command line: \`${run} tests/firewall\``;
  const hints: Readonly<Record<string, string>> = {
    scenarios: name,
    paths: name,
    include: name,
    root: "the folder holding this file is the root; elsewhere pass `--root DIR`",
    family: `pass \`--family ipv4|ipv6|both\` to \`${run}\``,
    timeout: `pass \`--timeout SECONDS\` to \`${run}\``,
    labs: `pass \`--labs N\` to \`${run}\``,
  };
  return Object.hasOwn(hints, key) ? hints[key] : undefined;
}

function genericInstead(run: string): string {
  return `remove it and use command-line options instead (\`${run} --help\` lists them); an empty file or \`{}\` marks the root`;
}

/** A JSON.parse error as a message without V8's position suffix and the offset it names (the end of the text when it names none). */
function jsonError(text: string, error: unknown): { message: string; offset: number } {
  const raw = error instanceof Error ? error.message : String(error);
  const at = / in JSON at position (\d+)/.exec(raw);
  const message = raw.replace(/ in JSON at position \d+.*$/s, "");
  if (at) return { message, offset: Number(at[1]) };
  return { message, offset: /end of JSON input/.test(raw) ? text.trimEnd().length : 0 };
}

function diagnostic(file: string, pos: Position, message: string, hint: string): Diagnostic {
  return { file, line: pos.line, column: pos.column, message, hint };
}

/** The diagnostics of config text; `file` names it (its extension decides the format). Empty: none. `invocation` starts the commands hints name (harness/invocation.ts). */
export function checkConfigText(file: string, text: string, invocation?: string): Diagnostic[] {
  if (text.trim() === "") return [];
  const run = fwspecCommand("run", invocation);
  const ext = path.extname(file);
  const name = path.basename(file);
  if (!READ.includes(ext)) {
    return [diagnostic(file, { line: 1, column: 1 }, `fwspec does not read ${name}: it runs no config code, so nothing this file sets takes effect (${NO_SETTINGS})`,
      `rename it to fwspec.config.json, empty or \`{}\`, to mark the project root; use command-line options for settings (\`${run} --help\`)`)];
  }
  const format = ext === ".json" ? "JSON" : "YAML";
  if (format === "JSON") {
    try {
      JSON.parse(text);
    } catch (error) {
      const e = jsonError(text, error);
      return [diagnostic(file, positionInText(text, e.offset), `${name} is not valid JSON: ${e.message}`, "fix the JSON here, or leave the file empty or `{}`: it only marks the project root")];
    }
  }
  const lines = new LineCounter();
  const read = readYaml(text, lines);
  if ("problem" in read) return [diagnostic(file, positionInText(text, read.problem.offset), `${name}: ${read.problem.message}`, read.problem.hint)];
  const locator = new YamlLocator(read.doc, text, lines);
  const broken = read.doc.errors[0];
  const empty = format === "JSON" ? "leave the file empty or `{}`" : "leave the file empty";
  if (broken?.code === "DUPLICATE_KEY") {
    const key = locator.keyAt(broken.pos[0]);
    return [diagnostic(file, locator.position(broken.pos[0]), `${name}: duplicate key${key === undefined ? "" : ` \`${key}\``}`, `each key may appear once: remove one, or ${empty}: it only marks the project root`)];
  }
  if (broken) return [diagnostic(file, locator.position(broken.pos[0]), `${name} is not valid ${format}: ${broken.message.split("\n")[0]}`, "fix the YAML here (indentation, quoting), or leave the file empty: it only marks the project root")];
  let value: unknown;
  try {
    value = read.doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb (tester 44d: an internal error, exit 4), or aliases nested past the stack: the file's, not fwspec's.
    return [diagnostic(file, { line: 1, column: 1 }, `${name}: cannot read the ${format}: ${(error as Error).message}`, `avoid aliases (\`*name\`), or ${empty}: it only marks the project root`)];
  }
  if (value === null || value === undefined) return [];
  if (!isRecord(value)) {
    return [diagnostic(file, locator.locate([]), `${name} must be ${format === "JSON" ? "an object" : "a mapping"}, if anything (${NO_SETTINGS})`, "leave the file empty or write `{}`")];
  }
  return Object.keys(value).map((key) => {
    const hint = instead(key, run);
    return diagnostic(file, locator.locate([key], { atKey: true }), `${name}: \`${key}\` is not a setting: ${NO_SETTINGS}`, hint ? `remove it; ${hint}` : genericInstead(run));
  });
}
