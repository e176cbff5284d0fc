/**
 * A reader that goes away before fwspec prints (no Docker: `validate`): exit
 * 141 as after SIGPIPE, no stack trace; and the listener alone (pure).
 */
import { EventEmitter } from "node:events";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import { watchClosedOutput } from "./closed-output.ts";

const MAIN = path.resolve(import.meta.dirname, "main.ts");
const SCENARIOS = path.resolve(import.meta.dirname, "../../scenarios/block-port");

describe("a closed output", () => {
  test("fwspec validate whose stdout reader is gone exits 141 without a stack trace", async () => {
    const child = execa(process.execPath, [MAIN, "validate", SCENARIOS], { reject: false });
    child.stdout!.destroy();
    const r = await child;
    expect(r.stderr).not.toMatch(/Unhandled 'error' event|EPIPE|at /);
    expect(r.exitCode).toBe(141);
  });

  test("EPIPE on either stream counts; another error does not", () => {
    const [out, err] = [new EventEmitter(), new EventEmitter()];
    const watch = watchClosedOutput([out, err], new EventEmitter());
    out.emit("error", Object.assign(new Error("write EIO"), { code: "EIO" }));
    expect(watch.closed()).toBe(false);
    err.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    expect(watch.closed()).toBe(true);
  });

  test.each<[string, number, number]>([
    ["a clean exit becomes 141", 0, 141],
    ["a failed check's 1 stays", 1, 1],
    ["a usage error's 2 stays", 2, 2],
    ["a signal's 130 stays", 130, 130],
  ])("%s", (_what, code, want) => {
    const [out, exiting] = [new EventEmitter(), new EventEmitter()];
    watchClosedOutput([out], exiting);
    out.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    const before = process.exitCode;
    process.exitCode = code;
    try {
      exiting.emit("exit", code);
      expect(process.exitCode).toBe(want);
    } finally {
      process.exitCode = before;
    }
  });
});
