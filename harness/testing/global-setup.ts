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
    reaper.stop();
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
function startReaper(runId: string): { stop(): void } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const script = here.slice(0, -ext.length).replace(/global-setup$/, "run-reaper") + ext;
  // The checkout's `.ts` on a Node that strips types only when asked (22.6 to 23.5); the package's `.js` as it is.
  const flags = ext === ".ts" && !process.features.typescript ? ["--experimental-strip-types"] : [];
  const child = spawn(process.execPath, [...flags, script, String(process.pid), runId], { detached: true, stdio: "ignore" });
  child.unref();
  let stopping = false;
  // A reaper that ends before the run does cannot remove what an interrupt leaves: said, not silent (reviewer 44).
  child.once("exit", (code, signal) => {
    if (!stopping) process.stderr.write(`fwspec: the test run's reaper ended at once (${signal ?? `exit ${code}`}): an interrupted run may leave labs; \`fwspec cleanup\` removes them\n`);
  });
  return {
    stop: () => {
      stopping = true;
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}
