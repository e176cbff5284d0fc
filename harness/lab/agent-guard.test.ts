/** The harness's own guard on an agent that never answers (a fake channel: nothing comes back). */
import { PassThrough } from "node:stream";
import type Dockerode from "dockerode";
import { expect, test, vi } from "vitest";
import { LabError } from "../errors.ts";
import { Agent, AgentPool } from "./agent.ts";

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

test("a command whose agent never answers fails with LabError after the guard, and the channel is dropped", async () => {
  const { docker, written } = silentDocker();
  const agent = await Agent.start(docker, "c0ffee", "fw");
  const reply = agent.run(["sleep", "3600"], "", { limitSeconds: 2, guardMs: 30 });
  await expect(reply).rejects.toBeInstanceOf(LabError);
  await expect(reply).rejects.toThrow("no answer from the command channel to fw within 0.03 s; the channel was dropped");
  expect(Buffer.concat(written).toString("utf8")).toBe("1 2 0 5 4\nsleep3600");
  expect(agent.closed).toBe(true);
  await expect(agent.run(["true"], "", { limitSeconds: 0, guardMs: 30 })).rejects.toBeInstanceOf(LabError);
});

test("an agent that finishes starting after a reset is closed, never pooled (no stray channel keeps the lab 'attended')", async () => {
  let open: (() => void) | undefined;
  const streams: PassThrough[] = [];
  const docker = {
    getContainer: () => ({
      exec: async () => ({
        start: async () => {
          await new Promise<void>((resolve) => (open = resolve));
          const stream = new PassThrough();
          streams.push(stream);
          return stream;
        },
      }),
    }),
    modem: { demuxStream: () => undefined },
  } as unknown as Dockerode;
  const pool = new AgentPool(docker, () => "c0ffee", "fw");
  const warming = pool.warm(1);
  await vi.waitFor(() => expect(open).toBeDefined());
  pool.reset();
  open!();
  await expect(warming).rejects.toThrow("the command channel to fw was reset while it started");
  expect(streams).toHaveLength(1);
  expect(streams[0]!.destroyed || streams[0]!.writableEnded).toBe(true);
});
