/**
 * A host's command channel (lab/host.ts): one agent (agent.ts) for the whole
 * run, started on first use and again after it closed (a reboot), with at
 * most a few commands in flight; the first may be the container's own agent
 * (Agent.attach: a warm lab's taker, all but one host of a lab a run starts),
 * the others are execs.
 */
import type Dockerode from "dockerode";
import { LabError } from "../errors.ts";
import { Agent, type AgentLimits, type AgentReply } from "./agent.ts";

/** Commands a host's channel carries at once; more wait for one of them to end. */
export const COMMANDS_AT_ONCE = 6;

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
  /** The next agent is the container's own (Agent.attach), not an exec: warm({ attach: true }). */
  #attach = false;
  /** keepOpen(): an agent that closes by itself is started again at once. */
  #keep = false;

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

  /**
   * Starts the agent ahead of time (lab start), so the first command does not
   * wait for it. `attach`: the container's own agent (a warm lab's taker, whose
   * claim marker keeps the lab from sweeps; a started lab's hosts but the one
   * whose exec does, lab.ts); once it is gone (a reboot), execs again.
   */
  async warm(options: { readonly attach?: boolean } = {}): Promise<void> {
    if (options.attach === true && this.#agent === undefined) this.#attach = true;
    await this.#current();
  }

  /**
   * Keeps an agent open from now on: one that closes by itself (not by reset
   * or close) is started again at once, not at the next command. lab.ts keeps
   * the one exec channel that makes a lab attended for sweeps of other PID
   * namespaces (resources.ts findOrphans) open this way.
   */
  keepOpen(): void {
    this.#keep = true;
    void this.warm().catch(() => undefined);
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
    const attach = this.#attach;
    this.#attach = false;
    const agent = attach ? await Agent.attach(this.#docker, this.#containerId(), this.#host) : await Agent.start(this.#docker, this.#containerId(), this.#host);
    // A reset or close while it started (reboot, dispose): its channel must not stay open, or
    // another PID namespace's sweep would count the lab as attended.
    if (generation !== this.#generation || this.#closed) {
      agent.close();
      throw new Error(`the command channel to ${this.#host} was reset while it started`);
    }
    if (this.#keep) {
      agent.onClosed(() => {
        if (generation === this.#generation && !this.#closed) void this.#current().catch(() => undefined);
      });
    }
    return agent;
  }
}
