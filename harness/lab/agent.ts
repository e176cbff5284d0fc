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

export const AGENT_PATH = "/usr/local/sbin/fwspec-agent";

export interface AgentReply {
  readonly id: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

/** `<id>.<argv: words NUL-terminated, base64>.<stdin base64>\n` */
export function encodeRequest(id: number, argv: readonly string[], stdin = ""): string {
  if (argv.length === 0) throw new RangeError("an agent request needs a command");
  for (const word of argv) {
    if (word.includes("\0")) throw new RangeError(`a command word cannot contain NUL: ${JSON.stringify(word)}`);
  }
  return `${id}.${b64(argv.map((w) => `${w}\0`).join(""))}.${b64(stdin)}\n`;
}

/** Parses `<id>.<exit>.<stdout base64>.<stderr base64>`; undefined when the line is not a reply. */
export function parseReply(line: string): AgentReply | undefined {
  const m = /^(\d+)\.(\d+)\.([A-Za-z0-9+/=]*)\.([A-Za-z0-9+/=]*)$/.exec(line.trimEnd());
  if (!m) return undefined;
  return { id: Number(m[1]), exitCode: Number(m[2]), stdout: unb64(m[3]!), stderr: unb64(m[4]!) };
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
  #buffer = "";
  #closed: Error | undefined;
  #stderr = "";

  private constructor(stream: Duplex, docker: Dockerode, host: string) {
    this.#stream = stream;
    this.#host = host;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    docker.modem.demuxStream(stream, stdout, stderr);
    stdout.setEncoding("utf8");
    stdout.on("data", (chunk: string) => this.#onData(chunk));
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

  run(argv: readonly string[], stdin = ""): Promise<AgentReply> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const line = encodeRequest(id, argv, stdin);
    return new Promise<AgentReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#stream.write(line);
    });
  }

  close(): void {
    this.#close(new LabError(`the command channel to ${this.#host} was closed`));
    this.#stream.end();
    this.#stream.destroy();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf("\n")) >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const reply = parseReply(line);
      if (!reply) {
        this.#close(new LabError(`the command channel to ${this.#host} sent something that is not a reply: ${JSON.stringify(line.slice(0, 200))}`));
        return;
      }
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      pending?.resolve(reply);
    }
  }

  #close(error: Error): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
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
  readonly #waiters: (() => void)[] = [];

  constructor(docker: Dockerode, containerId: () => string, host: string, max = 6) {
    this.#docker = docker;
    this.#containerId = containerId;
    this.#host = host;
    this.#max = max;
  }

  async run(argv: readonly string[], stdin = ""): Promise<AgentReply> {
    const agent = await this.#acquire();
    try {
      return await agent.run(argv, stdin);
    } finally {
      this.#release(agent);
    }
  }

  /** Starts one agent ahead of time (lab start), so the first command does not pay for it. */
  async warm(): Promise<void> {
    if (this.#all.size > 0) return;
    this.#release(await this.#start());
  }

  /** Drops every agent (the container restarted, or the lab is going away). */
  reset(): void {
    for (const a of this.#all) a.close();
    this.#all.clear();
    this.#idle = [];
  }

  async #start(): Promise<Agent> {
    this.#starting++;
    try {
      const agent = await Agent.start(this.#docker, this.#containerId(), this.#host);
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
