/** The harness's side of the command channel against fake agents (no Docker): its guard, one exec for commands side by side, restarts and resets. */
import { Duplex, PassThrough } from "node:stream";
import type Dockerode from "dockerode";
import { expect, test, vi } from "vitest";
import { LabError } from "../errors.ts";
import { Agent } from "./agent.ts";
import { AgentChannel, COMMANDS_AT_ONCE } from "./agent-channel.ts";

function silentDocker(): { docker: Dockerode; written: Buffer[] } {
  const written: Buffer[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => written.push(chunk));
  const docker = {
    getContainer: () => ({ exec: async () => ({ start: async () => stream }) }),
    modem: { demuxStream: () => undefined },
  } as unknown as Dockerode;
  return { docker, written };
}

/**
 * A fake fwspec-agent: `echo WORD` is answered at once with WORD, `hold NAME`
 * when release(NAME) is called, `hang` never. Requests are parsed as the real
 * agent does (header, counted arguments, stdin).
 */
class FakeAgent extends Duplex {
  #input = Buffer.alloc(0);
  readonly held = new Map<string, () => void>();
  readonly started: string[] = [];

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.#input = Buffer.concat([this.#input, chunk]);
    for (;;) {
      const nl = this.#input.indexOf(0x0a);
      if (nl < 0) break;
      const [id, , inlen, ...lens] = this.#input.subarray(0, nl).toString().split(" ").map(Number);
      const need = nl + 1 + lens.reduce((a, b) => a + b, 0) + inlen!;
      if (this.#input.length < need) break;
      let at = nl + 1;
      const argv = lens.map((len) => this.#input.subarray(at, (at += len)).toString());
      this.#input = this.#input.subarray(need);
      this.started.push(argv.join(" "));
      const answer = (out: string) => this.push(`${id} 0 ${Buffer.byteLength(out)} 0 0 ${Buffer.byteLength(out)} 0\n${out}`);
      if (argv[0] === "echo") answer(argv[1]!);
      else if (argv[0] === "true") answer("");
      else if (argv[0] === "hold") this.held.set(argv[1]!, () => answer(argv[1]!));
    }
    done();
  }

  release(name: string): void {
    this.held.get(name)!();
  }
}

function fakeDocker(): { docker: Dockerode; agents: FakeAgent[] } {
  const agents: FakeAgent[] = [];
  const docker = {
    getContainer: () => ({
      exec: async () => ({
        start: async () => {
          const agent = new FakeAgent();
          agents.push(agent);
          return agent;
        },
      }),
    }),
    modem: { demuxStream: (stream: Duplex, stdout: PassThrough) => stream.on("data", (chunk: Buffer) => stdout.write(chunk)) },
  } as unknown as Dockerode;
  return { docker, agents };
}

/** An engine whose exec starts wait (pending() says one does) until open() lets it through. */
function gatedDocker(): { docker: Dockerode; streams: PassThrough[]; pending: () => boolean; open: () => void } {
  let waiting: (() => void) | undefined;
  const streams: PassThrough[] = [];
  const docker = {
    getContainer: () => ({
      exec: async () => ({
        start: async () => {
          await new Promise<void>((resolve) => (waiting = resolve));
          const stream = new PassThrough();
          streams.push(stream);
          return stream;
        },
      }),
    }),
    modem: { demuxStream: () => undefined },
  } as unknown as Dockerode;
  const open = () => {
    const go = waiting;
    waiting = undefined;
    go?.();
  };
  return { docker, streams, pending: () => waiting !== undefined, open };
}

const quick = { limitSeconds: 0, guardMs: 10_000 };

test("a command whose agent never answers (nor a check of it) fails with LabError after the guard, and the channel is dropped", async () => {
  const { docker, written } = silentDocker();
  const agent = await Agent.start(docker, "c0ffee", "fw");
  const reply = agent.run(["sleep", "3600"], "", { limitSeconds: 2, guardMs: 30 });
  await expect(reply).rejects.toBeInstanceOf(LabError);
  await expect(reply).rejects.toThrow("no answer from the command channel to fw within 0.03 s, nor to a check of it; the channel was dropped");
  expect(Buffer.concat(written).toString("utf8")).toBe("1 2 0 5 4\nsleep36002 0 0 4\ntrue");
  expect(agent.closed).toBe(true);
  await expect(agent.run(["true"], "", { limitSeconds: 0, guardMs: 30 })).rejects.toBeInstanceOf(LabError);
});

test("a command stuck on an agent that answers others fails alone: the channel and the other commands go on", async () => {
  const { docker, agents } = fakeDocker();
  const agent = await Agent.start(docker, "c0ffee", "fw");
  const stuck = agent.run(["hang"], "", { limitSeconds: 0, guardMs: 200 });
  const other = agent.run(["hold", "b"], "", quick);
  await vi.waitFor(() => expect(agents[0]!.held.has("b")).toBe(true));
  agents[0]!.release("b");
  await expect(other).resolves.toMatchObject({ stdout: "b" });
  await expect(stuck).rejects.toThrow("no answer to `hang` from fw within 0.2 s (the command channel answers; the command may still run there)");
  expect(agent.closed).toBe(false);
  await expect(agent.run(["echo", "after"], "", quick)).resolves.toMatchObject({ stdout: "after" });
});

test("a stuck command beside a long quiet one fails alone once the agent answers a check: the long one goes on", async () => {
  const { docker, agents } = fakeDocker();
  const agent = await Agent.start(docker, "c0ffee", "fw");
  const long = agent.run(["hold", "long"], "", quick);
  const stuck = agent.run(["hang"], "", { limitSeconds: 0, guardMs: 50 });
  await expect(stuck).rejects.toThrow("no answer to `hang` from fw within 0.05 s (the command channel answers; the command may still run there)");
  expect(agents[0]!.started).toEqual(["hold long", "hang", "true"]);
  expect(agent.closed).toBe(false);
  agents[0]!.release("long");
  await expect(long).resolves.toMatchObject({ stdout: "long" });
});

test("commands side by side share one agent (one docker exec), answered by id in any order", async () => {
  const { docker, agents } = fakeDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw");
  const first = channel.run(["hold", "first"], "", quick);
  const second = channel.run(["hold", "second"], "", quick);
  const third = channel.run(["echo", "third"], "", quick);
  await expect(third).resolves.toMatchObject({ stdout: "third" });
  await vi.waitFor(() => expect(agents[0]?.held.size).toBe(2));
  agents[0]!.release("second");
  await expect(second).resolves.toMatchObject({ stdout: "second" });
  agents[0]!.release("first");
  await expect(first).resolves.toMatchObject({ stdout: "first" });
  expect(agents).toHaveLength(1);
});

test(`at most ${COMMANDS_AT_ONCE} commands are in flight on a host; the next starts when one ends`, async () => {
  const { docker, agents } = fakeDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw");
  const held = Array.from({ length: COMMANDS_AT_ONCE }, (_, i) => channel.run(["hold", `h${i}`], "", quick));
  const waiting = channel.run(["echo", "next"], "", quick);
  await vi.waitFor(() => expect(agents[0]?.held.size).toBe(COMMANDS_AT_ONCE));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(agents[0]!.started).not.toContain("echo next");
  agents[0]!.release("h3");
  await expect(waiting).resolves.toMatchObject({ stdout: "next" });
  for (let i = 0; i < COMMANDS_AT_ONCE; i++) if (i !== 3) agents[0]!.release(`h${i}`);
  await Promise.all(held);
  expect(agents).toHaveLength(1);
});

test("a channel whose agent closed starts a new one for the next command", async () => {
  const { docker, agents } = fakeDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw");
  await expect(channel.run(["echo", "one"], "", quick)).resolves.toMatchObject({ stdout: "one" });
  agents[0]!.push(null);
  agents[0]!.destroy();
  await vi.waitFor(async () => expect(await channel.run(["echo", "two"], "", quick)).toMatchObject({ stdout: "two" }));
  expect(agents).toHaveLength(2);
});

test("an agent that finishes starting after a reset is closed, never used (no stray channel keeps the lab 'attended')", async () => {
  const { docker, streams, pending, open } = gatedDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw");
  const warming = channel.warm();
  await vi.waitFor(() => expect(pending()).toBe(true));
  channel.reset();
  open();
  await expect(warming).rejects.toThrow("the command channel to fw was reset while it started");
  expect(streams).toHaveLength(1);
  expect(streams[0]!.destroyed || streams[0]!.writableEnded).toBe(true);
});

test("a place freed goes to the command that waited longest, not to one that comes later", async () => {
  const { docker, agents } = fakeDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw", 1);
  const first = channel.run(["hold", "first"], "", quick);
  await vi.waitFor(() => expect(agents[0]?.held.has("first")).toBe(true));
  const waited = channel.run(["hold", "waited"], "", quick);
  agents[0]!.release("first");
  const later = channel.run(["hold", "later"], "", quick);
  await first;
  await vi.waitFor(() => expect(agents[0]!.started).toContain("hold waited"));
  expect(agents[0]!.started).not.toContain("hold later");
  agents[0]!.release("waited");
  await waited;
  await vi.waitFor(() => expect(agents[0]!.held.has("later")).toBe(true));
  agents[0]!.release("later");
  await later;
});

test("a command waiting for an agent that a reset dropped fails; it starts no other exec", async () => {
  const { docker, streams, pending, open } = gatedDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw");
  const warming = channel.warm();
  await vi.waitFor(() => expect(pending()).toBe(true));
  const waiting = channel.run(["echo", "x"], "", quick);
  channel.reset();
  open();
  await expect(warming).rejects.toThrow("the command channel to fw was reset");
  await expect(waiting).rejects.toThrow("the command channel to fw was reset");
  expect(streams).toHaveLength(1);
});

test("a closed channel (its lab gone) starts no agent for a later command", async () => {
  const { docker, agents } = fakeDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw");
  await channel.run(["echo", "one"], "", quick);
  channel.close();
  await expect(channel.run(["echo", "two"], "", quick)).rejects.toThrow("the command channel to fw is closed (its lab is gone)");
  expect(agents).toHaveLength(1);
});

test("a channel kept open starts a new agent as soon as its agent closes by itself; not after a reset or close", async () => {
  const { docker, agents } = fakeDocker();
  const channel = new AgentChannel(docker, () => "c0ffee", "fw");
  channel.keepOpen();
  await vi.waitFor(() => expect(agents).toHaveLength(1));
  agents[0]!.push(null);
  agents[0]!.destroy();
  // No command asked for it: the channel itself started the next one.
  await vi.waitFor(() => expect(agents).toHaveLength(2));
  await expect(channel.run(["echo", "two"], "", quick)).resolves.toMatchObject({ stdout: "two" });
  expect(agents).toHaveLength(2);
  channel.reset();
  await channel.warm();
  expect(agents).toHaveLength(3);
  channel.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(agents).toHaveLength(3);
});
