/** A lab testcontainers' reaper (Ryuk) removes when the process ends is never kept nor left warm (its network and marker would outlive it). */
import type Dockerode from "dockerode";
import { expect, test } from "vitest";
import { LabError } from "../errors.ts";
import { silentProgress } from "../progress.ts";
import { StartedLab } from "./lab.ts";

const engine = new Proxy({}, { get: () => () => Promise.reject(new Error("the engine must not be asked")) }) as unknown as Dockerode;

test.each([
  ["kept", (lab: StartedLab) => lab.keep(), "set TESTCONTAINERS_RYUK_DISABLED=true to keep labs"],
  ["left warm", (lab: StartedLab) => lab.park({ shape: { hosts: [] }, listening: {}, digests: {} }), "set TESTCONTAINERS_RYUK_DISABLED=true to reuse labs"],
])("a reaped lab is not %s, and says why", async (_, act, hint) => {
  const lab = new StartedLab("web", "0123abcd", "web-1a2b", new Map(), new Map(), engine, silentProgress, undefined, { image: "fwspec-lab:x", reaped: true });
  const error = await act(lab).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LabError);
  expect((error as LabError).message).toMatch(/testcontainers' reaper \(Ryuk\) removes it when this process ends/);
  expect((error as LabError).hint).toBe(hint);
});
