/**
 * Integration tests need an engine and the lab image. `npm test` runs
 * `fwspec setup` first; here we only check, and give every worker one run id
 * so teardown removes everything this test run created.
 */
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
  return async () => {
    const removed = await removeRun(docker, runId);
    if (removed.containers.length + removed.networks.length > 0) {
      process.stderr.write(`fwspec: removed leftovers of test run ${runId}: ${[...removed.containers, ...removed.networks].join(", ")}\n`);
    }
  };
}
