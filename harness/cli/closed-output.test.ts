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

  test("either stream failing counts; none failing does not", () => {
    const [out, err] = [new EventEmitter(), new EventEmitter()];
    const watch = watchClosedOutput([out, err], new EventEmitter());
    expect(watch.closed()).toBe(false);
    err.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    expect(watch.closed()).toBe(true);
  });
});
