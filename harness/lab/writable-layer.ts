/**
 * What a lab host wrote to its file system: the entries of its container's
 * writable layer, read from the engine's overlay2 upper directory on this
 * machine (a few ms for a lab host's few dozen entries, where the engine's
 * `docker diff` took 300-500 ms on 2 cores), each with what it is now: a
 * folder by its mode, anything else by its mode, inode, size and times, so a
 * file written again, replaced (a symlink put in its place) or deleted since
 * an earlier reading tells. Undefined where that directory cannot be read
 * from here (another storage driver, a remote engine): the caller then knows
 * nothing, rather than something wrong.
 */
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

/** Each path in the writable layer, absolute as the host sees it (`/usr/local/sbin/iptables`), folders too, with what it is now. */
export type LayerEntries = ReadonlyMap<string, string>;

/** The overlay2 upper directory of a container, from its inspect result; undefined for other drivers. */
export function upperDirOf(info: { readonly GraphDriver?: { readonly Name?: string; readonly Data?: Record<string, string> | null } }): string | undefined {
  const driver = info.GraphDriver;
  return driver?.Name === "overlay2" && typeof driver.Data?.UpperDir === "string" ? driver.Data.UpperDir : undefined;
}

/** A file the host deleted is listed too: overlay2 keeps a whiteout (a character device) in its place. */
export async function layerEntries(upperDir: string | undefined): Promise<LayerEntries | undefined> {
  if (upperDir === undefined) return undefined;
  let names: string[];
  try {
    names = await readdir(upperDir, { recursive: true });
  } catch {
    return undefined;
  }
  const entries = await Promise.all(
    names.map(async (name) => {
      try {
        const s = await lstat(path.join(upperDir, name), { bigint: true });
        // A folder changes its times with every entry made in it: those entries tell, the folder by its mode.
        const what = s.isDirectory() ? `folder ${s.mode}` : `${s.mode} ${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs} ${s.rdev}`;
        return [`/${name}`, what] as const;
      } catch {
        return undefined; // gone since the listing (a scratch file of a running command)
      }
    }),
  );
  return new Map(entries.filter((e) => e !== undefined));
}
