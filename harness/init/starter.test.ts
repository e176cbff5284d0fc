/** Unit tests (temporary directory, no Docker) for starter.ts: the example loads, the workflow is the promised one, and which files are written, kept or refused. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { validateFiles } from "../scenario/validate-files.ts";
import { NPMRC_FILE, planWrites, schemaPath, starterFiles, WORKFLOW_FILE } from "./starter.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "fwspec-starter-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the example", () => {
  test("written to an empty directory, it passes validation (no interfaces of this machine involved)", () => {
    for (const f of starterFiles()) {
      mkdirSync(path.dirname(path.join(tmp, f.path)), { recursive: true });
      writeFileSync(path.join(tmp, f.path), f.text);
    }
    const { files } = validateFiles([path.join(tmp, "scenarios")], {});
    expect(files).toEqual([path.join(tmp, "scenarios", "example.yaml")]);
  });

  test("the scenario's schema line points at the installed package's schema", () => {
    const scenario = starterFiles().find((f) => f.path === "scenarios/example.yaml")!;
    expect(scenario.text.split("\n")[0]).toBe("# yaml-language-server: $schema=../node_modules/fwspec/schema/scenario.schema.json");
  });

  test.each([
    [undefined, "run `npx fwspec init --from` on them"],
    ["/home/me/fwspec/bin/fwspec", "run `/home/me/fwspec/bin/fwspec init --from` on them"],
  ])("its description names `init --from` as the user ran init (%s)", (invocation, words) => {
    const scenario = starterFiles(invocation).find((f) => f.path === "scenarios/example.yaml")!;
    expect((parse(scenario.text) as { description: string }).description.replace(/\s+/g, " ")).toContain(words);
  });

  test("the workflow: a Linux runner, npm ci, fwspec setup, fwspec run with its report files (the CI recipes test checks they are kept)", () => {
    const wf = parse(starterFiles().find((f) => f.path === WORKFLOW_FILE)!.text) as { jobs: { fwspec: { "runs-on": string; steps: { run?: string }[] } } };
    expect(wf.jobs.fwspec["runs-on"]).toMatch(/^ubuntu-/);
    expect(wf.jobs.fwspec.steps.flatMap((s) => (s.run ? [s.run] : []))).toEqual([
      "npm ci",
      'sudo -E env "PATH=$PATH" npx --no-install fwspec setup',
      'sudo -E env "PATH=$PATH" npx --no-install fwspec run --junit reports/fwspec-junit.xml --json reports/fwspec.json --html reports/fwspec.html',
    ]);
  });

  test("an .npmrc whose script shell (bash) execs fwspec, so a CI cancel reaches it; an existing one is kept", () => {
    const npmrc = starterFiles().find((f) => f.path === NPMRC_FILE)!;
    expect(npmrc.text).toMatch(/^script-shell=\/bin\/bash$/m);
    expect(npmrc.ifExists).toBe("keep");
  });
});

describe("schemaPath", () => {
  test.each([
    ["scenarios", "../node_modules/fwspec/schema/scenario.schema.json"],
    ["infra/fw/scenarios", "../../../node_modules/fwspec/schema/scenario.schema.json"],
    [".", "node_modules/fwspec/schema/scenario.schema.json"],
  ])("%s", (dir, rel) => {
    expect(schemaPath(dir)).toBe(rel);
  });
});

describe("planWrites", () => {
  const files = [
    { path: "s.yaml", text: "", ifExists: "conflict" as const },
    { path: "fwspec.config.json", text: "", ifExists: "keep" as const },
  ];
  test.each([
    ["nothing exists", [], false, ["s.yaml", "fwspec.config.json"], [], []],
    ["the scenario exists: a conflict, not written", ["s.yaml"], false, ["fwspec.config.json"], [], ["s.yaml"]],
    ["the scenario exists, --force: written", ["s.yaml"], true, ["s.yaml", "fwspec.config.json"], [], ["s.yaml"]],
    ["the config exists: kept, also with --force", ["fwspec.config.json"], true, ["s.yaml"], ["fwspec.config.json"], []],
  ] as const)("%s", (_title, existing, force, write, kept, conflicts) => {
    const p = planWrites(files, (rel) => (existing as readonly string[]).includes(rel), force);
    expect({ write: p.write.map((f) => f.path), kept: p.kept, conflicts: p.conflicts }).toEqual({ write, kept, conflicts });
  });
});
