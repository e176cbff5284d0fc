/**
 * Warm labs across runs with real containers (`run({ reuse: true })`,
 * lab/warm.ts, shared-lab.ts): a run leaves its lab warm and the next run of
 * the same shape takes it (no container of its own, the same verdicts); a lab
 * whose rules, interface names or listening sockets someone changed while it was warm is removed, not used; of two
 * claims of one warm lab (two labs of one run) only one gets it; and sweeps spare a warm lab
 * after its run is gone, and a taken one while its taker lives (so do
 * `fwspec cleanup --kept` and removing the run that started it), not after;
 * `fwspec cleanup --kept` and removing the run that started a warm lab take
 * it as a run would before removing it;
 * a run that only takes warm labs sweeps orphans as a lab start does; a lab
 * left by another build of the image (rebuilt under the same tag) is removed.
 * The lab's shape is this test's own (an interface named warm0), so no other
 * warm lab on the engine is taken.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { run } from "../api.ts";
import { connectEngine } from "../env/engine.ts";
import { DockerLabProvider } from "../lab/provider.ts";
import { findOrphans, LABEL_RUN, newRunId, removeKept, removeRun } from "../lab/resources.ts";
import { labKey, listMarkers } from "../lab/kept.ts";
import { claimWarm, LABEL_WARM, warmKey } from "../lab/warm.ts";
import { attachWarmLab } from "../lab/lab.ts";
import { ensureBaseImage } from "../env/images.ts";
import { silentProgress } from "../progress.ts";
import { defineScenario } from "../scenario/load.ts";

const scenario = (name: string, port: number) =>
  defineScenario({
    name,
    description: "a DROP rule, one probe to it and one past it",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/9090"], interfaces: { lan: "warm0" } }, client: {} },
    steps: [{ apply: { host: "server", commands: [`iptables -A INPUT -i warm0 -p tcp --dport ${port} -j DROP`] } }, { expect: [`client -> server:${port} dropped`, `client -> server:${port === 8080 ? 9090 : 8080} open`] }],
  });

let docker: Dockerode;
const runs: string[] = [];
const children: ChildProcess[] = [];

/** A provider of a run of its own; its labs' owner is `ownerPid` (default: the test run's main process). */
function provider(ownerPid: number = inject("fwspecOwnerPid")): DockerLabProvider {
  const runId = newRunId();
  runs.push(runId);
  return new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid });
}

/** A process to own labs or claims, ended by `end`. */
function owner(): ChildProcess {
  const child = spawn("sleep", ["300"], { stdio: "ignore" });
  children.push(child);
  return child;
}
async function end(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
}

const key = () => warmKey({ hosts: scenario("x", 8080).hosts }, inject("fwspecImage"));
/** This shape's warm markers and the labs they name. */
async function warmLabs(): Promise<string[]> {
  return (await listMarkers(docker)).filter((m) => m.labels[LABEL_WARM] === key()).map((m) => m.key);
}
/** The markers of one lab (warm, claim, kept). */
async function markersOf(lab: string) {
  return (await listMarkers(docker)).filter((m) => m.key === lab);
}
async function containersOf(runId: string): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } })).map((c) => c.Id);
}
/** Runs a command in a container as a person stepping in would; its exit code. */
async function execIn(id: string, cmd: string[]): Promise<number | null> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  stream.resume();
  await once(stream, "end");
  return (await exec.inspect()).ExitCode;
}
/** A run of its own (its starter process alive until ended) leaves one lab of this shape warm: the starter, the run's provider, the lab's key. */
async function leftWarm(name: string): Promise<{ starter: ChildProcess; first: DockerLabProvider; warm: string }> {
  const starter = owner();
  const first = provider(starter.pid!);
  await run({ scenarios: [scenario(name, 8080)] }, { provider: first, labs: 1, reuse: true });
  const [warm] = await warmLabs();
  expect(warm).toBeDefined();
  return { starter, first, warm: warm! };
}
const verdicts = (r: Awaited<ReturnType<typeof run>>) => r.scenarios.flatMap((s) => s.expectations.map((e) => `${e.port} ${e.actual}`));

beforeAll(async () => {
  docker = await connectEngine();
});

afterAll(async () => {
  for (const c of children) await end(c).catch(() => undefined);
  // Every run's labs, warm or taken, with their markers.
  for (const runId of runs) await removeRun(docker, runId);
});

describe("warm labs", () => {
  it("a second run takes the lab the first left warm; one changed while warm (a rule, an interface name, a listener, a peer's rule) is removed, not used", async () => {
    expect(await warmLabs()).toEqual([]);
    const first = provider();
    const a = await run({ scenarios: [scenario("a", 8080)] }, { provider: first, labs: 1, reuse: true });
    expect(verdicts(a)).toEqual(["8080 dropped", "9090 open"]);
    const [warm] = await warmLabs();
    expect(warm).toMatch(new RegExp(`^${runs[0]}/`));
    const containers = await containersOf(runs[0]!);
    expect(containers).toHaveLength(2);

    const second = provider();
    const b = await run({ scenarios: [scenario("b", 9090)] }, { provider: second, labs: 1, reuse: true });
    expect(verdicts(b)).toEqual(["9090 dropped", "8080 open"]);
    // Nothing started for the second run; the first run's containers did its work, and are warm again.
    expect(await containersOf(runs[1]!)).toEqual([]);
    expect(await containersOf(runs[0]!)).toEqual(containers);
    expect(await warmLabs()).toEqual([warm]);
    expect((await listMarkers(docker)).filter((m) => m.key === warm)).toHaveLength(1);

    // Someone steps into the warm lab and adds a rule.
    const server = (await docker.listContainers({ filters: { label: [`${LABEL_RUN}=${runs[0]}`], name: ["-server"] } }))[0]!;
    expect(await execIn(server.Id, ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "8080", "-j", "REJECT"])).toBe(0);

    const third = provider();
    const c = await run({ scenarios: [scenario("c", 9090)] }, { provider: third, labs: 1, reuse: true });
    // Had the changed lab been used, 8080 would be refused.
    expect(verdicts(c)).toEqual(["9090 dropped", "8080 open"]);
    expect(await containersOf(runs[0]!)).toEqual([]);
    expect(await containersOf(runs[2]!)).toHaveLength(2);
    expect(await warmLabs()).toEqual([expect.stringMatching(new RegExp(`^${runs[2]}/`))]);

    // Someone changes the lab while it waits, each time the lab the run before left: it is not taken (nor repaired).
    const changes = [
      // The firewall host's interface renamed.
      { host: "server", change: ["ip", "link", "set", "dev", "warm0", "name", "other0"] },
      // A listener started on the client (no firewall): it would answer probes.
      { host: "client", change: ["sh", "-c", "setsid socat TCP6-LISTEN:7070,ipv6only=0,reuseaddr,fork SYSTEM:true </dev/null >/dev/null 2>&1 &"] },
      // A rule added on the client: its probes to 9090 would be refused.
      { host: "client", change: ["iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "9090", "-j", "REJECT", "--reject-with", "tcp-reset"] },
      // A wrapper that does nothing in iptables' place on the firewall host (tester 37a): the next apply would add no DROP.
      { host: "server", change: ["sh", "-c", "printf '#!/bin/sh\\nexit 0\\n' > /usr/local/sbin/iptables && chmod +x /usr/local/sbin/iptables"] },
    ];
    for (const [i, { host, change }] of changes.entries()) {
      const left = runs.at(-1)!;
      const target = (await docker.listContainers({ filters: { label: [`${LABEL_RUN}=${left}`], name: [`-${host}`] } }))[0]!;
      expect(await execIn(target.Id, change), change.join(" ")).toBe(0);
      const next = provider();
      const r = await run({ scenarios: [scenario(`changed-${i}`, 8080)] }, { provider: next, labs: 1, reuse: true });
      expect(verdicts(r), change.join(" ")).toEqual(["8080 dropped", "9090 open"]);
      expect(await containersOf(left), change.join(" ")).toEqual([]);
      expect(await containersOf(runs.at(-1)!)).toHaveLength(2);
    }
    await removeRun(docker, runs.at(-1)!);
  });

  it("of two claims of one warm lab, one gets it; sweeps spare it while warm and while its taker lives, not after", async () => {
    const { starter, warm } = await leftWarm("a");
    const orphaned = async () => (await findOrphans(docker)).containers.some((c) => labKey((c as unknown as { Labels: Record<string, string> }).Labels) === warm);

    // The run that started it is gone: its marker spares it.
    await end(starter);
    expect(await orphaned()).toBe(false);

    const taker = owner();
    const spec = { name: "warm", hosts: scenario("x", 8080).hosts };
    // Two labs of one run (one provider) claim at once; another run after them finds nothing.
    const a = provider(taker.pid!);
    const taken = await Promise.all([a.claimWarm(spec), a.claimWarm(spec)]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await provider().claimWarm(spec)).toBeUndefined();
    expect(await warmLabs()).toEqual([]);
    // The winner's claim marker is the lab's only marker: the loser of the same run did not take it away.
    expect((await listMarkers(docker)).filter((m) => m.key === warm)).toHaveLength(1);
    // The claim spares the lab while its taker lives: from sweeps, from `fwspec cleanup --kept`, and from removing
    // the run that started it (`fwspec cleanup --run`, an interrupt of that run).
    expect(await orphaned()).toBe(false);
    // (Only this lab's markers: other test files' kept and warm labs are theirs.)
    await removeKept(docker, await markersOf(warm!));
    await removeRun(docker, warm!.split("/")[0]!);
    expect(await containersOf(warm!.split("/")[0]!)).toHaveLength(2);
    expect((await listMarkers(docker)).filter((m) => m.key === warm)).toHaveLength(1);
    await end(taker);
    expect(await orphaned()).toBe(true);
    await taken.find(Boolean)!.lab[Symbol.asyncDispose]();
    expect((await listMarkers(docker)).filter((m) => m.key === warm)).toEqual([]);
  });

  it("a lab whose hosts run another build of the image than its tag names now (rebuilt since) is removed, not taken", async () => {
    const { starter, warm } = await leftWarm("e");
    const claimed = await claimWarm(docker, key(), { runId: newRunId() });
    expect(claimed?.description.runId).toBe(warm.split("/")[0]);
    // As if the tag had been rebuilt: the image it names now is another build (here the base image, another image id).
    const rebuilt = await ensureBaseImage(docker, silentProgress);
    await expect(attachWarmLab(docker, claimed!, { image: rebuilt, takenBy: "test" })).rejects.toThrow(`server, client run(s) another build of ${rebuilt} than the one it names now (rebuilt since the lab was left)`);
    expect(await containersOf(warm.split("/")[0]!)).toEqual([]);
    expect(await markersOf(warm)).toEqual([]);
    await end(starter);
  });

  it("a run that only takes warm labs sweeps as a lab start does: a lab whose owner is gone goes", async () => {
    await run({ scenarios: [scenario("d", 8080)] }, { provider: provider(), labs: 1, reuse: true });
    expect(await warmLabs()).toHaveLength(1);
    // A run killed with its lab up: its owner is gone.
    const killed = owner();
    const left = provider(killed.pid!);
    await left.start({ name: "left", hosts: scenario("x", 8080).hosts });
    await end(killed);
    expect(await containersOf(left.runId)).toHaveLength(2);
    const taker = owner();
    const taken = await provider(taker.pid!).claimWarm({ name: "warm", hosts: scenario("x", 8080).hosts });
    expect(taken).toBeDefined();
    expect(await containersOf(left.runId)).toEqual([]);
    await taken!.lab[Symbol.asyncDispose]();
    await end(taker);
  });

  it("a lab taken warm and kept is the keeping run's: removing the run that started it spares it, removing the keeper's removes it", async () => {
    const { starter, first, warm } = await leftWarm("f");
    // A run that takes it, keeps it, and ends.
    const keeperProcess = owner();
    const keeper = provider(keeperProcess.pid!);
    const kept = await run({ scenarios: [scenario("g", 9090)] }, { provider: keeper, labs: 1, reuse: true, keep: "all" });
    expect(kept.scenarios[0]!.kept).toBeDefined();
    await end(keeperProcess);
    expect(await containersOf(first.runId)).toHaveLength(2);
    // The run that started it is interrupted (or `fwspec cleanup --run` names it), its starter still alive.
    await removeRun(docker, first.runId);
    expect(await containersOf(first.runId)).toHaveLength(2);
    await removeRun(docker, keeper.runId);
    expect(await containersOf(first.runId)).toEqual([]);
    expect(await markersOf(warm!)).toEqual([]);
    await end(starter);
  });

  it("removing the run that started a warm lab takes it first: a run that took it after the listing keeps it", async () => {
    const { starter, first, warm } = await leftWarm("h");
    // Listed while only warm (an interrupt of its starter, `fwspec cleanup --run`); then a run takes it, before the removal.
    const listed = await listMarkers(docker);
    const taker = owner();
    const taken = await provider(taker.pid!).claimWarm({ name: "warm", hosts: scenario("x", 8080).hosts });
    expect(taken).toBeDefined();
    await removeRun(docker, first.runId, { listed });
    expect(await containersOf(first.runId)).toHaveLength(2);
    expect(await markersOf(warm)).toHaveLength(1);
    await taken!.lab[Symbol.asyncDispose]();
    expect(await containersOf(first.runId)).toEqual([]);
    await end(taker);
    await end(starter);
  });

  it("`fwspec cleanup --kept` takes a warm lab as a run would before removing it: one a run took after the listing stays", async () => {
    await run({ scenarios: [scenario("c", 8080)] }, { provider: provider(), labs: 1, reuse: true });
    const [warm] = await warmLabs();
    expect(warm).toBeDefined();
    const startedBy = warm!.split("/")[0]!;
    // Listed while only warm; then a run takes it, before the removal.
    const listed = await markersOf(warm!);
    const taker = owner();
    const taken = await provider(taker.pid!).claimWarm({ name: "warm", hosts: scenario("x", 8080).hosts });
    expect(taken).toBeDefined();
    await removeKept(docker, listed);
    expect(await containersOf(startedBy)).toHaveLength(2);
    // Left warm again by its taker: now the removal takes it, and nothing of it stays (nor the removal's own claim).
    await taken!.lab.park!(taken!.state);
    await taken!.lab[Symbol.asyncDispose]();
    await end(taker);
    expect(await warmLabs()).toEqual([warm]);
    const marker = (await markersOf(warm!)).map((m) => m.name);
    const removed = await removeKept(docker, await markersOf(warm!));
    // Reported as the warm marker it was, not as the removal's claim.
    expect(removed.markers).toEqual(marker);
    expect(await containersOf(startedBy)).toEqual([]);
    expect(await markersOf(warm!)).toEqual([]);
  });
});

describe("a warm lab taken for a scenario that prints counters", () => {
  // A shape of its own (interface warmc0): no other test's warm lab is taken, nor this one's by them.
  const hosts = { server: { firewall: true, listen: ["tcp/8080"], interfaces: { lan: "warmc0" } }, client: {} };
  const leaves = defineScenario({
    name: "leaves filter",
    description: "leaves a filter table (empty after the reset, its policies counting)",
    family: "ipv4",
    hosts,
    steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j ACCEPT"] } }, { expect: ["client -> server:8080 open"] }],
  });
  const shows = defineScenario({
    name: "shows policy counters",
    description: "policy counters from zero, as on a fresh lab (no filter table until the apply)",
    family: "ipv4",
    hosts,
    steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j DROP"] } }, { run: { host: "server", command: "iptables -L INPUT -n -v -x", contains: "policy ACCEPT 0 packets" } }],
  });

  it("sees a table the lab's boot ruleset lacked count from zero", async () => {
    await run({ scenarios: [leaves] }, { provider: provider(), labs: 1, reuse: true });
    const second = provider();
    const r = await run({ scenarios: [shows] }, { provider: second, labs: 1, reuse: true });
    // Taken warm: nothing started for the second run.
    expect(await containersOf(second.runId)).toEqual([]);
    expect(r.scenarios.map((s) => s.status), JSON.stringify(r.scenarios[0]!.steps.filter((s) => s.status !== "passed"))).toEqual(["passed"]);
  });
});
