/**
 * Scenario loading: YAML text (or a TypeScript object) in, a validated,
 * normalised `Scenario` out, or a `ScenarioError` listing every problem of the
 * file at once, each with file, line, column, what was expected, and a hint.
 *
 * One straight path: read the file (read-file.ts: size, NUL bytes, UTF-8),
 * parse the YAML (parse.ts), then check the value (check.ts): the zod schema
 * (shapes, types, enums, ranges, unknown keys; zod-issues.ts words them), then
 * the topology into a read-only context, then each step by the module of its
 * kind. Every part the schema accepted is checked, so one bad item does not
 * hide the problems of the rest.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { checkScenario } from "./check.ts";
import { checkConfigText } from "./config.ts";
import type { CheckPlace, CheckResult } from "./check.ts";
import type { MachineRoute } from "./subnets.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { fileDiagnostic, ScenarioError, toDiagnostics } from "./diagnostics.ts";
import { InlineLocator } from "./locate.ts";
import type { Scenario } from "./model.ts";
import { parseYaml } from "./parse.ts";
import { readTextFile, readTextFileSync, textFailure } from "./read-file.ts";
import type { ReadFailure, ReadResult } from "./read-file.ts";
import { chooseProjectRoot, CONFIG_NAMES } from "./root.ts";
import { lookalikeHint, lookalikeMessage, rulesLookalike } from "./rules-lookalike.ts";
import type { Exists, ProjectRoot } from "./root.ts";
import type { ScenarioInput } from "./schema.ts";

export { formatDiagnostic, ScenarioError } from "./diagnostics.ts";
export type { Diagnostic } from "./diagnostics.ts";

/** What is at `abs` on disk, for the root rule. */
const onDisk: Exists = (abs) => {
  const st = statSync(abs, { throwIfNoEntry: false });
  return st === undefined ? undefined : st.isDirectory() ? "dir" : "file";
};

/** What a config file that cannot be read as text is, in words. */
function unreadableConfig(f: ReadFailure): string {
  if (f.kind === "missing" || f.kind === "unreadable") return f.error.message;
  if (f.kind === "too-large") return `larger than 1 MiB (${f.size} bytes)`;
  return f.kind === "binary" ? "it contains NUL bytes" : f.kind === "not-utf8" ? "it is not UTF-8 text" : f.kind;
}

/** What is wrong with a config file in the root folder: nothing when it holds nothing (config.ts); else diagnostics at its lines, their hints' commands started with `invocation`. */
function configProblems(file: string, invocation: string | undefined): Diagnostic[] {
  const read = readTextFileSync(file);
  if (!read.ok && read.failure.kind === "empty") return [];
  if (!read.ok) return fileDiagnostic(file, `cannot read ${path.basename(file)}: ${unreadableConfig(read.failure)}`, "it only marks the project root: leave it empty or `{}`").diagnostics;
  return checkConfigText(file, read.text, invocation);
}

/**
 * The project root of a scenario in `dir` (root.ts has the rule); `root`
 * (--root) overrides it. Every config file in a root a config marks is read,
 * not only the one that marked it: a `fwspec.config.ts` with settings beside
 * the empty `fwspec.config.json` `init` wrote is refused as it would be alone.
 * `invocation` starts the commands its hints name.
 */
export function findProjectRoot(dir: string, root?: string, invocation?: string): ProjectRoot {
  const found = chooseProjectRoot(dir, onDisk, root, process.cwd());
  if (found.reason === "config") {
    const problems = CONFIG_NAMES.map((name) => path.join(found.dir, name)).filter((f) => onDisk(f) === "file").flatMap((f) => configProblems(f, invocation));
    if (problems.length > 0) throw new ScenarioError(problems);
  }
  return found;
}

/** Where a scenario's files may be: `root` overrides the rule (root.ts). */
export interface LoadOptions {
  readonly root?: string | undefined;
  /** The machine's routes (env/routes.ts): declared subnets must not overlap them. */
  readonly machineRoutes?: readonly MachineRoute[] | undefined;
  /** How the user types fwspec, for commands in hints (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
}

/** A scenario file (or text) that cannot be read as scenario text, in words. */
function unreadable(file: string, abs: string, f: ReadFailure): ScenarioError {
  switch (f.kind) {
    case "missing":
      if ((f.error as NodeJS.ErrnoException).code === "ENOENT") return fileDiagnostic(file, "scenario file not found", `looked for ${abs}`);
      return fileDiagnostic(file, `cannot read the scenario file: ${f.error.message}`, "check the path and its permissions");
    case "unreadable":
      return fileDiagnostic(file, `cannot read the scenario file: ${f.error.message}`, f.stage === "stat" ? "check the path and its permissions" : "check the file's permissions");
    case "not-file":
      return fileDiagnostic(file, `the scenario path is ${f.what}, not a file`, "name a .yaml scenario file");
    case "empty":
      return fileDiagnostic(file, "the scenario file is empty", "start with `name:`, `description:`, `hosts:` and `steps:`");
    case "too-large":
      return fileDiagnostic(file, `the scenario file is larger than 1 MiB (${f.size} bytes)`, "a scenario is a short YAML file; is this the right file?");
    case "binary":
      return fileDiagnostic(file, "the scenario file is binary (it contains NUL bytes)", "a scenario is a YAML text file", f.line, f.column);
    case "not-utf8":
      return fileDiagnostic(file, "the scenario file is not UTF-8 text", "save it as UTF-8", f.line, f.column);
    default:
      // Path-safety failures (outside a root): a scenario file is read without one, so never here.
      return fileDiagnostic(file, `cannot read the scenario file (${f.kind})`, "check the path");
  }
}

/** The diagnostics of a check, or the scenario. */
function verdict(result: CheckResult, display: string, locator: CheckPlace["locator"], inline: boolean, before: readonly Diagnostic[] = []): Scenario {
  const diagnostics = [...before, ...toDiagnostics(result.problems, display, locator, inline)].sort((a, b) => a.line - b.line || a.column - b.column);
  if (diagnostics.length > 0) throw new ScenarioError(diagnostics);
  if (!result.scenario) throw fileDiagnostic(display, "invalid scenario", "(no details: please report this)");
  return result.scenario;
}

/**
 * Parses scenario YAML. `file` names it in diagnostics and anchors relative
 * paths (fixture files are read synchronously); fixture files must be inside
 * the project root (root.ts), or `opts.root` when given.
 */
export function parseScenarioText(text: string, file: string, opts: LoadOptions = {}): Scenario {
  const abs = path.resolve(file);
  const failure = textFailure(text);
  if (failure) throw unreadable(file, abs, failure);
  // A rules file given as a scenario (`fwspec validate firewall/rules.v4`): said so, not a YAML error.
  const lookalike = rulesLookalike(text);
  if (lookalike) {
    // `init --from` runs at the project root (cli/init.ts): the command names the file from there, after a `cd` when that is not here.
    const root = findProjectRoot(path.dirname(abs), opts.root, opts.invocation);
    const fromRoot = path.relative(root.dir, abs);
    const inside = fromRoot !== "" && !fromRoot.startsWith("..") && !path.isAbsolute(fromRoot);
    const at = inside && root.reason !== "none" ? { dir: root.dir, file: fromRoot } : undefined;
    throw fileDiagnostic(file, lookalikeMessage(lookalike), lookalikeHint(lookalike, path.relative(process.cwd(), abs) || abs, opts.invocation, at), lookalike.line);
  }
  const { raw, locator, syntax } = parseYaml(text, file);
  const projectRoot = findProjectRoot(path.dirname(abs), opts.root, opts.invocation);
  const result = checkScenario(raw, { file: abs, baseDir: path.dirname(abs), projectRoot, locator, machineRoutes: opts.machineRoutes });
  return verdict(result, file, locator, false, syntax);
}

function fromFile(file: string, read: ReadResult, opts: LoadOptions): Scenario {
  if (!read.ok) throw unreadable(file, path.resolve(file), read.failure);
  return parseScenarioText(read.text, file, opts);
}

/** Reads, parses and validates a scenario file, and reads the fixture files it names. */
export async function loadScenario(file: string, opts: LoadOptions = {}): Promise<Scenario> {
  return fromFile(file, await readTextFile(path.resolve(file)), opts);
}

/** `loadScenario`, synchronously (for vitest collection and `fwspec validate`). */
export function loadScenarioSync(file: string, opts: LoadOptions = {}): Scenario {
  return fromFile(file, readTextFileSync(path.resolve(file)), opts);
}

/**
 * A scenario written in TypeScript: the same validation as YAML files.
 * Diagnostics point at `file` line 1 column 1 and name the path inside the
 * object (`steps[1].expect[0]: ...`). Relative fixture paths resolve against
 * `baseDir` (default: the directory of `file`, else the working directory).
 */
export function defineScenario(input: ScenarioInput, opts: { file?: string; baseDir?: string; root?: string } = {}): Scenario {
  const file = opts.file === undefined ? "<inline>" : path.resolve(opts.file);
  const display = opts.file ?? "<inline>";
  const baseDir = path.resolve(opts.baseDir ?? (opts.file === undefined ? process.cwd() : path.dirname(file)));
  const locator = new InlineLocator();
  return verdict(checkScenario(input as unknown, { file, baseDir, projectRoot: findProjectRoot(baseDir, opts.root), locator }), display, locator, true);
}
