/** Output through files, run by this machine's sh (dash, as in the lab image) on rules scripts as apply runs them, in a folder of its own. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { OUTPUT_FILE_LIMIT, OUTPUT_THROUGH_FILES } from "./output-files.ts";
import { SCRIPT_TRACE_MARK } from "../rules/script-trace.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-script-command-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function staged(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o755 });
  return file;
}

function run(target: string, options: { detached?: boolean } = {}) {
  const command = ["env", `PS4=${SCRIPT_TRACE_MARK}`, "sh", "-e", "-x", target];
  return execa("sh", ["-c", OUTPUT_THROUGH_FILES, "fwspec-stage", target, ...command], { reject: false, stdin: "ignore", ...options });
}

/** The processes of process group `group` that are not zombies, as /proc lists them: `pid command`. */
function runningIn(group: number): string[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return [];
    }
    // pid (comm) state ppid pgrp …: the fields after the command's closing parenthesis.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(pgrp) === group && state !== "Z" ? [`${pid} ${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}`] : [];
  });
}

describe("OUTPUT_THROUGH_FILES", () => {
  it.each([
    { name: "ok.sh", lines: ["echo out", "echo err >&2"], exitCode: 0, stdout: "out", stderr: [`${SCRIPT_TRACE_MARK}echo out`, `${SCRIPT_TRACE_MARK}echo err`, "err"] },
    { name: "fails.sh", lines: ["echo before", "false", "echo never"], exitCode: 1, stdout: "before", stderr: [`${SCRIPT_TRACE_MARK}echo before`, `${SCRIPT_TRACE_MARK}false`] },
    { name: "exits.sh", lines: ["exit 7"], exitCode: 7, stdout: "", stderr: [`${SCRIPT_TRACE_MARK}exit 7`] },
    { name: "killed.sh", lines: ["echo before", "kill -9 $$"], exitCode: 137, stdout: "before", stderr: [`${SCRIPT_TRACE_MARK}echo before`, expect.stringMatching(new RegExp(`^${SCRIPT_TRACE_MARK}kill -9 \\d+$`))] },
  ])("$name: exit code, output and trace as the script gave them, the files removed", async ({ name, lines, exitCode, stdout, stderr }) => {
    const target = staged(name, lines);
    const r = await run(target);
    expect([r.exitCode, r.stdout, r.stderr.split("\n")]).toEqual([exitCode, stdout, stderr]);
    expect(readdirSync(dir).filter((f) => f.startsWith(name) && f !== name)).toEqual([]);
  });

  it("leaves the script's background command no pipe to die on: the command returns at once, and the background writes its trace and output later", async () => {
    const alive = path.join(dir, "alive");
    const target = staged("background.sh", [`{ sleep 0.5; echo late; echo late >&2; touch ${alive}; } &`, "echo started"]);
    const r = await run(target);
    expect([r.exitCode, r.stdout]).toEqual([0, "started"]);
    expect(existsSync(alive)).toBe(false);
    for (let i = 0; i < 40 && !existsSync(alive); i++) await sleep(50);
    expect(existsSync(alive)).toBe(true);
  });

  it("prints what the script wrote so far at its time limit's TERM, also when the script ignores TERM (the KILL a second later would end all)", async () => {
    const target = staged("deaf.sh", ["trap '' TERM", "echo before", "sleep 5"]);
    const child = run(target, { detached: true });
    await sleep(300);
    process.kill(-child.pid!, "SIGTERM");
    const killed = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 1000);
    const r = await child;
    clearTimeout(killed);
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group is gone
    }
    // What it printed came back before the KILL a second later ended the script and this shell with it.
    expect([r.signal, r.stdout]).toEqual(["SIGKILL", "before"]);
    expect(readdirSync(dir).filter((f) => f.startsWith("deaf.sh."))).toEqual([]);
  });

  it("a script that ignores TERM is KILLed with everything it started a second after the TERM: this shell is still running then, so the agent's KILL comes", async () => {
    const alive = path.join(dir, "deaf-alive");
    const target = staged("deaf2.sh", ["trap '' TERM", `{ trap '' TERM; sleep 3; touch ${alive}; } &`, "sleep 3", `touch ${alive}`]);
    const child = run(target, { detached: true });
    await sleep(300);
    process.kill(-child.pid!, "SIGTERM");
    // As the agent (docker/fwspec-agent enforce_limits) and timeout -k 1 do: KILL to the group a second later, only if the command's own process still runs.
    const agentKill = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, "SIGKILL"), 1000);
    const r = await child;
    clearTimeout(agentKill);
    expect(r.signal).toBe("SIGKILL");
    await sleep(3500);
    let left = true;
    try {
      process.kill(-child.pid!, 0);
    } catch {
      left = false;
    }
    expect([left, existsSync(alive)]).toEqual([false, false]);
  });

  it("prints what the script wrote so far when its time limit's TERM ends it", async () => {
    const target = staged("slow.sh", ["echo before", "sleep 5"]);
    const child = run(target, { detached: true });
    await sleep(300);
    process.kill(-child.pid!, "SIGTERM");
    const r = await child;
    expect([r.stdout, r.stderr.split("\n")]).toEqual(["before", [`${SCRIPT_TRACE_MARK}echo before`, `${SCRIPT_TRACE_MARK}sleep 5`]]);
  });

  it("leaves nothing of its own running once a script its time limit's TERM ended is done", async () => {
    const target = staged("ends.sh", ["echo before", "sleep 5"]);
    const child = run(target, { detached: true });
    await sleep(300);
    process.kill(-child.pid!, "SIGTERM");
    await child;
    // A process left running in the group (a timer's sleep) would read as a stray process at a shared lab's handoff
    // (the script's own, ended by the TERM, may still wait to be reaped by this machine's init: not running).
    expect(runningIn(child.pid!)).toEqual([]);
  });
});

describe("OUTPUT_THROUGH_FILES: bounded", () => {
  it("a script printing without end gets no further than the file limit, and runs on (a write past it fails, it is not killed)", async () => {
    const target = staged("forever.sh", ["yes || true", "echo after >&2"]);
    const r = await run(target);
    expect(r.exitCode).toBe(0);
    // The last newline is execa's to strip.
    expect(OUTPUT_FILE_LIMIT - r.stdout.length).toBeLessThanOrEqual(1);
    expect(r.stderr).toMatch(/yes: standard output: File too large\n.*\nafter$/s);
    expect(readdirSync(dir).filter((f) => f.startsWith("forever.sh."))).toEqual([]);
  });
});

describe("OUTPUT_THROUGH_FILES: signals", () => {
  it("the script's signals are as a foreground script's: INT and QUIT by default, XFSZ ignored (the bound)", async () => {
    const target = staged("signals.sh", ["grep SigIgn /proc/$$/status"]);
    const r = await run(target);
    // Bit 25 (SIGXFSZ) alone: 0x1000000.
    expect(r.stdout).toMatch(/^SigIgn:\s+0*1000000$/);
  });
});
