/**
 * Writes --json/--junit files after a run: folders are created as needed, and
 * a file that cannot be written becomes one clear line (with a hint), never an
 * exception that would hide the verdicts or skip the other report.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { FwspecError } from "../errors.ts";

/** Creates `file`'s folder and calls `write` with its absolute path; returns the problem, or undefined when written. */
export function writeReportFile(kind: string, file: string, write: (path: string) => void): FwspecError | undefined {
  const path = resolve(file);
  try {
    mkdirSync(dirname(path), { recursive: true });
    write(path);
    return undefined;
  } catch (error) {
    return new FwspecError(`could not write the ${kind} report to ${path}: ${String((error as Error)?.message ?? error).split("\n")[0]}`, {
      hint: "give a path in a folder fwspec can create and write (the verdicts above are unaffected)",
    });
  }
}
