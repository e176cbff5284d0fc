/**
 * DockerLabProvider: the LabProvider the runner is given. It holds what every
 * lab of a run shares (engine, image, run id, registry, command limit,
 * progress), prepares the container runtime once before its first start, and
 * starts each LabSpec as a `Lab` (lab.ts), or takes a warm lab of its shape
 * (warm.ts) when the runner asks for one.
 */
import type Dockerode from "dockerode";
import { EnvironmentError, errorMessage } from "../errors.ts";
import type { Progress } from "../progress.ts";
import { prepareContainerRuntime } from "./container.ts";
import type { Ipv6Source } from "./ipv6-addresses.ts";
import { attachWarmLab, Lab, type StartedLab } from "./lab.ts";
import { type LabRegistry, newRunId, sweepOrphans } from "./resources.ts";
import type { LabProvider, LabSpec, WarmLab } from "./types.ts";
import { claimWarm, warmKey, whyNotWarm } from "./warm.ts";

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
  /** How the user types fwspec, for the command a timeout's hint names (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
  /** Used when a LabSpec names no progress of its own. */
  readonly progress?: Progress | undefined;
  /** Who gives hosts their IPv6 addresses (ipv6-addresses.ts); default: as the engine's version allows. */
  readonly ipv6?: Ipv6Source | undefined;
}

export class DockerLabProvider implements LabProvider {
  readonly runId: string;
  readonly #options: DockerLabProviderOptions;
  #runtime: Promise<void> | undefined;
  /** The sweep of a run that takes warm labs (a start sweeps by itself): once per provider. */
  #swept: Promise<unknown> | undefined;
  /** Lab starts under way: an interrupt waits for them, since the engine finishes a create it was sent even after we stop waiting. */
  readonly #starting = new Set<Promise<unknown>>();
  #closed = false;
  /** Aborted by close(): waits inside lab starts (a declared subnet another lab holds) end at once. */
  readonly #stopping = new AbortController();

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

  /**
   * Refuses further starts and waits (at most `boundMs`) for those under way
   * to settle, so a removal after it sees every container they created.
   */
  async close(boundMs = 10_000): Promise<void> {
    this.#closed = true;
    this.#stopping.abort(new EnvironmentError("fwspec is stopping", { hint: "nothing to do: the run was interrupted" }));
    const bound = new Promise((resolve) => setTimeout(resolve, boundMs).unref());
    await Promise.race([Promise.allSettled([...this.#starting]), bound]);
  }

  start(spec: LabSpec): Promise<StartedLab> {
    if (this.#closed) return Promise.reject(new EnvironmentError(`lab ${spec.name} not started: fwspec is stopping`, { hint: "nothing to do: the run was interrupted" }));
    const started = this.#start(spec);
    this.#starting.add(started);
    void started.catch(() => undefined).finally(() => this.#starting.delete(started));
    return started;
  }

  /**
   * A warm lab of `spec`'s shape and this provider's image, taken and attached
   * to; undefined when there is none (or this process cannot take one). A warm
   * lab that cannot be attached to is removed and the next one tried.
   */
  claimWarm(spec: LabSpec): Promise<WarmLab | undefined> {
    if (this.#closed || whyNotWarm(spec) !== undefined) return Promise.resolve(undefined);
    // Tracked as a start: an interrupt waits for it, then removes the lab it took with the run's live labs.
    const claimed = this.#claim(spec);
    this.#starting.add(claimed);
    void claimed.catch(() => undefined).finally(() => this.#starting.delete(claimed));
    return claimed;
  }

  async #claim(spec: LabSpec): Promise<WarmLab | undefined> {
    const { docker, image, registry, commandTimeoutSeconds, ownerPid, invocation } = this.#options;
    const key = warmKey(spec, image);
    // A run that only takes warm labs sweeps too, as a lab start does: what expired or lost its owner goes (never a
    // lab warm or held, so side by side with the claim). Not swept, it would stay while every run finds a warm lab.
    this.#swept ??= sweepOrphans(docker);
    for (let tries = 0; tries < 3; tries++) {
      const [claimed] = await Promise.all([claimWarm(docker, key, { runId: this.runId, pid: ownerPid }), this.#swept]);
      if (!claimed) return undefined;
      try {
        const lab = await attachWarmLab(docker, claimed, { image, takenBy: this.runId, registry, progress: spec.progress ?? this.#options.progress, commandTimeoutSeconds, invocation, stopping: this.#stopping.signal });
        return { lab, state: claimed.description.state };
      } catch (error) {
        (spec.progress ?? this.#options.progress)?.info(errorMessage(error));
      }
    }
    return undefined;
  }

  async #start(spec: LabSpec): Promise<StartedLab> {
    await this.#prepareRuntime();
    const { docker, image, registry, commandTimeoutSeconds, ownerPid, invocation } = this.#options;
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
      ...(invocation ? { invocation } : {}),
      ...(this.#options.ipv6 ? { ipv6: this.#options.ipv6 } : {}),
      signal: this.#stopping.signal,
    }).start();
  }
}
