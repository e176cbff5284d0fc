/**
 * A scenario of a smaller shape on a larger lab, with real containers
 * (plan/absorb.ts, shared-lab.ts): it runs on the lab the larger scenario
 * starts (one lab, not two), and the larger one, run after it there, reads
 * the counters of a firewall host the smaller one left idle as it reads them
 * after a scenario of its own shape used that host: before a scenario that
 * prints counters the handoff restores every table of such a host too, so
 * what it prints does not depend on who used the host before. (Both differ
 * from a fresh lab's in one way, older than folding: chains Docker's
 * embedded DNS made in `nat` count only once restored.) A host that is no
 * firewall is played by one of the lab's firewall hosts when no host of its
 * own kind is left (plan/shape.ts), and the larger scenario still passes after.
 */
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import type Dockerode from "dockerode";
import { run } from "../api.ts";
import { connectEngine } from "../env/engine.ts";
import { DockerLabProvider } from "../lab/provider.ts";
import { newRunId, removeRun } from "../lab/resources.ts";
import { defineScenario } from "../scenario/load.ts";

/**
 * Two firewall hosts and a peer: `b`'s nat OUTPUT counters printed (the table Docker's embedded DNS rules
 * make at boot: it counts each new flow the host starts, the warm-up pings among them), then a reboot (so it
 * is its lab's last).
 */
const larger = defineScenario({
  name: "larger",
  description: "prints the second firewall host's nat OUTPUT counters",
  family: "ipv4",
  hosts: { a: { firewall: true, listen: ["tcp/8080"] }, b: { firewall: true }, client: {} },
  steps: [{ run: { host: "b", command: "iptables -t nat -L OUTPUT -n -v -x" } }, { reboot: "b" }],
});

/** The larger scenario's shape, shareable: it uses `b` (a rule there), so the handoff after it resets `b`. */
const twin = defineScenario({
  name: "twin",
  description: "a rule on the second firewall host",
  family: "ipv4",
  hosts: { a: { firewall: true, listen: ["tcp/8080"] }, b: { firewall: true }, client: {} },
  steps: [{ apply: { host: "b", commands: ["iptables -A INPUT -p tcp --dport 9 -j DROP"] } }, { expect: ["client -> a:8080 open"] }],
});

/** One firewall host and a peer: cast onto `a` and `client`, `b` idle. */
const smaller = defineScenario({
  name: "smaller",
  description: "one probe",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/8080"] }, client: {} },
  steps: [{ expect: ["client -> server:8080 open"] }],
});

/** Two peers and a firewall host: the lab has one peer, so the second is played by its second firewall host. */
const peers = defineScenario({
  name: "peers",
  description: "a peer on a firewall host",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/8080"] }, client: {}, other: { listen: ["tcp/9090"] } },
  steps: [{ expect: ["client -> server:8080 open", "other -> server:8080 open", "client -> other:9090 open"] }],
});

let docker: Dockerode;
const runs: string[] = [];
function provider(): DockerLabProvider {
  const runId = newRunId();
  runs.push(runId);
  return new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid") });
}

beforeAll(async () => {
  docker = await connectEngine();
});
afterAll(async () => {
  for (const runId of runs) await removeRun(docker, runId);
});

/** The packets `iptables -t nat -L OUTPUT -v -x` printed for the chain's policy, from the larger scenario's report. */
function policyPackets(report: Awaited<ReturnType<typeof run>>): number {
  const text = JSON.stringify(report.scenarios.find((s) => s.name === "larger")!.steps[0]);
  const m = /Chain OUTPUT \(policy ACCEPT (\d+) packets/.exec(text);
  if (!m) throw new Error(`no OUTPUT policy counter in ${text.slice(0, 400)}`);
  return Number(m[1]);
}

it("a smaller scenario runs on the larger lab; the host it left idle prints its counters as one a scenario used does", async () => {
  const labsOf: string[] = [];
  const timing = (t: { scenario: { name: string }; lab: number }) => void labsOf.push(`${t.scenario.name}@${t.lab}`);
  const used = await run({ scenarios: [larger, twin] }, { provider: provider(), labs: 1, timing });
  expect(used.summary.failed + used.summary.errors).toBe(0);
  expect(labsOf.splice(0)).toEqual(["twin@1", "larger@1"]);

  const folded = await run({ scenarios: [larger, smaller] }, { provider: provider(), labs: 1, timing });
  expect(folded.summary.failed + folded.summary.errors).toBe(0);
  // One lab: the smaller scenario first, then the larger (its last).
  expect(labsOf).toEqual(["smaller@1", "larger@1"]);
  // Without the idle host's restore it would print the count of a table never restored (0 here).
  expect(policyPackets(folded)).toBe(policyPackets(used));
  expect(policyPackets(used)).toBeGreaterThan(0);
}, 120_000);

it("a host that is no firewall is played by a firewall host of the larger lab when none of its own kind is left", async () => {
  const labsOf: string[] = [];
  const timing = (t: { scenario: { name: string }; lab: number }) => void labsOf.push(`${t.scenario.name}@${t.lab}`);
  const report = await run({ scenarios: [larger, peers] }, { provider: provider(), labs: 1, timing });
  expect(report.summary.failed + report.summary.errors).toBe(0);
  expect(labsOf).toEqual(["peers@1", "larger@1"]);
  // The repro names the container that played `other`: the lab's second firewall host.
  const text = JSON.stringify(report.scenarios.find((s) => s.name === "peers"));
  expect(text).toMatch(/"command":"docker exec fwspec-[0-9a-f]+-[a-z]+-[0-9a-f]{4}-b timeout [^"]* 8080"/);
  expect(policyPackets(report)).toBeGreaterThan(0);
}, 120_000);
