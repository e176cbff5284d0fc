/**
 * Where the `fwspec` command keeps Node's compile cache: a folder of this
 * user's own in the temporary folder (`fwspec-node-compile-cache-<uid>`, mode
 * 0700), never a shared one another user could fill first. Undefined (no
 * cache) when it cannot be made, or what is there is not this user's private
 * folder (a symbolic link, another owner, open to others).
 */
import { lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export function privateCompileCacheDir(tmp: string, uid: number | undefined): string | undefined {
  if (uid === undefined) return undefined;
  const dir = join(tmp, `fwspec-node-compile-cache-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
  }
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}
