/** Unit tests for writable-layer.ts: a container's writable layer read from a folder of the test's own. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { layerEntries, upperDirOf } from "./writable-layer.ts";

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

describe("layerEntries", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fwspec-layer-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "usr/local/sbin/iptables");

  test("every path in the folder, absolute as the host sees it, folders too", async () => {
    mkdirSync(path.join(dir, "usr/local/sbin"), { recursive: true });
    writeFileSync(file, "#!/bin/sh\n");
    mkdirSync(path.join(dir, "tmp"));
    expect([...(await layerEntries(dir))!.keys()].sort()).toEqual(["/tmp", "/usr", "/usr/local", "/usr/local/sbin", "/usr/local/sbin/iptables"]);
  });

  test("a file written again or replaced by a symlink reads differently; a folder an entry was made in does not", async () => {
    const before = (await layerEntries(dir))!;
    writeFileSync(path.join(dir, "usr/local/sbin/other"), "x");
    const made = (await layerEntries(dir))!;
    expect(made.get("/usr/local/sbin")).toBe(before.get("/usr/local/sbin"));
    expect(made.get("/usr/local/sbin/iptables")).toBe(before.get("/usr/local/sbin/iptables"));
    writeFileSync(file, "#!/bin/sh\nexit 0\n");
    expect((await layerEntries(dir))!.get("/usr/local/sbin/iptables")).not.toBe(before.get("/usr/local/sbin/iptables"));
    rmSync(file);
    symlinkSync("/bin/true", file);
    expect((await layerEntries(dir))!.get("/usr/local/sbin/iptables")).not.toBe(made.get("/usr/local/sbin/iptables"));
    chmodSync(path.join(dir, "usr/local/sbin"), 0o700);
    expect((await layerEntries(dir))!.get("/usr/local/sbin")).not.toBe(before.get("/usr/local/sbin"));
  });

  test("a symlink to a folder is an entry, never followed (it points into the container, not this machine)", async () => {
    const outside = mkdtempSync(path.join(tmpdir(), "fwspec-outside-"));
    try {
      mkdirSync(path.join(outside, "deep"));
      writeFileSync(path.join(outside, "deep/f"), "x");
      mkdirSync(path.join(dir, "root"));
      symlinkSync(outside, path.join(dir, "root/r"));
      const names = [...(await layerEntries(dir))!.keys()];
      expect(names).toContain("/root/r");
      expect(names.filter((n) => n.startsWith("/root/r/"))).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test("the folders in `skip` are listed, not walked", async () => {
    mkdirSync(path.join(dir, "tmp/fwspec"), { recursive: true });
    writeFileSync(path.join(dir, "tmp/fwspec/s.sh"), "x");
    const names = [...(await layerEntries(dir, { skip: ["/tmp"] }))!.keys()];
    expect(names).toContain("/tmp");
    expect(names.filter((n) => n.startsWith("/tmp/"))).toEqual([]);
    expect(names).toContain("/usr/local/sbin/iptables");
  });

  test.each([
    ["no folder known (another driver)", undefined],
    ["a folder that cannot be read from here (a remote engine)", "/nonexistent/fwspec/upper"],
  ])("%s: undefined, not an empty list", async (_what, upper) => {
    expect(await layerEntries(upper)).toBeUndefined();
  });
});
