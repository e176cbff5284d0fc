/** Scenario paths from a command line (files, directories, globs) → scenario files; default scenarios/ in the project root. */
import { existsSync, globSync, lstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";
import { fwspecCommand } from "../invocation.ts";
import { oneLine } from "../text.ts";
import { describeRoot, type ProjectRoot } from "./root.ts";

const SCENARIO = /\.ya?ml$/;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") ? [] : walk(p);
    return SCENARIO.test(e.name) ? [p] : [];
  });
}

/** The project root, in words, for the default folder: a root nothing marks is the current directory, not a scenario's. */
function rootInWords(root: ProjectRoot): string {
  return root.reason === "none" ? `the current directory ${root.dir} (nothing marks a project root above it)` : describeRoot(root);
}

/** The scenario files of scenarios/ in the project root (no paths given), or an InputError naming the folder and the root rule. */
function defaultScenarios(root: ProjectRoot, invocation: string | undefined): string[] {
  const dir = join(root.dir, "scenarios");
  const where = `without paths fwspec reads scenarios/ in the project root, ${rootInWords(root)}`;
  const hint = `name your scenario files or folders (\`${fwspecCommand("validate path/to/scenarios", invocation)}\`, \`${fwspecCommand("run path/to/scenarios", invocation)}\`), or write a working example there with \`${fwspecCommand("init", invocation)}\``;
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) throw new InputError(`no scenarios folder at ${dir}: ${where}`, { hint });
  const files = walk(dir);
  if (files.length === 0) throw new InputError(`no scenario files (.yaml, .yml) in ${dir}: ${where}`, { hint });
  return files.sort();
}

/** Why a symbolic link resolves to nothing: a loop, or a target that is not there. */
function linkTrouble(path: string): string {
  try {
    statSync(path);
    return "cannot be followed";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ELOOP" ? "loops (too many levels of symbolic links)" : `leads to nothing (${readlinkSync(path)} is not there)`;
  }
}

/** Files, directories and globs resolved against `cwd`; none: scenarios/ in `root` (the project root, root.ts; default `cwd`). `invocation` starts commands in hints (harness/invocation.ts). */
export function expandScenarioPaths(args: readonly string[], cwd: string = process.cwd(), root: ProjectRoot = { dir: resolve(cwd), reason: "none" }, invocation?: string): string[] {
  if (args.length === 0) return defaultScenarios(root, invocation);
  const files = new Set<string>();
  for (const arg of args) {
    if (arg.trim() === "") {
      throw new InputError(`an empty path${args.length > 1 ? ` (argument ${args.indexOf(arg) + 1} of ${args.length})` : ""}`, { hint: "pass scenario files, folders or globs; for the current folder write `.`" });
    }
    const abs = resolve(cwd, arg);
    if (existsSync(abs)) {
      if (!statSync(abs).isDirectory()) files.add(abs);
      else {
        const found = walk(abs);
        // An empty folder is bad input whether or not other paths hold scenarios.
        if (found.length === 0) throw new InputError(`no scenario files (.yaml, .yml) in ${oneLine(arg)}`, { hint: "scenario files end in .yaml or .yml; name a folder that holds some, or leave this one out" });
        found.forEach((f) => files.add(f));
      }
      continue;
    }
    if (/[*?[{]/.test(arg)) {
      const matches = globSync(arg, { cwd }).map((m) => resolve(cwd, m)).filter((m) => SCENARIO.test(m));
      if (matches.length === 0) throw new InputError(`no scenario file matches ${oneLine(arg)}`, { hint: "scenario files end in .yaml or .yml" });
      matches.forEach((m) => files.add(m));
      continue;
    }
    // A name that is there but leads nowhere (a dangling or looping symbolic link) is said as such.
    const link = lstatSync(abs, { throwIfNoEntry: false });
    if (link?.isSymbolicLink()) throw new InputError(`${oneLine(arg)}: a symbolic link that ${linkTrouble(abs)}`, { hint: "point the link at a scenario file or folder, or pass the file itself" });
    throw new InputError(`${oneLine(arg)}: no such file or directory`, { hint: `pass scenario files, directories or globs (default: scenarios/ in the project root); to start one, \`${fwspecCommand("init", invocation)}\` writes a working example` });
  }
  if (files.size === 0) throw new InputError(`no scenario files (.yaml, .yml) in ${args.map(oneLine).join(" ")}`);
  return [...files].sort();
}
