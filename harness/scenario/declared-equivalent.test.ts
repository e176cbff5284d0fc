/** Unit tests (table-driven, no Docker) for the `mutate.equivalent` key: parsed with lines, bad input positioned. */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { parseScenarioText, ScenarioError } from "./load.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");
/** A scenario of 8 lines: the declarations below start on line 9. */
const HEAD = ["name: T", "description: D", "hosts:", "  server: { firewall: true, listen: [tcp/8080] }", "  remote: {}", "steps:", "  - apply: fixtures/rules.sh", "  - expect: [remote -> server:8080 open]", ""].join("\n");

describe("mutate.equivalent", () => {
  test("declarations are read with the line of their mutant; `fwspec run`'s scenario is otherwise the same", () => {
    const plain = parseScenarioText(HEAD, FILE);
    const s = parseScenarioText(
      `${HEAD}mutate:\n  equivalent:\n    - mutant: "delete@fixtures/rules.sh:3"\n      because: "  line 4 drops the same packets  "\n    - { mutant: "swap@fixtures/rules.sh:3", because: both drop, rule: "  iptables -A INPUT\\t -p tcp  -j DROP " }\n`,
      FILE,
    );
    expect(s.declaredEquivalent).toEqual([
      { mutant: "delete@fixtures/rules.sh:3", because: "line 4 drops the same packets", line: 11, column: 15 },
      { mutant: "swap@fixtures/rules.sh:3", because: "both drop", rule: "iptables -A INPUT -p tcp -j DROP", line: 13, column: 17 },
    ]);
    expect(plain.declaredEquivalent).toBeUndefined();
    const { declaredEquivalent: _, ...rest } = s;
    expect(rest).toEqual(plain);
  });

  const BAD: readonly { title: string; yaml: string; line: number; message: RegExp }[] = [
    { title: "empty because", yaml: `mutate:\n  equivalent:\n    - mutant: "delete@r.sh:3"\n      because: ""\n`, line: 12, message: /because/ },
    { title: "blank because", yaml: `mutate:\n  equivalent:\n    - mutant: "delete@r.sh:3"\n      because: "   "\n`, line: 12, message: /`because` is blank/ },
    { title: "no because", yaml: `mutate:\n  equivalent:\n    - mutant: "delete@r.sh:3"\n`, line: 11, message: /because/ },
    { title: "no mutant", yaml: `mutate:\n  equivalent:\n    - because: "x"\n`, line: 11, message: /mutant/ },
    { title: "unknown key", yaml: `mutate:\n  equivalent:\n    - { mutant: "delete@r.sh:3", because: x, reason: y }\n`, line: 11, message: /reason/ },
    { title: "unknown key under mutate", yaml: `mutate:\n  equivalents: []\n`, line: 10, message: /equivalents/ },
    { title: "empty list", yaml: `mutate:\n  equivalent: []\n`, line: 10, message: /equivalent/ },
    { title: "blank rule", yaml: `mutate:\n  equivalent:\n    - mutant: "delete@r.sh:3"\n      because: x\n      rule: "  "\n`, line: 13, message: /`rule` is blank/ },
    { title: "declared twice", yaml: `mutate:\n  equivalent:\n    - { mutant: "delete@r.sh:3", because: x }\n    - { mutant: "delete@r.sh:3", because: y }\n`, line: 12, message: /declared equivalent twice \(first on line 11\)/ },
  ];
  test.each(BAD)("bad input: $title", ({ yaml, line, message }) => {
    let error: unknown;
    try {
      parseScenarioText(`${HEAD}${yaml}`, FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error).toBeInstanceOf(InputError);
    const d = (error as ScenarioError).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]!.message).toMatch(message);
    expect(d[0]!.line).toBe(line);
    expect(d[0]!.hint).toBeTruthy();
  });
});
