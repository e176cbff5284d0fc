/**
 * Kept labs (`fwspec run --keep`, `--keep-on-failure`). Docker cannot change
 * the labels of an existing container or network, so a lab is marked kept by
 * a marker: a small labelled Docker volume that no container mounts
 * (`fwspec=kept`, the lab's `fwspec.run` and `fwspec.lab`, when it was kept
 * and until when). Creating one takes about 50 ms; sweeps read all markers
 * with one list call (no exec into containers). The sweep rule: a lab with an
 * unexpired marker is never an orphan; once KEPT_LIMIT_MS has passed it is
 * judged like any other lab (its owner, the run, is gone: swept) and its
 * marker goes with it. `fwspec cleanup --kept` removes kept labs at once.
 */
import type Dockerode from "dockerode";
import { LabError } from "../errors.ts";
import { currentPlace, ownerState, type Place } from "./ownership.ts";

export const LABEL_KEPT_AT = "fwspec.kept-at";
export const LABEL_KEPT_UNTIL = "fwspec.kept-until";
/** On a claim marker (warm.ts): the run holding a warm lab it took; the marker keeps the lab only while that owner lives. */
export const LABEL_CLAIMED_BY = "fwspec.claimed-by";
/** On a kept marker of a lab taken warm from another run (warm.ts): the run that kept it, whose lab it is now. */
export const LABEL_KEPT_BY = "fwspec.kept-by";
/** How long a kept lab is spared by other runs' sweeps (and plain `fwspec cleanup`). */
export const KEPT_LIMIT_MS = 24 * 60 * 60 * 1000;
/** A marker whose lab has no resources left is removed once it is this old (a lab being marked is never that young). */
export const DANGLING_MARKER_GRACE_MS = 120_000;

const KEPT_FILTER = { label: ["fwspec=kept"] };

/** `run/lab`: what ties a marker to its lab's containers and networks. */
export function labKey(labels: Readonly<Record<string, string>>): string {
  return `${labels["fwspec.run"]}/${labels["fwspec.lab"]}`;
}

export function markerLabels(runId: string, lab: string, now: number, limitMs = KEPT_LIMIT_MS): Record<string, string> {
  return {
    fwspec: "kept",
    "fwspec.run": runId,
    "fwspec.lab": lab,
    [LABEL_KEPT_AT]: new Date(now).toISOString(),
    [LABEL_KEPT_UNTIL]: new Date(now + limitMs).toISOString(),
  };
}

/**
 * Pure: a marker keeps its lab until its recorded limit; a marker without a
 * readable limit keeps nothing, nor does a claim marker (warm.ts) whose
 * claiming run is seen gone from `place`.
 */
export function keptAt(labels: Readonly<Record<string, string>>, now: number, place: Place | null = null, startOf?: (pid: number) => string | undefined): "kept" | "expired" {
  const until = Date.parse(labels[LABEL_KEPT_UNTIL] ?? "");
  if (!(Number.isFinite(until) && now < until)) return "expired";
  const claimedBy = labels[LABEL_CLAIMED_BY];
  return claimedBy !== undefined && ownerState(claimedBy, place, startOf) === "gone" ? "expired" : "kept";
}

export interface KeptMarker {
  readonly name: string;
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: "kept" | "expired";
  /** Milliseconds since it was created (per its label). */
  readonly ageMs: number;
}

export async function listMarkers(docker: Dockerode, now = Date.now()): Promise<KeptMarker[]> {
  const { Volumes } = await docker.listVolumes({ filters: KEPT_FILTER });
  return (Volumes ?? []).map((v) => {
    const labels = v.Labels ?? {};
    return { name: v.Name, key: labKey(labels), labels, state: keptAt(labels, now, currentPlace()), ageMs: now - (Date.parse(labels[LABEL_KEPT_AT] ?? "") || 0) };
  });
}

/** Marks lab `lab` of run `runId` kept (by run `keptBy` when it took the lab warm from `runId`); returns its marker's labels. */
export async function markKept(docker: Dockerode, runId: string, lab: string, now = Date.now(), keptBy?: string): Promise<Record<string, string>> {
  const labels = { ...markerLabels(runId, lab, now), ...(keptBy !== undefined && keptBy !== runId ? { [LABEL_KEPT_BY]: keptBy } : {}) };
  try {
    await docker.createVolume({ Name: `fwspec-${runId}-${lab}-kept`, Labels: labels });
  } catch (error) {
    throw new LabError(`lab ${lab} could not be kept: ${(error as Error).message}`, { cause: error, hint: "the lab is removed as usual; `docker volume create` must work on this engine" });
  }
  return labels;
}

/** Removes markers; gone ones are fine (a concurrent sweep). Returns the names removed. */
export async function removeMarkers(docker: Dockerode, markers: readonly { readonly name: string }[]): Promise<string[]> {
  const removed: string[] = [];
  for (const m of markers) {
    try {
      await docker.getVolume(m.name).remove();
      removed.push(m.name);
    } catch (error) {
      const code = (error as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw error;
    }
  }
  return removed.sort();
}

interface Labelled {
  readonly Labels?: Readonly<Record<string, string>> | null;
}

const labelsOf = (r: Labelled) => r.Labels ?? {};

/**
 * Pure, the sweep rule for kept labs: of the `orphans` a sweep found among
 * `all` lab resources, it removes those of no lab kept at the markers' time,
 * and with them each marker that is expired or older than the grace and whose
 * lab keeps no resource after the sweep.
 */
export function sweepWithKept<C extends Labelled, N extends Labelled>(
  orphans: { readonly containers: readonly C[]; readonly networks: readonly N[] },
  all: { readonly containers: readonly C[]; readonly networks: readonly N[] },
  markers: readonly KeptMarker[],
): { containers: C[]; networks: N[]; markers: KeptMarker[] } {
  const kept = new Set(markers.filter((m) => m.state === "kept").map((m) => m.key));
  const removable = (r: Labelled) => !kept.has(labKey(labelsOf(r)));
  const containers = orphans.containers.filter(removable);
  const networks = orphans.networks.filter(removable);
  const going = new Set<Labelled>([...containers, ...networks]);
  const surviving = new Set([...all.containers, ...all.networks].filter((r) => !going.has(r)).map((r) => labKey(labelsOf(r))));
  const stale = markers.filter((m) => (m.state === "expired" || m.ageMs > DANGLING_MARKER_GRACE_MS) && !surviving.has(m.key));
  return { containers, networks, markers: stale };
}
