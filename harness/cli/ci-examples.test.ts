/** Unit tests (no Docker) for docs/ci/: the workflows parse as YAML, and every fwspec command and flag they run exists in the CLI. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../env/images.ts";
import { buildProgram } from "./main.ts";

const DIR = join(PROJECT_ROOT, "docs", "ci");

/** The shell lines a workflow runs: GitHub `run:` steps, GitLab `script:` entries. */
function commandsOf(file: string, doc: Record<string, unknown>): string[] {
  if (file === "github-actions.yml") {
    const jobs = doc["jobs"] as Record<string, { steps: { run?: string }[] }>;
    return Object.values(jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? s.run.split("\n") : [])));
  }
  return Object.values(doc).flatMap((job) => ((job as { script?: string[] }).script ?? []));
}

/** `fwspec <sub> [args…]` in a shell line (after npx, sudo, env), as its words. */
function fwspecCall(line: string): string[] | undefined {
  const words = line.trim().split(/\s+/);
  const i = words.indexOf("fwspec");
  return i >= 0 && words[i - 1] === "npx" ? words.slice(i + 1) : undefined;
}

function flagsOf(cmd: Command): Set<string> {
  return new Set(cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)));
}

describe.each([["github-actions.yml"], ["gitlab-ci.yml"]])("docs/ci/%s", (file) => {
  const text = readFileSync(join(DIR, file), "utf8");
  const doc = parse(text, { prettyErrors: true }) as Record<string, unknown>;
  const calls = commandsOf(file, doc).map(fwspecCall).filter((c) => c !== undefined);

  test("parses as YAML and runs fwspec validate, setup and run", () => {
    expect(calls.map((c) => c[0])).toEqual(["validate", "setup", "run"]);
  });

  test("every fwspec command and flag it uses is in the CLI", () => {
    const program = buildProgram();
    for (const [sub, ...args] of calls) {
      const cmd = program.commands.find((c) => c.name() === sub);
      expect(cmd, `fwspec ${sub}`).toBeDefined();
      for (const flag of args.filter((a) => a.startsWith("-"))) expect(flagsOf(cmd!).has(flag.split("=")[0]!), `fwspec ${sub} ${flag}`).toBe(true);
    }
  });

  test("the JUnit report it writes is the one it keeps", () => {
    const junit = calls.find((c) => c[0] === "run")!;
    const path = junit[junit.indexOf("--junit") + 1]!;
    expect(text).toContain(file === "gitlab-ci.yml" ? `junit: ${path}` : `path: ${path.split("/")[0]}/`);
  });
});

test("the GitHub workflow has the shape Actions needs (on, jobs with runs-on and steps)", () => {
  const doc = parse(readFileSync(join(DIR, "github-actions.yml"), "utf8")) as { on: unknown; jobs: Record<string, { "runs-on": string; steps: unknown[] }> };
  expect(doc.on).toBeDefined();
  for (const job of Object.values(doc.jobs)) {
    expect(job["runs-on"]).toMatch(/^ubuntu-/);
    expect(job.steps.length).toBeGreaterThan(0);
  }
});
