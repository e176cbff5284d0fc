/** Unit tests (table-driven, no file system) for root.ts: which directory is the project root, and how it is described. */
import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { chooseProjectRoot, describeRoot } from "./root.ts";
import type { Exists } from "./root.ts";

/** A file system of paths: a trailing `/` marks a directory; every parent directory exists. */
function fs(paths: readonly string[]): Exists {
  const entries = new Map<string, "file" | "dir">();
  for (const p of paths) {
    const dir = p.endsWith("/");
    const clean = dir ? p.slice(0, -1) : p;
    entries.set(clean, dir ? "dir" : "file");
    for (let up = clean.slice(0, clean.lastIndexOf("/")); up !== ""; up = up.slice(0, up.lastIndexOf("/"))) entries.set(up, "dir");
  }
  entries.set("/", "dir");
  return (abs) => entries.get(abs);
}

interface Case {
  readonly title: string;
  readonly files: readonly string[];
  readonly start: string;
  readonly override?: string;
  readonly dir: string;
  readonly reason: string;
}

const CASES: readonly Case[] = [
  { title: "nothing above: the scenario's own directory", files: ["/r/s/a.yaml"], start: "/r/s", dir: "/r/s", reason: "none" },
  { title: "a package.json above", files: ["/r/package.json", "/r/s/a.yaml"], start: "/r/s", dir: "/r", reason: "package" },
  { title: "the nearest package.json wins among package.jsons", files: ["/r/package.json", "/r/s/package.json"], start: "/r/s/t", dir: "/r/s", reason: "package" },
  { title: "a git work tree beats a nearer package.json", files: ["/r/.git/", "/r/infra/package.json"], start: "/r/infra/scenarios", dir: "/r", reason: "git" },
  { title: "a .git file (worktree, submodule) marks the work tree too", files: ["/r/.git", "/r/infra/package.json"], start: "/r/infra/scenarios", dir: "/r", reason: "git" },
  { title: "the nearest git work tree (a submodule inside a repo)", files: ["/r/.git/", "/r/sub/.git"], start: "/r/sub/scenarios", dir: "/r/sub", reason: "git" },
  { title: "fwspec.config.json beats the git work tree", files: ["/r/.git/", "/r/infra/fwspec.config.json"], start: "/r/infra/scenarios", dir: "/r/infra", reason: "config" },
  { title: "a config above the git work tree still wins (nearest config first)", files: ["/home/fwspec.config.yaml", "/home/r/.git/"], start: "/home/r/s", dir: "/home", reason: "config" },
  { title: "every config extension counts", files: ["/r/.git/", "/r/a/fwspec.config.mjs"], start: "/r/a/s", dir: "/r/a", reason: "config" },
  { title: "fwspec.config.ts", files: ["/r/.git/", "/r/a/fwspec.config.ts"], start: "/r/a", dir: "/r/a", reason: "config" },
  { title: "a directory named like a config file does not count", files: ["/r/.git/", "/r/a/fwspec.config.json/"], start: "/r/a/s", dir: "/r", reason: "git" },
  { title: "a directory named package.json does not count", files: ["/r/package.json/"], start: "/r/s", dir: "/r/s", reason: "none" },
  { title: "other config names do not count", files: ["/r/.git/", "/r/a/fwspec.config.toml", "/r/a/fwspec.json"], start: "/r/a", dir: "/r", reason: "git" },
  { title: "--root overrides everything", files: ["/r/.git/", "/r/a/fwspec.config.json", "/wide/"], start: "/r/a", override: "/wide", dir: "/wide", reason: "option" },
  { title: "a relative --root resolves against the working directory", files: ["/cwd/infra/"], start: "/x", override: "infra", dir: "/cwd/infra", reason: "option" },
];

describe("chooseProjectRoot", () => {
  test.each(CASES)("$title", (c) => {
    const root = chooseProjectRoot(c.start, fs(c.files), c.override, "/cwd");
    expect({ dir: root.dir, reason: root.reason }).toEqual({ dir: c.dir, reason: c.reason });
  });

  test.each([
    ["/nope", "no such directory"],
    ["/r/file", "not a directory"],
  ])("--root %s is refused: %s", (override, why) => {
    const run = () => chooseProjectRoot("/r", fs(["/r/file"]), override);
    expect(run).toThrow(InputError);
    expect(run).toThrow(new RegExp(`^--root ${override}: ${why}`));
  });
});

describe("describeRoot says which root and why", () => {
  test.each([
    [{ dir: "/x", reason: "git" }, "the git work tree at /x"],
    [{ dir: "/x", reason: "config", marker: "/x/fwspec.config.yaml" }, "/x, the nearest directory with fwspec.config.yaml"],
    [{ dir: "/x", reason: "option" }, "/x, given with --root"],
    [{ dir: "/x", reason: "package", marker: "/x/package.json" }, "/x, the nearest directory with package.json"],
    [{ dir: "/x/s", reason: "none" }, "the scenario's own directory /x/s (nothing marks a root above it)"],
  ] as const)("%j", (root, text) => {
    expect(describeRoot(root)).toBe(text);
  });
});
