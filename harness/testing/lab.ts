/** Helpers for integration tests: a lab started with the test run's image and run id. */
import { inject } from "vitest";
import { connectEngine } from "../env/engine.ts";
import type { StartedLab } from "../lab/lab.ts";
import { DockerLabProvider } from "../lab/provider.ts";
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
