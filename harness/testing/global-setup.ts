/**
 * Integration tests need an engine and the lab image. `npm test` runs
 * `fwspec setup` first; here we only check, and give every worker one run id
 * so teardown removes everything this test run created.
 */
import { spawn } from "node:child_process";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { connectEngine } from "../env/engine.ts";
import { imageExists, labImageTag } from "../env/images.ts";
import { EnvironmentError } from "../errors.ts";
import { fwspecCommand } from "../invocation.ts";
import { newRunId, removeRun, sweepOrphans } from "../lab/resources.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fwspecImage: string;
    fwspecRunId: string;
    /** The vitest main process: workers label what they create with it. */
    fwspecOwnerPid: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const docker = await connectEngine();
  const image = labImageTag();
  if (!(await imageExists(docker, image))) {
    // Also fwspec/vitest-setup in a user's project, where `fwspec` is no command on PATH.
    throw new EnvironmentError(`lab image ${image} is missing`, { hint: `run \`${fwspecCommand("setup")}\` first (in fwspec's own checkout \`npm test\` does it for you)` });
  }
  await sweepOrphans(docker);
  const runId = newRunId();
  project.provide("fwspecImage", image);
  project.provide("fwspecRunId", runId);
  project.provide("fwspecOwnerPid", process.pid);
  const reaper = startReaper(runId);
  return async () => {
    const removed = await removeRun(docker, runId);
    reaper.kill("SIGTERM");
    if (removed.containers.length + removed.networks.length > 0) {
      process.stderr.write(`fwspec: removed leftovers of test run ${runId}: ${[...removed.containers, ...removed.networks].join(", ")}\n`);
    }
  };
}

/**
 * The test run's reaper (run-reaper.ts), detached in its own process group: it removes the run's labs once this
 * process is gone, however it ends (vitest ends its workers at once on Ctrl-C, before they remove their labs).
 * Beside this file: `.ts` in fwspec's checkout, `.js` in the package.
 */
function startReaper(runId: string): { kill(signal: NodeJS.Signals): void } {
  const here = fileURLToPath(import.meta.url);
  const script = here.slice(0, -extname(here).length).replace(/global-setup$/, "run-reaper") + extname(here);
  const child = spawn(process.execPath, [script, String(process.pid), runId], { detached: true, stdio: "ignore" });
  child.unref();
  return { kill: (signal) => void (child.exitCode === null && child.kill(signal)) };
}
