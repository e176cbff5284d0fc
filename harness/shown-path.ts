/**
 * How messages on the terminal name a file: relative to the folder fwspec runs
 * in when the file is inside it (`scenarios/x.yaml:12:9`, as compilers print
 * it, so editors open it), otherwise as given. Reports name files their own
 * way (report/paths.ts).
 */
import path from "node:path";

export function shownPath(file: string, cwd: string = process.cwd()): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
