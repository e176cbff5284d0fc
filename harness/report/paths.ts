/**
 * How reports name a scenario file: relative to a base folder the caller
 * chooses (the CLI passes the folder fwspec was run from; GitHub annotations
 * the workspace), with `/` separators, so the same checkout gives the same
 * names on every machine. A file outside the base keeps its `../` steps.
 */
import { isAbsolute, relative, sep } from "node:path";

export function displayPath(file: string, baseDir: string | undefined): string {
  if (baseDir === undefined || !isAbsolute(file)) return file.split(sep).join("/");
  return (relative(baseDir, file) || file).split(sep).join("/");
}
