/**
 * A command channel into a lab host: one long-lived fwspec-agent
 * (/usr/local/sbin/fwspec-agent), which runs each request as an argument array
 * and answers with its exit status and output. A command then costs a fork in
 * the container (about 1 ms) instead of a new exec (about 65 ms, and the
 * engine starts execs one after another). The agent is a `docker exec` of its
 * own (Agent.start), or the one the container runs on its own stdin and
 * stdout, reached with `docker attach` (Agent.attach; a warm lab's taker).
 *
 * The agent runs the commands it is sent side by side and answers each by
 * its id, so a host needs one agent for a whole run: `AgentChannel`
 * (agent-channel.ts) starts it on first use (again if it closed) and keeps at
 * most a few commands in flight. Requests and replies are data (framing below
 * and agent-session.ts is pure and unit-tested); nothing is ever joined into a
 * shell line.
 */
import { randomBytes } from "node:crypto";
import { PassThrough, type Duplex } from "node:stream";
import type Dockerode from "dockerode";
import { LabError } from "../errors.ts";
import { afterSessionAnswer, keptBeforeAnswer, sessionLine } from "./agent-session.ts";

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
  /** An attached agent's session (agent-session.ts): its nonce, and what came before its answer (undefined once answered). */
  readonly #nonce: string | undefined;
  #beforeAnswer: Buffer | undefined;
  #onAnswer: ((error?: Error) => void) | undefined;
  readonly #onClosed: (() => void)[] = [];

  private constructor(stream: Duplex, docker: Dockerode, host: string, nonce?: string) {
    this.#stream = stream;
    this.#host = host;
    this.#nonce = nonce;
    if (nonce !== undefined) this.#beforeAnswer = Buffer.alloc(0);
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

  /**
   * The agent a lab host's container runs on its own stdin and stdout
   * (`fwspec-agent --attached`, started last by fwspec-boot), reached with
   * `docker attach`: no exec is started (each costs the engine tens of
   * milliseconds of CPU, and it starts them one after another). A session of
   * this harness's own begins (agent-session.ts): the commands of an earlier
   * one are stopped there. LabError when the agent does not answer within
   * `waitMs` (a host still booting answers when its boot is done).
   */
  static async attach(docker: Dockerode, containerId: string, host: string, waitMs = SESSION_ANSWER_MS): Promise<Agent> {
    const stream = (await docker.getContainer(containerId).attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    const nonce = randomBytes(8).toString("hex");
    const agent = new Agent(stream, docker, host, nonce);
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new LabError(`${host}: its container's own agent (docker attach) did not answer within ${waitMs / 1000} s`)), waitMs);
      // The answer, or the channel closing first (the container stopped): settled once.
      agent.#onAnswer = (error) => {
        clearTimeout(timer);
        agent.#onAnswer = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
    stream.write(sessionLine(nonce));
    try {
      await answered;
    } catch (error) {
      agent.close();
      throw error;
    }
    return agent;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Calls `listener` once the channel has closed, whatever closed it (at once if it has). */
  onClosed(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClosed.push(listener);
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
    const open = this.#closed === undefined;
    this.#close(reason);
    if (this.#nonce !== undefined && open) {
      // An attached agent outlives its sessions: this one's end stops its commands there, as an exec's end does
      // (the end of a session another harness's has replaced is ignored there; its answer, which every attached
      // harness reads, is no reply here, so such a channel closes).
      // Written before the stream ends, then the stream goes (at once if the end cannot be written).
      const stream = this.#stream;
      const gone = setTimeout(() => stream.destroy(), 1000);
      gone.unref();
      stream.end(sessionLine(this.#nonce, true), () => {
        clearTimeout(gone);
        stream.destroy();
      });
      return;
    }
    this.#stream.end();
    this.#stream.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#heard = performance.now();
    if (this.#beforeAnswer !== undefined) {
      // Before the session's answer: boot messages, replies of a session before (never this one's).
      const received = Buffer.concat([this.#beforeAnswer, chunk]);
      const rest = afterSessionAnswer(received, this.#nonce!);
      if (rest === undefined) {
        this.#beforeAnswer = keptBeforeAnswer(received, this.#nonce!);
        return;
      }
      this.#beforeAnswer = undefined;
      this.#onAnswer?.();
      if (rest.length === 0) return;
      chunk = rest;
    }
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
    this.#onAnswer?.(error);
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    for (const listener of this.#onClosed.splice(0)) listener();
  }
}

/** How long a taker waits for a container's own agent to answer its session (Agent.attach). */
export const SESSION_ANSWER_MS = 10_000;

/** How long a channel whose command ran past its guard has to answer a check before it is dropped. */
const CHECK_MS = 5_000;
