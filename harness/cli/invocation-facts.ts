/**
 * The facts cli/invocation.ts decides from, gathered from the file system
 * (effects): this package's launcher and the first `fwspec` on PATH, each
 * with symlinks resolved. The environment's values come in as data, read by
 * the CLI once.
 */
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { firstOnPath, type InvocationFacts } from "./invocation.ts";

/** What the CLI read from its environment. */
export interface InvocationEnv {
  readonly path: string | undefined;
  readonly npmCommand: string | undefined;
  readonly npmLifecycleEvent: string | undefined;
}

/** A file this user may execute (a shell's PATH search skips anything else). */
function isExecutableFile(file: string): boolean {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isFile() !== true) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function realpathOf(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The facts for `chooseInvocation`, for the package at `packageRoot` run from `cwd`. */
export function invocationFacts(packageRoot: string, cwd: string, env: InvocationEnv): InvocationFacts {
  const onPath = firstOnPath("fwspec", env.path ?? "", cwd, isExecutableFile);
  return {
    packageRoot,
    cwd,
    npmCommand: env.npmCommand,
    npmLifecycleEvent: env.npmLifecycleEvent,
    launcher: realpathOf(path.join(packageRoot, "bin", "fwspec")),
    fwspecOnPath: onPath === undefined ? undefined : realpathOf(onPath),
  };
}
