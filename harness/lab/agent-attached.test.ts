/**
 * docker/fwspec-agent --attached, run with this machine's perl (no Docker):
 * sessions on one stdin (agent-session.ts framing), commands of an earlier
 * session stopped and never answered, input outside a session ignored, and
 * no exit at the end of stdin (it is the container's main process).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pRetry from "p-retry";
import { afterEach, expect, it } from "vitest";
import { type AgentReply, encodeRequest, ReplyReader } from "./agent.ts";
import { afterSessionAnswer, keptBeforeAnswer, sessionLine } from "./agent-session.ts";

const SCRIPT = fileURLToPath(new URL("../../docker/fwspec-agent", import.meta.url));

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  // Killed, an agent runs no END block: its folder (/tmp/fwspec-agent.PID.*) is removed here once it is gone.
  await Promise.all(children.splice(0).map(async (c) => {
    const gone = c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((done) => c.once("exit", done));
    c.kill("SIGKILL");
    await gone;
    for (const name of readdirSync(tmpdir())) if (name.startsWith(`fwspec-agent.${c.pid}.`)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }));
});

/** An attached agent; `session(nonce)` starts one and gives its replies by id. */
function startAttached() {
  const child = spawn("perl", [SCRIPT, "--attached"], { stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let raw: Buffer = Buffer.alloc(0);
  let onData: (() => void) | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    raw = Buffer.concat([raw, chunk]);
    onData?.();
  });
  return {
    child,
    send: (id: number, argv: readonly string[]) => child.stdin.write(encodeRequest(id, argv)),
    /** Starts a session; its replies, as they come. */
    session(nonce: string) {
      raw = Buffer.alloc(0);
      const replies: AgentReply[] = [];
      const reader = new ReplyReader();
      let answered: Buffer | undefined;
      let waiter: (() => void) | undefined;
      onData = () => {
        if (answered === undefined) {
          answered = afterSessionAnswer(raw, nonce);
          if (answered === undefined) return;
          raw = answered;
        }
        reader.push(raw, (r) => replies.push(r));
        raw = Buffer.alloc(0);
        waiter?.();
      };
      child.stdin.write(sessionLine(nonce));
      return {
        replies,
        reply: (id: number) => new Promise<AgentReply>((resolve) => {
          const look = () => {
            const r = replies.find((x) => x.id === id);
            if (r) resolve(r);
          };
          waiter = look;
          look();
        }),
      };
    },
    raw: () => raw,
  };
}

const alive = (pid: number) => spawnSync("kill", ["-0", String(pid)]).status === 0;

it("reads nothing before a session; a session is answered, then its requests are", async () => {
  const agent = startAttached();
  const file = join(tmpdir(), `fwspec-attached-${process.pid}-${Date.now()}`);
  // Not in a session: ignored, never run.
  agent.send(1, ["touch", file]);
  const s = agent.session("first-1");
  agent.send(2, ["echo", "hello"]);
  expect(await s.reply(2)).toMatchObject({ exitCode: 0, stdout: "hello\n" });
  expect(s.replies.map((r) => r.id)).toEqual([2]);
  expect(existsSync(file)).toBe(false);
});

it("a new session stops the commands of the one before, which are never answered; a partial request before its NUL is dropped", async () => {
  const agent = startAttached();
  const mark = `fwspec-attached-${process.pid}-${Date.now()}`;
  const first = agent.session("one");
  agent.send(1, ["bash", "-c", 'exec -a "$1" sleep 600', "long", mark]);
  agent.send(2, ["echo", "first"]);
  expect(await first.reply(2)).toMatchObject({ stdout: "first\n" });
  // A harness that went away mid-request: the header promises bytes that never come.
  agent.child.stdin.write("3 0 0 4 2\nsle");
  const second = agent.session("two");
  agent.send(4, ["echo", "second"]);
  expect(await second.reply(4)).toMatchObject({ stdout: "second\n" });
  await pRetry(() => {
    if (spawnSync("pgrep", ["-f", mark], { encoding: "utf8" }).stdout !== "") throw new Error("the first session's command still runs");
  }, { retries: 20, minTimeout: 50, factor: 1 });
  expect(second.replies.map((r) => r.id)).toEqual([4]);
  expect(first.replies.map((r) => r.id)).toEqual([2]);
});

it("an ended session (\\0/<nonce>\\n) is not answered and reads nothing more; at the end of stdin it stays (the container's main process)", async () => {
  const agent = startAttached();
  const s = agent.session("only");
  agent.send(1, ["echo", "in"]);
  expect(await s.reply(1)).toMatchObject({ stdout: "in\n" });
  agent.child.stdin.write(sessionLine("only", true));
  agent.send(2, ["echo", "out"]);
  agent.child.stdin.end();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(alive(agent.child.pid!)).toBe(true);
  expect(agent.raw().length).toBe(0);
  expect(s.replies.map((r) => r.id)).toEqual([1]);
});

it("the end of a session another has replaced is ignored (a harness leaving late): the current session's commands go on; a control line split across writes is read whole", async () => {
  const agent = startAttached();
  agent.session("old");
  const current = agent.session("new");
  agent.send(1, ["sh", "-c", "sleep 0.3; echo still"]);
  // The old harness's end, split across two writes, after the new session began.
  const end = sessionLine("old", true);
  agent.child.stdin.write(end.subarray(0, 3));
  await new Promise((resolve) => setTimeout(resolve, 50));
  agent.child.stdin.write(end.subarray(3));
  agent.send(2, ["echo", "after"]);
  expect(await current.reply(2)).toMatchObject({ stdout: "after\n" });
  expect(await current.reply(1)).toMatchObject({ exitCode: 0, stdout: "still\n" });
});

it("framing: a session's line; its answer found across what came before; an unfit nonce refused", () => {
  expect(sessionLine("ab-1")).toEqual(Buffer.from("\0ab-1\n"));
  expect(sessionLine("ab-1", true)).toEqual(Buffer.from("\0/ab-1\n"));
  expect(() => sessionLine("a b")).toThrow(RangeError);
  expect(() => sessionLine("")).toThrow(RangeError);
  expect(afterSessionAnswer(Buffer.from("fwspec-boot: ready\n\0n1\nrest"), "n1")?.toString()).toBe("rest");
  expect(afterSessionAnswer(Buffer.from("boot\n\0n"), "n1")).toBeUndefined();
  expect(keptBeforeAnswer(Buffer.from("boot\n\0n"), "n1").toString()).toBe("\n\0n");
  expect(keptBeforeAnswer(Buffer.from("x"), "n1").toString()).toBe("x");
});
