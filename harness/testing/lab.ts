/** Helpers for integration tests: a lab started with the test run's image and run id, or under a test file's own run id. */
import type Dockerode from "dockerode";
import { afterAll, beforeAll, inject } from "vitest";
import { connectEngine } from "../env/engine.ts";
import type { StartedLab } from "../lab/lab.ts";
import { DockerLabProvider, type DockerLabProviderOptions } from "../lab/provider.ts";
import { newRunId, removeRun } from "../lab/resources.ts";
import type { HostSpec, ListenerSpec } from "../model/types.ts";

export function listeners(...specs: string[]): ListenerSpec[] {
  return specs.map((s) => {
    const [protocol, port] = s.split("/");
    return { protocol: protocol as ListenerSpec["protocol"], port: Number(port) };
  });
}

export function firewallHost(name: string, listen: ListenerSpec[], backend: HostSpec["backend"] = "nft"): HostSpec {
  return { name, firewall: true, backend, listen };
}

export function peer(name: string, listen: ListenerSpec[] = []): HostSpec {
  return { name, firewall: false, backend: "nft", listen };
}

export async function startTestLab(name: string, hosts: HostSpec[]): Promise<StartedLab> {
  const docker = await connectEngine();
  return new DockerLabProvider({ docker, image: inject("fwspecImage"), runId: inject("fwspecRunId"), ownerPid: inject("fwspecOwnerPid") }).start({ name, hosts });
}

/** A test file's own lab run: the engine, connected before its tests, and a run id whose every resource is removed after them. */
export interface OwnLabRun {
  readonly runId: string;
  engine(): Dockerode;
  /** A provider of the test run's image under this run id. */
  provider(options?: Partial<DockerLabProviderOptions>): DockerLabProvider;
}

/** Call at a test file's top level: registers the connect (beforeAll) and the removal of the run (afterAll). */
export function ownLabRun(): OwnLabRun {
  const runId = newRunId();
  let docker: Dockerode | undefined;
  beforeAll(async () => {
    docker = await connectEngine();
  });
  afterAll(async () => {
    if (docker) await removeRun(docker, runId);
  });
  const engine = (): Dockerode => {
    if (!docker) throw new Error("ownLabRun: the engine is connected in beforeAll; ask for it inside a test");
    return docker;
  };
  return { runId, engine, provider: (options = {}) => new DockerLabProvider({ docker: engine(), image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid"), ...options }) };
}
