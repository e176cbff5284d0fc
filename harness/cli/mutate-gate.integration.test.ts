/**
 * `fwspec mutate --min-score` as a CI gate: a run in which no mutant could be
 * scored (the scenarios apply no rules) does not pass the gate; a score of
 * "n/a" is not 100 %.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { expect, test } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");

test("nothing to mutate: --min-score fails the run, saying no mutant was scored", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-mutate-gate-"));
  writeFileSync(join(dir, "package.json"), "{}\n");
  const file = join(dir, "no-rules.yaml");
  writeFileSync(file, "name: no rules\ndescription: a scenario that applies no rules\nfamily: ipv4\nhosts:\n  server: { firewall: true, listen: [tcp/8080] }\n  remote: {}\nsteps:\n  - expect:\n      - remote -> server:8080 open\n");
  const r = await execa(process.execPath, [CLI, "mutate", file, "--min-score", "90"], { cwd: dir, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stdout).toMatch(/mutation score n\/a \(0 killed of 0 scored/);
  expect(r.stderr).toContain("fwspec: no mutant was scored (mutation score n/a), so --min-score 90 is not met");
  // Without the gate the same run passes: there was nothing wrong, only nothing to score.
  const plain = await execa(process.execPath, [CLI, "mutate", file], { cwd: dir, reject: false, all: true });
  expect(plain.exitCode, plain.all).toBe(0);
});
