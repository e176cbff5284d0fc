/**
 * 40-odd hostile scenario files (testdata/hostile/NN-what.yaml, each saying in a
 * `# attacks:` line what it attacks and in `# expect:` what the message says)
 * through the real `fwspec validate` CLI: exit 2, exactly one diagnostic with
 * the file's name and a line, no stack trace, no raw control bytes, no CI
 * command lines. No Docker.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import pLimit from "p-limit";
import { describe, expect, test } from "vitest";
import { hasCiCommandLine, hasRawControl } from "../text.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIR = "harness/scenario/testdata/hostile";
const FILES = readdirSync(path.join(ROOT, DIR)).filter((f) => f.endsWith(".yaml")).sort();
const limit = pLimit(2);

function header(file: string, key: string): string {
  const text = readFileSync(path.join(ROOT, DIR, file), "latin1");
  const line = text.split(/\r\n|\r|\n/).find((l) => l.startsWith(`# ${key}: `));
  if (!line) throw new Error(`${file} has no \`# ${key}:\` line`);
  return line.slice(`# ${key}: `.length);
}

const runs = new Map(
  FILES.map((f) => [f, limit(() => execa(process.execPath, ["harness/cli/main.ts", "validate", `${DIR}/${f}`], { cwd: ROOT, reject: false, stripFinalNewline: false }))]),
);

describe("hostile scenario files: one clear message each, exit 2", () => {
  test("there are at least 40, each saying what it attacks", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(40);
    for (const f of FILES) expect(header(f, "attacks")).not.toBe("");
  });

  test.each(FILES)("%s", async (file) => {
    const r = await runs.get(file)!;
    const out = `${r.stdout}${r.stderr}`;
    expect(r.exitCode, out).toBe(2);
    const diagnostics = r.stderr.split("\n").filter((l) => new RegExp(`^\\S*${DIR}/${file.replace(/\./g, "\\.")}:\\d+:\\d+: `).test(l));
    expect(diagnostics, out).toHaveLength(1);
    expect(r.stderr).toMatch(/^fwspec: 1 problem\(s\) in scenario files; no container was started\n/);
    expect(diagnostics[0]).toContain(header(file, "expect"));
    expect(r.stderr, "a hint").toMatch(/\n {2}hint: \S/);
    expect(out, "no stack trace").not.toMatch(/\n\s+at .*:\d+:\d+\)?\n|unexpected error|internal error/);
    expect(hasRawControl(out), "no raw control characters").toBe(false);
    expect(hasCiCommandLine(out), "no CI command lines").toBe(false);
    // Each test awaits its own CLI run, queued two at a time behind the others: on a loaded machine that is
    // well over vitest's default 5 s (seen at load 15 on 2 cores), which says nothing about the messages.
  }, 120_000);
});
