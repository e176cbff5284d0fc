/**
 * What a lab host wrote to its file system: the paths in its container's
 * writable layer, read from the engine's overlay2 upper directory on this
 * machine (0.3 ms for a lab host's few dozen entries, where the engine's
 * `docker diff` took 300-500 ms on 2 cores). Undefined where that directory
 * cannot be read from here (another storage driver, a remote engine): the
 * caller then knows nothing, rather than something wrong.
 */
import { readdir } from "node:fs/promises";

/** The overlay2 upper directory of a container, from its inspect result; undefined for other drivers. */
export function upperDirOf(info: { readonly GraphDriver?: { readonly Name?: string; readonly Data?: Record<string, string> | null } }): string | undefined {
  const driver = info.GraphDriver;
  return driver?.Name === "overlay2" && typeof driver.Data?.UpperDir === "string" ? driver.Data.UpperDir : undefined;
}

/**
 * Every path in the writable layer, absolute as the host sees it (`/usr/local/sbin/iptables`), its
 * folders too; a file the host deleted is listed as well (overlay2 keeps a whiteout in its place).
 */
export async function writtenPaths(upperDir: string | undefined): Promise<readonly string[] | undefined> {
  if (upperDir === undefined) return undefined;
  try {
    return (await readdir(upperDir, { recursive: true })).map((p) => `/${p}`);
  } catch {
    return undefined;
  }
}
