/** Unit tests (table-driven, no Docker) for isolation.ts. */
import type { NetworkInterfaceInfo } from "node:os";
import type { Interfaces } from "../env/interfaces.ts";
import { describe, expect, it, vi } from "vitest";
import { LabError } from "../errors.ts";
import Dockerode from "dockerode";
import { bridgeAddressProblem, bridgeName, engineIsLocal, isolateNetwork, planIsolation } from "./isolation.ts";

const ID = "0123456789abcdef0123456789abcdef";

describe("planIsolation", () => {
  it("names Docker's bridge by the first 12 characters of the network id", () => {
    expect(bridgeName(ID)).toBe("br-0123456789ab");
  });
  it("sets only options of that bridge, IPv6 off first", () => {
    const plan = planIsolation(ID, true);
    expect(plan).toEqual({
      kind: "apply",
      bridge: "br-0123456789ab",
      settings: [
        { path: "/proc/sys/net/ipv6/conf/br-0123456789ab/disable_ipv6", value: "1" },
        { path: "/proc/sys/net/ipv4/conf/br-0123456789ab/rp_filter", value: "1" },
        { path: "/proc/sys/net/ipv4/conf/br-0123456789ab/arp_ignore", value: "8" },
        { path: "/proc/sys/net/ipv4/conf/br-0123456789ab/forwarding", value: "0" },
      ],
    });
  });
  it("with an engine elsewhere, says what it cannot do", () => {
    const plan = planIsolation(ID, false);
    expect(plan.kind).toBe("cannot");
    if (plan.kind === "cannot") expect(plan.warning).toMatch(/WARNING.*not on this machine.*br-0123456789ab.*connect to the engine's machine/);
  });
});

describe("engineIsLocal", () => {
  it.each([
    [{ socketPath: "/var/run/docker.sock" }, true],
    [{ host: "127.0.0.1", port: 2375 }, true],
    [{ host: "198.18.0.9", port: 2375 }, false],
  ])("%j → %s", (options, local) => {
    expect(engineIsLocal(new Dockerode(options))).toBe(local);
  });
});

describe("isolateNetwork", () => {
  it("refuses (LabError with a hint) when the bridge is not on this machine", async () => {
    const local = new Dockerode({ socketPath: "/var/run/docker.sock" });
    await expect(isolateNetwork(local, "fffffffffffe0000")).rejects.toThrow(LabError);
    await expect(isolateNetwork(local, "fffffffffffe0000")).rejects.toThrow(/br-fffffffffffe is not visible on this machine/);
  });
  it("with a remote engine, warns on stderr instead", async () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await isolateNetwork(new Dockerode({ host: "198.18.0.9", port: 2375 }), "fffffffffffe0000");
      expect(spy.mock.calls.map((c) => String(c[0])).join("")).toMatch(/WARNING: the Docker engine is not on this machine/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("bridgeAddressProblem", () => {
  const v4 = { address: "198.18.7.1", family: "IPv4" } as NetworkInterfaceInfo;
  const ll = { address: "fe80::1", family: "IPv6" } as NetworkInterfaceInfo;
  it.each<[string, Interfaces, RegExp | undefined]>([
    ["no entry for the bridge", {}, undefined],
    ["an entry without addresses", { "br-aaaaaaaaaaaa": [] }, undefined],
    ["another interface's addresses", { eth0: [v4] }, undefined],
    ["an IPv4 address left (inhibit_ipv4 ignored)", { "br-aaaaaaaaaaaa": [v4] }, /still has the address\(es\) 198\.18\.7\.1/],
    ["an IPv6 link-local left", { "br-aaaaaaaaaaaa": [ll] }, /fe80::1/],
  ])("%s", (_what, interfaces, expected) => {
    const problem = bridgeAddressProblem("br-aaaaaaaaaaaa", interfaces);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
