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
import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

/** Each path in the writable layer, absolute as the host sees it (`/usr/local/sbin/iptables`), folders too, with what it is now. */
export type LayerEntries = ReadonlyMap<string, string>;

/** The overlay2 upper directory of a container, from its inspect result; undefined for other drivers. */
export function upperDirOf(info: { readonly GraphDriver?: { readonly Name?: string; readonly Data?: Record<string, string> | null } }): string | undefined {
  const driver = info.GraphDriver;
  return driver?.Name === "overlay2" && typeof driver.Data?.UpperDir === "string" ? driver.Data.UpperDir : undefined;
}

/**
 * A file the host deleted is listed too: overlay2 keeps a whiteout (a
 * character device) in its place. Walked by hand: a symlink in the layer
 * (`ln -s / /root/r`) is an entry, never followed (it points into the
 * container, and would be read on this machine); a folder gone while it is
 * read (a command's scratch folder) is left out, not the whole reading;
 * the folders in `skip` are listed, not walked.
 */
export async function layerEntries(upperDir: string | undefined, options: { readonly skip?: readonly string[] } = {}): Promise<LayerEntries | undefined> {
  // Folders not walked (`skip`: the caller compares them its own way), listed themselves.
  const skip = new Set(options.skip ?? []);
  if (upperDir === undefined) return undefined;
  const out = new Map<string, string>();
  const walk = async (dir: string, shown: string, top: boolean): Promise<boolean> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return !top;
    }
    await Promise.all(
      entries.map(async (e) => {
        const at = path.join(dir, e.name);
        const name = `${shown}/${e.name}`;
        try {
          const s = await lstat(at, { bigint: true });
          // A folder changes its times with every entry made in it: those entries tell, the folder by its mode.
          out.set(name, s.isDirectory() ? `folder ${s.mode}` : `${s.mode} ${s.ino} ${s.size} ${s.mtimeNs} ${s.ctimeNs} ${s.rdev}`);
          if (s.isDirectory() && !skip.has(name)) await walk(at, name, false);
        } catch {
          // gone since the listing (a scratch file of a running command)
        }
      }),
    );
    return true;
  };
  return (await walk(upperDir, "", true)) ? out : undefined;
}
