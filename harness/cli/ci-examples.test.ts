/**
 * Unit tests (no Docker) for the CI recipes — docs/ci/ and the workflow
 * `fwspec init` writes: they parse as YAML, every fwspec command and flag they
 * run exists in the CLI, and `fwspec run` writes every report file it offers
 * (each option of `run` that takes a `<file>`: JUnit, JSON, HTML) into the
 * folder the job keeps as an artefact, even when a check failed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../env/images.ts";
import { starterFiles, WORKFLOW_FILE } from "../init/starter.ts";
import { buildProgram } from "./main.ts";

const DIR = join(PROJECT_ROOT, "docs", "ci");
/** `fwspec init`'s GitHub workflow, checked as the third recipe. */
const STARTER = "init: .github/workflows/fwspec.yml";

function recipeText(file: string): string {
  return file === STARTER ? starterFiles().find((f) => f.path === WORKFLOW_FILE)!.text : readFileSync(join(DIR, file), "utf8");
}

const isGitHub = (file: string) => file !== "gitlab-ci.yml";

/** The shell lines a workflow runs: GitHub `run:` steps, GitLab `script:` entries. */
function commandsOf(file: string, doc: Record<string, unknown>): string[] {
  if (isGitHub(file)) {
    const jobs = doc["jobs"] as Record<string, { steps: { run?: string }[] }>;
    return Object.values(jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? s.run.split("\n") : [])));
  }
  return Object.values(doc).flatMap((job) => ((job as { script?: string[] }).script ?? []));
}

/**
 * `fwspec <sub> [args…]` in a shell line (after sudo, env), as its words: only as `npx --no-install fwspec`
 * (fwspec is on no registry; a bare `npx fwspec` on a runner without it would install whatever has that name).
 */
function fwspecCall(line: string): string[] | undefined {
  const words = line.trim().split(/\s+/);
  const i = words.indexOf("fwspec");
  return i >= 0 && words[i - 1] === "--no-install" && words[i - 2] === "npx" ? words.slice(i + 1) : undefined;
}

function flagsOf(cmd: Command): Set<string> {
  return new Set(cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)));
}

/** `fwspec run`'s options that write a report file (`--junit <file>`, …), from the CLI itself. */
function reportFileFlags(): string[] {
  const run = buildProgram().commands.find((c) => c.name() === "run")!;
  return run.options.filter((o) => /<file>/.test(o.flags)).map((o) => o.long!);
}

/** The folder the job keeps as an artefact (always, also when fwspec exited 1). */
function keptFolder(file: string, doc: Record<string, unknown>): string | undefined {
  if (isGitHub(file)) {
    const jobs = doc["jobs"] as Record<string, { steps: { uses?: string; if?: string; with?: { path?: string } }[] }>;
    const upload = Object.values(jobs).flatMap((j) => j.steps).find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    return upload && /!cancelled\(\)|always\(\)/.test(upload.if ?? "") ? upload.with?.path : undefined;
  }
  const job = Object.values(doc)[0] as { artifacts?: { when?: string; paths?: string[] } };
  return job.artifacts?.when === "always" ? job.artifacts.paths?.[0] : undefined;
}

test("fwspec run offers JUnit, JSON and HTML report files (what the recipes must keep)", () => {
  expect(reportFileFlags().sort()).toEqual(["--html", "--json", "--junit"]);
});

describe.each([["github-actions.yml"], ["gitlab-ci.yml"], [STARTER]])("%s", (file) => {
  const text = recipeText(file);
  const doc = parse(text, { prettyErrors: true }) as Record<string, unknown>;
  const calls = commandsOf(file, doc).map(fwspecCall).filter((c) => c !== undefined);

  test("parses as YAML and runs fwspec (validate,) setup and run", () => {
    expect(calls.map((c) => c[0])).toEqual(file === STARTER ? ["setup", "run"] : ["validate", "setup", "run"]);
  });

  test("fwspec run writes every report file it offers, into the folder the job keeps", () => {
    const run = calls.find((c) => c[0] === "run")!;
    const kept = keptFolder(file, doc);
    expect(kept, "an artefact kept also when a check failed").toBeDefined();
    for (const flag of reportFileFlags()) {
      expect(run, `fwspec run ${flag}`).toContain(flag);
      expect(run[run.indexOf(flag) + 1]!.startsWith(kept!.replace(/\/?$/, "/")), `${flag} ${run[run.indexOf(flag) + 1]} is under ${kept}`).toBe(true);
    }
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
    expect(text).toContain(isGitHub(file) ? `path: ${path.split("/")[0]}/` : `junit: ${path}`);
  });
});

test.each([["github-actions.yml"], [STARTER]])("the GitHub workflow %s has the shape Actions needs (on, jobs with runs-on and steps)", (file) => {
  const doc = parse(recipeText(file)) as { on: unknown; jobs: Record<string, { "runs-on": string; steps: unknown[] }> };
  expect(doc.on).toBeDefined();
  for (const job of Object.values(doc.jobs)) {
    expect(job["runs-on"]).toMatch(/^ubuntu-/);
    expect(job.steps.length).toBeGreaterThan(0);
  }
});
