/** Unit tests (table-driven) for stray-processes.ts: the processes a scenario's commands left running, from /proc. */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { STRAY_LINE, STRAY_SCRIPT, strayProcesses } from "./stray-processes.ts";

describe("strayProcesses", () => {
  test.each([
    ["none: the sockets only", "tcp LISTEN 0 5 *:8080 *:*\n", [], "tcp LISTEN 0 5 *:8080 *:*\n"],
    ["a loop and its sleep, before the sockets", `${STRAY_LINE}135 sh\n${STRAY_LINE}138 sleep\ntcp LISTEN 0 5 *:8080 *:*`, [{ pid: 135, name: "sh" }, { pid: 138, name: "sleep" }], "tcp LISTEN 0 5 *:8080 *:*"],
    ["a name with blanks", `${STRAY_LINE}7 my loop\n`, [{ pid: 7, name: "my loop" }], ""],
    ["a line that only starts like one is no process", `${STRAY_LINE}x sh\n`, [], `${STRAY_LINE}x sh\n`],
  ])("%s", (_what, stdout, stray, rest) => {
    expect(strayProcesses(stdout)).toEqual({ stray, rest });
  });
});

/** Root with unshare and perl on this machine: the script run in PID and mount namespaces of its own, with /proc of it. */
const canUnshare = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v unshare && command -v perl"]).status === 0;

describe.skipIf(!canUnshare)("STRAY_SCRIPT in a PID namespace of its own", () => {
  // PID 1 (a sh standing in for the container's init, which orphans go to) starts a stand-in agent (named
  // fwspec-agent, as the lab's), which runs each command leading a process group of its own, as the lab's does: the
  // case's set-up and, beside it, 0.2 s later, the script (in a child of such a command, as a script's subshells are).
  const dir = mkdtempSync(join(tmpdir(), "fwspec-stray-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "stray.sh"), `${STRAY_SCRIPT}\n`);
  // Its commands side by side, as the agent runs them.
  writeFileSync(join(dir, "fwspec-agent"), `#!/bin/sh\nfor c in "$@"; do perl -e 'setpgrp(0, 0); exec "sh", "-c", $ARGV[0] or die' "$c" & done\nwait\n`);
  chmodSync(join(dir, "fwspec-agent"), 0o755);
  const run = (setup: string) => {
    // /run and /tmp of its own (the script reads fwspec's files there), the stand-ins copied into /run.
    const init = `mount -t tmpfs tmpfs /run && cp "$0"/stray.sh "$0"/fwspec-agent /run/ && mount -t tmpfs tmpfs /tmp && /run/fwspec-agent "$@"; exit 0`;
    const r = spawnSync("unshare", ["-fp", "--mount-proc", "sh", "-c", init, dir, setup, "sleep 0.2; sh /run/stray.sh"], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    return strayProcesses(r.stdout).stray.map((p) => p.name).sort();
  };

  test.each([
    ["nothing but init and the agent", "true", []],
    ["a loop a command left in the background (handed to init, in that command's group)", "(while :; do sleep 1; done) </dev/null >/dev/null 2>&1 &", ["sh", "sleep"]],
    ["a daemon in a session of its own", "setsid sleep 600 </dev/null >/dev/null 2>&1 &", ["sleep"]],
    ["a listener group fwspec-listen recorded is fwspec's own", "cp /bin/sleep /run/fwspec-tcp-echo && setsid /run/fwspec-tcp-echo 600 </dev/null >/dev/null 2>&1 & sleep 0.05; echo $! > /run/fwspec-listeners", []],
    ["a loop a script recorded there itself is no listener (tester 37a)", "setsid sh -c 'while :; do sleep 1; done' </dev/null >/dev/null 2>&1 & echo $! >> /run/fwspec-listeners", ["sh", "sleep"]],
    ["a recorded id that is no number is read as none", "printf '1/../1\\n' > /run/fwspec-listeners; setsid sleep 600 </dev/null >/dev/null 2>&1 &", ["sleep"]],
    ["a command still running beside it, with a process it started", "sleep 2 & sleep 2", []],
    ["a zombie is left to init: only the process that left it", "sh -c 'sleep 0.05 & exec sleep 600' </dev/null >/dev/null 2>&1 &", ["sleep"]],
  ])("%s", (_what, setup, names) => {
    expect(run(setup)).toEqual(names);
  });
});
