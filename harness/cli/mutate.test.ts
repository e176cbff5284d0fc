/** Unit tests (no Docker) for mutate.ts: report paths that can be no file are bad input before any scenario is read or lab started; the exit's reasons. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../errors.ts";
import { gateFailures, runMutate } from "./mutate.ts";
import type { MutantOutcome } from "../mutate/classify.ts";
import { type MutationReport, NOTHING_TO_MUTATE, type ScenarioMutation } from "../mutate/run.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-mutate-"));
writeFileSync(path.join(dir, "rules.sh"), "");

describe("fwspec mutate: report paths refused up front", () => {
  test.each<[string, { json?: string; html?: string }, RegExp]>([
    ["--json empty", { json: "" }, /^--json '' names no file$/],
    ["--html an existing folder", { html: dir }, /^--html .* is a folder \(.*\), not a file$/],
    ["--json under a file", { json: path.join(dir, "rules.sh", "m.json") }, /^--json .*: .*rules\.sh is not a folder$/],
  ])("%s", async (_, opts, message) => {
    // The scenario path names nothing: the report path is refused before the scenarios are read.
    const run = runMutate([path.join(dir, "no-such.yaml")], opts);
    await expect(run).rejects.toThrow(message);
    await expect(runMutate([path.join(dir, "no-such.yaml")], opts)).rejects.toMatchObject({ exitCode: EXIT.badInput });
  });
});

test("a report path naming the scenario's rules file is refused before any lab (tester 44e: mutate --html rules.sh replaced it)", async () => {
  writeFileSync(path.join(dir, "fwspec.config.json"), "{}\n");
  writeFileSync(path.join(dir, "rules.sh"), "iptables -A INPUT -p tcp --dport 22 -j ACCEPT\n");
  writeFileSync(path.join(dir, "s.yaml"), "name: n\ndescription: d\nhosts:\n  server: { firewall: true, listen: [tcp/22] }\n  remote: {}\nsteps:\n  - apply: rules.sh\n  - expect: [remote -> server:22 open]\n");
  const run = runMutate([path.join(dir, "s.yaml")], { html: path.join(dir, "rules.sh") });
  await expect(run).rejects.toThrow(/^--html .*rules\.sh would overwrite the rules file .*rules\.sh$/);
});

describe("gateFailures: why a finished mutation run exits 1", () => {
  const mutant = (id: string, status: MutantOutcome["status"], more: Partial<MutantOutcome> = {}): MutantOutcome => ({ id, operator: "delete", status, changes: [], detail: "", ...more });
  const report = (mutants: MutantOutcome[], more: Partial<ScenarioMutation> = {}): MutationReport => {
    const counts = { killed: 0, survived: 0, equivalent: 0, unreachable: 0, error: 0 };
    for (const m of mutants) counts[m.status]++;
    const scored = counts.killed + counts.survived;
    return { scenarios: [{ file: "a.yaml", name: "a", mutants, durationMs: 1, ...more }], counts, score: scored === 0 ? undefined : (100 * counts.killed) / scored, durationMs: 1000, stopped: false, total: 1 };
  };
  test.each<[string, MutationReport, number | undefined, RegExp[]]>([
    ["all killed, no gate", report([mutant("delete@r:1", "killed")]), undefined, []],
    ["all killed, gate met", report([mutant("delete@r:1", "killed"), mutant("delete@r:2", "survived")]), 50, []],
    ["below the gate", report([mutant("delete@r:1", "killed"), mutant("delete@r:2", "survived")]), 60, [/^mutation score 50.0 % is below --min-score 60$/]],
    ["nothing scored, gate", report([mutant("delete@r:1", "equivalent")]), 10, [/^no mutant was scored \(mutation score n\/a\), so --min-score 10 is not met\n {2}hint: /]],
    ["nothing scored, no gate", report([mutant("delete@r:1", "equivalent")]), undefined, []],
    ["original fails", report([], { skipped: "the original scenario does not pass" }), undefined, [/^1 scenario\(s\) not mutated because the original does not pass$/]],
    ["nothing to mutate", report([], { skipped: NOTHING_TO_MUTATE }), undefined, []],
    ["a declaration contradicted", report([mutant("delete@r:3", "killed", { contradicts: true, declared: true }), mutant("delete@r:1", "killed")]), undefined, [/^1 mutant\(s\) the scenarios declare equivalent were killed \(delete@r:3\): each declaration is wrong\n {2}hint: remove those entries/]],
    ["a proof contradicted", report([mutant("swap@r:4", "killed", { contradicts: true })]), undefined, [/^1 mutant\(s\) fwspec claimed before running were killed \(swap@r:4\): fwspec's proof was wrong\n {2}hint: this is a bug in fwspec/]],
    ["claims checked and held", report([mutant("delete@r:3", "equivalent", { checkedClaim: true, declared: true }), mutant("delete@r:1", "killed")]), undefined, []],
    ["both contradicted, below the gate", report([mutant("delete@r:3", "killed", { contradicts: true, declared: true }), mutant("swap@r:4", "killed", { contradicts: true }), mutant("delete@r:5", "survived")]), 90, [/declare equivalent were killed/, /fwspec claimed before running were killed/, /is below --min-score 90$/]],
  ])("%s", (_, r, minScore, expected) => {
    const failures = gateFailures(r, minScore);
    expect(failures).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(failures[i]).toMatch(pattern));
  });
});
