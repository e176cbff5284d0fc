/**
 * Declared equivalent mutants (declared.ts, run.ts, render.ts), table-driven on the in-memory lab: a declared
 * mutant is reported equivalent with the author's reason and not run; run anyway, a kill contradicts the
 * declaration; an id that names no mutant is bad input with the nearest ids; `--mutant` runs only the named ones.
 */
import path from "node:path";
import { execa } from "execa";
import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { ScenarioError } from "../scenario/diagnostics.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";
import type { MutantOutcome } from "./classify.ts";
import { auditedDeclaration, nearestIds, unknownIdHint } from "./declared.ts";
import { equivalentNote, summaryLine } from "./render.ts";
import { mutateScenarios, plannedMutants } from "./run.ts";
import { OPERATORS } from "./operators.ts";
import { WEAK } from "./testdata/weak.ts";

const INPUT = WEAK;
const declaring = (equivalent: { mutant: string; because: string; rule?: string }[]) => defineScenario({ ...INPUT, mutate: { equivalent } });
const SURVIVOR = "delete@<inline>:1#3"; // the ip6tables twin: survives on the old code
const KILLED = "delete@<inline>:1"; // 8080's DROP: killed

const statusOf = (outcomes: readonly MutantOutcome[], id: string) => {
  const m = outcomes.find((o) => o.id === id)!;
  return `${m.status}${m.ran === false ? " (not run)" : ""}${m.contradicts ? " CONTRADICTS" : ""}: ${m.detail}`;
};

describe("declared equivalent mutants", () => {
  test("a declared survivor is equivalent with the author's reason, not run, and counted apart", async () => {
    const report = await mutateScenarios([declaring([{ mutant: SURVIVOR, because: "IPv6 is not in scope here" }])], { provider: new FakeLabProvider(), operators: ["delete"] });
    const mutants = report.scenarios[0]!.mutants;
    expect(statusOf(mutants, SURVIVOR)).toBe("equivalent (not run): declared by the scenario (line 1): IPv6 is not in scope here");
    expect(report.counts).toEqual({ killed: 1, survived: 0, equivalent: 2, unreachable: 0, error: 0 });
    expect(summaryLine(report)).toMatch(/\(1 killed of 1 scored; 2 equivalent \(1 proven before running, 1 declared by the scenario, not run; 1 only because no probe reached the changed rule\) and 0 errors not scored\)/);
  });

  test.each([false, true])("a declaration of a mutant fwspec proves equivalent itself says it can go (runEquivalent %s)", async (runEquivalent) => {
    const proven = "delete@<inline>:1#2"; // 8082's DROP counted no probe
    const report = await mutateScenarios([declaring([{ mutant: proven, because: "8082 is never probed" }])], { provider: new FakeLabProvider(), operators: ["delete"], runEquivalent });
    expect(statusOf(report.scenarios[0]!.mutants, proven)).toMatch(/^equivalent.*: `iptables -A INPUT -p tcp --dport 8082 -j DROP` counted no probed packet .* \(the scenario also declares it, line 1: fwspec proves it, so the declaration can go\)$/);
  });

  test.each([
    { title: "a declaration that holds", id: SURVIVOR, want: "equivalent: declared by the scenario (line 1): no", note: "1 declared by the scenario and run anyway: 0 of those killed" },
    { title: "a declaration that is wrong", id: KILLED, want: "killed CONTRADICTS: `remote -> server:8080 dropped` [ipv4] (line 1): open, expected dropped — CONTRADICTS the equivalence the scenario declares (line 1): the declaration is wrong; remove it", note: "1 declared by the scenario and run anyway: 1 of those killed" },
  ])("--run-equivalent audits $title", async ({ id, want, note }) => {
    const report = await mutateScenarios([declaring([{ mutant: id, because: "no" }])], { provider: new FakeLabProvider(), operators: ["delete"], runEquivalent: true });
    expect(statusOf(report.scenarios[0]!.mutants, id)).toBe(want);
    expect(summaryLine(report)).toContain(`(1 proven before running and run anyway: 0 of those killed; ${note}; 1 only because no probe reached the changed rule)`);
  });

  test("an id that names no mutant (by any operator) is bad input at its line, with the nearest ids; --operators does not rot a declaration", () => {
    const operators = OPERATORS.filter((o) => o.name === "delete");
    expect(() => plannedMutants([declaring([{ mutant: "swap@<inline>:1", because: "both drop" }])], operators)).not.toThrow();
    let error: unknown;
    try {
      plannedMutants([declaring([{ mutant: "delete@<inline>:2", because: "x" }])], operators);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).message).toBe("<inline>:1:1: mutate.equivalent declares mutant `delete@<inline>:2`, but fwspec generates no mutant with that id (did the rules change?)\n  hint: did you mean `delete@<inline>:1`? nearest ids: `delete@<inline>:1`, `delete@<inline>:1#2`, `delete@<inline>:1#3` (`fwspec mutate` prints every id)");
  });

  test.each([
    { title: "the rule the id names", rule: "iptables -A INPUT -p tcp --dport 8080 -j DROP", error: undefined },
    { title: "the rule the id names, spaced otherwise", rule: "  iptables -A INPUT  -p tcp\t--dport 8080 -j DROP ", error: undefined },
    {
      title: "another rule (the id re-targeted)",
      rule: "iptables -A INPUT -p tcp --dport 8082 -j DROP",
      error:
        "<inline>:1:1: mutate.equivalent declares mutant `delete@<inline>:1` for the rule `iptables -A INPUT -p tcp --dport 8082 -j DROP`, but that mutant changes `iptables -A INPUT -p tcp --dport 8080 -j DROP` (did the rules file change?)\n  hint: the declared rule is now changed by `delete@<inline>:1#2`; check the reason still holds, then make `mutant` the id that changes the declared rule, or `rule` the rule the id now changes (`fwspec mutate` prints every id)",
    },
    {
      title: "a rule no mutant by that operator changes",
      rule: "iptables -A INPUT -p tcp --dport 9999 -j DROP",
      error:
        "<inline>:1:1: mutate.equivalent declares mutant `delete@<inline>:1` for the rule `iptables -A INPUT -p tcp --dport 9999 -j DROP`, but that mutant changes `iptables -A INPUT -p tcp --dport 8080 -j DROP` (did the rules file change?)\n  hint: check the reason still holds, then make `mutant` the id that changes the declared rule, or `rule` the rule the id now changes (`fwspec mutate` prints every id)",
    },
  ])("a declaration's `rule`: $title", ({ rule, error }) => {
    const plan = () => plannedMutants([declaring([{ mutant: KILLED, because: "x", rule }])], OPERATORS);
    if (error === undefined) expect(plan).not.toThrow();
    else expect(plan).toThrow(ScenarioError);
    if (error !== undefined) expect(plan).toThrow(error);
  });

  test("--mutant runs only the named mutants; an unknown id is bad input with the nearest ids", async () => {
    const provider = new FakeLabProvider();
    const report = await mutateScenarios([defineScenario(INPUT)], { provider, only: [SURVIVOR, "swap@<inline>:1"] });
    expect(report.scenarios[0]!.mutants.map((m) => `${m.id} ${m.status}`)).toEqual([`${SURVIVOR} survived`, "swap@<inline>:1 equivalent"]);
    expect(report.stopped).toBe(false);
    expect(() => plannedMutants([defineScenario(INPUT)], OPERATORS, ["delete@<inline>:9"])).toThrow(InputError);
    expect(() => plannedMutants([defineScenario(INPUT)], OPERATORS, ["delete@<inline>:9"])).toThrow(/^--mutant: no mutant has the id `delete@<inline>:9`$/);
  });

  test.each([
    { outcome: "killed", want: { status: "killed", contradicts: true, declared: true } },
    { outcome: "survived", want: { status: "equivalent", detail: "declared by the scenario (line 7): r", checkedClaim: true, declared: true } },
    { outcome: "equivalent", want: { status: "equivalent", detail: "declared by the scenario (line 7): r", checkedClaim: true, declared: true } },
    { outcome: "error", want: { status: "error", detail: "d", declared: true } },
  ] as const)("auditedDeclaration of a $outcome run", ({ outcome, want }) => {
    const o = auditedDeclaration({ id: "x", operator: "delete", status: outcome, changes: [], detail: "d" }, { mutant: "x", because: "r", line: 7, column: 9 });
    expect(o).toMatchObject(want);
  });

  const base = { id: "x", operator: "delete", changes: [], detail: "d" } as const;
  test.each([
    { mutants: [], want: "" },
    { mutants: [{ ...base, status: "equivalent", ran: false }], want: " (1 proven before running, not run)" },
    { mutants: [{ ...base, status: "equivalent", ran: false, declared: true }], want: " (0 proven before running, 1 declared by the scenario, not run)" },
    { mutants: [{ ...base, status: "equivalent", checkedClaim: true }, { ...base, status: "killed", contradicts: true }], want: " (2 proven before running and run anyway: 1 of those killed)" },
    { mutants: [{ ...base, status: "killed", contradicts: true, declared: true }], want: " (1 declared by the scenario and run anyway: 1 of those killed)" },
    // Equivalent only because no probe reached the rule (a check there would tell): counted apart; a rule-only proof is not.
    { mutants: [{ ...base, status: "equivalent", ran: false, detail: "`-A INPUT -j DROP` counted no probed packet in the original run (main or parity probe), …" }, { ...base, status: "equivalent", ran: false, detail: "both rules decide DROP" }], want: " (2 proven before running, not run; 1 only because no probe reached the changed rule)" },
    { mutants: [{ ...base, status: "equivalent", detail: "`tcp dport 9 drop` has no counter and no trace named it: traced no probed packet in the original run (…)" }], want: " (1 only because no probe reached the changed rule)" },
  ] as const)("equivalentNote $want", ({ mutants, want }) => {
    expect(equivalentNote(mutants as readonly MutantOutcome[])).toBe(want);
  });

  test("nearestIds: closest first, ties in order", () => {
    expect(nearestIds("delete@f.nft:139", ["swap@f.nft:139", "delete@f.nft:13", "delete@f.nft:138", "delete@f.nft:9"], 2)).toEqual(["delete@f.nft:13", "delete@f.nft:138"]);
  });

  test.each([
    {
      title: "names no mutant",
      file: "declared-rot.yaml",
      says: [
        "harness/mutate/testdata/declared-rot.yaml:17:15: mutate.equivalent declares mutant `delete@declared-rot.yaml:12`",
        "did you mean `delete@declared-rot.yaml:10`? nearest ids: `delete@declared-rot.yaml:10`, `delete@declared-rot.yaml:11`",
      ],
      not: "declared-rot.yaml:15:15",
    },
    {
      title: "names a mutant of another rule than its `rule`",
      file: "declared-retarget.yaml",
      says: [
        "harness/mutate/testdata/declared-retarget.yaml:15:15: mutate.equivalent declares mutant `delete@declared-retarget.yaml:10` for the rule `iptables -A INPUT -p tcp --dport 8081 -j DROP`, but that mutant changes `iptables -A INPUT -p tcp --dport 8080 -j ACCEPT`",
        "hint: the declared rule is now changed by `delete@declared-retarget.yaml:11`;",
      ],
      not: "docker",
    },
  ])("the command: a declaration that $title exits 2 before any container, naming file, line, id and the way out", async ({ file, says, not }) => {
    const root = path.resolve(import.meta.dirname, "../..");
    const r = await execa(process.execPath, [path.join(root, "harness/cli/main.ts"), "mutate", `harness/mutate/testdata/${file}`], { cwd: root, reject: false, all: true });
    expect(r.exitCode).toBe(2);
    for (const text of says) expect(r.all).toContain(text);
    expect(r.all).not.toContain(not);
  });
});

describe("unknownIdHint", () => {
  test.each<[string, string, readonly string[], string]>([
    ["an id without its change tag: the whole ids it begins (tester 43d)", "port@web.nft:14", ["port@web.nft:14 dport 22→23", "port@web.nft:15 dport 80→81"], "an id ends with its change; give it whole, quoted: `port@web.nft:14 dport 22→23`"],
    ["a typo: the nearest", "delete@web.nft:41", ["delete@web.nft:14", "delete@web.nft:15"], "did you mean `delete@web.nft:14`? nearest ids: `delete@web.nft:14`, `delete@web.nft:15` (`fwspec mutate` prints every id)"],
  ])("%s", (_, id, ids, hint) => {
    expect(unknownIdHint(id, ids)).toBe(hint);
  });
});
