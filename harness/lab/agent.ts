/**
 * A command channel into a lab host: one long-lived `docker exec` running
 * /usr/local/sbin/fwspec-agent, which runs each request as an argument array
 * and answers with its exit status and output. A command then costs a fork in
 * the container (about 5 ms) instead of a new exec (about 40 ms).
 *
 * One agent runs one command at a time; `AgentPool` hands out idle agents and
 * starts another when all are busy. Requests and replies are data (framing
 * below is pure and unit-tested); nothing is ever joined into a shell line.
 */
import { PassThrough, type Duplex } from "node:stream";
import type Dockerode from "dockerode";
import { LabError } from "../errors.ts";
import type { HostSpec } from "../model/types.ts";

export const AGENT_PATH = "/usr/local/sbin/fwspec-agent";

export interface AgentReply {
  readonly id: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The command ran into its time limit and was killed (with its process group). */
  readonly timedOut: boolean;
}

/**
 * `<id> <limit s> <stdin bytes> <arg bytes>…\n` followed by the arguments' bytes
 * and stdin's. A limit above 0 runs the command under `timeout -k 1 <limit>`
 * in the host; 0 runs it directly (bounded only by the harness's guard timer).
 */
export function encodeRequest(id: number, argv: readonly string[], stdin = "", limitSeconds = 0): Buffer {
  if (argv.length === 0) throw new RangeError("an agent request needs a command");
  if (!Number.isInteger(limitSeconds) || limitSeconds < 0) throw new RangeError(`an agent request's time limit must be a whole number of seconds, not ${limitSeconds}`);
  const words = argv.map((word) => {
    if (word.includes("\0")) throw new RangeError(`a command word cannot contain NUL: ${JSON.stringify(word)}`);
    return Buffer.from(word, "utf8");
  });
  const input = Buffer.from(stdin, "utf8");
  if (input.includes(0)) throw new RangeError("stdin for an agent command cannot contain NUL");
  return Buffer.concat([Buffer.from(`${id} ${limitSeconds} ${input.length} ${words.map((w) => w.length).join(" ")}\n`), ...words, input]);
}

/**
 * Takes one reply off the front of `buffer`: `<id> <exit> <stdout bytes> <stderr bytes> <timed out 0|1>\n`
 * then the bytes. Returns undefined while the reply is incomplete; throws on a
 * header that is not a reply.
 */
export function takeReply(buffer: Buffer): { reply: AgentReply; rest: Buffer } | undefined {
  const nl = buffer.indexOf(0x0a);
  if (nl < 0) {
    if (buffer.length > 200) throw new RangeError(`not an agent reply: ${JSON.stringify(buffer.subarray(0, 80).toString("utf8"))}`);
    return undefined;
  }
  const header = buffer.subarray(0, nl).toString("utf8");
  const m = /^(\d+) (\d+) (\d+) (\d+) ([01])$/.exec(header);
  if (!m) throw new RangeError(`not an agent reply: ${JSON.stringify(header.slice(0, 80))}`);
  const outLen = Number(m[3]);
  const errLen = Number(m[4]);
  const end = nl + 1 + outLen + errLen;
  if (buffer.length < end) return undefined;
  const stdout = buffer.subarray(nl + 1, nl + 1 + outLen).toString("utf8");
  const stderr = buffer.subarray(nl + 1 + outLen, end).toString("utf8");
  return { reply: { id: Number(m[1]), exitCode: Number(m[2]), stdout, stderr, timedOut: m[5] === "1" }, rest: buffer.subarray(end) };
}

export interface AgentLimits {
  /** Passed to the agent: the command's own limit in the host (0: none). */
  readonly limitSeconds: number;
  /** The harness's own limit on the reply (beyond the command's, for a stuck agent). */
  readonly guardMs: number;
}

interface Pending {
  readonly resolve: (reply: AgentReply) => void;
  readonly reject: (error: Error) => void;
}

/** One running fwspec-agent. */
export class Agent {
  readonly #stream: Duplex;
  readonly #host: string;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #buffer: Buffer = Buffer.alloc(0);
  #closed: Error | undefined;
  #stderr = "";

  private constructor(stream: Duplex, docker: Dockerode, host: string) {
    this.#stream = stream;
    this.#host = host;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    docker.modem.demuxStream(stream, stdout, stderr);
    stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
    stderr.on("data", (chunk: Buffer) => {
      this.#stderr = `${this.#stderr}${chunk.toString("utf8")}`.slice(-2000);
    });
    const close = () => this.#close(new LabError(`the command channel to ${host} closed${this.#stderr ? `: ${this.#stderr.trim()}` : ""} (was the host stopped or rebooted?)`));
    stream.on("end", close);
    stream.on("close", close);
    stream.on("error", (error) => this.#close(new LabError(`the command channel to ${host} failed: ${error.message}`, { cause: error })));
  }

  static async start(docker: Dockerode, containerId: string, host: string): Promise<Agent> {
    const exec = await docker.getContainer(containerId).exec({ Cmd: [AGENT_PATH], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
    return new Agent(stream, docker, host);
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Runs one command. If no reply comes within `guardMs` (the agent itself is
   * stuck), this channel is closed for good and the command fails with LabError.
   */
  run(argv: readonly string[], stdin: string, limits: AgentLimits): Promise<AgentReply> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const line = encodeRequest(id, argv, stdin, limits.limitSeconds);
    return new Promise<AgentReply>((resolve, reject) => {
      const guard = setTimeout(() => {
        this.close(new LabError(`no answer from the command channel to ${this.#host} within ${limits.guardMs / 1000} s; the channel was dropped`));
      }, limits.guardMs);
      guard.unref();
      const done = <T>(settle: (value: T) => void) => (value: T) => {
        clearTimeout(guard);
        settle(value);
      };
      this.#pending.set(id, { resolve: done(resolve), reject: done(reject) });
      this.#stream.write(line);
    });
  }

  close(reason = new LabError(`the command channel to ${this.#host} was closed`)): void {
    this.#close(reason);
    this.#stream.end();
    this.#stream.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      let taken;
      try {
        taken = takeReply(this.#buffer);
      } catch (error) {
        this.#close(new LabError(`the command channel to ${this.#host} sent something that is not a reply: ${(error as Error).message}`));
        return;
      }
      if (!taken) return;
      this.#buffer = taken.rest;
      const pending = this.#pending.get(taken.reply.id);
      this.#pending.delete(taken.reply.id);
      pending?.resolve(taken.reply);
    }
  }

  #close(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}

/** Listeners of one host proven at a time right after a lab start (probes/listeners.ts), each with both families side by side. */
export const LISTENERS_AT_ONCE = 2;

/**
 * Command channels a host starts with: three (probes of the two families run
 * side by side, and within a family those the trace attributes:
 * runner/batches.ts); a host with listeners as many as their proof runs at
 * once right after the start (probes/listeners.ts: both families of
 * LISTENERS_AT_ONCE listeners, and a firewall host's state reading beside
 * them), so none of those waits for a channel to start.
 */
export function channelsAtStart(spec: Pick<HostSpec, "listen" | "firewall">): number {
  return Math.max(3, 2 * Math.min(LISTENERS_AT_ONCE, spec.listen.length) + (spec.firewall ? 1 : 0));
}

/** Agents of one host: an idle one per command, another started when all are busy. */
export class AgentPool {
  readonly #docker: Dockerode;
  readonly #containerId: () => string;
  readonly #host: string;
  readonly #max: number;
  readonly #all = new Set<Agent>();
  #idle: Agent[] = [];
  #starting = 0;
  /** Bumped by reset(): an agent whose start began before it is closed on arrival, never pooled. */
  #generation = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(docker: Dockerode, containerId: () => string, host: string, max = 6) {
    this.#docker = docker;
    this.#containerId = containerId;
    this.#host = host;
    this.#max = max;
  }

  async run(argv: readonly string[], stdin: string, limits: AgentLimits): Promise<AgentReply> {
    const agent = await this.#acquire();
    try {
      return await agent.run(argv, stdin, limits);
    } finally {
      this.#release(agent);
    }
  }

  /** Starts agents ahead of time (lab start), so the first commands do not pay for them. */
  async warm(count = 1): Promise<void> {
    const missing = Math.min(this.#max, count) - this.#all.size - this.#starting;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, async () => this.#release(await this.#start())));
  }

  /** Drops every agent (the container restarted, or the lab is going away). */
  reset(): void {
    this.#generation++;
    for (const a of this.#all) a.close();
    this.#all.clear();
    this.#idle = [];
  }

  async #start(): Promise<Agent> {
    this.#starting++;
    const generation = this.#generation;
    try {
      const agent = await Agent.start(this.#docker, this.#containerId(), this.#host);
      // A reset while it started (reboot, dispose): its channel must not stay open, or
      // another PID namespace's sweep would count the lab as attended.
      if (generation !== this.#generation) {
        agent.close();
        throw new Error(`the command channel to ${this.#host} was reset while it started`);
      }
      this.#all.add(agent);
      return agent;
    } finally {
      this.#starting--;
    }
  }

  async #acquire(): Promise<Agent> {
    for (;;) {
      for (const a of this.#all) if (a.closed) this.#all.delete(a);
      this.#idle = this.#idle.filter((a) => !a.closed);
      const idle = this.#idle.pop();
      if (idle) return idle;
      if (this.#all.size + this.#starting < this.#max) return this.#start();
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #release(agent: Agent): void {
    if (!agent.closed && this.#all.has(agent)) this.#idle.push(agent);
    else this.#all.delete(agent);
    this.#waiters.shift()?.();
  }
}
