/**
 * Writes --json/--junit/--html files after a run, and the scenario `fwspec
 * record` writes: folders are created as needed, each file is written whole
 * or not at all, and a file that cannot be written becomes one clear line
 * (with a hint), never an exception that would hide the verdicts or skip the
 * other report.
 */
import { randomBytes } from "node:crypto";
import { accessSync, appendFileSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
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
 * Writes `text` to `file` whole or not at all: into a new file beside it,
 * then renamed over it (an existing file keeps its permission bits; a link is
 * followed, so the file it names is replaced). When anything fails the new
 * file is removed and `file` is as it was: never cut short by a full disk.
 * An existing file fwspec may not write is refused as opening it would be.
 */
function replaceWhole(file: string, text: string): void {
  makeFolders(dirname(file));
  const existing = existsSync(file) ? realpathSync(file) : undefined;
  if (existing !== undefined) accessSync(existing, constants.W_OK);
  const target = existing ?? file;
  const mode = existing === undefined ? 0o666 : statSync(existing).mode & 0o7777;
  const temporary = join(dirname(target), `.${basename(target)}.fwspec-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fd = openSync(temporary, "wx", mode);
  try {
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    if (existing !== undefined) chmodSync(temporary, mode); // the umask narrowed what openSync gave
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes a file the user asked for (a recorded scenario), whole or not at all
 * (replaceWhole); a failure is one line saying the file was left as it was,
 * exit 4.
 */
export function writeOutputFile(file: string, text: string, shown: string, hint: string): FwspecError | undefined {
  try {
    replaceWhole(file, text);
    return undefined;
  } catch (error) {
    return new OutputError(`cannot write ${shown}: ${fsReason(error)}; nothing was changed`, { cause: error, hint });
  }
}

/**
 * Writes a report file whole (replaceWhole); returns the problem, or undefined
 * when written. A report that cannot be written leaves no file there: an older
 * report at that path is removed, so a CI job never archives a stale or
 * partial one as this run's.
 */
export function writeReportFile(kind: string, file: string, text: string): FwspecError | undefined {
  const path = resolve(file);
  try {
    replaceWhole(path, text);
    return undefined;
  } catch (error) {
    let left = "";
    if (existsSync(path) && statSync(path).isFile()) {
      try {
        rmSync(path);
        left = "; the older report there was removed";
      } catch {
        left = "; an older report is still there";
      }
    }
    return new FwspecError(`could not write the ${kind} report to ${path}: ${fsReason(error)}${left}`, {
      hint: "give a path in a folder fwspec can create and write (the verdicts above are unaffected)",
    });
  }
}

/** Appends to a file the CI owns (the job summary); returns the problem, or undefined when written. */
export function appendReportFile(kind: string, file: string, text: string): FwspecError | undefined {
  const path = resolve(file);
  try {
    makeFolders(dirname(path));
    appendFileSync(path, text);
    return undefined;
  } catch (error) {
    return new FwspecError(`could not write the ${kind} to ${path}: ${fsReason(error)}`, {
      hint: "give a path in a folder fwspec can create and write (the verdicts above are unaffected)",
    });
  }
}
