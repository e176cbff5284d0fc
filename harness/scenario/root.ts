/**
 * The project root rule, pure: the directory a scenario's files may point
 * anywhere inside. Walking up from the scenario's directory: the nearest
 * directory holding a `fwspec.config.*` file; else the git work tree (the
 * nearest directory holding `.git`, a directory or a file); else the nearest
 * directory holding `package.json`; else the scenario's own directory. An
 * explicit root (`--root DIR`) overrides all of them. What exists on disk is
 * asked through the `Exists` function, so the rule is testable without files.
 */
import path from "node:path";
import { InputError } from "../errors.ts";

/** The names that mark a root by themselves (empty, or `{}`: config.ts says what one may hold, load.ts reads it). */
export const CONFIG_NAMES = ["fwspec.config.json", "fwspec.config.yaml", "fwspec.config.yml", "fwspec.config.js", "fwspec.config.mjs", "fwspec.config.ts"] as const;

export type RootReason = "option" | "config" | "git" | "package" | "none";

export interface ProjectRoot {
  /** Absolute. */
  readonly dir: string;
  readonly reason: RootReason;
  /** The file that marked it (config, .git or package.json), absolute. */
  readonly marker?: string;
}

/** What is at an absolute path: a file, a directory, or nothing (anything else counts as a file). */
export type Exists = (abs: string) => "file" | "dir" | undefined;

/** The directories from `dir` up to the file-system root, nearest first. */
function upFrom(dir: string): string[] {
  const dirs: string[] = [];
  for (let cur = path.resolve(dir); ; cur = path.dirname(cur)) {
    dirs.push(cur);
    if (path.dirname(cur) === cur) return dirs;
  }
}

/** The nearest directory holding one of `names` (as `kind`, or anything when `kind` is undefined). */
function nearest(dirs: readonly string[], names: readonly string[], exists: Exists, kind?: "file"): { dir: string; marker: string } | undefined {
  for (const dir of dirs) {
    for (const name of names) {
      const marker = path.join(dir, name);
      const found = exists(marker);
      if (found !== undefined && (kind === undefined || found === kind)) return { dir, marker };
    }
  }
  return undefined;
}

/**
 * The project root for a scenario in `startDir`. `override` (resolved against
 * `cwd`) must be a directory, else an InputError naming `--root`.
 */
export function chooseProjectRoot(startDir: string, exists: Exists, override?: string, cwd = "/"): ProjectRoot {
  if (override !== undefined) {
    const dir = path.resolve(cwd, override);
    if (exists(dir) !== "dir") {
      throw new InputError(`--root ${override}: ${exists(dir) === undefined ? "no such directory" : "not a directory"} (${dir})`, {
        hint: "name the directory your scenarios and the files they use are inside (your repository's top directory)",
      });
    }
    return { dir, reason: "option" };
  }
  const dirs = upFrom(startDir);
  const found: [RootReason, { dir: string; marker: string } | undefined][] = [
    ["config", nearest(dirs, CONFIG_NAMES, exists, "file")],
    ["git", nearest(dirs, [".git"], exists)],
    ["package", nearest(dirs, ["package.json"], exists, "file")],
  ];
  for (const [reason, hit] of found) if (hit) return { dir: hit.dir, reason, marker: hit.marker };
  return { dir: path.resolve(startDir), reason: "none" };
}

/** The root and why it was chosen, in words: "the git work tree at /x". */
export function describeRoot(root: ProjectRoot): string {
  switch (root.reason) {
    case "option":
      return `${root.dir}, given with --root`;
    case "config":
      return `${root.dir}, the nearest directory with ${path.basename(root.marker ?? "fwspec.config.json")}`;
    case "git":
      return `the git work tree at ${root.dir}`;
    case "package":
      return `${root.dir}, the nearest directory with package.json`;
    case "none":
      return `the scenario's own directory ${root.dir} (nothing marks a root above it)`;
  }
}

/** How to choose another root, for hints. */
export const CHANGE_ROOT_HINT = "to allow a wider root, pass `--root DIR` or put an (empty) fwspec.config.json in the directory that holds both the scenarios and their files";
