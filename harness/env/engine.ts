/**
 * Finding a Docker engine, the way testcontainers does: DOCKER_HOST when set,
 * otherwise the default socket. The only place that turns "where is Docker"
 * into a Dockerode client.
 */
import { existsSync } from "node:fs";
import Dockerode from "dockerode";
import { EnvironmentError } from "../errors.ts";

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
}

/** Asks the engine for its version; never throws. */
export async function probeEngine(env: NodeJS.ProcessEnv = process.env, timeoutMs = 3000): Promise<EngineStatus> {
  let endpoint: EngineEndpoint;
  try {
    endpoint = resolveEndpoint(env);
  } catch (error) {
    return { endpoint: { url: String(env["DOCKER_HOST"]), options: {} }, reachable: false, problem: (error as Error).message };
  }
  if (endpoint.options.socketPath && !existsSync(endpoint.options.socketPath)) {
    return { endpoint, reachable: false, problem: `no socket at ${endpoint.options.socketPath}` };
  }
  const docker = new Dockerode({ ...endpoint.options, timeout: timeoutMs });
  try {
    const v = await docker.version();
    return { endpoint, reachable: true, version: v.Version, apiVersion: v.ApiVersion };
  } catch (error) {
    return { endpoint, reachable: false, problem: (error as Error).message };
  }
}

/** A client for a running engine, or an EnvironmentError that names `fwspec setup`. */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  const status = await probeEngine(env);
  if (!status.reachable) {
    throw new EnvironmentError(`no Docker engine answers at ${status.endpoint.url} (${status.problem ?? "no answer"})`, {
      hint: "run `fwspec setup` (as root on Debian/Ubuntu it installs docker.io and starts dockerd), or set DOCKER_HOST",
    });
  }
  return new Dockerode({ ...status.endpoint.options });
}
