/**
 * No leak: a run interrupted with SIGINT removes its containers and networks,
 * and so does a run whose output is closed (`fwspec run | head`); a run
 * killed with SIGKILL leaves them, and the next run sweeps them.
 */
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import pRetry from "p-retry";
import { describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { LABEL_PID, sweepOrphans } from "../lab/resources.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
// Long enough to be interrupted mid-scenario: a dropped probe waits out its timeout.
const SCENARIO = "scenarios/block-port/14-counters-grow.yaml";

async function containersOf(pid: number): Promise<string[]> {
  const docker = await connectEngine();
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_PID}=${pid}`] } });
  return list.map((c) => c.Id);
}

async function networksOf(pid: number): Promise<string[]> {
  const docker = await connectEngine();
  return (await docker.listNetworks({ filters: { label: [`${LABEL_PID}=${pid}`] } })).map((n) => n.Id);
}

async function startAndWaitForLab(): Promise<{ child: ResultPromise }> {
  const child = execa(process.execPath, [CLI, "run", SCENARIO], { cwd: PROJECT_ROOT, reject: false });
  await pRetry(
    async () => {
      if ((await containersOf(child.pid!)).length < 2) throw new Error("lab not up yet");
    },
    { retries: 60, minTimeout: 250, maxTimeout: 500, maxRetryTime: 60_000 },
  );
  return { child };
}

describe("interrupted runs", () => {
  it("SIGINT mid-scenario removes every container and network of the run", async () => {
    const { child } = await startAndWaitForLab();
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toMatch(/SIGINT: removing this run's containers/);
    // The detached cleaner finishes within seconds; poll (bounded) until it has.
    await pRetry(
      async () => {
        if ((await containersOf(child.pid!)).length + (await networksOf(child.pid!)).length > 0) throw new Error("still there");
      },
      { retries: 40, minTimeout: 250, maxTimeout: 500, maxRetryTime: 30_000 },
    ).catch(() => undefined);
    expect(await containersOf(child.pid!)).toEqual([]);
    expect(await networksOf(child.pid!)).toEqual([]);
  });

  it("a run whose output is closed mid-scenario (EPIPE) removes every container and network and exits 141", async () => {
    const { child } = await startAndWaitForLab();
    // The reader goes away: the run's next progress line meets a closed pipe.
    child.stdout!.destroy();
    child.stderr!.destroy();
    const result = await child;
    expect(result.exitCode).toBe(141);
    await pRetry(
      async () => {
        if ((await containersOf(child.pid!)).length + (await networksOf(child.pid!)).length > 0) throw new Error("still there");
      },
      { retries: 40, minTimeout: 250, maxTimeout: 500, maxRetryTime: 30_000 },
    ).catch(() => undefined);
    expect(await containersOf(child.pid!)).toEqual([]);
    expect(await networksOf(child.pid!)).toEqual([]);
  });

  it("after SIGKILL the next run's sweep removes what was left", async () => {
    const { child } = await startAndWaitForLab();
    child.kill("SIGKILL");
    await child;
    // Whatever a worker may still be doing, the owner is gone: the sweep takes it all.
    const docker = await connectEngine();
    await pRetry(
      async () => {
        await sweepOrphans(docker);
        if ((await containersOf(child.pid!)).length + (await networksOf(child.pid!)).length > 0) throw new Error("left over");
      },
      { retries: 10, minTimeout: 500, maxRetryTime: 20_000 },
    );
    expect(await containersOf(child.pid!)).toEqual([]);
  });
});
