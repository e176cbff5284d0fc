/**
 * DockerLabProvider with real containers: labs started from LabSpecs (two side
 * by side, one routed), used only through RunningLab / LabHost, rebooted, and
 * disposed with nothing of their run left on the engine.
 */
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { firewallHost, listeners, peer } from "../testing/lab.ts";
import { inBenchmarkRange, inDocumentationRange } from "./addresses.ts";
import { DockerLabProvider } from "./provider.ts";
import { LABEL_RUN, newRunId, removeRun } from "./resources.ts";
import type { LabProvider, RunningLab } from "./types.ts";

let docker: Dockerode;
/** A run of its own, so "nothing left" can be asked of the engine without seeing other tests' labs. */
const runId = newRunId();

async function leftovers(): Promise<string[]> {
  const filters = { label: [`${LABEL_RUN}=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return [...containers.map((c) => `container ${c.Names[0]}`), ...networks.map((n) => `network ${n.Name}`)];
}

beforeAll(async () => {
  docker = await connectEngine();
});

afterAll(async () => {
  // Only if a test failed half-way.
  await removeRun(docker, runId);
});

describe("DockerLabProvider", () => {
  it("starts labs from LabSpecs side by side; disposed, they leave nothing of their run", async () => {
    const labs: LabProvider = new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid") });
    const [plain, routed] = await Promise.all([
      labs.start({ name: "prov-plain", hosts: [firewallHost("server", listeners("tcp/8080")), peer("client")] }),
      labs.start({
        name: "prov-routed",
        networks: ["lan", "dmz"],
        hosts: [
          { ...peer("inside"), networks: ["lan"] },
          { ...firewallHost("gw", []), networks: ["lan", "dmz"], router: true },
          { ...peer("outside"), networks: ["dmz"] },
        ],
      }),
    ]);
    try {
      expect((await leftovers()).length).toBeGreaterThan(0);
      for (const lab of [plain, routed]) {
        for (const net of lab.networks.values()) {
          expect(inBenchmarkRange(net.ipv4Subnet.replace(/\/24$/, "")), net.ipv4Subnet).toBe(true);
          expect(inDocumentationRange(net.ipv6Subnet), net.ipv6Subnet).toBe(true);
        }
      }
      expect([...routed.networks.keys()]).toEqual(["lan", "dmz"]);
      await expectReachable(plain, "client", "server");
      await expectReachable(routed, "inside", "outside");

      // A reboot re-reads addresses and routes: the far side is reachable through the router again.
      await routed.reboot("inside");
      await expectReachable(routed, "inside", "outside");
      await expectReachable(routed, "outside", "inside");
    } finally {
      await plain[Symbol.asyncDispose]();
      await routed[Symbol.asyncDispose]();
    }
    expect(await leftovers()).toEqual([]);
  });
});

/** One ping per family from `from` to the address `to` is reached at. */
async function expectReachable(lab: RunningLab, from: string, to: string): Promise<void> {
  const source = lab.host(from);
  const target = lab.host(to);
  for (const family of ["ipv4", "ipv6"] as const) {
    const address = lab.addressFor(source, target, family);
    const r = await source.exec(["ping", "-c", "1", "-W", "2", address]);
    expect(r.exitCode, `${from} -> ${to} ${address}: ${r.stdout}${r.stderr}`).toBe(0);
  }
}
