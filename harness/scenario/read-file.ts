/**
 * The one reader of the files a scenario consists of (the scenario file and
 * the fixture files it names): a regular file, not empty, at most 1 MiB (a
 * fixture: MAX_FIXTURE_BYTES, ReadOptions.maxBytes), no
 * NUL byte, valid UTF-8, and, given a root, inside it both as written and
 * after symbolic links. It says what is wrong as a `ReadFailure`; the caller
 * words it (a scenario file and a fixture are described differently).
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { positionInText } from "./locate.ts";
import { MAX_FILE_BYTES } from "./schema.ts";

export type ReadFailure =
  | { readonly kind: "outside"; readonly root: string }
  | { readonly kind: "missing"; readonly error: Error }
  | { readonly kind: "unreadable"; readonly stage: "stat" | "read"; readonly error: Error }
  | { readonly kind: "unresolvable"; readonly error: Error }
  | { readonly kind: "leads-outside"; readonly real: string; readonly root: string }
  | { readonly kind: "not-file"; readonly what: string }
  | { readonly kind: "empty" }
  | { readonly kind: "too-large"; readonly size: number }
  | { readonly kind: "binary"; readonly line: number; readonly column: number }
  | { readonly kind: "not-utf8"; readonly line: number; readonly column: number };

export type ReadResult = { readonly ok: true; readonly path: string; readonly text: string } | { readonly ok: false; readonly failure: ReadFailure };

export interface ReadOptions {
  /** The file must be inside this directory, as written and after symbolic links. */
  readonly root?: string;
  /** At most this many bytes (default MAX_FILE_BYTES, 1 MiB). */
  readonly maxBytes?: number;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function inside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  // `..foo` is a name inside the root; only `..` itself or `../…` leaves it.
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** What a path that is not a regular file is, in words. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isFIFO()) return "a named pipe";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a regular file";
}

/** A failure in a few words, for `cannot use FILE (…)`: `not found`, `a directory, not a file`, `empty`, `too large`. */
export function failureWords(f: ReadFailure): string {
  switch (f.kind) {
    case "missing":
      return "not found";
    case "not-file":
      return f.what === "not a regular file" ? "not a regular file" : `${f.what}, not a file`;
    case "too-large":
      return `too large: ${f.size} bytes`;
    case "binary":
      return `binary: a NUL byte at line ${f.line}`;
    case "not-utf8":
      return "not UTF-8 text";
    case "leads-outside":
      return `leads outside ${f.root} (to ${f.real})`;
    case "outside":
      return `outside ${f.root}`;
    case "unreadable":
    case "unresolvable":
      return `unreadable: ${f.error.message}`;
    default:
      return f.kind;
  }
}

function binaryAt(before: string): ReadFailure {
  return { kind: "binary", ...positionInText(before, before.length) };
}

/** Text already in memory (a scenario given as text): the size and NUL checks. */
export function textFailure(text: string): ReadFailure | undefined {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_FILE_BYTES) return { kind: "too-large", size: bytes };
  const nul = text.indexOf("\0");
  return nul >= 0 ? binaryAt(text.slice(0, nul)) : undefined;
}

const isMissing = (error: Error): boolean => ["ENOENT", "ENOTDIR"].includes(String((error as NodeJS.ErrnoException).code));

/** Is the file worth reading after this stat (no failure that the content cannot change)? */
function readable(st: Stats | Error, maxBytes: number): st is Stats {
  return !(st instanceof Error) && st.isFile() && st.size > 0 && st.size <= maxBytes;
}

/** Every check, in order, on a stat result and the bytes `read` returns. */
function check(abs: string, st: Stats | Error, read: () => Buffer | Error, opts: ReadOptions): ReadResult {
  const fail = (failure: ReadFailure): ReadResult => ({ ok: false, failure });
  const root = opts.root;
  if (root !== undefined && !inside(root, abs)) return fail({ kind: "outside", root });
  if (st instanceof Error) return fail(isMissing(st) ? { kind: "missing", error: st } : { kind: "unreadable", stage: "stat", error: st });
  if (root !== undefined) {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch (error) {
      return fail({ kind: "unresolvable", error: asError(error) });
    }
    let realRoot = root;
    try {
      realRoot = realpathSync(root);
    } catch {
      // keep the root as given
    }
    if (!inside(realRoot, real)) return fail({ kind: "leads-outside", real, root });
  }
  if (!st.isFile()) return fail({ kind: "not-file", what: kindOf(st) });
  if (st.size === 0) return fail({ kind: "empty" });
  if (st.size > (opts.maxBytes ?? MAX_FILE_BYTES)) return fail({ kind: "too-large", size: st.size });
  const buffer = read();
  if (buffer instanceof Error) return fail({ kind: "unreadable", stage: "read", error: buffer });
  const nul = buffer.indexOf(0);
  if (nul >= 0) return fail(binaryAt(buffer.subarray(0, nul).toString("utf8")));
  try {
    return { ok: true, path: abs, text: new TextDecoder("utf-8", { fatal: true }).decode(buffer) };
  } catch {
    return fail(notUtf8At(buffer));
  }
}

/** Where the first byte that is no UTF-8 is: its line and character (tester 44d: said at 1:1 for a byte on line 11). */
export function notUtf8At(buffer: Buffer): ReadFailure {
  const strict = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  for (let line = 1; ; line++) {
    const end = buffer.indexOf(0x0a, start);
    const bytes = buffer.subarray(start, end < 0 ? buffer.length : end);
    try {
      strict.decode(bytes);
    } catch {
      const shown = new TextDecoder("utf-8").decode(bytes);
      return { kind: "not-utf8", line, column: [...shown.slice(0, Math.max(0, shown.indexOf("\ufffd")))].length + 1 };
    }
    if (end < 0) return { kind: "not-utf8", line: 1, column: 1 };
    start = end + 1;
  }
}

/** Reads and checks a file (`abs`: an absolute path). */
export function readTextFileSync(abs: string, opts: ReadOptions = {}): ReadResult {
  let st: Stats | Error;
  try {
    st = statSync(abs);
  } catch (error) {
    st = asError(error);
  }
  return check(abs, st, () => {
    try {
      return readFileSync(abs);
    } catch (error) {
      return asError(error);
    }
  }, opts);
}

/** `readTextFileSync`, reading without blocking. */
export async function readTextFile(abs: string, opts: ReadOptions = {}): Promise<ReadResult> {
  const st = await stat(abs).catch(asError);
  const buffer = readable(st, opts.maxBytes ?? MAX_FILE_BYTES) ? await readFile(abs).catch(asError) : new Error("not read");
  return check(abs, st, () => buffer, opts);
}
