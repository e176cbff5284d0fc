/**
 * How this user runs fwspec, decided once from facts the CLI reads (pure):
 * started through npx / npm exec, or from a package installed into a project
 * (its package root inside node_modules), or from fwspec's own checkout
 * (where `npx fwspec` runs the checkout's launcher), from inside that project
 * or checkout: `npx fwspec`. From anywhere else no `npx fwspec` finds it: plain
 * `fwspec` when the first `fwspec` on PATH is this package's launcher (symlinks
 * resolved on both sides: `npm install -g` links PATH's `fwspec` to it), else
 * the launcher's absolute path.
 */
import path from "node:path";
import { DEFAULT_INVOCATION } from "../invocation.ts";
import { shellQuote } from "../lab/exec.ts";

export interface InvocationFacts {
  /** The fwspec package's root (env/package-root.ts), absolute. */
  readonly packageRoot: string;
  /** The current directory, absolute. */
  readonly cwd: string;
  /** npm's `npm_command` (`exec` under npx / npm exec, `run-script` under npm run), if set. */
  readonly npmCommand?: string | undefined;
  /** npm's `npm_lifecycle_event` (`npx` under npx), if set. */
  readonly npmLifecycleEvent?: string | undefined;
  /** This package's launcher (`bin/fwspec` in packageRoot), symlinks resolved; undefined when it could not be resolved. */
  readonly launcher?: string | undefined;
  /** What a bare `fwspec` runs: the first `fwspec` on PATH (firstOnPath), symlinks resolved; undefined when PATH has none. */
  readonly fwspecOnPath?: string | undefined;
}

/** The file a shell runs for a bare `name`: the first PATH entry holding an executable `name` (an empty entry is the current folder, a relative one is from it). */
export function firstOnPath(name: string, pathVar: string, cwd: string, isExecutable: (file: string) => boolean): string | undefined {
  if (pathVar === "") return undefined;
  for (const entry of pathVar.split(path.delimiter)) {
    const file = path.resolve(cwd, entry, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** Is `dir` `top` or inside it? */
function inside(dir: string, top: string): boolean {
  const rel = path.relative(top, dir);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The project npx resolves fwspec in: the folder holding the (outermost) node_modules the package is in (npm, pnpm's .pnpm store), else the package itself (a checkout). */
function projectOf(packageRoot: string): string {
  const parts = packageRoot.split(path.sep);
  const at = parts.indexOf("node_modules");
  return at < 0 ? packageRoot : parts.slice(0, at).join(path.sep) || path.sep;
}

/** The words a printed fwspec command starts with, for this user. */
export function chooseInvocation(facts: InvocationFacts): string {
  if (facts.npmCommand === "exec" || facts.npmLifecycleEvent === "npx") return DEFAULT_INVOCATION;
  if (inside(facts.cwd, projectOf(facts.packageRoot))) return DEFAULT_INVOCATION;
  if (facts.launcher !== undefined && facts.fwspecOnPath === facts.launcher) return "fwspec";
  return shellQuote([path.join(facts.packageRoot, "bin", "fwspec")]);
}
