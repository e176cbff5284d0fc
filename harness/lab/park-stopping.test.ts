/**
 * A lab is not left warm once fwspec is stopping (no Docker: a recording
 * engine): before its marker is made nothing is asked of the engine; when
 * stopping begins while the marker is made, the marker is removed again (the
 * interrupt's removal may have listed markers before it existed).
 */
import type Dockerode from "dockerode";
import { expect, test } from "vitest";
import { silentProgress } from "../progress.ts";
import { StartedLab } from "./lab.ts";

function recordingEngine(duringCreate?: () => void): { engine: Dockerode; asked: string[] } {
  const asked: string[] = [];
  const engine = {
    createVolume: async ({ Name }: { Name: string }) => {
      asked.push(`create ${Name}`);
      duringCreate?.();
    },
    getVolume: (name: string) => ({ remove: async () => void asked.push(`remove ${name}`) }),
  } as unknown as Dockerode;
  return { engine, asked };
}

const state = { shape: { hosts: [] }, listening: {}, digests: {} };

test("stopping before the park: refused, the engine not asked", async () => {
  const stopping = new AbortController();
  stopping.abort();
  const { engine, asked } = recordingEngine();
  const lab = new StartedLab("web", "0123abcd", "web-1a2b", new Map(), new Map(), engine, silentProgress, undefined, { image: "fwspec-lab:x", stopping: stopping.signal });
  await expect(lab.park(state)).rejects.toThrow("lab web-1a2b is not left warm: fwspec is stopping");
  expect(asked).toEqual([]);
});

test("stopping while the marker is made: the marker is removed again", async () => {
  const stopping = new AbortController();
  const { engine, asked } = recordingEngine(() => stopping.abort());
  const lab = new StartedLab("web", "0123abcd", "web-1a2b", new Map(), new Map(), engine, silentProgress, undefined, { image: "fwspec-lab:x", stopping: stopping.signal });
  await expect(lab.park(state)).rejects.toThrow("fwspec is stopping");
  expect(asked).toHaveLength(2);
  expect(asked[0]).toMatch(/^create fwspec-0123abcd-web-1a2b-warm-[0-9a-f]{6}$/);
  expect(asked[1]).toBe(asked[0]!.replace("create", "remove"));
});

test("not stopping: the lab is left warm", async () => {
  const { engine, asked } = recordingEngine();
  const lab = new StartedLab("web", "0123abcd", "web-1a2b", new Map(), new Map(), engine, silentProgress, undefined, { image: "fwspec-lab:x", stopping: new AbortController().signal });
  await expect(lab.park(state)).resolves.toMatch(/^\d{4}-/);
  expect(asked).toHaveLength(1);
});
