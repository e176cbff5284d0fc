/**
 * `fwspec cleanup`: removes fwspec containers and networks and says what it
 * removed. By default only orphans (owner gone; ownership rules in
 * harness/lab/ownership.ts), so a live run on the same engine, in this or
 * another PID namespace, keeps its labs, and so does a lab kept by
 * `fwspec run --keep` until its limit (harness/lab/kept.ts); `--kept` removes
 * the kept labs (and nothing else), `--all` every one, `--run ID` one run's,
 * `--dry-run` only lists the orphans and the kept labs (the CI leak check uses
 * it and counts both: CI never keeps a lab), or with `--run ID` what removing
 * that run would take. Warm labs (`fwspec run --reuse`,
 * harness/lab/warm.ts) have markers like kept ones: listed as warm, spared
 * until theirs expires, removed by `--kept`; a taken one is spared while the
 * run that took it lives.
 */
import type { Engine } from "../env/engine.ts";
import { EnvironmentError, InputError } from "../errors.ts";
import { LABEL_CLAIMED_BY, LABEL_KEPT_AT, LABEL_KEPT_BY, LABEL_KEPT_UNTIL, labKey } from "../lab/kept.ts";
import { LABEL_WARM } from "../lab/warm.ts";
import { countLabContainers, findKept, findOrphans, findRun, removeAll, removeKept, removeOrphans, removeRunUntilQuiet, type RemovedResources } from "../lab/resources.ts";
import { fwspecCommand } from "../invocation.ts";
import { stuckHint, stuckLines } from "../lab/stuck-network.ts";

export interface CleanupOptions {
  readonly run?: string;
  readonly all?: boolean;
  readonly dryRun?: boolean;
  readonly kept?: boolean;
  /** How the user types fwspec, for the command lines printed (cli/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string;
}

const nameOf = (r: { Id: string; Names?: string[]; Name?: string }) => (r.Names?.[0] ?? r.Name ?? r.Id).replace(/^\//, "");

function removedLines(removed: RemovedResources): string[] {
  return [
    ...removed.containers.map((c) => `removed container ${c}`),
    ...removed.networks.map((n) => `removed network ${n}`),
    ...(removed.markers ?? []).map((m) => `removed kept-lab marker volume ${m}`),
    ...stuckLines(removed.stuck ?? []),
  ];
}

/** One line per kept lab: what it is, since and until when, how to remove it. */
async function keptLines(docker: Engine, dryRunOfKept: boolean, invocation?: string): Promise<string[]> {
  const kept = await findKept(docker, Date.now(), { removable: dryRunOfKept });
  if (dryRunOfKept) {
    return [...kept.containers.map((c) => `would remove container ${nameOf(c)}`), ...kept.networks.map((n) => `would remove network ${nameOf(n)}`), ...kept.markers.map((m) => `would remove kept-lab marker volume ${m.name}`)];
  }
  return kept.markers.map((m) => {
    const containers = kept.containers.filter((c) => labKey(c.Labels) === m.key).length;
    if (m.labels[LABEL_CLAIMED_BY] !== undefined) return `warm lab ${m.key} (${containers} container(s)), taken at ${m.labels[LABEL_KEPT_AT]} by a run that holds it: spared while that run lives (one in another PID namespace cannot be seen: up to ${m.labels[LABEL_KEPT_UNTIL]})`;
    // The run that kept it (or left it warm): removing that run removes it, and nothing of other runs.
    const remove = `\`${fwspecCommand(`cleanup --run ${m.labels[LABEL_KEPT_BY] ?? m.key.split("/")[0]}`, invocation)}\` removes it (\`--kept\`: every kept and warm lab)`;
    if (m.labels[LABEL_WARM] !== undefined) return `warm lab ${m.key} (${containers} container(s)), left warm by \`${fwspecCommand("run --reuse", invocation)}\` at ${m.labels[LABEL_KEPT_AT]}, spared until ${m.labels[LABEL_KEPT_UNTIL]}: ${remove}`;
    return `kept lab ${m.key} (${containers} container(s)), kept at ${m.labels[LABEL_KEPT_AT]}, spared until ${m.labels[LABEL_KEPT_UNTIL]}: ${remove}`;
  });
}

/** What to print, one line per resource; and, when the engine refused to remove a network, the error to end with (exit 3). */
export interface CleanupOutcome {
  readonly text: string;
  readonly error?: EnvironmentError;
}

export async function runCleanup(docker: Engine, opts: CleanupOptions): Promise<CleanupOutcome> {
  const text = await cleanupText(docker, opts);
  return typeof text === "string" ? { text } : text;
}

async function cleanupText(docker: Engine, opts: CleanupOptions): Promise<string | CleanupOutcome> {
  if ([opts.run !== undefined, opts.all, opts.kept].filter(Boolean).length > 1 || (opts.dryRun && opts.all)) {
    throw new InputError("use one of --run, --all, --kept and --dry-run (--dry-run may go with --kept or --run)");
  }
  if (opts.run !== undefined && !/^[0-9a-f]{8}$/.test(opts.run)) throw new InputError(`--run takes a run id such as 1a2b3c4d, not \`${opts.run}\``);
  if (opts.dryRun && opts.run !== undefined) {
    const found = await findRun(docker, opts.run);
    const lines = [
      ...found.containers.map((c) => `would remove container ${nameOf(c)}`),
      ...found.networks.map((n) => `would remove network ${nameOf(n)}`),
      ...found.markers.map((m) => `would remove kept-lab marker volume ${m.name}`),
    ];
    return lines.length > 0 ? `${lines.join("\n")}\n` : `nothing of run ${opts.run}\n`;
  }
  if (opts.dryRun) {
    if (opts.kept) {
      const lines = await keptLines(docker, true, opts.invocation);
      return lines.length > 0 ? `${lines.join("\n")}\n` : "no kept labs\n";
    }
    const orphans = await findOrphans(docker);
    const lines = [
      ...orphans.containers.map((c) => `would remove container ${nameOf(c)}`),
      ...orphans.networks.map((n) => `would remove network ${nameOf(n)}`),
      ...orphans.markers.map((m) => `would remove kept-lab marker volume ${m.name}`),
      ...(await keptLines(docker, false, opts.invocation)),
    ];
    return lines.length > 0 ? `${lines.join("\n")}\n` : "no orphans\n";
  }
  let removed: RemovedResources;
  if (opts.run !== undefined) {
    removed = await removeRunUntilQuiet(docker, opts.run, 4);
  } else if (opts.kept) {
    removed = await removeKept(docker);
  } else {
    removed = opts.all ? await removeAll(docker) : await removeOrphans(docker);
  }
  const lines = removedLines(removed);
  if (!opts.all && opts.run === undefined && !opts.kept) {
    const kept = await keptLines(docker, false, opts.invocation);
    const keptContainers = (await findKept(docker)).containers.length;
    const live = (await countLabContainers(docker)) - keptContainers;
    if (live > 0) lines.push(`kept ${live} container(s) of live runs (--all removes them too)`);
    lines.push(...kept);
  }
  const text = lines.length > 0 ? `${lines.join("\n")}\n` : "nothing to remove\n";
  const stuck = removed.stuck ?? [];
  if (stuck.length === 0) return text;
  return { text, error: new EnvironmentError(`the container engine refused to remove ${stuck.length} network(s): ${stuck.map((s) => s.name).join(", ")}`, { hint: stuckHint(opts.invocation) }) };
}
