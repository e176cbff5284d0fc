/**
 * DockerLabProvider: the LabProvider the runner is given. It holds what every
 * lab of a run shares (engine, image, run id, registry, command limit,
 * progress), prepares the container runtime once before its first start, and
 * starts each LabSpec as a `Lab` (lab.ts).
 */
import type Dockerode from "dockerode";
import type { Progress } from "../progress.ts";
import { prepareContainerRuntime } from "./container.ts";
import { Lab, type StartedLab } from "./lab.ts";
import { type LabRegistry, newRunId } from "./resources.ts";
import type { LabProvider, LabSpec } from "./types.ts";

export interface DockerLabProviderOptions {
  readonly docker: Dockerode;
  /** The lab image tag (from ensureLabImage). */
  readonly image: string;
  /** Groups every resource of this provider's labs; defaults to a fresh id. */
  readonly runId?: string | undefined;
  /** The process that owns the labs' resources (vitest workers: the main process); default this one. */
  readonly ownerPid?: number | undefined;
  /** Live labs are registered here so a signal handler can dispose them. */
  readonly registry?: LabRegistry | undefined;
  /** Limit for one in-container command, in seconds (default DEFAULT_COMMAND_TIMEOUT_SECONDS). */
  readonly commandTimeoutSeconds?: number | undefined;
  /** Used when a LabSpec names no progress of its own. */
  readonly progress?: Progress | undefined;
}

export class DockerLabProvider implements LabProvider {
  readonly runId: string;
  readonly #options: DockerLabProviderOptions;
  #runtime: Promise<void> | undefined;

  constructor(options: DockerLabProviderOptions) {
    this.#options = options;
    this.runId = options.runId ?? newRunId();
  }

  /** Once per provider (a failed attempt is tried again at the next start). */
  #prepareRuntime(): Promise<void> {
    this.#runtime ??= prepareContainerRuntime(this.#options.docker).catch((error: unknown) => {
      this.#runtime = undefined;
      throw error;
    });
    return this.#runtime;
  }

  async start(spec: LabSpec): Promise<StartedLab> {
    await this.#prepareRuntime();
    const { docker, image, registry, commandTimeoutSeconds, ownerPid } = this.#options;
    const progress = spec.progress ?? this.#options.progress;
    return new Lab({
      name: spec.name,
      hosts: spec.hosts,
      ...(spec.networks ? { networks: spec.networks } : {}),
      ...(spec.subnets ? { subnets: spec.subnets } : {}),
      docker,
      image,
      runId: this.runId,
      ...(ownerPid ? { ownerPid } : {}),
      ...(registry ? { registry } : {}),
      ...(progress ? { progress } : {}),
      ...(commandTimeoutSeconds ? { commandTimeoutSeconds } : {}),
    }).start();
  }
}
