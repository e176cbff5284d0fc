/**
 * Test kit for docker/fwspec-agent run with this machine's perl (no Docker):
 * start one, send framed requests, await replies by id; each agent started is
 * ended after its test as the harness ends it (its stdin closes).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pRetry from "p-retry";
import { afterEach } from "vitest";
import { type AgentReply, encodeRequest, ReplyReader } from "./agent.ts";

export const SCRIPT = fileURLToPath(new URL("../../docker/fwspec-agent", import.meta.url));

/**
 * In a lab host the container's init reaps what commands leave behind when
 * they end; here the agent is made a child subreaper (prctl
 * PR_SET_CHILD_SUBREAPER, kept across exec), and reaps them itself (this
 * machine's init may leave them as zombies, which still count as members of
 * a process group).
 */
const PRCTL: Record<string, number> = { x64: 157, arm64: 167 };
const AS_SUBREAPER = `${PRCTL[process.arch] !== undefined ? `syscall(${PRCTL[process.arch]}, 36, 1, 0, 0, 0) == 0 or die "prctl: $!\\n"; ` : ""}exec { $ARGV[0] } @ARGV or die "exec: $!\\n"`;

export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  /** Replies in the order they came. */
  readonly replies: AgentReply[];
  send(id: number, argv: readonly string[], stdin?: string, limit?: number): void;
  reply(id: number): Promise<AgentReply>;
  readonly exited: Promise<number | null>;
}

const started: Running[] = [];
afterEach(async () => {
  // Ended as the harness ends it (its stdin closes), so it removes its own directory; killed only if it does not end.
  await Promise.all(started.splice(0).map(async (r) => {
    r.child.stdin.end();
    const timer = setTimeout(() => r.child.kill("SIGKILL"), 5000);
    await r.exited;
    clearTimeout(timer);
    for (const d of readdirSync("/tmp").filter((f) => f.startsWith(`fwspec-agent.${r.child.pid}.`))) rmSync(join("/tmp", d), { recursive: true, force: true });
  }));
});

/** No process whose command line holds `mark` is left (KILL comes before the reply or the exit; the kernel gets a moment, bounded). */
export async function noneLeft(mark: string): Promise<void> {
  await pRetry(() => {
    const left = spawnSync("pgrep", ["-f", mark], { encoding: "utf8" }).stdout;
    if (left !== "") throw new Error(`still running: ${left}`);
  }, { retries: 20, minTimeout: 50, factor: 1 });
}

/**
 * Starts an agent. `netns`: in a network namespace of its own (`unshare -n`,
 * root only), after this fixed set-up script of the test's own (loopback
 * up, rules of its own), so its probes' packets and rules stay there.
 * `path`: the agent's PATH (a test's own programs first).
 */
export function startAgent(args: readonly string[] = [], options: { readonly netns?: string; readonly path?: string } = {}): Running {
  const agent = ["perl", "-e", AS_SUBREAPER, "perl", SCRIPT, ...args];
  // docker/fwspec-probe keeps its probes' files in a folder of this agent's own: another test run on the machine uses the same ids.
  const probeDir = mkdtempSync(join(tmpdir(), "fwspec-probe-test-"));
  const env = { ...process.env, FWSPEC_PROBE_DIR: probeDir, ...(options.path !== undefined ? { PATH: options.path } : {}) };
  const child = options.netns === undefined
    ? spawn(agent[0]!, agent.slice(1), { stdio: ["pipe", "pipe", "pipe"], env })
    : spawn("unshare", ["-n", "sh", "-c", `${options.netns}\nexec "$@"`, "netns", ...agent], { stdio: ["pipe", "pipe", "pipe"], env });
  child.on("exit", (_code, signal) => {
    rmSync(probeDir, { recursive: true, force: true });
    // Killed by a signal, the agent's END block never ran: its folder under /tmp goes here (an exit leaves none, as a test checks).
    if (signal !== null && child.pid !== undefined) for (const f of readdirSync("/tmp")) if (f.startsWith(`fwspec-agent.${child.pid}.`)) rmSync(join("/tmp", f), { recursive: true, force: true });
  });
  const replies: AgentReply[] = [];
  const waiting = new Map<number, (r: AgentReply) => void>();
  const reader = new ReplyReader();
  child.stdout.on("data", (chunk: Buffer) => {
    reader.push(chunk, (reply) => {
      replies.push(reply);
      waiting.get(reply.id)?.(reply);
    });
  });
  const running: Running = {
    child,
    replies,
    send: (id, argv, stdin = "", limit = 0) => child.stdin.write(encodeRequest(id, argv, stdin, limit)),
    reply: (id) => {
      const got = replies.find((r) => r.id === id);
      return got ? Promise.resolve(got) : new Promise((resolve) => waiting.set(id, resolve));
    },
    exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
  };
  started.push(running);
  return running;
}

