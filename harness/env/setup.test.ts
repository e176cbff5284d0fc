/** Unit tests (table-driven, no Docker) for setup.ts. */
import { describe, expect, it } from "vitest";
import { type MachineFacts, planSetup } from "./setup.ts";
import { resolveEndpoint } from "./engine.ts";

const bare: MachineFacts = {
  engineReachable: false,
  engineUrl: "unix:///var/run/docker.sock",
  customDockerHost: false,
  isRoot: true,
  osIds: ["debian"],
  haveDockerd: false,
  haveMmdebstrap: false,
  haveNft: false,
  engineDenied: false,
  socketPath: "/var/run/docker.sock",
  user: "alice",
};

describe("planSetup", () => {
  it.each<[string, Partial<MachineFacts>, string[] | RegExp]>([
    ["bare Debian as root: install, start, build", {}, ["install:docker.io,mmdebstrap,nftables", "start-dockerd", "build-images"]],
    ["dockerd installed but not running", { haveDockerd: true, haveMmdebstrap: true, haveNft: true }, ["start-dockerd", "build-images"]],
    ["dockerd installed, no nft: nftables alongside", { haveDockerd: true, haveMmdebstrap: true }, ["install:nftables", "start-dockerd", "build-images"]],
    ["Ubuntu counts as Debian-like", { osIds: ["ubuntu", "debian"], haveDockerd: true, haveMmdebstrap: true, haveNft: true }, ["start-dockerd", "build-images"]],
    ["engine running: only images", { engineReachable: true, haveDockerd: true, haveMmdebstrap: true, haveNft: true }, ["build-images"]],
    ["engine running, no mmdebstrap, root", { engineReachable: true, haveDockerd: true, haveNft: true }, ["install:mmdebstrap", "build-images"]],
    ["engine running, no nft, root: installs nftables", { engineReachable: true, haveDockerd: true, haveMmdebstrap: true }, ["install:nftables", "build-images"]],
    ["engine running, neither, root", { engineReachable: true, haveDockerd: true }, ["install:mmdebstrap,nftables", "build-images"]],
    ["engine running, no nft, not Debian: never installs", { engineReachable: true, haveDockerd: true, haveMmdebstrap: true, osIds: ["fedora"] }, ["build-images"]],
    ["engine running as a normal user: never installs", { engineReachable: true, isRoot: false }, ["build-images"]],
    ["normal user without engine: says what to install", { isRoot: false }, /apt-get install -y docker\.io mmdebstrap nftables/],
    ["non-Debian root without engine", { osIds: ["fedora"] }, /not Debian or Ubuntu/],
    ["DOCKER_HOST that does not answer: never starts a local daemon", { customDockerHost: true, engineUrl: "tcp://198.18.0.9:2375" }, /DOCKER_HOST/],
    ["socket refuses a normal user: the docker group, never a dockerd", { isRoot: false, engineDenied: true, haveDockerd: true }, /^permission denied on the Docker socket \/var\/run\/docker\.sock: the engine is running, but this user \(alice\) may not use it.*add alice to the docker group/],
    ["socket refuses root too (a policy): no second dockerd", { engineDenied: true, haveDockerd: true, user: "root" }, /^permission denied on the Docker socket .*this user \(root\)/],
    ["a DOCKER_HOST socket that refuses this user: permission, not 'does not answer'", { engineDenied: true, customDockerHost: true, engineUrl: "unix:///run/user/1000/docker.sock", socketPath: "/run/user/1000/docker.sock", isRoot: false }, /^permission denied on the Docker socket \/run\/user\/1000\/docker\.sock/],
  ])("%s", (_name, facts, expected) => {
    const plan = planSetup({ ...bare, ...facts });
    if (expected instanceof RegExp) {
      expect(plan.ok).toBe(false);
      if (!plan.ok) expect(`${plan.problem} ${plan.hint}`).toMatch(expected);
      if (!plan.ok && facts.engineDenied) expect(`${plan.problem} ${plan.hint}`).not.toMatch(/dockerd|apt-get|fwspec setup/);
    } else {
      expect(plan.ok).toBe(true);
      if (plan.ok) expect(plan.actions.map((a) => (a.kind === "install" ? `install:${a.packages.join(",")}` : a.kind))).toEqual(expected);
    }
  });
});

describe("resolveEndpoint", () => {
  it.each([
    [{}, "unix:///var/run/docker.sock"],
    [{ DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, "unix:///run/user/1000/docker.sock"],
    [{ DOCKER_HOST: "tcp://198.18.0.9:2375" }, "tcp://198.18.0.9:2375"],
  ])("%j → %s", (env, url) => {
    expect(resolveEndpoint(env).url).toBe(url);
  });
  it("rejects an address it cannot use", () => {
    expect(() => resolveEndpoint({ DOCKER_HOST: "ssh://somewhere" })).toThrow(/not a unix:\/\/ or tcp:\/\//);
  });
});
