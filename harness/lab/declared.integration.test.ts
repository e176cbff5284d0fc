/**
 * Declared subnets with real containers: hosts get their fixed addresses, and
 * a second lab declaring an overlapping subnet while the first runs is refused
 * with a clear LabError (nothing of it left behind).
 */
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { LabError } from "../errors.ts";
import { connectEngine } from "../env/engine.ts";
import { firewallHost, listeners, peer } from "../testing/lab.ts";
import { DockerLabProvider } from "./provider.ts";
import { LABEL_RUN, newRunId, removeRun } from "./resources.ts";

let docker: Dockerode;
const runId = newRunId();

beforeAll(async () => {
  docker = await connectEngine();
});

afterAll(async () => {
  await removeRun(docker, runId);
});

describe("declared subnets", () => {
  it("fixed addresses are the hosts' addresses; an overlapping declared subnet of a second lab is refused", async () => {
    const labs = new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid") });
    const subnets = { lan: { ipv4: "198.18.231.0/24", ipv6: "2001:db8:e7::/64" } };
    const client = { ...peer("client"), addresses: { lan: { ipv4: "198.18.231.77", ipv6: "2001:db8:e7::77" } } };
    await using lab = await labs.start({ name: "declared", hosts: [firewallHost("server", listeners("tcp/8080")), client], subnets });
    expect(lab.networks.get("lan")).toMatchObject({ ipv4Subnet: "198.18.231.0/24", ipv6Subnet: "2001:db8:e7::/64" });
    expect(lab.host("client").addressOn("lan", "ipv4")).toBe("198.18.231.77");
    expect(lab.host("client").addressOn("lan", "ipv6")).toBe("2001:db8:e7::77");
    expect(lab.host("server").addressOn("lan", "ipv4")).toMatch(/^198\.18\.231\.\d+$/);
    const second = labs.start({ name: "declared-again", hosts: [peer("a")], subnets: { lan: { ipv4: "198.18.231.128/25" } } });
    await expect(second).rejects.toThrow(LabError);
    await expect(second).rejects.toThrow(/declared subnet 198\.18\.231\.128\/25 overlaps 198\.18\.231\.0\/24/);
    const networks = await docker.listNetworks({ filters: { label: [`${LABEL_RUN}=${runId}`] } });
    expect(networks).toHaveLength(1);
  });
});
