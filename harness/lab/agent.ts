/**
 * A command channel into a lab host: one long-lived `docker exec` running
 * /usr/local/sbin/fwspec-agent, which runs each request as an argument array
 * and answers with its exit status and output. A command then costs a fork in
 * the container (about 1 ms) instead of a new exec (about 65 ms, and the
 * engine starts execs one after another).
 *
 * The agent runs the commands it is sent side by side and answers each by
 * its id, so a host needs one agent for a whole run: `AgentChannel` starts it
 * on first use (again if it closed) and keeps at most a few commands in
 * flight. Requests and replies are data (framing below is pure and
 * unit-tested); nothing is ever joined into a shell line.
 */
import { PassThrough, type Duplex } from "node:stream";
import type Dockerode from "dockerode";
import { LabError } from "../errors.ts";

export const AGENT_PATH = "/usr/local/sbin/fwspec-agent";

export interface AgentReply {
  readonly id: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The command ran into its time limit and was killed (with its process group). */
  readonly timedOut: boolean;
  /** Bytes the command printed on each stream, present only when more than the agent sent back (OUTPUT_KEPT_BYTES of each). */
  readonly printed?: { readonly stdout: number; readonly stderr: number };
}

/**
 * `<id> <limit s> <stdin bytes> <arg bytes>…\n` followed by the arguments' bytes
 * and stdin's. A limit above 0 bounds the command in the host as `timeout -k 1
 * <limit>` would (the agent TERMs its process group, KILLs it a second later);
 * 0: no limit there (bounded only by the harness's guard timer).
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

/** How many bytes of each output stream the agent sends back (docker/fwspec-agent's default): a reply is held whole in memory. */
export const OUTPUT_KEPT_BYTES = 64 << 20;
/** Of a cut reply (more printed than sent back), the bytes of each stream decoded. */
export const CUT_DECODED_BYTES = 16 << 10;

interface ReplyHeader {
  readonly id: number;
  readonly exitCode: number;
  readonly outLen: number;
  readonly errLen: number;
  readonly timedOut: boolean;
  readonly printed: { readonly stdout: number; readonly stderr: number };
  /** Where the reply's bytes start and end in the buffer. */
  readonly body: number;
  readonly end: number;
}

/**
 * The header at the front of `buffer`: `<id> <exit> <stdout bytes> <stderr bytes>
 * <timed out 0|1> <stdout printed> <stderr printed>\n`. Undefined while it is
 * incomplete; throws on one that is not a reply's.
 */
function readHeader(buffer: Buffer): ReplyHeader | undefined {
  const nl = buffer.indexOf(0x0a);
  if (nl < 0) {
    if (buffer.length > 200) throw new RangeError(`not an agent reply: ${JSON.stringify(buffer.subarray(0, 80).toString("utf8"))}`);
    return undefined;
  }
  const header = buffer.subarray(0, nl).toString("utf8");
  const m = /^(\d+) (\d+) (\d+) (\d+) ([01]) (\d+) (\d+)$/.exec(header);
  if (!m) throw new RangeError(`not an agent reply: ${JSON.stringify(header.slice(0, 80))}`);
  const [outLen, errLen, stdout, stderr] = [m[3], m[4], m[6], m[7]].map(Number) as [number, number, number, number];
  if (stdout < outLen || stderr < errLen) throw new RangeError(`not an agent reply (more bytes sent than printed): ${JSON.stringify(header)}`);
  if (outLen > OUTPUT_KEPT_BYTES || errLen > OUTPUT_KEPT_BYTES) throw new RangeError(`not an agent reply (more than ${OUTPUT_KEPT_BYTES} bytes of a stream): ${JSON.stringify(header)}`);
  return { id: Number(m[1]), exitCode: Number(m[2]), outLen, errLen, timedOut: m[5] === "1", printed: { stdout, stderr }, body: nl + 1, end: nl + 1 + outLen + errLen };
}

/**
 * Takes one reply off the front of `buffer` (header as readHeader's), then the
 * bytes. Returns undefined while the reply is incomplete; throws on a header
 * that is not a reply.
 */
export function takeReply(buffer: Buffer): { reply: AgentReply; rest: Buffer } | undefined {
  const h = readHeader(buffer);
  if (!h || buffer.length < h.end) return undefined;
  const cut = h.printed.stdout > h.outLen || h.printed.stderr > h.errLen;
  // A cut reply only fails its command (limits.ts shows its first characters): only its start is decoded, so no
  // error holds on to the whole output.
  const decoded = (from: number, length: number) => buffer.subarray(from, from + (cut ? Math.min(length, CUT_DECODED_BYTES) : length)).toString("utf8");
  const stdout = decoded(h.body, h.outLen);
  const stderr = decoded(h.body + h.outLen, h.errLen);
  return { reply: { id: h.id, exitCode: h.exitCode, stdout, stderr, timedOut: h.timedOut, ...(cut ? { printed: h.printed } : {}) }, rest: buffer.subarray(h.end) };
}

/**
 * Replies out of the agent's output as it arrives in chunks. The chunks are
 * kept as they came and joined once a reply is complete: joining on every
 * chunk copied a large output over and over (a 40 MB reply took 48 s).
 */
export class ReplyReader {
  /** Set once something that is not a reply came: the stream's framing is lost, nothing after it is read. */
  #broken: Error | undefined;
  #chunks: Buffer[] = [];
  #length = 0;
  /** Bytes the front reply needs in all, once its header has been read (0: not yet). */
  #need = 0;

  /**
   * Gives each reply `chunk` completes to `onReply`, in order; throws on
   * something that is not a reply (after giving the replies before it).
   */
  push(chunk: Buffer, onReply: (reply: AgentReply) => void): void {
    if (this.#broken) throw this.#broken;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#need > 0 && this.#length < this.#need) return;
    let buffer = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#length);
    this.#chunks = [];
    this.#length = 0;
    this.#need = 0;
    try {
      for (let taken = takeReply(buffer); taken; taken = takeReply(buffer)) {
        buffer = taken.rest;
        onReply(taken.reply);
      }
      this.#need = readHeader(buffer)?.end ?? 0;
    } catch (error) {
      this.#broken = error as Error;
      throw error;
    }
    // The rest is copied out: as a view it would keep a whole large reply's bytes alive on an idle channel.
    this.#chunks = buffer.length > 0 ? [Buffer.from(buffer)] : [];
    this.#length = buffer.length;
  }
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
  readonly #replies = new ReplyReader();
  #closed: Error | undefined;
  /** When the agent last sent anything (performance.now()). */
  #heard = performance.now();
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
   * Runs one command (others may be running on this agent). If no reply comes
   * within `guardMs`, the command fails with LabError. The channel is closed
   * for good (every command on it fails) only when the agent itself is stuck:
   * it sent nothing since this command and does not answer a check either
   * (another command running long and quiet beside this one is not a stuck agent).
   */
  run(argv: readonly string[], stdin: string, limits: AgentLimits): Promise<AgentReply> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const line = encodeRequest(id, argv, stdin, limits.limitSeconds);
    const sent = performance.now();
    return new Promise<AgentReply>((resolve, reject) => {
      const guard = setTimeout(() => {
        const within = `within ${limits.guardMs / 1000} s`;
        // Only this command is stuck: it fails alone (left running in the host; a late reply is dropped).
        const alone = () => {
          if (!this.#pending.delete(id)) return;
          reject(new LabError(`no answer to \`${argv.join(" ")}\` from ${this.#host} ${within} (the command channel answers; the command may still run there)`));
        };
        if (this.#heard > sent) return alone();
        void this.#answers(Math.min(CHECK_MS, limits.guardMs)).then((answers) => {
          if (answers) alone();
          else this.close(new LabError(`no answer from the command channel to ${this.#host} ${within}, nor to a check of it; the channel was dropped`));
        });
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

  /** Whether the agent answers `true` within `ms`. */
  #answers(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const id = this.#nextId++;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(false);
      }, ms);
      timer.unref();
      const settle = (answered: boolean) => () => {
        clearTimeout(timer);
        resolve(answered);
      };
      this.#pending.set(id, { resolve: settle(true), reject: settle(false) });
      this.#stream.write(encodeRequest(id, ["true"]));
    });
  }

  close(reason = new LabError(`the command channel to ${this.#host} was closed`)): void {
    this.#close(reason);
    this.#stream.end();
    this.#stream.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#heard = performance.now();
    try {
      this.#replies.push(chunk, (reply) => {
        const pending = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        pending?.resolve(reply);
      });
    } catch (error) {
      // Closed for good: its stdin ends, so the agent stops what still runs there.
      this.close(new LabError(`the command channel to ${this.#host} sent something that is not a reply: ${(error as Error).message}`));
    }
  }

  #close(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}

/** Commands a host's channel carries at once; more wait for one of them to end. */
export const COMMANDS_AT_ONCE = 6;

/** How long a channel whose command ran past its guard has to answer a check before it is dropped. */
const CHECK_MS = 5_000;

/** A host's command channel: one agent, started on first use (again after it closed), with at most `max` commands in flight. */
export class AgentChannel {
  readonly #docker: Dockerode;
  readonly #containerId: () => string;
  readonly #host: string;
  readonly #max: number;
  #agent: Promise<Agent> | undefined;
  #inFlight = 0;
  /** Commands waiting for a place; one that ends hands its place to the first. */
  readonly #waiters: (() => void)[] = [];
  /** Bumped by reset(): an agent whose start began before it is closed on arrival, never used. */
  #generation = 0;
  /** Set by close(): no agent starts any more. */
  #closed: LabError | undefined;

  constructor(docker: Dockerode, containerId: () => string, host: string, max = COMMANDS_AT_ONCE) {
    this.#docker = docker;
    this.#containerId = containerId;
    this.#host = host;
    this.#max = max;
  }

  async run(argv: readonly string[], stdin: string, limits: AgentLimits): Promise<AgentReply> {
    if (this.#inFlight < this.#max) this.#inFlight++;
    else await new Promise<void>((resolve) => this.#waiters.push(resolve));
    try {
      return await (await this.#current()).run(argv, stdin, limits);
    } finally {
      const next = this.#waiters.shift();
      if (next) next();
      else this.#inFlight--;
    }
  }

  /** Starts the agent ahead of time (lab start), so the first command does not wait for it. */
  async warm(): Promise<void> {
    await this.#current();
  }

  /** Drops the agent (the container restarted); the next command starts another. */
  reset(): void {
    this.#generation++;
    const agent = this.#agent;
    this.#agent = undefined;
    void agent?.then((a) => a.close(), () => undefined);
  }

  /** Drops the agent for good (the lab is going away): no command starts another. */
  close(): void {
    this.#closed ??= new LabError(`the command channel to ${this.#host} is closed (its lab is gone)`);
    this.reset();
  }

  /** The running agent, or one started now (also when the last one closed, unless the channel was reset or closed meanwhile). */
  #current(): Promise<Agent> {
    if (this.#closed) return Promise.reject(this.#closed);
    const agent = this.#agent;
    if (!agent) return this.#restart(undefined);
    const generation = this.#generation;
    const again = (): Promise<Agent> => {
      if (this.#closed) throw this.#closed;
      if (generation !== this.#generation) throw new LabError(`the command channel to ${this.#host} was reset while the command waited for it`);
      return this.#restart(agent);
    };
    return agent.then((a) => (a.closed ? again() : a), again);
  }

  /** A new agent in place of `failed` (unless another caller replaced it already). */
  #restart(failed: Promise<Agent> | undefined): Promise<Agent> {
    if (this.#agent === failed || this.#agent === undefined) this.#agent = this.#start();
    return this.#agent;
  }

  async #start(): Promise<Agent> {
    const generation = this.#generation;
    const agent = await Agent.start(this.#docker, this.#containerId(), this.#host);
    // A reset or close while it started (reboot, dispose): its channel must not stay open, or
    // another PID namespace's sweep would count the lab as attended.
    if (generation !== this.#generation || this.#closed) {
      agent.close();
      throw new Error(`the command channel to ${this.#host} was reset while it started`);
    }
    return agent;
  }
}
