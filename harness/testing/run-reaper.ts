/**
 * A vitest test run's reaper: the global setup (global-setup.ts) starts it
 * detached, with the vitest process's pid and the test run's id. When that
 * process is gone — ended, killed, or interrupted before its workers removed
 * their labs (vitest ends its workers at once on Ctrl-C: tester 44c found a
 * lab and its network left) — it removes what the test run created, then
 * exits: Ryuk's job, without a registry. Its own process group, so a Ctrl-C
 * meant for vitest never reaches it; the global setup's teardown ends it
 * after removing the run itself.
 */
import { connectEngine } from "../env/engine.ts";
import { removeRunUntilQuiet } from "../lab/resources.ts";

const POLL_MS = 250;

const [owner, runId] = process.argv.slice(2);
if (owner === undefined || runId === undefined || !/^\d+$/.test(owner)) {
  process.stderr.write("usage: run-reaper OWNER-PID RUN-ID\n");
  process.exit(2);
}
const watched = Number(owner);

/** Is the vitest process alive (its parent, until it is gone and the reaper is re-parented)? */
function ownerAlive(): boolean {
  if (process.ppid !== watched) return false;
  try {
    process.kill(watched, 0);
    return true;
  } catch {
    return false;
  }
}

const timer = setInterval(() => {
  if (ownerAlive()) return;
  clearInterval(timer);
  void connectEngine()
    .then((docker) => removeRunUntilQuiet(docker, runId))
    .then((removed) => {
      const left = [...removed.containers, ...removed.networks];
      if (left.length > 0) process.stderr.write(`fwspec: removed what test run ${runId} left: ${left.join(", ")}\n`);
      process.exit(0);
    }, () => process.exit(1));
}, POLL_MS);
// A SIGTERM from the teardown ends it at once; a SIGHUP of a closed terminal must not (the run may still be ending).
process.on("SIGHUP", () => undefined);
