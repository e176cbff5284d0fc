/**
 * The trace monitor's relay (trace-scripts.ts RELAY), run as ARM runs it
 * (`perl -e '…'` through sh) with a stand-in `nft` that prints a monitor's
 * output in fragments, as nft does (it flushes after each): what reaches the
 * log is every byte, in whole lines, the unfinished last one at the end.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { LISTS, RELAY } from "./trace-scripts.ts";

const dir = mkdtempSync(join(tmpdir(), "fwspec-relay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `nft -a monitor`: checks its arguments, then prints lines in fragments with pauses between. */
writeFileSync(join(dir, "nft"), `#!/bin/sh
[ "$*" = "-a monitor" ] || { echo "nft: unexpected arguments: $*" >&2; exit 2; }
for i in 1 2 3; do
  printf 'trace id 0000000%s inet fwspec_trace pre ' "$i"; sleep 0.01
  printf 'rule meta nftrace set 1'; sleep 0.01
  printf ' (verdict continue)\\n'
done
printf 'delete table inet fwspec_trace'; sleep 0.01; printf ' # handle 7\\n'
printf 'no newline at the end'
`);
chmodSync(join(dir, "nft"), 0o755);

test("every byte reaches the log, in whole lines (the unfinished last one at the end)", async () => {
  const child = spawn("sh", ["-c", `perl -e '${RELAY}'`], { env: { ...process.env, PATH: `${dir}:${process.env["PATH"] ?? ""}` } });
  const chunks: string[] = [];
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => chunks.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const lines = [1, 2, 3].map((i) => `trace id 0000000${i} inet fwspec_trace pre rule meta nftrace set 1 (verdict continue)\n`);
  expect(chunks.join("")).toBe(`${lines.join("")}delete table inet fwspec_trace # handle 7\nno newline at the end`);
  // Read as the relay wrote it: no chunk but the last ends inside a line (nft alone would give one per fragment).
  expect(chunks.slice(0, -1).every((c) => c.endsWith("\n"))).toBe(true);
});

test.each([
  ["a table name", "filter\n", true],
  ["a name without its line break", "nat", true],
  ["nothing (no legacy table)", "", false],
  ["no such file", undefined, false],
])("LISTS (COLLECT's check for legacy tables, with sh's own read): %s", async (_what, content, lists) => {
  const file = join(dir, `names-${Math.random().toString(36).slice(2)}`);
  if (content !== undefined) writeFileSync(file, content);
  // After a check of a file that lists something: what that one read leaves behind decides nothing here.
  writeFileSync(join(dir, "listing"), "raw\n");
  const script = `${LISTS(join(dir, "listing"))}; ${LISTS(file)} && echo yes || echo no`;
  const child = spawn("sh", ["-c", script]);
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  await new Promise((resolve) => child.on("close", resolve));
  expect(out).toBe(lists ? "yes\n" : "no\n");
});
