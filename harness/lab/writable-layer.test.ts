/** Unit tests for writable-layer.ts: a container's writable layer read from a folder of the test's own. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { upperDirOf, writtenPaths } from "./writable-layer.ts";

describe("upperDirOf", () => {
  test.each([
    ["overlay2", { GraphDriver: { Name: "overlay2", Data: { UpperDir: "/var/lib/docker/overlay2/abc/diff", LowerDir: "/x" } } }, "/var/lib/docker/overlay2/abc/diff"],
    ["another driver", { GraphDriver: { Name: "btrfs", Data: { UpperDir: "/y" } } }, undefined],
    ["no data", { GraphDriver: { Name: "overlay2", Data: null } }, undefined],
    ["nothing said", {}, undefined],
  ])("%s", (_what, info, want) => {
    expect(upperDirOf(info)).toBe(want);
  });
});

describe("writtenPaths", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fwspec-layer-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("every path in the folder, absolute as the host sees it, folders too", async () => {
    mkdirSync(path.join(dir, "usr/local/sbin"), { recursive: true });
    writeFileSync(path.join(dir, "usr/local/sbin/iptables"), "#!/bin/sh\n");
    mkdirSync(path.join(dir, "tmp"));
    expect([...(await writtenPaths(dir))!].sort()).toEqual(["/tmp", "/usr", "/usr/local", "/usr/local/sbin", "/usr/local/sbin/iptables"]);
  });

  test.each([
    ["no folder known (another driver)", undefined],
    ["a folder that cannot be read from here (a remote engine)", "/nonexistent/fwspec/upper"],
  ])("%s: undefined, not an empty list", async (_what, upper) => {
    expect(await writtenPaths(upper)).toBeUndefined();
  });
});
