/**
 * Ownership across PID namespaces: two runs on one engine, each in its own
 * PID namespace (as CI runners in containers sharing an engine are), with
 * overlapping lab starts. Each lab start sweeps orphans; neither run may take
 * the other's live labs for orphans. Their fwspec processes have different
 * pids (the first namespace spends three pids first), as real runners' do.
 * A live run in another namespace keeps its lab past the grace: one host's
 * exec channel attends the whole lab (its other hosts are reached by attach,
 * which the engine does not list). And a run SIGKILLed in another namespace
 * is left alone while young, and is an orphan once its command channels ended
 * and the grace has passed.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import pRetry from "p-retry";
import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { FOREIGN_GRACE_MS } from "./ownership.ts";
import { findOrphans, removeRun } from "./resources.ts";

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

/** Processes whose command line mentions `token`. */
function processesWith(token: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, "utf8").includes(token);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A copy of 14-counters-grow named with a fresh token, run in its own PID namespace with dropped probes held to 30 s. */
function slowRunElsewhere(dir: string) {
  const token = `ns-${Math.random().toString(16).slice(2, 10)}`;
  const file = join(dir, `${token}.yaml`);
  copyFileSync(join(PROJECT_ROOT, "scenarios/block-port/14-counters-grow.yaml"), file);
  const run = execa("unshare", ["--pid", "--fork", "--mount-proc", "sh", "-c", '/bin/true; "$@"', "sh", process.execPath, CLI, "run", file, "--no-early", "--timeout", "30"], { cwd: PROJECT_ROOT, reject: false });
  return { token, run };
}

const names = (list: { Names?: string[]; Name?: string }[], token: string) => list.map((r) => (r.Names?.[0] ?? r.Name ?? "").replace(/^\//, "")).filter((n) => n.includes(token));

/** Bounded wait until the token's lab has both hosts up (and, with `channel`, one running an exec channel); its run id. */
async function labUp(docker: Dockerode, token: string, channel: boolean): Promise<string> {
  return await pRetry(
    async () => {
      const mine = (await docker.listContainers({ filters: { label: ["fwspec=lab"] } })).filter((c) => c.Names.some((n) => n.includes(token)));
      if (mine.length < 2) throw new Error("lab not up yet");
      if (channel) {
        const execs = await Promise.all(mine.map(async (c) => (await Promise.all(((await docker.getContainer(c.Id).inspect()).ExecIDs ?? []).map((e) => docker.getExec(e).inspect().then((x) => x.Running, () => false)))).filter(Boolean).length));
        if (execs.every((n) => n === 0)) throw new Error("no command channel yet");
      }
      return mine[0]!.Labels["fwspec.run"]!;
    },
    { retries: 120, minTimeout: 250, maxTimeout: 500, maxRetryTime: 90_000 },
  );
}

describe("a live run in another PID namespace", () => {
  it("keeps its lab past the grace while one of its hosts runs a command channel", async () => {
    const docker = await connectEngine();
    const { token, run } = slowRunElsewhere(mkdtempSync(join(tmpdir(), "fwspec-ns-")));
    let runId = "";
    try {
      // Ready: both hosts up and the lab's exec channel running (the other host's is an attach).
      runId = await labUp(docker, token, true);
      const orphans = await findOrphans(docker, Date.now() + FOREIGN_GRACE_MS + 1000);
      expect(names(orphans.containers, token)).toEqual([]);
      expect(names(orphans.networks, token)).toEqual([]);
      // Still running when it was looked at (its dropped probes wait 30 s).
      expect(names(await docker.listContainers({ filters: { label: ["fwspec=lab"] } }), token)).toHaveLength(2);
    } finally {
      for (const pid of processesWith(token)) process.kill(pid, "SIGKILL");
      await run;
      if (runId) await removeRun(docker, runId);
    }
  });
});

describe("a SIGKILLed run in another PID namespace", () => {
  it("is kept while young, and is an orphan once its command channels ended and the grace passed", async () => {
    const docker = await connectEngine();
    const { token, run } = slowRunElsewhere(mkdtempSync(join(tmpdir(), "fwspec-ns-")));
    let runId = "";
    try {
      runId = await labUp(docker, token, false);
      // SIGKILL the whole namespace (its init is the `sh`): nothing of the run can clean up.
      for (const pid of processesWith(token)) process.kill(pid, "SIGKILL");
      await run;
      // Young: kept, as a lab in the middle of starting must be.
      const young = await findOrphans(docker);
      expect(names(young.containers, token)).toEqual([]);
      expect(names(young.networks, token)).toEqual([]);
      // Once the owner's fwspec-agents have seen their stdin close, only the grace keeps it.
      const later = () => Date.now() + FOREIGN_GRACE_MS + 1000;
      const orphans = await pRetry(
        async () => {
          const o = await findOrphans(docker, later());
          if (names(o.containers, token).length < 2) throw new Error("command channels still running");
          return o;
        },
        { retries: 60, minTimeout: 500, maxTimeout: 1000, maxRetryTime: 60_000 },
      );
      expect(names(orphans.containers, token)).toHaveLength(2);
      expect(names(orphans.networks, token)).toHaveLength(1);
    } finally {
      for (const pid of processesWith(token)) process.kill(pid, "SIGKILL");
      if (runId) await removeRun(docker, runId);
    }
  });
});
