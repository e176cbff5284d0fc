/**
 * A network the engine refuses to remove (stuck-network.ts): named with why by
 * `fwspec cleanup` (exit 3, not an internal error), by a lab's own removal
 * (noted), and a declared subnet it holds fails a lab start at once instead of
 * waiting for "another lab". Against a fake engine: the stale endpoint count
 * is a Docker fault fwspec cannot make on demand.
 */
import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { runCleanup } from "../cli/cleanup.ts";
import { EXIT } from "../errors.ts";
import { parseCidr } from "../model/cidr.ts";
import { checkDeclaredFree, StuckSubnetError } from "./declared.ts";
import { removeNetworks, retryStale } from "./network.ts";
import { removeAll } from "./resources.ts";
import { noteStuck, refusedInUse, staleNetworks, stuckHint, stuckLines, stuckReason } from "./stuck-network.ts";

/** A lab's own removal retries for seconds (the engine may still be releasing endpoints); here once is enough. */
const NO_RETRY = { retries: 0, maxRetryTime: 0 };

const REFUSED = Object.assign(new Error("(HTTP code 403) unexpected - error while removing network: network fwspec-1a2b3c4d-web-0a1b-private id 4e78 has active endpoints"), { statusCode: 403 });

/** An engine with lab networks (name → containers the engine lists on it) that refuses to remove those in `refuse`; `vanish`: gone by the time they are inspected. */
function fakeEngine(networks: Record<string, readonly string[]>, refuse: Set<string>, vanish: ReadonlySet<string> = new Set()) {
  const removed: string[] = [];
  const docker = {
    listContainers: async () => [],
    listVolumes: async () => ({ Volumes: [] }),
    listNetworks: async () => Object.keys(networks).filter((n) => !removed.includes(n)).map((n) => ({ Id: n, Name: n, Labels: { fwspec: "lab", "fwspec.run": "1a2b3c4d", "fwspec.lab": "web-0a1b" } })),
    getNetwork: (id: string) => ({
      remove: async () => {
        if (refuse.has(id)) throw REFUSED;
        removed.push(id);
      },
      inspect: async () => {
        if (vanish.has(id)) throw Object.assign(new Error("no such network"), { statusCode: 404 });
        return { Name: id, Containers: Object.fromEntries((networks[id] ?? []).map((c, i) => [`ep${i}`, { Name: c }])) };
      },
    }),
  };
  return { docker: docker as unknown as Dockerode, removed };
}

describe("refusedInUse", () => {
  it.each([
    ["the engine's in-use refusal", REFUSED, true],
    ["another 403", Object.assign(new Error("forbidden"), { statusCode: 403 }), false],
    ["gone", Object.assign(new Error("no such network"), { statusCode: 404 }), false],
    ["no status", new Error("has active endpoints"), false],
    ["not an error", undefined, false],
  ])("%s", (_name, error, expected) => {
    expect(refusedInUse(error)).toBe(expected);
  });
});

describe("stuckReason and stuckLines", () => {
  it("nothing attached: the engine's stale count, cleared by a restart", () => {
    expect(stuckReason({ name: "n", attached: [] })).toMatch(/no container holds.*engine restarts/);
  });
  it("containers attached: named", () => {
    expect(stuckLines([{ name: "net-a", attached: ["c1", "c2"] }])).toEqual(["could not remove network net-a: the engine says it is in use: container(s) c1, c2 still attached"]);
  });
  it("the hint names the restart and the cleanup as the user types fwspec", () => {
    expect(stuckHint("fwspec")).toContain("`fwspec cleanup`");
    expect(stuckHint("fwspec")).toContain("`fwspec setup`");
  });
});

describe("staleNetworks", () => {
  it("keeps the noted networks with nothing attached, per engine client", () => {
    const a = {};
    noteStuck(a, [{ name: "stale", attached: [] }, { name: "busy", attached: ["c"] }]);
    expect([...staleNetworks(a).keys()]).toEqual(["stale"]);
    expect(staleNetworks({}).size).toBe(0);
    noteStuck(a, [{ name: "stale", attached: ["c"] }]);
    expect(staleNetworks(a).size).toBe(0);
  });
});

describe("checkDeclaredFree with a stale network", () => {
  const declared = [parseCidr("198.18.41.0/24", "ipv4")!];
  const engine = [{ network: "fwspec-old-private", cidr: parseCidr("198.18.41.0/24", "ipv4")! }];
  it("a clash with a live network is the error a wait may end", () => {
    expect(() => checkDeclaredFree("web", declared, engine)).toThrow(/already on the container engine/);
    try {
      checkDeclaredFree("web", declared, engine);
    } catch (error) {
      expect(error).not.toBeInstanceOf(StuckSubnetError);
    }
  });
  it("a clash with a stale network says so at once, with what to do", () => {
    const stale = new Map([["fwspec-old-private", { name: "fwspec-old-private", attached: [] }]]);
    let thrown: unknown;
    try {
      checkDeclaredFree("web", declared, engine, stale, "fwspec");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StuckSubnetError);
    expect((thrown as Error).message).toMatch(/198\.18\.41\.0\/24 of network fwspec-old-private, left behind and refused removal by the container engine: the engine counts an endpoint/);
    expect((thrown as StuckSubnetError).hint).toContain("`fwspec cleanup`");
  });
});

describe("removal of a network the engine refuses", () => {
  it("cleanup removes the rest, names the stuck one and ends with an environment error (exit 3)", async () => {
    const { docker, removed } = fakeEngine({ "fwspec-a-net": [], "fwspec-b-net": [] }, new Set(["fwspec-b-net"]));
    const outcome = await runCleanup(docker, { all: true, invocation: "fwspec" });
    expect(removed).toEqual(["fwspec-a-net"]);
    expect(outcome.text).toContain("removed network fwspec-a-net\n");
    expect(outcome.text).toMatch(/could not remove network fwspec-b-net: the engine counts an endpoint on it that no container holds/);
    expect(outcome.error?.exitCode).toBe(EXIT.environment);
    expect(outcome.error?.message).toContain("refused to remove 1 network(s): fwspec-b-net");
  });

  it("nothing refused: no error", async () => {
    const { docker } = fakeEngine({ "fwspec-a-net": [] }, new Set());
    const outcome = await runCleanup(docker, { all: true });
    expect(outcome.error).toBeUndefined();
  });

  it("a refusal with containers attached names them (not stale)", async () => {
    const { docker } = fakeEngine({ "fwspec-b-net": ["someone-else"] }, new Set(["fwspec-b-net"]));
    const r = await removeAll(docker);
    expect(r.stuck).toEqual([{ name: "fwspec-b-net", attached: ["someone-else"] }]);
    expect(staleNetworks(docker).size).toBe(0);
  });

  it("a lab's own removal returns and notes the stuck network: a later start with its declared subnet does not wait", async () => {
    const { docker } = fakeEngine({ "fwspec-c-net": [] }, new Set(["fwspec-c-net"]));
    expect(await removeNetworks(docker, ["fwspec-c-net"], NO_RETRY)).toEqual([{ name: "fwspec-c-net", attached: [] }]);
    expect([...staleNetworks(docker).keys()]).toEqual(["fwspec-c-net"]);
  });

  it("one removed by someone else between the refusal and the look is gone, not stuck, and the cleanup goes on", async () => {
    const { docker } = fakeEngine({ "fwspec-d-net": [], "fwspec-e-net": [] }, new Set(["fwspec-d-net"]), new Set(["fwspec-d-net"]));
    const r = await removeAll(docker);
    expect(r.stuck).toBeUndefined();
    expect(r.networks).toEqual(["fwspec-e-net"]);
  });

  it("a noted stale network the engine lets go of at the next try is forgotten", async () => {
    const refuse = new Set(["fwspec-f-net"]);
    const { docker, removed } = fakeEngine({ "fwspec-f-net": [] }, refuse);
    await removeNetworks(docker, ["fwspec-f-net"], NO_RETRY);
    expect([...staleNetworks(docker).keys()]).toEqual(["fwspec-f-net"]);
    await retryStale(docker);
    expect(staleNetworks(docker).size).toBe(1);
    refuse.clear();
    await retryStale(docker);
    expect(removed).toEqual(["fwspec-f-net"]);
    expect(staleNetworks(docker).size).toBe(0);
  });
});
