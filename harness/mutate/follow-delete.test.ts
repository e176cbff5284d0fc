/**
 * A later `-D` of a changed rule by its text follows the change (pure): the
 * delete names the changed text, or goes with a deleted rule, so the mutant is
 * judged by the scenario's checks instead of failing its later apply. Not
 * followed: deletes by position, another host, family, table or chain, an
 * identical rule added in between, a flush in between, a reboot in between,
 * another rule of the changed text in the chain (the delete could take it),
 * changes that keep the rule's text (`-I 1` → `-A`), restore files.
 */
import { describe, expect, test } from "vitest";
import type { HostSpec } from "../model/types.ts";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { ruleCommand } from "./follow-delete.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";

const at = { file: "/p/s.yaml", line: 3, column: 1 };
const hosts: HostSpec[] = [
  { name: "server", firewall: true, backend: "legacy", listen: [] },
  { name: "other", firewall: true, backend: "legacy", listen: [] },
];
const commands = (...texts: string[]): RuleSource => ({ kind: "commands", commands: texts.map((t) => t.split(" ")) });
const script = (...lines: string[]): RuleSource => ({ kind: "script", path: "/p/rules.sh", content: `${lines.join("\n")}\n` });
const apply = (source: RuleSource, host = "server"): Step => ({ kind: "apply", host, sources: [source], location: at });
const reboot: Step = { kind: "reboot", host: "server", location: at } as Step;
const scenario = (...steps: Step[]): Scenario => ({ file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2, hosts, steps });

const DROP = "iptables -A INPUT -p tcp --dport 8080 -j DROP";
const DELETE = "iptables -D INPUT -p tcp --dport 8080 -j DROP";

/** The mutant of `operator` whose rule change is of `before`: every change after the first, as `before → after`. */
function followed(s: Scenario, operator: string, before = DROP): string[] {
  const m = mutantsOf(s, selectOperators([operator])).find((x) => x.changes[0]!.before === before);
  if (!m) throw new Error(`no ${operator} mutant of ${before}`);
  return m.changes.slice(1).map((c) => `${c.before} → ${c.after ?? "(deleted)"}`);
}

describe("ruleCommand", () => {
  test.each([
    // [words, table, op, chain, position, spec]
    ["-A INPUT -p tcp -j DROP", "filter", "-A", "INPUT", undefined, "-p tcp -j DROP"],
    ["-I INPUT 1 -p tcp -j DROP", "filter", "-I", "INPUT", "1", "-p tcp -j DROP"],
    ["-I INPUT -p tcp -j DROP", "filter", "-I", "INPUT", undefined, "-p tcp -j DROP"],
    ["-D INPUT 2", "filter", "-D", "INPUT", "2", ""],
    ["-t nat --delete PREROUTING -p tcp -j DNAT --to-destination 198.18.0.2", "nat", "-D", "PREROUTING", undefined, "-p tcp -j DNAT --to-destination 198.18.0.2"],
    ["-D INPUT -p tcp -t mangle -j DROP", "mangle", "-D", "INPUT", undefined, "-p tcp -j DROP"],
  ])("%s", (words, table, op, chain, position, spec) => {
    const c = ruleCommand(words.split(" "));
    expect({ table: c.table, op: c.op, chain: c.chain, position: c.position, spec: c.spec.join(" ") }).toEqual({ table, op, chain, position, spec });
  });

  test.each([
    ["-F", undefined],
    ["-F INPUT", "INPUT"],
    ["-t nat -X", undefined],
  ])("%s flushes", (words, chain) => {
    expect(ruleCommand(words.split(" ")).flushes).toEqual({ chain });
  });
});

describe("a later delete by text follows the changed rule", () => {
  // Scenario block-port/11's shape: appended, checked, deleted by text, inserted first.
  const s11 = scenario(apply(commands("iptables -A INPUT -p tcp -j ACCEPT", DROP)), apply(commands(DELETE, "iptables -I INPUT 1 -p tcp --dport 8080 -j DROP")));

  test.each([
    ["accept-drop", [`${DELETE} → iptables -D INPUT -p tcp --dport 8080 -j ACCEPT`]],
    ["drop-reject", [`${DELETE} → iptables -D INPUT -p tcp --dport 8080 -j REJECT`]],
    ["port", [`${DELETE} → iptables -D INPUT -p tcp --dport 8081 -j DROP`]],
    ["delete", [`${DELETE} → (deleted)`]],
  ])("%s", (operator, changes) => {
    expect(followed(s11, operator)).toEqual(changes);
  });

  test("the mutant scenario's later apply deletes the changed rule", () => {
    const m = mutantsOf(s11, selectOperators(["accept-drop"])).find((x) => x.changes[0]!.before === DROP)!;
    const later = m.scenario.steps[1] as Extract<Step, { kind: "apply" }>;
    expect(later.sources[0]).toEqual(commands("iptables -D INPUT -p tcp --dport 8080 -j ACCEPT", "iptables -I INPUT 1 -p tcp --dport 8080 -j DROP"));
    // The rule lines the proofs look at stay the changed rule's.
    expect(m.lines.map((l) => l.text)).toEqual([DROP]);
  });

  test("in a script, with the table named", () => {
    const s = scenario(apply(script("iptables -t mangle -A INPUT -p tcp --dport 8080 -j DROP", "echo done", "iptables -t mangle -D INPUT -p tcp --dport 8080 -j DROP")));
    expect(followed(s, "accept-drop", "iptables -t mangle -A INPUT -p tcp --dport 8080 -j DROP")).toEqual([
      "iptables -t mangle -D INPUT -p tcp --dport 8080 -j DROP → iptables -t mangle -D INPUT -p tcp --dport 8080 -j ACCEPT",
    ]);
  });

  test.each([
    ["a delete by position", [apply(commands(DROP)), apply(commands("iptables -D INPUT 1"))]],
    ["another host's delete", [apply(commands(DROP)), apply(commands(DELETE), "other")]],
    ["the other family's delete", [apply(commands(DROP)), apply(commands("ip6tables -D INPUT -p tcp --dport 8080 -j DROP"))]],
    ["another chain's delete", [apply(commands(DROP)), apply(commands("iptables -D OUTPUT -p tcp --dport 8080 -j DROP"))]],
    ["another table's delete", [apply(commands(DROP)), apply(commands("iptables -t mangle -D INPUT -p tcp --dport 8080 -j DROP"))]],
    ["an identical rule added in between", [apply(commands(DROP, DROP.replace("-A", "-I"), DELETE))]],
    ["the chain flushed in between", [apply(commands(DROP, "iptables -F INPUT", DELETE))]],
    ["every chain flushed in between", [apply(commands(DROP, "iptables -F", DELETE))]],
    ["a reboot in between", [apply(commands(DROP)), reboot, apply(commands(DELETE))]],
    ["another rule of the changed text in the chain", [apply(commands("iptables -A INPUT -p tcp --dport 8080 -j ACCEPT", DROP)), apply(commands(DELETE))]],
  ])("not followed: %s", (_, steps) => {
    expect(followed(scenario(...steps), "accept-drop")).toEqual([]);
  });

  test("not followed: a change that keeps the rule's text (-I 1 → -A)", () => {
    const insert = "iptables -I INPUT 1 -p tcp --dport 8080 -j DROP";
    expect(followed(scenario(apply(commands("iptables -A INPUT -j ACCEPT", insert, DELETE))), "insert-append", insert)).toEqual([]);
  });

  test("another chain flushed in between leaves it followed", () => {
    expect(followed(scenario(apply(commands(DROP, "iptables -F OUTPUT", DELETE))), "accept-drop")).toEqual([`${DELETE} → iptables -D INPUT -p tcp --dport 8080 -j ACCEPT`]);
  });
});
