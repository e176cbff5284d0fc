/**
 * docker/fwspec-agent itself, run with this machine's perl (no Docker): the
 * harness's framing in, replies out; commands side by side, each answered
 * whole when its own process ends; exact bytes; exit statuses; limits; the
 * end of stdin. Only fixed commands of this test run (never scenario text).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { noneLeft, startAgent } from "./agent-script-kit.ts";

it("runs commands side by side: one that waits for another's file is answered after it, each by its id", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-agent-test-"));
  try {
    const agent = startAgent();
    agent.send(1, ["sh", "-c", 'while [ ! -e "$1" ]; do sleep 0.02; done; echo saw it', "waiter", join(dir, "flag")], "", 10);
    agent.send(2, ["sh", "-c", 'sleep 0.1; : > "$1"; echo made it', "maker", join(dir, "flag")]);
    expect(await agent.reply(1)).toEqual({ id: 1, exitCode: 0, stdout: "saw it\n", stderr: "", timedOut: false });
    expect(agent.replies.map((r) => r.id)).toEqual([2, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("answers byte for byte (NUL, no trailing newline, UTF-8), stdin given, stdout and stderr apart, the exit status", async () => {
  const agent = startAgent();
  agent.send(1, ["sh", "-c", 'printf "a\\000b"; cat; printf "ü\\n" >&2; exit 7'], "in\n\n");
  expect(await agent.reply(1)).toEqual({ id: 1, exitCode: 7, stdout: "a\0bin\n\n", stderr: "ü\n", timedOut: false });
});

it("sends back at most <keep> bytes of each stream and says how many were printed; within it, no count", async () => {
  const agent = startAgent(["10"]);
  // Over <keep> but under twice it: cut, not stopped as a flood (which 25 bytes could be, if read before the exit).
  agent.send(1, ["sh", "-c", "printf 0123456789abcde; printf xyz >&2"]);
  agent.send(2, ["sh", "-c", "printf 0123456789; printf 0123456789abc >&2"]);
  agent.send(3, ["printf", "0123456789"]);
  expect(await agent.reply(1)).toEqual({ id: 1, exitCode: 0, stdout: "0123456789", stderr: "xyz", timedOut: false, printed: { stdout: 15, stderr: 3 } });
  expect(await agent.reply(2)).toEqual({ id: 2, exitCode: 0, stdout: "0123456789", stderr: "0123456789", timedOut: false, printed: { stdout: 10, stderr: 13 } });
  expect(await agent.reply(3)).toEqual({ id: 3, exitCode: 0, stdout: "0123456789", stderr: "", timedOut: false });
});

it("stops a command whose output passes twice <keep> (it would fill the disk): its process group is killed, the agent goes on", async () => {
  const agent = startAgent(["1000"]);
  const mark = `fwspec-flood-${process.pid}-${Date.now()}`;
  // A quiet process in the group too: only the group's KILL ends it (the `yes` would also die of SIGPIPE).
  agent.send(1, ["bash", "-c", 'yes "$1" & yes "$1" >&2 & (exec -a "$1" sleep 600) & wait', "flood", mark]);
  const reply = await agent.reply(1);
  expect(reply).toMatchObject({ id: 1, exitCode: 137, timedOut: false });
  expect(reply.stdout.length === 1000 || reply.stderr.length === 1000).toBe(true);
  expect(Math.max(reply.printed!.stdout, reply.printed!.stderr)).toBeGreaterThan(2000);
  agent.send(2, ["echo", "next"]);
  expect(await agent.reply(2)).toMatchObject({ exitCode: 0, stdout: "next\n" });
  // The `yes` and the quiet sleep were in its process group: none is left.
  await noneLeft(mark);
});

it("what a command printed right before it ended is all in its reply (its pipes are read after it ends), for many at once", async () => {
  const agent = startAgent();
  for (let id = 1; id <= 100; id++) agent.send(id, ["sh", "-c", "printf x; printf y >&2; exec printf z"]);
  const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => agent.reply(i + 1)));
  expect(replies.filter((r) => r.stdout !== "xz" || r.stderr !== "y" || r.exitCode !== 0)).toEqual([]);
});

it.each([["x"], ["10", "20"], ["-1"], ["0"]])("refuses the arguments %j", async (...args) => {
  const agent = startAgent(args);
  let stderr = "";
  agent.child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  expect(await agent.exited).not.toBe(0);
  expect(stderr).toMatch(/usage: fwspec-agent/);
});

it.each([
  { name: "a missing command", argv: ["fwspec-no-such-command"], exitCode: 127, stderr: "fwspec-agent: fwspec-no-such-command: command not found\n" },
  { name: "a command that is not runnable (a directory)", argv: ["/"], exitCode: 126, stderr: "fwspec-agent: /: Permission denied\n" },
  { name: "a command killed by a signal", argv: ["sh", "-c", "kill -TERM $$"], exitCode: 143, stderr: "" },
])("$name exits $exitCode", async ({ argv, exitCode, stderr }) => {
  const agent = startAgent();
  agent.send(1, argv);
  expect(await agent.reply(1)).toMatchObject({ exitCode, stderr, timedOut: false });
});

it("a command over its limit is ended and said to have timed out; one exiting 124 by itself is not", async () => {
  const agent = startAgent();
  agent.send(1, ["sleep", "30"], "", 1);
  agent.send(2, ["sh", "-c", "exit 124"], "", 5);
  expect(await agent.reply(2)).toMatchObject({ exitCode: 124, timedOut: false });
  expect(await agent.reply(1)).toMatchObject({ exitCode: 124, timedOut: true });
});

it("a limited command runs as the agent's own child (no `timeout` process per command); one ignoring TERM is KILLed a second later (137)", async () => {
  const agent = startAgent();
  const mark = `fwspec-limit-${process.pid}-${Date.now()}`;
  agent.send(1, ["sh", "-c", "cat /proc/$PPID/comm"], "", 5);
  agent.send(2, ["bash", "-c", 'trap "" TERM; exec -a "$1" sleep 30', "stubborn", mark], "", 1);
  expect(await agent.reply(1)).toMatchObject({ exitCode: 0, stdout: "perl\n", timedOut: false });
  expect(await agent.reply(2)).toMatchObject({ exitCode: 137, timedOut: true });
  await noneLeft(mark);
});

it("what a command leaves running in the background does not hold its reply", async () => {
  const agent = startAgent();
  agent.send(1, ["sh", "-c", "sleep 30 & echo left"]);
  expect(await agent.reply(1)).toMatchObject({ exitCode: 0, stdout: "left\n" });
});

it("a process left in the background that writes after the reply gets SIGPIPE, as with `docker exec` (its output never grows unseen)", async () => {
  const agent = startAgent();
  const mark = `fwspec-bg-${process.pid}-${Date.now()}`;
  agent.send(1, ["bash", "-c", '(exec -a "$1" yes) & echo started', "bg", mark]);
  const reply = await agent.reply(1);
  expect(reply).toMatchObject({ exitCode: 0, stderr: "" });
  expect(reply.stdout).toMatch(/(^|\n)started\n/);
  // Whatever `yes` wrote before the pipes closed: at most 1 MiB read after the command ended, besides the pipe's own.
  expect(reply.stdout.length).toBeLessThan(2 << 20);
  await noneLeft(mark);
  agent.send(2, ["echo", "next"]);
  expect(await agent.reply(2)).toMatchObject({ exitCode: 0, stdout: "next\n" });
});

it("at the end of stdin it stops the commands still running (nobody reads their answers), then exits and leaves no files", async () => {
  // Folders an earlier agent of the same pid left (one killed, its END never ran) are not this one's.
  const before = new Set(readdirSync("/tmp").filter((f) => f.startsWith("fwspec-agent.")));
  const agent = startAgent();
  const dirOf = () => readdirSync("/tmp").filter((f) => f.startsWith(`fwspec-agent.${agent.child.pid}.`) && !before.has(f));
  const mark = `fwspec-eof-${process.pid}-${Date.now()}`;
  // Both sleeps carry the mark as their name (one the command's own process, one it left in the background).
  agent.send(1, ["bash", "-c", '(exec -a "$1" sleep 600) & exec -a "$1" sleep 601', "long", mark], "some stdin");
  agent.send(2, ["sleep", "600"], "", 900);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [own] = dirOf();
  expect(own).toBeDefined();
  // One more sent with the end: stopped even when the end comes right after its fork.
  agent.send(3, ["bash", "-c", 'exec -a "$1" sleep 602', "late", mark]);
  agent.child.stdin.end();
  expect(await agent.exited).toBe(0);
  expect(existsSync(join("/tmp", own!))).toBe(false);
  // Its commands and what they started are gone.
  await noneLeft(mark);
});

it("an empty command is answered with exit 2, and the agent goes on", async () => {
  const agent = startAgent();
  agent.child.stdin.write("1 0 0\n");
  agent.send(2, ["echo", "next"]);
  expect(await agent.reply(1)).toEqual({ id: 1, exitCode: 2, stdout: "", stderr: "fwspec-agent: empty command\n", timedOut: false });
  expect(await agent.reply(2)).toMatchObject({ stdout: "next\n" });
});

it("something that is not a request ends the reading: what runs is stopped and answered, then it exits 2", async () => {
  const agent = startAgent();
  let stderr = "";
  agent.child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  agent.send(1, ["sh", "-c", "sleep 600; echo never"]);
  agent.child.stdin.write("hello there\n");
  agent.send(2, ["echo", "never"]);
  expect(await agent.reply(1)).toMatchObject({ exitCode: 137, stdout: "" });
  expect(await agent.exited).toBe(2);
  expect(agent.replies.map((r) => r.id)).toEqual([1]);
  expect(stderr).toBe("fwspec-agent: not a request: hello there\n");
});
