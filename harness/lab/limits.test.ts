/** Unit tests (table-driven, no Docker) for limits.ts. */
import { describe, expect, test } from "vitest";
import { CommandError, InputError } from "../errors.ts";
import { commandLimits, DEFAULT_COMMAND_TIMEOUT_SECONDS, outputCutError, parseCommandTimeout, timedOutError } from "./limits.ts";

describe("command limits", () => {
  test.each([
    { host: 60, options: {}, limits: { limitSeconds: 60, guardMs: 70_000 } },
    { host: 2, options: {}, limits: { limitSeconds: 2, guardMs: 12_000 } },
    { host: 2, options: { timeoutSeconds: 35 }, limits: { limitSeconds: 35, guardMs: 45_000 } },
    { host: 60, options: { light: true }, limits: { limitSeconds: 0, guardMs: 70_000 } },
    { host: 2, options: { light: true, timeoutSeconds: 8 }, limits: { limitSeconds: 0, guardMs: 18_000 } },
  ])("host $host, $options", ({ host, options, limits }) => {
    expect(commandLimits(host, options)).toEqual(limits);
  });

  test("a timed-out command names itself, the host, the limit and the option", () => {
    const e = timedOutError("fw", ["sh", "-e", "/tmp/fwspec/fw-1.sh"], 2, { exitCode: 124, stdout: "started\n", stderr: "" });
    expect(e).toBeInstanceOf(CommandError);
    expect(e.message).toBe("`sh -e /tmp/fwspec/fw-1.sh` did not finish within 2 s on fw; it was killed with everything it started");
    expect(e.report()).toMatch(/on fw: sh -e \/tmp\/fwspec\/fw-1\.sh[\s\S]*started[\s\S]*hint: .*--command-timeout <seconds>/);
  });

  test.each([
    [undefined, "`npx fwspec run --command-timeout <seconds>`"],
    ["/opt/fwspec/bin/fwspec", "`/opt/fwspec/bin/fwspec run --command-timeout <seconds>`"],
  ])("the option is named as the user runs fwspec (%s)", (invocation, command) => {
    const e = timedOutError("fw", ["sleep", "9"], 2, { exitCode: 124, stdout: "", stderr: "" }, invocation);
    expect(e.hint).toContain(`raise the limit with ${command}`);
  });
});

describe("output beyond what is read back", () => {
  test.each([
    { stdout: "x".repeat(5000), stderr: "short", shownOut: `${"x".repeat(4096)}\n[… first 4096 characters shown]`, shownErr: "short" },
    { stdout: "", stderr: "e".repeat(4097), shownOut: "", shownErr: `${"e".repeat(4096)}\n[… first 4096 characters shown]` },
    { stdout: "y".repeat(4096), stderr: "", shownOut: "y".repeat(4096), shownErr: "" },
  ])("names the command, the bytes printed and the host; keeps the first 4096 characters ($shownErr)", ({ stdout, stderr, shownOut, shownErr }) => {
    const e = outputCutError("client", ["sh", "-c", "yes"], { stdout: 70_000_000, stderr: 12 }, { exitCode: 0, stdout, stderr });
    expect(e).toBeInstanceOf(CommandError);
    expect(e.message).toBe("`sh -c yes` printed 70000000 bytes on stdout and 12 on stderr on client, more than the 64 MiB of each fwspec reads back (a command is stopped at twice that); it fails unjudged");
    expect(e.hint).toMatch(/> \/tmp\/out/);
    expect(e.failure).toMatchObject({ command: ["sh", "-c", "yes"], exitCode: 0, stdout: shownOut, stderr: shownErr, where: "client" });
  });
});

describe("--command-timeout", () => {
  test.each([["1", 1], ["60", 60], [" 300 ", 300], ["86400", 86_400]])("%j is %d s", (text, n) => {
    expect(parseCommandTimeout(text)).toBe(n);
  });

  test.each(["0", "-5", "1.5", "", "ten", "1e3", "0x10", "86401", "99999999999999999999"])("refuses %j", (text) => {
    expect(() => parseCommandTimeout(text)).toThrow(InputError);
    expect(() => parseCommandTimeout(text)).toThrow(/--command-timeout must be a whole number of seconds from 1 to 86400/);
  });

  test("the default is generous but bounded", () => {
    expect(DEFAULT_COMMAND_TIMEOUT_SECONDS).toBe(60);
  });
});
