/**
 * Cancelling the documented commands: SIGTERM or SIGINT sent only to the PID
 * of `npx fwspec run …` or `npm run scenarios -- …` (as a CI runner does when
 * it cancels a job) stops the run within seconds and leaves no fwspec process
 * and no container or network of that run behind.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import pRetry from "p-retry";
import { afterAll, describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { LABEL_RUN, removeRun } from "../lab/resources.ts";

// A dropped probe waited out (--no-early, 30 s timeout): the run is mid-scenario when signalled.
const SCENARIO = join(PROJECT_ROOT, "scenarios/block-port/14-counters-grow.yaml");
const runIds: string[] = [];

/** Processes whose command line mentions `token` (the run's unique scenario file), or a cleaner of `runId`. */
function processesOf(token: string, runId: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(token) || cmdline.includes(`--run ${runId}`)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function leftovers(runId: string): Promise<string[]> {
  const docker = await connectEngine();
  const filters = { label: [`${LABEL_RUN}=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return [...containers.map((c) => c.Names[0] ?? c.Id), ...networks.map((n) => n.Name)];
}

const launchers = {
  "npx fwspec run": (file: string) => ["npx", "fwspec", "run", file, "--no-early", "--timeout", "30"],
  "npm run scenarios --": (file: string) => ["npm", "run", "scenarios", "--", file, "--no-early", "--timeout", "30"],
} as const;

describe.each(Object.entries(launchers))("%s", (_name, command) => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s to the launcher's PID stops the run and leaves nothing", async (signal) => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-launch-"));
    const token = `sigtest-${Math.random().toString(16).slice(2, 10)}`;
    const file = join(dir, `${token}.yaml`);
    copyFileSync(SCENARIO, file);
    const [cmd, ...args] = command(file);
    const env = { PATH: `${join(PROJECT_ROOT, "node_modules/.bin")}${delimiter}${process.env["PATH"]}` };
    const launcher = execa(cmd!, args, { cwd: PROJECT_ROOT, env, reject: false, all: true });
    const docker = await connectEngine();
    // Mid-run: the lab's containers exist.
    const runId = await pRetry(
      async () => {
        const list = await docker.listContainers({ filters: { label: ["fwspec=lab"] } });
        const mine = list.filter((c) => c.Names.some((n) => n.includes(token)));
        if (mine.length < 2) throw new Error("lab not up yet");
        return mine[0]!.Labels[LABEL_RUN]!;
      },
      { retries: 120, minTimeout: 250, maxTimeout: 500, maxRetryTime: 90_000 },
    );
    runIds.push(runId);
    expect(processesOf(token, runId).length).toBeGreaterThan(0);

    process.kill(launcher.pid!, signal);
    await sleep(3000);
    const running = processesOf(token, runId);
    const left = await leftovers(runId);
    for (const pid of running) process.kill(pid, "SIGKILL");
    const result = await launcher;
    expect(running, result.all).toEqual([]);
    expect(left, result.all).toEqual([]);
  });
});

afterAll(async () => {
  const docker = await connectEngine();
  for (const id of runIds) await removeRun(docker, id).catch(() => undefined);
});
