/**
 * Every container and network fwspec creates carries these labels. A sweep at
 * start removes what a run whose process is gone left behind; `fwspec cleanup`
 * removes everything; a LabRegistry disposes live labs when interrupted.
 */
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { onInterrupt } from "../cli/interrupt.ts";

export const LABEL_PRODUCT = "fwspec";
export const LABEL_RUN = "fwspec.run";
export const LABEL_PID = "fwspec.pid";
export const LABEL_LAB = "fwspec.lab";

export function newRunId(): string {
  return randomBytes(4).toString("hex");
}

/**
 * The process that owns a run's resources: the fwspec or vitest main process
 * (exported to workers as FWSPEC_OWNER_PID), so that a SIGKILLed run is swept
 * even if one of its workers outlives it.
 */
export function ownerPid(env: NodeJS.ProcessEnv = process.env): number {
  const pid = Number(env["FWSPEC_OWNER_PID"]);
  return Number.isInteger(pid) && pid > 0 ? pid : process.pid;
}

export function resourceLabels(runId: string, lab: string, pid: number = ownerPid()): Record<string, string> {
  return { [LABEL_PRODUCT]: "lab", [LABEL_RUN]: runId, [LABEL_PID]: String(pid), [LABEL_LAB]: lab };
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface RemovedResources {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
}

type Filter = (labels: Record<string, string>) => boolean;

/** 404 (gone) and 409 (removal already in progress, by a concurrent sweep) mean someone else is done with it. */
function alreadyGoing(error: unknown): boolean {
  const code = (error as { statusCode?: number }).statusCode;
  return code === 404 || code === 409;
}

async function removeMatching(docker: Dockerode, filter: Filter): Promise<RemovedResources> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_PRODUCT}=lab`] } });
  const removedContainers: string[] = [];
  await Promise.all(
    containers
      .filter((c) => filter(c.Labels))
      .map(async (c) => {
        try {
          await docker.getContainer(c.Id).remove({ force: true, v: true });
          removedContainers.push((c.Names[0] ?? c.Id).replace(/^\//, ""));
        } catch (error) {
          if (!alreadyGoing(error)) throw error;
        }
      }),
  );
  const networks = await docker.listNetworks({ filters: { label: [`${LABEL_PRODUCT}=lab`] } });
  const removedNetworks: string[] = [];
  for (const n of networks.filter((n) => filter(n.Labels ?? {}))) {
    try {
      await docker.getNetwork(n.Id).remove();
      removedNetworks.push(n.Name);
    } catch (error) {
      if (!alreadyGoing(error)) throw error;
    }
  }
  return { containers: removedContainers.sort(), networks: removedNetworks.sort() };
}

/**
 * Removes resources whose owning process is gone (a SIGKILLed run). Best
 * effort: concurrent runs sweep at the same time, and a sweep never fails a
 * lab start (what it could not remove, the next sweep or `fwspec cleanup` will).
 */
export async function sweepOrphans(docker: Dockerode): Promise<RemovedResources> {
  try {
    return await removeMatching(docker, (labels) => !processAlive(Number(labels[LABEL_PID])));
  } catch {
    return { containers: [], networks: [] };
  }
}

/** Removes every resource of one run. */
export function removeRun(docker: Dockerode, runId: string): Promise<RemovedResources> {
  return removeMatching(docker, (labels) => labels[LABEL_RUN] === runId);
}

/**
 * Removes one run's resources again and again until `quietRounds` rounds in a
 * row find none (a lab start still in flight may create more), at most 30 s.
 */
export async function removeRunUntilQuiet(docker: Dockerode, runId: string, quietRounds = 2): Promise<RemovedResources> {
  const containers: string[] = [];
  const networks: string[] = [];
  let quiet = 0;
  const deadline = Date.now() + 30_000;
  while (quiet < quietRounds && Date.now() < deadline) {
    const r = await removeRun(docker, runId);
    containers.push(...r.containers);
    networks.push(...r.networks);
    quiet = r.containers.length + r.networks.length === 0 ? quiet + 1 : 0;
    if (quiet < quietRounds) await new Promise((res) => setTimeout(res, 200));
  }
  return { containers, networks };
}

/** Removes the resources of one lab of a run (a lab that failed to start; other labs of the run go on). */
export function removeLab(docker: Dockerode, runId: string, lab: string): Promise<RemovedResources> {
  return removeMatching(docker, (labels) => labels[LABEL_RUN] === runId && labels[LABEL_LAB] === lab);
}

/** Removes every fwspec resource on this engine (`fwspec cleanup`). */
export function removeAll(docker: Dockerode): Promise<RemovedResources> {
  return removeMatching(docker, () => true);
}

/**
 * Live labs of this process (vitest workers). When fwspec is interrupted (see
 * harness/cli/interrupt.ts, the one stopping strategy) they are disposed before
 * exit, so Ctrl-C leaves nothing running. Create one per process entry point.
 */
export class LabRegistry {
  readonly #live = new Set<AsyncDisposable>();
  #installed = false;

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

  /** Dispose live labs when interrupted (SIGINT/SIGTERM/SIGHUP or parent gone), then exit with 128+signal. */
  installSignalHandlers(onSignal: (reason: string) => void = () => {}): void {
    if (this.#installed) return;
    this.#installed = true;
    onInterrupt(async (reason) => {
      onSignal(reason);
      await this.disposeAll();
    });
  }
}
