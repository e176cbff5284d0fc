/**
 * Writes --json/--junit/--html files after a run, and the scenario `fwspec
 * record` writes: folders are created as needed, each file is written whole
 * or not at all, and a file that cannot be written becomes one clear line
 * (with a hint), never an exception that would hide the verdicts or skip the
 * other report.
 */
import { randomBytes } from "node:crypto";
import { accessSync, appendFileSync, closeSync, constants, existsSync, fchmodSync, fchownSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FwspecError, InputError, OutputError } from "../errors.ts";

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

/** A report file asked for (`--json out.json`), as given. */
export interface ReportPath {
  readonly flag: string;
  readonly file: string;
}

/** The report flags given (`{ "--json": opts.json }`), an empty path too: it is refused, never ignored. */
export function askedReports(flags: Readonly<Record<string, string | undefined>>): ReportPath[] {
  return Object.entries(flags).flatMap(([flag, file]) => (file !== undefined ? [{ flag, file }] : []));
}

/**
 * Report paths that can never be written as a file, each as one sentence: an
 * empty path, an existing folder, a path under a file. Checked before any lab
 * starts; folders that do not exist yet are fine (they are created).
 */
export function reportPathProblems(outputs: readonly ReportPath[], cwd: string = process.cwd()): string[] {
  return outputs.flatMap(({ flag, file }) => {
    if (file === "") return [`${flag} '' names no file`];
    const abs = resolve(cwd, file);
    if (isFolder(abs)) return [`${flag} ${file} is a folder (${abs}), not a file`];
    // `reports/` names a folder, even one not made yet: writing a file called `reports` would surprise (tester 44d).
    if (/[/\\]$/.test(file) || /(^|\/)\.{1,2}$/.test(file)) return [`${flag} ${file} names a folder, not a file`];
    const blocker = notAFolder(dirname(abs));
    return blocker === undefined ? [] : [`${flag} ${file}: ${blocker} is not a folder`];
  });
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // not there, or not to be looked into: the write says why
  }
}

/** reportPathProblems as bad input (exit 2), all of them in one error; nothing has run yet. */
export function refuseReportPaths(outputs: readonly ReportPath[]): void {
  const problems = reportPathProblems(outputs);
  if (problems.length === 0) return;
  const flag = outputs.find((o) => reportPathProblems([o]).length > 0)!.flag;
  const example = `${flag} reports/fwspec.${{ "--junit": "xml", "--html": "html" }[flag] ?? "json"}`;
  throw new InputError(problems.join("; "), { hint: `name a report file, e.g. \`${example}\` (folders that do not exist yet are created); nothing was run` });
}

/** A Node file-system error in its own words: `operation not permitted` for `EPERM: operation not permitted, open '…'`. */
export function fsReason(error: unknown): string {
  const message = String((error as Error)?.message ?? error);
  return /^E[A-Z]+: ([^,]+)/.exec(message)?.[1] ?? message.split("\n")[0]!;
}

/** Where a write failed: before anything of the new text was written (the path is as it was), or after. */
class WriteFailure extends Error {
  readonly started: boolean;
  readonly error: unknown;
  constructor(started: boolean, error: unknown) {
    super(String((error as Error)?.message ?? error), { cause: error });
    this.started = started;
    this.error = error;
  }
}

/**
 * Writes `text` to `file` whole or not at all. A regular file (or a new one)
 * is written into a new file beside it, then renamed over it: it keeps its
 * permission bits and, where fwspec may (as root), its owner; a link is
 * followed, so the file it names is replaced; when anything fails the new file
 * is removed and `file` is as it was, never cut short by a full disk. Anything
 * else (`/dev/stdout`, `/dev/null`, a pipe, a file bind-mounted alone, where a
 * rename cannot go) is opened and written as it is. An existing file fwspec
 * may not write is refused, as opening it would be.
 */
function replaceWhole(file: string, text: string): void {
  try {
    makeFolders(dirname(file));
    const existing = existsSync(file) ? realpathSync(file) : undefined;
    const st = existing === undefined ? undefined : statSync(existing);
    if (existing !== undefined) accessSync(existing, constants.W_OK);
    if (st !== undefined && !st.isFile()) return writeInPlace(existing!, text);
    const target = existing ?? file;
    const temporary = join(dirname(target), `.${basename(target)}.fwspec-${process.pid}-${randomBytes(4).toString("hex")}`);
    const fd = openSync(temporary, "wx", st === undefined ? 0o666 : st.mode & 0o7777);
    try {
      try {
        if (st !== undefined) {
          fchmodSync(fd, st.mode & 0o7777); // the umask narrowed what openSync gave
          try {
            fchownSync(fd, st.uid, st.gid);
          } catch {
            // Not root: the file becomes the writer's, as any editor's save would make it.
          }
        }
        writeFileSync(fd, text);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, target);
    } catch (error) {
      rmSync(temporary, { force: true });
      // A file bind-mounted alone cannot be renamed over (EBUSY): written in place, as before.
      if ((error as NodeJS.ErrnoException).code === "EBUSY" && existing !== undefined) return writeInPlace(existing, text);
      throw error;
    }
  } catch (error) {
    throw error instanceof WriteFailure ? error : new WriteFailure(false, error);
  }
}

/** Opens `path` for writing and writes `text` (a device, a pipe, a bind-mounted file); a failure after the open is one that `started`. */
function writeInPlace(path: string, text: string): void {
  const fd = openSync(path, "w");
  try {
    writeFileSync(fd, text);
  } catch (error) {
    throw new WriteFailure(true, error);
  } finally {
    closeSync(fd);
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
  } catch (failure) {
    const { started, error } = failure as WriteFailure;
    return new OutputError(`cannot write ${shown}: ${fsReason(error)}; ${started ? "it may be left incomplete" : "nothing was changed"}`, { cause: error, hint });
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
  } catch (failure) {
    const { error } = failure as WriteFailure;
    let left = "";
    // Only a file fwspec may write goes (a full disk, a failed rename): never one it was refused, nor a device.
    if (existsSync(path) && statSync(path).isFile() && canWrite(path)) {
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

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
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
