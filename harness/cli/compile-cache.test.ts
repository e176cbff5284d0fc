/** Unit tests for privateCompileCacheDir: this user's own folder, or none. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { privateCompileCacheDir } from "./compile-cache.ts";

const uid = process.getuid!();
let tmp = "";
afterEach(() => rmSync(tmp, { recursive: true, force: true }));
const fresh = () => (tmp = mkdtempSync(join(tmpdir(), "fwspec-cc-test-")));

describe("privateCompileCacheDir", () => {
  it("makes a folder only this user can enter, and finds it again", () => {
    const dir = privateCompileCacheDir(fresh(), uid);
    expect(dir).toBe(join(tmp, `fwspec-node-compile-cache-${uid}`));
    expect(statSync(dir!).mode & 0o777).toBe(0o700);
    expect(privateCompileCacheDir(tmp, uid)).toBe(dir);
  });

  it.each([
    ["open to others", (d: string) => { mkdirSync(d); chmodSync(d, 0o777); }],
    ["a symbolic link", (d: string) => { mkdirSync(`${d}-target`, { mode: 0o700 }); symlinkSync(`${d}-target`, d); }],
    ["another user's", (d: string) => mkdirSync(d, { mode: 0o700 }), uid + 1],
  ] as const)("is none when what is there is %s", (_what, prepare, as = uid) => {
    prepare(join(fresh(), `fwspec-node-compile-cache-${as}`));
    expect(privateCompileCacheDir(tmp, as)).toBeUndefined();
  });

  it("is none without a user id (a platform without getuid) or a folder to make it in", () => {
    expect(privateCompileCacheDir(fresh(), undefined)).toBeUndefined();
    expect(privateCompileCacheDir(join(tmp, "missing", "deeper"), uid)).toBeUndefined();
  });
});
