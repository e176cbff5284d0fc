/**
 * `fwspec cleanup`: removes fwspec containers and networks and says what it
 * removed. By default only orphans (owner gone; ownership rules in
 * harness/lab/ownership.ts), so a live run on the same engine, in this or
 * another PID namespace, keeps its labs; `--all` removes every one, `--run ID`
 * one run's, `--dry-run` only lists the orphans (the CI leak check uses it).
 */
import type { Engine } from "../env/engine.ts";
import { InputError } from "../errors.ts";
import { countLabContainers, findOrphans, removeAll, removeOrphans, removeRunUntilQuiet, type RemovedResources } from "../lab/resources.ts";

export interface CleanupOptions {
  readonly run?: string;
  readonly all?: boolean;
  readonly dryRun?: boolean;
}

const nameOf = (r: { Id: string; Names?: string[]; Name?: string }) => (r.Names?.[0] ?? r.Name ?? r.Id).replace(/^\//, "");

/** What to print, one line per resource. */
export async function runCleanup(docker: Engine, opts: CleanupOptions): Promise<string> {
  if ([opts.run !== undefined, opts.all, opts.dryRun].filter(Boolean).length > 1) throw new InputError("use one of --run, --all and --dry-run");
  if (opts.dryRun) {
    const orphans = await findOrphans(docker);
    const lines = [...orphans.containers.map((c) => `would remove container ${nameOf(c)}`), ...orphans.networks.map((n) => `would remove network ${nameOf(n)}`)];
    return lines.length > 0 ? `${lines.join("\n")}\n` : "no orphans\n";
  }
  let removed: RemovedResources;
  if (opts.run !== undefined) {
    if (!/^[0-9a-f]{8}$/.test(opts.run)) throw new InputError(`--run takes a run id such as 1a2b3c4d, not \`${opts.run}\``);
    removed = await removeRunUntilQuiet(docker, opts.run, 4);
  } else {
    removed = opts.all ? await removeAll(docker) : await removeOrphans(docker);
  }
  const lines = [...removed.containers.map((c) => `removed container ${c}`), ...removed.networks.map((n) => `removed network ${n}`)];
  if (!opts.all && opts.run === undefined) {
    const live = await countLabContainers(docker);
    if (live > 0) lines.push(`kept ${live} container(s) of live runs (--all removes them too)`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "nothing to remove\n";
}
