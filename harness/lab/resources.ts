/**
 * Every container and network fwspec creates carries these labels. A sweep at
 * each lab start removes what a run whose owner is gone left behind (owner
 * rules: ownership.ts); `fwspec cleanup` does the same on demand, `--all`
 * removes everything; a LabRegistry disposes live labs when interrupted.
 * Kept labs (kept.ts) are spared by sweeps until their marker expires; the
 * end of their own run spares them too; an interrupt, `--all` and `--kept`
 * remove them with their markers.
 */
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { type KeptMarker, LABEL_CLAIMED_BY, LABEL_KEPT_BY, labKey, listMarkers, removeMarkers, sweepWithKept } from "./kept.ts";
import { attended, currentPlace, LABEL_OWNER, ownerLabel, ownerState } from "./ownership.ts";
import { claimMarkerOf, LABEL_WARM } from "./warm.ts";
import { noteStuck, refusedInUse, type StuckNetwork } from "./stuck-network.ts";
import { stuckNetwork } from "./network.ts";

export const LABEL_PRODUCT = "fwspec";
export const LABEL_RUN = "fwspec.run";
export const LABEL_PID = "fwspec.pid";
export const LABEL_LAB = "fwspec.lab";

export function newRunId(): string {
  return randomBytes(4).toString("hex");
}

/**
 * Labels of a lab's resources. `pid` is the owning process: this one, or the
 * vitest main process for its workers (so a SIGKILLed run is swept even if a
 * worker outlives it). `fwspec.pid` is informative (the pid in the owner's
 * namespace); sweeps judge by `fwspec.owner`.
 */
export function resourceLabels(runId: string, lab: string, pid: number = process.pid): Record<string, string> {
  const owner = ownerLabel(pid);
  return { [LABEL_PRODUCT]: "lab", [LABEL_RUN]: runId, [LABEL_PID]: String(pid), ...(owner ? { [LABEL_OWNER]: owner } : {}), [LABEL_LAB]: lab };
}

export interface RemovedResources {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  /** Kept-lab markers (Docker volumes, kept.ts). */
  readonly markers?: readonly string[];
  /** Networks the engine refused to remove (stuck-network.ts), each with why. */
  readonly stuck?: readonly StuckNetwork[];
}

type Filter = (labels: Record<string, string>) => boolean;

/** 404 (gone) and 409 (removal already in progress, by a concurrent sweep) mean someone else is done with it. */
function alreadyGoing(error: unknown): boolean {
  const code = (error as { statusCode?: number }).statusCode;
  return code === 404 || code === 409;
}

interface Listed {
  readonly Id: string;
  readonly Names?: string[];
  readonly Name?: string;
}

async function removeContainers(docker: Dockerode, containers: readonly Listed[]): Promise<string[]> {
  const removed: string[] = [];
  await Promise.all(
    containers.map(async (c) => {
      try {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
        removed.push((c.Names?.[0] ?? c.Id).replace(/^\//, ""));
      } catch (error) {
        if (!alreadyGoing(error)) throw error;
      }
    }),
  );
  return removed.sort();
}

/** Removes networks one after another; one the engine refuses as in use is named with why (stuck), any other failure throws. */
async function removeNetworks(docker: Dockerode, networks: readonly Listed[]): Promise<{ removed: string[]; stuck: StuckNetwork[] }> {
  const removed: string[] = [];
  const stuck: StuckNetwork[] = [];
  for (const n of networks) {
    try {
      await docker.getNetwork(n.Id).remove();
      removed.push(n.Name ?? n.Id);
    } catch (error) {
      if (alreadyGoing(error)) continue;
      if (!refusedInUse(error)) throw error;
      const found = await stuckNetwork(docker, n.Id);
      if (found === "gone") continue;
      if (!found) throw error;
      stuck.push(found);
    }
  }
  noteStuck(docker, stuck);
  return { removed: removed.sort(), stuck };
}

const LAB_FILTER = { label: [`${LABEL_PRODUCT}=lab`] };

/** The lab containers, networks and kept-lab markers `filter` takes, as listed now (nothing removed). */
async function listMatching(docker: Dockerode, filter: Filter): Promise<{ containers: Listed[]; networks: Listed[]; markers: KeptMarker[] }> {
  const containers = (await docker.listContainers({ all: true, filters: LAB_FILTER })).filter((c) => filter(c.Labels));
  const networks = (await docker.listNetworks({ filters: LAB_FILTER })).filter((n) => filter(n.Labels ?? {}));
  return { containers, networks, markers: (await listMarkers(docker)).filter((m) => filter(m.labels)) };
}

async function removeMatching(docker: Dockerode, filter: Filter): Promise<RemovedResources> {
  const containers = (await docker.listContainers({ all: true, filters: LAB_FILTER })).filter((c) => filter(c.Labels));
  const removedContainers = await removeContainers(docker, containers);
  const networks = (await docker.listNetworks({ filters: LAB_FILTER })).filter((n) => filter(n.Labels ?? {}));
  const { removed: removedNetworks, stuck } = await removeNetworks(docker, networks);
  // Markers last: a lab is never left without its marker while its resources remain.
  const markers = (await listMarkers(docker)).filter((m) => filter(m.labels));
  return { containers: removedContainers, networks: removedNetworks, markers: await removeMarkers(docker, markers), ...(stuck.length > 0 ? { stuck } : {}) };
}

/** Command channels (fwspec-agent execs) still running in a container: they end when their owner's connection does. */
async function runningChannels(docker: Dockerode, id: string, now: number): Promise<{ channels: number; ageMs: number }> {
  const info = await docker.getContainer(id).inspect();
  const execs = await Promise.all((info.ExecIDs ?? []).map((e) => docker.getExec(e).inspect().then((x) => x.Running, () => false)));
  const since = Math.max(Date.parse(info.Created), Date.parse(info.State.StartedAt) || 0);
  return { channels: execs.filter(Boolean).length, ageMs: now - since };
}

/**
 * Resources whose owner is gone (same PID namespace), or unseen and unattended
 * at `now` (see ownership.ts), except those of a kept lab (kept.ts); and the
 * kept-lab markers that go with them.
 */
export async function findOrphans(docker: Dockerode, now = Date.now()): Promise<{ containers: Listed[]; networks: Listed[]; markers: KeptMarker[] }> {
  const place = currentPlace();
  const containers = await docker.listContainers({ all: true, filters: LAB_FILTER });
  const states = containers.map((c) => ownerState(c.Labels[LABEL_OWNER], place));
  // An unseen owner's lab is attended as a whole: one of its hosts keeps an exec (lab.ts), the others are attached.
  const seen = await Promise.all(containers.map((c, i) => (states[i] === "unseen" ? runningChannels(docker, c.Id, now).catch(() => undefined) : undefined)));
  // A container that could not be inspected counts as attending its lab (it may be the one with the exec).
  const attendedLabs = new Set(containers.filter((_, i) => states[i] === "unseen" && (seen[i] === undefined || attended(seen[i]!.ageMs, seen[i]!.channels))).map((c) => labKey(c.Labels)));
  const orphaned = containers.map((c, i) => states[i] === "gone" || (states[i] === "unseen" && !attendedLabs.has(labKey(c.Labels))));
  const liveLabs = new Set(containers.filter((_, i) => !orphaned[i]).map((c) => labKey(c.Labels)));
  const allNetworks = await docker.listNetworks({ filters: LAB_FILTER });
  const networks = allNetworks.filter((n) => {
    const labels = n.Labels ?? {};
    const state = ownerState(labels[LABEL_OWNER], place);
    if (state !== "unseen") return state === "gone";
    return !liveLabs.has(labKey(labels)) && !attended(now - Date.parse(n.Created), 0);
  });
  // Read after the owners: a lab is marked before its owner exits, so an owner seen gone had its marker already.
  const markers = await listMarkers(docker, now);
  return sweepWithKept({ containers: containers.filter((_, i) => orphaned[i]), networks }, { containers, networks: allNetworks }, markers);
}

/** How many fwspec lab containers exist on the engine (any run, live or not). */
export async function countLabContainers(docker: Dockerode): Promise<number> {
  return (await docker.listContainers({ all: true, filters: LAB_FILTER })).length;
}

/** Removes what findOrphans lists (containers first, then their networks, then markers). */
export async function removeOrphans(docker: Dockerode): Promise<RemovedResources> {
  const { containers, networks, markers } = await findOrphans(docker);
  const removedContainers = await removeContainers(docker, containers);
  const { removed, stuck } = await removeNetworks(docker, networks);
  return { containers: removedContainers, networks: removed, markers: await removeMarkers(docker, markers), ...(stuck.length > 0 ? { stuck } : {}) };
}

/** Kept labs (unexpired markers) with their containers and networks; with `removable`, only those `fwspec cleanup --kept` removes (no lab a live run has taken). */
export async function findKept(docker: Dockerode, now = Date.now(), options: { readonly removable?: boolean } = {}): Promise<{ markers: KeptMarker[]; containers: Dockerode.ContainerInfo[]; networks: Dockerode.NetworkInspectInfo[] }> {
  const all = await listMarkers(docker, now);
  const inUse = options.removable ? takenLabs(all) : new Set<string>();
  const markers = all.filter((m) => m.state === "kept" && !inUse.has(m.key));
  const keys = new Set(markers.map((m) => m.key));
  const containers = (await docker.listContainers({ all: true, filters: LAB_FILTER })).filter((c) => keys.has(labKey(c.Labels)));
  const networks = (await docker.listNetworks({ filters: LAB_FILTER })).filter((n) => keys.has(labKey(n.Labels ?? {})));
  return { markers, containers, networks };
}

/**
 * Pure: the labs (`run/lab` keys) a run holds through a live claim marker
 * (warm.ts): taken warm, in use. `except` is this process's owner label: its
 * own claims are not spared from it.
 */
export function takenLabs(markers: readonly KeptMarker[], except?: string): Set<string> {
  return new Set(markers.filter((m) => m.state === "kept" && m.labels[LABEL_CLAIMED_BY] !== undefined && m.labels[LABEL_CLAIMED_BY] !== except).map((m) => m.key));
}

/**
 * Removes every kept or warm lab (`fwspec cleanup --kept`), expired or not,
 * with its marker; nothing else, and no warm lab a live run has taken
 * (warm.ts), also one taken since `listed` (default: listed now) was read.
 */
export async function removeKept(docker: Dockerode, listed?: readonly KeptMarker[]): Promise<RemovedResources> {
  const markers = listed ?? (await listMarkers(docker));
  const inUse = takenLabs(markers);
  return removeTaken(docker, markers.filter((m) => !inUse.has(m.key)));
}

/** Removes every warm lab no run has taken (`fwspec run --reuse` left them; warm.ts), with its marker; nothing else. */
export async function removeWarm(docker: Dockerode): Promise<RemovedResources> {
  return removeTaken(docker, (await listMarkers(docker)).filter((m) => m.labels[LABEL_WARM] !== undefined));
}

/** Removes the labs of `markers` (takeWarm: a warm one only once taken, as a run would take it). */
async function removeTaken(docker: Dockerode, markers: readonly KeptMarker[]): Promise<RemovedResources> {
  const { lost, named } = await takeWarm(docker, markers);
  const keys = new Set(markers.map((m) => m.key).filter((k) => !lost.has(k)));
  return named(await removeMatching(docker, (labels) => keys.has(labKey(labels))));
}

/**
 * Before a removal, takes each warm lab of `markers` as a run would (warm.ts
 * claimMarkerOf): `lost` are the labs another run took since the markers were
 * listed (spare them); `named` reports a taken lab's warm marker as removed
 * (it went when the lab was taken), not the removal's own claim marker.
 */
async function takeWarm(docker: Dockerode, markers: readonly KeptMarker[]): Promise<{ lost: Set<string>; named: (removed: RemovedResources) => RemovedResources }> {
  const owner = ownerLabel(process.pid);
  const lost = new Set<string>();
  const claims = new Map<string, string>();
  for (const m of markers) {
    if (m.labels[LABEL_WARM] === undefined || owner === undefined) continue;
    const claim = await claimMarkerOf(docker, m, "cleanup", owner);
    if (claim) claims.set(claim, m.name);
    else lost.add(m.key);
  }
  return { lost, named: (removed) => ({ ...removed, markers: (removed.markers ?? []).map((name) => claims.get(name) ?? name).sort() }) };
}

/**
 * Removes resources whose owner is gone (a SIGKILLed run). Best effort:
 * concurrent runs sweep at the same time, and a sweep never fails a lab start
 * (what it could not remove, the next sweep or `fwspec cleanup` will).
 */
export async function sweepOrphans(docker: Dockerode): Promise<RemovedResources> {
  try {
    return await removeOrphans(docker);
  } catch {
    return { containers: [], networks: [] };
  }
}

/**
 * Removes every resource of one run; with `spareKept` (the run's own end), not
 * its kept or warm labs. Never a lab of the run that another live run has
 * taken warm, nor one another run took warm and kept (warm.ts: a lab keeps
 * its first run's labels); but a lab this run took warm and kept, yes. A warm
 * lab of the run is taken before it is removed, so one a run took since
 * `listed` (default: listed now) was read stays with that run.
 */
export async function removeRun(docker: Dockerode, runId: string, options: { readonly spareKept?: boolean; readonly listed?: readonly KeptMarker[] } = {}): Promise<RemovedResources> {
  const markers = options.listed ?? (await listMarkers(docker));
  const spared = sparedLabs(markers, options.spareKept === true);
  // The run's warm labs are taken first: one a run took since the listing stays with it.
  const { lost, named } = await takeWarm(docker, markers.filter((m) => m.labels[LABEL_RUN] === runId && !spared.has(m.key)));
  return named(await removeMatching(docker, runFilter(markers, runId, new Set([...spared, ...lost]))));
}

/** What `fwspec cleanup --run ID` would remove now (`--dry-run`): as removeRun decides, without taking warm labs. */
export function findRun(docker: Dockerode, runId: string): Promise<{ containers: Listed[]; networks: Listed[]; markers: KeptMarker[] }> {
  return listMarkers(docker).then((markers) => listMatching(docker, runFilter(markers, runId, sparedLabs(markers, false))));
}

/** Labs removing a run leaves alone: with `spareKept`, every kept or warm one; else those a live run has taken. */
function sparedLabs(markers: readonly KeptMarker[], spareKept: boolean): Set<string> {
  return spareKept ? new Set(markers.map((m) => m.key)) : takenLabs(markers, ownerLabel(process.pid));
}

/** The resources of run `runId` (and the labs it kept after taking them warm), but not those of `spared` labs nor labs another run kept. */
function runFilter(markers: readonly KeptMarker[], runId: string, spared: ReadonlySet<string>): Filter {
  const keptBy = (m: KeptMarker) => m.labels[LABEL_KEPT_BY];
  const keptElsewhere = new Set(markers.filter((m) => keptBy(m) !== undefined && keptBy(m) !== runId).map((m) => m.key));
  const keptHere = new Set(markers.filter((m) => keptBy(m) === runId).map((m) => m.key));
  return (labels) => {
    const key = labKey(labels);
    if (spared.has(key)) return false;
    return labels[LABEL_RUN] === runId ? !keptElsewhere.has(key) : keptHere.has(key);
  };
}

/**
 * Removes one run's resources again and again until `quietRounds` rounds in a
 * row find none (a lab start still in flight may create more), at most 30 s.
 */
export async function removeRunUntilQuiet(docker: Dockerode, runId: string, quietRounds = 2): Promise<RemovedResources> {
  const containers: string[] = [];
  const networks: string[] = [];
  const markers: string[] = [];
  let stuck: readonly StuckNetwork[] = [];
  let quiet = 0;
  const deadline = Date.now() + 30_000;
  while (quiet < quietRounds && Date.now() < deadline) {
    const r = await removeRun(docker, runId);
    containers.push(...r.containers);
    networks.push(...r.networks);
    markers.push(...(r.markers ?? []));
    // What the last round could not remove is what stays.
    stuck = r.stuck ?? [];
    quiet = r.containers.length + r.networks.length === 0 ? quiet + 1 : 0;
    if (quiet < quietRounds) await new Promise((res) => setTimeout(res, 200));
  }
  return { containers, networks, ...(markers.length > 0 ? { markers: markers.sort() } : {}), ...(stuck.length > 0 ? { stuck } : {}) };
}

/** Removes the resources of one lab of a run (a lab that failed to start; other labs of the run go on). */
export function removeLab(docker: Dockerode, runId: string, lab: string): Promise<RemovedResources> {
  return removeMatching(docker, (labels) => labels[LABEL_RUN] === runId && labels[LABEL_LAB] === lab);
}

/** Removes every fwspec resource on this engine (`fwspec cleanup --all`). */
export function removeAll(docker: Dockerode): Promise<RemovedResources> {
  return removeMatching(docker, () => true);
}

/**
 * Live labs of this process (vitest workers). The entry point hands
 * `disposeAll` to harness/interrupt.ts (the one stopping strategy), so Ctrl-C
 * leaves nothing running. Create one per process entry point.
 */
export class LabRegistry {
  readonly #live = new Set<AsyncDisposable>();

  add(resource: AsyncDisposable): void {
    this.#live.add(resource);
  }
  delete(resource: AsyncDisposable): void {
    this.#live.delete(resource);
  }
  get size(): number {
    return this.#live.size;
  }

  async disposeAll(): Promise<void> {
    const all = [...this.#live];
    this.#live.clear();
    await Promise.allSettled(all.map((r) => r[Symbol.asyncDispose]()));
  }
}
