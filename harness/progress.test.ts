/** Unit tests (no Docker) for progress.ts: lines on a stream, and none once an interrupt has been announced (what they would say is work being cancelled). */
import { describe, expect, test } from "vitest";
import { consoleProgress } from "./progress.ts";

function capture(): { stream: NodeJS.WritableStream; lines: string[] } {
  const lines: string[] = [];
  return { stream: { write: (chunk: string) => (lines.push(chunk), true) } as unknown as NodeJS.WritableStream, lines };
}

describe("consoleProgress", () => {
  test("steps and details, stamped, scenario text neutralised", () => {
    const { stream, lines } = capture();
    const p = consoleProgress(stream, "fwspec", () => false);
    p.step("lab web: starting 2 host(s)");
    p.info("ready \x1b[31m");
    expect(lines).toEqual([expect.stringMatching(/^fwspec +\d+\.\ds lab web: starting 2 host\(s\)\n$/), expect.stringMatching(/^fwspec +\d+\.\ds {3}ready \\x1b\[31m\n$/)]);
  });

  test("once interrupted, no more lines: the cleanup's own lines are the last the user sees", () => {
    const { stream, lines } = capture();
    let stopping = false;
    const p = consoleProgress(stream, "fwspec", () => stopping);
    p.step("running 1 scenario(s)");
    stopping = true;
    p.step("lab web: starting 2 host(s) on 1 network(s)");
    p.info("proving 2 listener(s) up on loopback");
    expect(lines).toEqual([expect.stringContaining("running 1 scenario(s)")]);
  });
});
