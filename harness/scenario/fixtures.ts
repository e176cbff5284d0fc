/**
 * The fixture files a scenario names (rule scripts, iptables-restore files):
 * each read once through the one file reader (read-file.ts), inside the
 * project, and every failure worded for the path as the scenario wrote it.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import type { Report } from "./diagnostics.ts";
import type { Path } from "./locate.ts";
import { readTextFileSync } from "./read-file.ts";
import { MAX_FIXTURE_BYTES } from "./schema.ts";
import type { ReadFailure } from "./read-file.ts";
import { CHANGE_ROOT_HINT, describeRoot } from "./root.ts";
import type { ProjectRoot } from "./root.ts";
import { closest } from "./suggest.ts";
import { truncate, unsafeWhat } from "./values.ts";

export interface FixtureFile {
  readonly path: string;
  readonly content: string;
}

/** Where fixture paths start from and may lead. */
export interface FixtureRoots {
  /** The scenario file's directory: fixture paths are relative to it. */
  readonly baseDir: string;
  /** Fixture files must be inside it (root.ts chose it). */
  readonly projectRoot: ProjectRoot;
}

/** The message and hint for a fixture that cannot be used. */
function fixtureProblem(written: string, abs: string, f: ReadFailure, roots: FixtureRoots): { message: string; hint: string } {
  const root = describeRoot(roots.projectRoot);
  const escapeHint = `files a scenario reads (rules files, scripts) must be inside the project root; write the path relative to the scenario file; ${CHANGE_ROOT_HINT}`;
  switch (f.kind) {
    case "outside":
      return { message: `\`${written}\` is outside the project root, ${root}`, hint: escapeHint };
    case "leads-outside":
      return { message: `\`${written}\` leads outside the project root (to ${f.real}), ${root}`, hint: `symbolic links may not lead out of the project root; ${CHANGE_ROOT_HINT}` };
    case "missing":
      return { message: `file not found: \`${written}\` (looked for ${abs})`, hint: missingHint(written, abs, roots.baseDir) };
    case "unreadable":
      return { message: `cannot read \`${written}\`: ${f.error.message}`, hint: f.stage === "stat" ? "check the path and its permissions" : "check the file's permissions" };
    case "unresolvable":
      return { message: `cannot resolve \`${written}\`: ${f.error.message}`, hint: "check the path and its symbolic links" };
    case "not-file":
      return { message: `\`${written}\` is ${f.what}, not a regular file`, hint: "name a script or rules file" };
    case "empty":
      return { message: `\`${written}\` is empty`, hint: "write the rules into the file, or remove this step" };
    case "too-large":
      return { message: `\`${written}\` is larger than ${MAX_FIXTURE_BYTES >> 20} MiB (${f.size} bytes)`, hint: `scripts and rules files may be up to ${MAX_FIXTURE_BYTES >> 20} MiB (about 600 000 iptables rules); is this the right file?` };
    case "binary":
      return { message: `\`${written}\` is a binary file (it contains NUL bytes, the first on line ${f.line}, character ${f.column})`, hint: "name a text file: a shell script or iptables-restore rules" };
    case "not-utf8":
      return { message: `\`${written}\` is not UTF-8 text (line ${f.line}, character ${f.column})`, hint: "save the file as UTF-8" };
  }
}

/** A file that is not there: a near name in its directory, if any. */
function missingHint(written: string, abs: string, baseDir: string): string {
  const hint = `paths are relative to the scenario file's directory (${baseDir})`;
  try {
    const near = closest(path.basename(abs), readdirSync(path.dirname(abs)));
    if (near !== undefined) return `did you mean \`${path.join(path.dirname(written), near)}\`? ${hint}`;
  } catch {
    // no directory either; the generic hint stands
  }
  return hint;
}

/** The fixture files of one scenario, each read once. */
export class FixtureFiles {
  readonly #roots: FixtureRoots;
  readonly #problem: Report;
  readonly #files = new Map<string, FixtureFile | ReadFailure>();

  constructor(roots: FixtureRoots, problem: Report) {
    this.#roots = roots;
    this.#problem = problem;
  }

  /** The file at `written` (relative to the scenario), or undefined after reporting why not. */
  read(written: string, p: Path): FixtureFile | undefined {
    if (written.trim() === "") {
      this.#problem(p, "empty file path", "write a path relative to the scenario file, e.g. `../fixtures/rules.sh`");
      return undefined;
    }
    const unsafe = unsafeWhat(written);
    if (unsafe) {
      this.#problem(p, `file path \`${truncate(written)}\` contains ${unsafe}`, "write a plain path relative to the scenario file, without quotes or shell syntax");
      return undefined;
    }
    const abs = path.resolve(this.#roots.baseDir, written);
    if (!this.#files.has(abs)) {
      const read = readTextFileSync(abs, { root: this.#roots.projectRoot.dir, maxBytes: MAX_FIXTURE_BYTES });
      this.#files.set(abs, read.ok ? { path: read.path, content: read.text } : read.failure);
    }
    const got = this.#files.get(abs)!;
    if ("content" in got) return got;
    // Read once, reported at every place that names it (each as written there).
    const { message, hint } = fixtureProblem(written, abs, got, this.#roots);
    this.#problem(p, message, hint);
    return undefined;
  }
}
