/**
 * Writes --json/--junit files after a run, and the scenario `fwspec record`
 * writes: folders are created as needed, and a file that cannot be written
 * becomes one clear line (with a hint), never an exception that would hide
 * the verdicts or skip the other report.
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { FwspecError, OutputError } from "../errors.ts";

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir never returns under
 * /proc (measured on Node 24), a plain one fails there at once.
 */
function makeFolders(dir: string): void {
  const { missing, blocker } = foldersOf(dir);
  if (blocker !== undefined) throw new Error(`${blocker} is not a folder`);
  for (const d of missing) mkdirSync(d);
}

/** The folders of `dir` that do not exist yet (outermost first), and the nearest existing one when it is no folder. */
function foldersOf(dir: string): { missing: string[]; blocker: string | undefined } {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const existing = missing.length > 0 ? dirname(missing[0]!) : dir;
  return { missing, blocker: statSync(existing).isDirectory() ? undefined : existing };
}

/** The path in `dir` that exists and is no folder (a file where a folder should be), or undefined: checked before a lab starts. */
export function notAFolder(dir: string): string | undefined {
  return foldersOf(dir).blocker;
}

/** A Node file-system error in its own words: `operation not permitted` for `EPERM: operation not permitted, open '…'`. */
export function fsReason(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  return /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message.split("\n")[0]!;
}

/**
 * Writes a file the user asked for (a recorded scenario): its folders are
 * created; a failure is one line saying whether the file was left as it was
 * (the open failed) or may be incomplete (a write failed after it), exit 4.
 */
export function writeOutputFile(file: string, text: string, shown: string, hint: string): FwspecError | undefined {
  let fd: number;
  try {
    makeFolders(dirname(file));
    fd = openSync(file, "w");
  } catch (error) {
    return new OutputError(`cannot write ${shown}: ${fsReason(error)}; nothing was changed`, { cause: error, hint });
  }
  try {
    writeFileSync(fd, text);
    return undefined;
  } catch (error) {
    return new OutputError(`cannot write ${shown}: ${fsReason(error)}; it may be left incomplete`, { cause: error, hint });
  } finally {
    closeSync(fd);
  }
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
