/** Scenario paths from a command line (files, directories, globs) → scenario files; default scenarios/. */
import { existsSync, globSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../errors.ts";

const SCENARIO = /\.ya?ml$/;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") ? [] : walk(p);
    return SCENARIO.test(e.name) ? [p] : [];
  });
}

export function expandScenarioPaths(args: readonly string[], cwd: string = process.cwd()): string[] {
  const files = new Set<string>();
  for (const arg of args.length > 0 ? args : ["scenarios"]) {
    const abs = resolve(cwd, arg);
    if (existsSync(abs)) {
      if (statSync(abs).isDirectory()) walk(abs).forEach((f) => files.add(f));
      else files.add(abs);
      continue;
    }
    if (/[*?[{]/.test(arg)) {
      const matches = globSync(arg, { cwd }).map((m) => resolve(cwd, m)).filter((m) => SCENARIO.test(m));
      if (matches.length === 0) throw new InputError(`no scenario file matches ${arg}`, { hint: "scenario files end in .yaml or .yml" });
      matches.forEach((m) => files.add(m));
      continue;
    }
    throw new InputError(`${arg}: no such file or directory`, { hint: "pass scenario files, directories or globs (default: scenarios/)" });
  }
  if (files.size === 0) throw new InputError(`no scenario files (.yaml, .yml) in ${args.join(" ") || "scenarios/"}`);
  return [...files].sort();
}
