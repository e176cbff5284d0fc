/**
 * Writes --json/--junit files after a run: folders are created as needed, and
 * a file that cannot be written becomes one clear line (with a hint), never an
 * exception that would hide the verdicts or skip the other report.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { FwspecError } from "../errors.ts";

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir never returns under
 * /proc (measured on Node 24), a plain one fails there at once.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const existing = missing.length > 0 ? dirname(missing[0]!) : dir;
  if (!statSync(existing).isDirectory()) throw new Error(`${existing} is not a folder`);
  for (const d of missing) mkdirSync(d);
}

/** Creates `file`'s folder and calls `write` with its absolute path; returns the problem, or undefined when written. */
export function writeReportFile(kind: string, file: string, write: (path: string) => void): FwspecError | undefined {
  const path = resolve(file);
  try {
    makeFolders(dirname(path));
    write(path);
    return undefined;
  } catch (error) {
    return new FwspecError(`could not write the ${kind} report to ${path}: ${String((error as Error)?.message ?? error).split("\n")[0]}`, {
      hint: "give a path in a folder fwspec can create and write (the verdicts above are unaffected)",
    });
  }
}
