/**
 * Ownership across PID namespaces: two runs on one engine, each in its own
 * PID namespace (as CI runners in containers sharing an engine are), with
 * overlapping lab starts. Each lab start sweeps orphans; neither run may take
 * the other's live labs for orphans. Their fwspec processes have different
 * pids (the first namespace spends three pids first), as real runners' do.
 */
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import pRetry from "p-retry";
import { describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
// Three scenarios with their own labs each (run steps, different hosts): three lab starts, three sweeps per run.
const SCENARIOS = ["scenarios/block-port/12-check-rule-exists.yaml", "scenarios/block-port/14-counters-grow.yaml", "scenarios/restrict-localhost/08-list-rules-counters.yaml"];

function inOwnPidNamespace(prelude: string): ResultPromise<{ all: true; reject: false; cwd: string }> {
  const script = `${prelude}"$@"`;
  return execa("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", script, "sh", process.execPath, CLI, "run", ...SCENARIOS, "--labs", "1"], {
    cwd: PROJECT_ROOT,
    all: true,
    reject: false,
  });
}

describe("runs in different PID namespaces on one engine", () => {
  it("both pass: neither sweeps the other's live labs", async () => {
    const docker = await connectEngine();
    const before = new Set((await docker.listNetworks({ filters: { label: ["fwspec=lab"] } })).map((n) => n.Id));
    const first = inOwnPidNamespace("/bin/true; /bin/true; /bin/true; ");
    // The second starts its labs while the first has one up.
    await pRetry(
      async () => {
        const now = await docker.listNetworks({ filters: { label: ["fwspec=lab"] } });
        if (!now.some((n) => !before.has(n.Id))) throw new Error("first lab not up yet");
      },
      { retries: 120, minTimeout: 100, maxTimeout: 250, maxRetryTime: 60_000 },
    );
    const second = inOwnPidNamespace("");
    const [a, b] = await Promise.all([first, second]);
    expect(a.exitCode, a.all).toBe(0);
    expect(b.exitCode, b.all).toBe(0);
  });
});
