/**
 * A warm lab's taker reaches each host's own agent with `docker attach`
 * (fwspec-agent --attached, left on the container's stdin and stdout by
 * fwspec-boot; lab/agent.ts Agent.attach): the taking run starts no exec at
 * all, and its verdicts are a fresh lab's. After a reboot on a taken lab (the
 * container restarted, its attach ended) the channel is an exec again, and
 * works. The lab's shape is this test's own (an interface named att0), so no
 * other warm lab on the engine is taken.
 */
import type Dockerode from "dockerode";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { run } from "../api.ts";
import { connectEngine } from "../env/engine.ts";
import { defineScenario } from "../scenario/load.ts";
import { DockerLabProvider } from "./provider.ts";
import { LABEL_RUN, newRunId, removeRun } from "./resources.ts";

const HOSTS = { server: { firewall: true, listen: ["tcp/8080", "tcp/9090"], interfaces: { lan: "att0" } }, client: {} };
const scenario = (name: string, reboot = false) =>
  defineScenario({
    name,
    description: "a DROP rule, one probe to it and one past it (after a reboot: the rule gone)",
    family: "ipv4",
    hosts: HOSTS,
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -i att0 -p tcp --dport 8080 -j DROP"] } },
      { expect: ["client -> server:8080 dropped", "client -> server:9090 open"] },
      ...(reboot ? [{ reboot: "server" }, { expect: ["client -> server:8080 open"] }] : []),
    ],
  });

let docker: Dockerode;
const runs: string[] = [];
const provider = () => {
  const runId = newRunId();
  runs.push(runId);
  return new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid") });
};
const verdicts = (r: Awaited<ReturnType<typeof run>>) => r.scenarios.flatMap((s) => s.expectations.map((e) => `${e.port} ${e.actual}`));

/** The engine's events for the containers of run `runId` while `body` runs: their actions (`attach`, `exec_create: …`, `restart` …). */
async function actionsDuring(runId: string, body: () => Promise<void>): Promise<string[]> {
  const from = Date.now();
  await body();
  const to = Date.now();
  const stream = await docker.getEvents({ since: Math.floor(from / 1000) - 1, until: Math.ceil(to / 1000) + 1, filters: { type: ["container"], label: [`${LABEL_RUN}=${runId}`] } });
  let text = "";
  for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString("utf8");
  const events = text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { Action: string; timeNano: number });
  // The window asked for is whole seconds: only what happened while `body` ran.
  return events.filter((e) => e.timeNano / 1e6 >= from && e.timeNano / 1e6 <= to).map((e) => e.Action);
}

beforeAll(async () => {
  docker = await connectEngine();
});

afterAll(async () => {
  for (const runId of runs) await removeRun(docker, runId);
});

it("a taken warm lab's hosts are reached by docker attach: no exec, a fresh lab's verdicts; after a reboot on it, an exec again", async () => {
  const first = await run({ scenarios: [scenario("leaves it warm")] }, { provider: provider(), labs: 1, reuse: true });
  expect(verdicts(first)).toEqual(["8080 dropped", "9090 open"]);
  const starter = runs[0]!;

  // One lab: the plain scenario first, then the rebooting one (which is last on its lab).
  let taken: Awaited<ReturnType<typeof run>> | undefined;
  const actions = await actionsDuring(starter, async () => {
    taken = await run({ scenarios: [scenario("takes it"), scenario("reboots it", true)] }, { provider: provider(), labs: 1, reuse: true });
  });
  expect(verdicts(taken!)).toEqual(["8080 dropped", "9090 open", "8080 dropped", "9090 open", "8080 open"]);
  // The lab was taken (nothing of the second run's own), through one attach per host and no exec until the reboot;
  // after it (the server's attach ended with its restart) the server's channel is an exec.
  expect(await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runs[1]}`] } })).toEqual([]);
  const restart = actions.indexOf("restart");
  expect(restart).toBeGreaterThan(0);
  const before = actions.slice(0, restart);
  const after = actions.slice(restart);
  expect(before.filter((a) => a === "attach")).toHaveLength(2);
  // (An exec_die may still come from the first run's channels, ended just before.)
  expect(before.filter((a) => a.startsWith("exec_create") || a.startsWith("exec_start"))).toEqual([]);
  expect(after.filter((a) => a.startsWith("exec_create"))).toHaveLength(1);
});

it("a fresh lab reaches one host by exec (what keeps it attended for sweeps elsewhere) and the others by attach", async () => {
  const p = provider();
  const runId = runs[runs.length - 1]!;
  let fresh: Awaited<ReturnType<typeof run>> | undefined;
  const actions = await actionsDuring(runId, async () => {
    fresh = await run({ scenarios: [scenario("a fresh lab")] }, { provider: p, labs: 1 });
  });
  expect(verdicts(fresh!)).toEqual(["8080 dropped", "9090 open"]);
  expect(actions.filter((a) => a.startsWith("exec_create"))).toHaveLength(1);
  expect(actions.filter((a) => a === "attach")).toHaveLength(1);
});
