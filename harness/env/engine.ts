/**
 * Finding a Docker engine, the way testcontainers does: DOCKER_HOST when set,
 * otherwise the default socket. The only place that turns "where is Docker"
 * into a Dockerode client.
 */
import { statSync } from "node:fs";
import { userInfo } from "node:os";
import type Dockerode from "dockerode";
import { EnvironmentError } from "../errors.ts";
import { fwspecCommand } from "../invocation.ts";

export const DEFAULT_SOCKET = "/var/run/docker.sock";

/** The engine client as code outside lab/ and env/ holds it: only handed on to them, never called. */
export type Engine = Dockerode;

export interface EngineEndpoint {
  /** As a person would write it: unix:///var/run/docker.sock, tcp://host:2375. */
  readonly url: string;
  readonly options: Dockerode.DockerOptions;
}

/** Pure: which endpoint to try, from the environment. */
export function resolveEndpoint(env: NodeJS.ProcessEnv): EngineEndpoint {
  const dockerHost = env["DOCKER_HOST"]?.trim();
  if (!dockerHost) return { url: `unix://${DEFAULT_SOCKET}`, options: { socketPath: DEFAULT_SOCKET } };
  if (dockerHost.startsWith("unix://")) {
    const socketPath = dockerHost.slice("unix://".length);
    return { url: dockerHost, options: { socketPath } };
  }
  const match = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(dockerHost);
  if (!match) {
    throw new EnvironmentError(`DOCKER_HOST=${dockerHost} is not a unix:// or tcp:// address`, {
      hint: "unset DOCKER_HOST to use the default socket, or set it to unix:///path/to/docker.sock",
    });
  }
  const [, scheme, host, port] = match;
  return {
    url: dockerHost,
    options: {
      host: host!,
      port: port ? Number(port) : scheme === "https" ? 2376 : 2375,
      protocol: scheme === "https" ? "https" : "http",
    },
  };
}

export interface EngineStatus {
  readonly endpoint: EngineEndpoint;
  readonly reachable: boolean;
  readonly version?: string;
  readonly apiVersion?: string;
  readonly problem?: string;
  /** The socket refuses this user (EACCES): an engine runs, but may not be used from here. */
  readonly denied?: boolean;
}

/** Pure: is this connect (or stat) error the socket refusing this user? */
export function isPermissionDenied(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EACCES" || code === "EPERM" || /\bEACCES\b|permission denied/i.test(error.message);
}

export interface EngineDiagnosis {
  readonly problem: string;
  readonly hint: string;
}

/** Pure: the socket `socket` refuses `user`. Never advice to start an engine: one runs. */
export function deniedDiagnosis(socket: string, user: string, detail?: string): EngineDiagnosis {
  return {
    problem: `permission denied on the Docker socket ${socket}: the engine is running, but this user (${user}) may not use it${detail ? ` (${detail})` : ""}`,
    hint: `add ${user} to the docker group (sudo usermod -aG docker ${user}) and log in again, or run fwspec as root (sudo), or set DOCKER_HOST to a socket you may use`,
  };
}

/** Pure: why the engine of an unreachable `status` cannot be used by `user`, and what to do; `invocation` starts the setup command (harness/invocation.ts). */
export function diagnoseEngine(status: EngineStatus, user: string, invocation?: string): EngineDiagnosis {
  if (status.denied) return deniedDiagnosis(status.endpoint.options.socketPath ?? status.endpoint.url, user, status.problem);
  // DOCKER_HOST names another engine already: start that one, or leave it unset (tester 44c: told to set it).
  if (status.endpoint.url !== `unix://${DEFAULT_SOCKET}`) {
    return {
      problem: `no Docker engine answers at ${status.endpoint.url}, which DOCKER_HOST names (${status.problem ?? "no answer"})`,
      hint: `start the engine DOCKER_HOST names, point DOCKER_HOST at one that runs, or unset it to use this machine's (\`${fwspecCommand("setup", invocation)}\` starts one)`,
    };
  }
  return {
    problem: `no Docker engine answers at ${status.endpoint.url} (${status.problem ?? "no answer"})`,
    hint: `run \`${fwspecCommand("setup", invocation)}\` (as root on Debian/Ubuntu it installs docker.io and starts dockerd), or set DOCKER_HOST`,
  };
}

/** The user this process runs as, for messages. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

/** Is there a socket at `socketPath` this process may reach? A folder it may not search is a refusal too. */
function socketProblem(socketPath: string): Pick<EngineStatus, "problem" | "denied"> | undefined {
  try {
    if (statSync(socketPath, { throwIfNoEntry: false }) === undefined) return { problem: `no socket at ${socketPath}` };
    return undefined;
  } catch (error) {
    return isPermissionDenied(error) ? { problem: (error as Error).message, denied: true } : { problem: (error as Error).message };
  }
}

/** Asks the engine for its version; never throws. */
export async function probeEngine(env: NodeJS.ProcessEnv = process.env, timeoutMs = 3000): Promise<EngineStatus> {
  let endpoint: EngineEndpoint;
  try {
    endpoint = resolveEndpoint(env);
  } catch (error) {
    return { endpoint: { url: String(env["DOCKER_HOST"]), options: {} }, reachable: false, problem: (error as Error).message };
  }
  const missing = endpoint.options.socketPath === undefined ? undefined : socketProblem(endpoint.options.socketPath);
  if (missing) return { endpoint, reachable: false, ...missing };
  const docker = new (await loadDockerode())({ ...endpoint.options, timeout: timeoutMs });
  try {
    const v = await docker.version();
    return { endpoint, reachable: true, version: v.Version, apiVersion: v.ApiVersion };
  } catch (error) {
    return { endpoint, reachable: false, problem: (error as Error).message, ...(isPermissionDenied(error) ? { denied: true } : {}) };
  }
}

/** A client for a running engine, or an EnvironmentError that says why not (no engine: `fwspec setup`; a socket that refuses this user: the docker group). */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env, invocation?: string): Promise<Engine> {
  const status = await probeEngine(env);
  if (!status.reachable) {
    const d = diagnoseEngine(status, currentUser(), invocation);
    throw new EnvironmentError(d.problem, { hint: d.hint });
  }
  return new (await loadDockerode())({ ...status.endpoint.options });
}

/** dockerode, loaded when an engine is first asked (about 0.1 s): `--help`, `validate` and other commands without Docker never load it. */
let dockerode: Promise<typeof Dockerode> | undefined;
function loadDockerode(): Promise<typeof Dockerode> {
  return (dockerode ??= import("dockerode").then((m) => m.default));
}
