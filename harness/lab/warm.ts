/**
 * Warm labs (`fwspec run --reuse`): a lab a run is done with is left running
 * for a later run of the same shape instead of being removed, as
 * testcontainers' reuse keeps a container for the next test run. Before it is
 * left, the runner resets it as a handoff does (runner/shared-lab.ts) and
 * records how each host was left (a firewall host as booted); the next run
 * takes it only if every host still reads exactly that (digests of its rules
 * and network state), so a lab changed while warm is removed, never used.
 *
 * Markers, as for kept labs (kept.ts): Docker volumes no container mounts.
 * A warm marker (`fwspec.warm` = the shape and image key) spares its lab from
 * sweeps until WARM_LIMIT_MS has passed and carries the lab's description (its
 * shape, networks, containers, listeners now, digests). Taking a lab is a
 * race-free handoff: the taker first creates a claim marker of its own (it
 * spares the lab while the taker's process lives: kept.ts keptAt), then
 * removes the warm marker; of two takers only one removal succeeds, and the
 * other removes its claim and looks further. The lab keeps its first run's
 * labels (Docker cannot change them): markers, not labels, say who holds it.
 */
import { createHash, randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { LabError } from "../errors.ts";
import type { HostSpec } from "../model/types.ts";
import { type Shaped, shapeKey } from "../plan/shape.ts";
import { type KeptMarker, LABEL_CLAIMED_BY, LABEL_KEPT_UNTIL, labKey, listMarkers, markerLabels, removeMarkers } from "./kept.ts";
import type { SubnetPlan } from "./addresses.ts";
import { ownerLabel } from "./ownership.ts";
import type { WarmState } from "./types.ts";

/** On a warm marker: the key of the lab's shape and image (warmKey). */
export const LABEL_WARM = "fwspec.warm";
/** On a warm marker: the lab's description (WarmDescription as JSON). */
export const LABEL_WARM_LAB = "fwspec.warm-lab";
/** How long a warm lab waits for a run to take it; after that sweeps remove it like any lab whose run is gone. */
export const WARM_LIMIT_MS = 15 * 60 * 1000;

/** A warm lab as its marker describes it: enough to attach to it without starting anything. */
export interface WarmDescription {
  /** The lab's short name (LabSpec.name) and its `fwspec.run` / `fwspec.lab` labels. */
  readonly name: string;
  readonly runId: string;
  readonly instance: string;
  readonly networks: readonly { readonly name: string; readonly dockerName: string; readonly id: string; readonly plan: SubnetPlan }[];
  readonly hosts: readonly { readonly spec: HostSpec; readonly id: string; readonly containerName: string }[];
  readonly state: WarmState;
}

/** A warm lab this process has taken: its description and the claim marker that holds it. */
export interface ClaimedLab {
  readonly description: WarmDescription;
  readonly claimMarker: string;
}

/**
 * Changes whenever what a warm lab's marker records, or how a lab is prepared, changes: a lab left by another fwspec is never taken.
 * 4: a host's state digest counts the legacy tables present on an nft host, empty ones too (rules/host-state.ts).
 * 5: the taker reaches each host's own agent with `docker attach` (containers keep their stdin open for it).
 * 6: lab networks are IPv4 on the engine; hosts' IPv6 addresses are fwspec's, in container labels (ipv6-addresses.ts).
 * 7: each host's writable layer in one word (runner/forget.ts layerDigest): files changed while warm are told.
 */
export const WARM_FORMAT = 7;
/** A warm marker this close to its limit is not taken: a sweep could judge it expired while the taker attaches. */
export const CLAIM_MARGIN_MS = 60_000;

/** The key warm labs are found by: the lab's shape, the image its hosts run and WARM_FORMAT. */
export function warmKey(shape: Shaped, image: string): string {
  return createHash("sha256").update(`${WARM_FORMAT}\n${shapeKey(shape)}\n${image}`).digest("hex").slice(0, 24);
}

/** Why a lab of this shape is not left warm, or undefined. A declared subnet exists once on the engine: a warm lab would hold it from every other lab declaring it. */
export function whyNotWarm(shape: Shaped): string | undefined {
  if (shape.subnets && Object.keys(shape.subnets).length > 0) return "it declares subnets, which a warm lab would hold from other labs";
  return undefined;
}

/** Labels of a warm marker (pure): a kept-lab marker's (kept.ts) with WARM_LIMIT_MS, its key and its description. */
export function warmLabels(description: WarmDescription, key: string, now: number, limitMs = WARM_LIMIT_MS): Record<string, string> {
  return { ...markerLabels(description.runId, description.instance, now, limitMs), [LABEL_WARM]: key, [LABEL_WARM_LAB]: JSON.stringify(description) };
}

/** Labels of a claim marker (pure): a kept-lab marker's for the lab it holds, and the process holding it. */
export function claimLabels(runId: string, instance: string, owner: string, now: number): Record<string, string> {
  return { ...markerLabels(runId, instance, now), [LABEL_CLAIMED_BY]: owner };
}

/** A warm marker's description, or undefined when it cannot be read (such a marker is never taken; it expires). */
export function parseDescription(labels: Readonly<Record<string, string>>): WarmDescription | undefined {
  try {
    const d = JSON.parse(labels[LABEL_WARM_LAB] ?? "") as WarmDescription;
    const ok = typeof d.name === "string" && typeof d.runId === "string" && typeof d.instance === "string" && Array.isArray(d.networks) && Array.isArray(d.hosts) && d.hosts.length > 0 && typeof d.state?.listening === "object" && typeof d.state?.digests === "object" && Array.isArray(d.state?.shape?.hosts);
    return ok && d.runId === labels["fwspec.run"] && d.instance === labels["fwspec.lab"] ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Leaves a lab warm: its warm marker is created; returns until when it waits, and the marker's name. */
export async function markWarm(docker: Dockerode, description: WarmDescription, key: string, now = Date.now()): Promise<{ readonly until: string; readonly marker: string }> {
  const labels = warmLabels(description, key, now);
  const marker = `fwspec-${description.runId}-${description.instance}-warm-${randomBytes(3).toString("hex")}`;
  try {
    await docker.createVolume({ Name: marker, Labels: labels });
  } catch (error) {
    throw new LabError(`lab ${description.instance} could not be left warm: ${(error as Error).message}`, { cause: error, hint: "the lab is removed as usual; `docker volume create` must work on this engine" });
  }
  return { until: labels[LABEL_KEPT_UNTIL]!, marker };
}

/**
 * Takes a warm lab of `key` (the oldest first), or undefined when there is
 * none to take. The caller owns the claim marker: it goes with the lab, or
 * when the lab is left warm again.
 */
export async function claimWarm(docker: Dockerode, key: string, claimer: { readonly runId: string; readonly pid?: number | undefined }, now = Date.now()): Promise<ClaimedLab | undefined> {
  const owner = ownerLabel(claimer.pid ?? process.pid);
  // Without an owner label nobody could tell when the claim ends: this process does not take warm labs.
  if (owner === undefined) return undefined;
  const takeable = (m: KeptMarker) => m.state === "kept" && m.labels[LABEL_WARM] === key && Date.parse(m.labels[LABEL_KEPT_UNTIL] ?? "") - now > CLAIM_MARGIN_MS;
  const warm = (await listMarkers(docker, now)).filter(takeable).sort((a, b) => b.ageMs - a.ageMs);
  for (const marker of warm) {
    const description = parseDescription(marker.labels);
    if (!description) continue;
    const claimMarker = await claimMarkerOf(docker, marker, claimer.runId, owner, now);
    if (claimMarker) return { description, claimMarker };
  }
  return undefined;
}

/**
 * Takes the warm lab of `marker`, for a run or for its removal (`fwspec
 * cleanup --kept`): a claim marker of the claimer's own first, then the warm
 * marker goes; only one removal of it succeeds, so of claimers side by side
 * exactly one gets the lab. The claim marker's name, or undefined when
 * another claimer was first (its own claim marker is gone again).
 */
export async function claimMarkerOf(docker: Dockerode, marker: Pick<KeptMarker, "name" | "labels">, claimerRunId: string, owner: string, now = Date.now()): Promise<string | undefined> {
  const runId = marker.labels["fwspec.run"] ?? "";
  const instance = marker.labels["fwspec.lab"] ?? "";
  // Unique per claim: two labs of one run may claim side by side, and a second create of one name would only find the first.
  const claimMarker = `fwspec-${runId}-${instance}-claim-${claimerRunId}-${randomBytes(3).toString("hex")}`;
  await docker.createVolume({ Name: claimMarker, Labels: claimLabels(runId, instance, owner, now) });
  const removed = await removeMarkers(docker, [marker]);
  if (removed.length === 1) return claimMarker;
  await removeMarkers(docker, [{ name: claimMarker }]);
  return undefined;
}

/**
 * The labs that stay on the engine by design, by network name: kept
 * (`--keep`: its run) or left warm (`--reuse`), neither taken by a run now
 * (a taken one ends with that run). A declared subnet one of them holds is
 * not waited for (declared.ts checkDeclaredFree): the hint says how to remove it.
 */
export async function labsHeld(docker: Dockerode): Promise<Map<string, { run: string; warm: boolean }>> {
  const markers = new Map((await listMarkers(docker)).filter((m) => m.state === "kept" && m.labels[LABEL_CLAIMED_BY] === undefined).map((m) => [m.key, m] as const));
  const out = new Map<string, { run: string; warm: boolean }>();
  if (markers.size === 0) return out;
  for (const n of await docker.listNetworks({ filters: { label: ["fwspec.run"] } })) {
    const m = markers.get(labKey(n.Labels ?? {}));
    if (m) out.set(n.Name, { run: m.labels["fwspec.run"] ?? "", warm: m.labels[LABEL_WARM] !== undefined });
  }
  return out;
}
