/**
 * Every problem of a scenario file is reported, in file order, each at its
 * line and column with a hint: two on one line too (two unknown keys, an
 * expectation with a bad host and a bad verdict, a held line with an unknown
 * hold and a bad verdict), and at most MAX_DIAGNOSTICS of them, then how many
 * more. Unit tests (no Docker).
 */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { formatDiagnostic, loadScenarioSync, parseScenarioText, ScenarioError } from "./load.ts";
import { MAX_DIAGNOSTICS } from "./diagnostics.ts";

const FILE = path.join(import.meta.dirname, "testdata", "several-problems.yaml");

function problemsOf(load: () => unknown): ScenarioError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return error as ScenarioError;
  }
  throw new Error("expected a ScenarioError, the scenario was accepted");
}

describe("every problem of a file, in file order", () => {
  const error = problemsOf(() => loadScenarioSync(FILE));
  const found = error.diagnostics.map((d) => `${d.line}:${d.column} ${d.message.replace(/ \(in `.*`\)$/, "")}`);
  test.each([
    // line 4: two unknown keys
    ["4:47 unknown key `colour` in `hosts.server`"],
    ["4:60 unknown key `size` in `hosts.server`"],
    // line 8: a bad source host and a bad verdict
    ["8:9 unknown host `clinet`"],
    ["8:29 unknown verdict `opne`"],
    // line 9: a bad target host and a bad port
    ["9:19 unknown host `servr`"],
    ["9:25 port `99999` is not a number from 1 to 65535"],
    // line 10: a bad source address and a bad protocol
    ["10:16 `nowhere` after `@` is not an address"],
    ["10:37 unknown protocol `tcpp`"],
    // line 11 (object form): a bad host, a bad range and a bad verdict
    ["11:17 unknown host `clinet`"],
    ["11:45 port `99999` is not a number from 1 to 65535"],
    ["11:61 unknown verdict `opne`"],
    // line 13: a held line with an unknown hold and a bad verdict
    ["13:14 unknown hold `sesion`"],
    ["13:21 unknown verdict `opne`"],
  ])("%s", (problem) => {
    expect(found).toContain(problem);
  });

  test("nothing else, sorted by line and column, each with a hint", () => {
    expect(found).toHaveLength(13);
    const positions = error.diagnostics.map((d) => [d.line, d.column] as const);
    expect(positions).toEqual([...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    for (const d of error.diagnostics) expect(d.hint, formatDiagnostic(d)).toBeTruthy();
  });
});

describe("a bad [IPv6] target hides no later problem of its line", () => {
  const text = ["name: N", "description: D", "hosts:", "  server: { firewall: true, listen: [tcp/8080] }", "  remote: {}", "steps:", "  - expect:", "      - remote -> [2001:db8::zz]:8080/tcpx opne", ""].join("\n");
  test("the address, the protocol and the verdict, each at its column", () => {
    const error = problemsOf(() => parseScenarioText(text, "v6.yaml"));
    expect(error.diagnostics.map((d) => `${d.line}:${d.column} ${d.message.replace(/ \(in `.*`\)$/, "")}`)).toEqual([
      "8:20 `2001:db8::zz` is not a valid IPv6 address",
      "8:39 unknown protocol `tcpx`",
      "8:44 unknown verdict `opne`",
    ]);
  });
});

describe("a file with many problems", () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `      - client -> server:22 opne${i}`);
  const text = (n: number) => ["name: N", "description: D", "hosts:", "  server: { firewall: true, listen: [tcp/22] }", "  client: {}", "steps:", "  - expect:", ...lines(n), ""].join("\n");

  test.each([
    [MAX_DIAGNOSTICS, MAX_DIAGNOSTICS, undefined],
    [MAX_DIAGNOSTICS + 5, MAX_DIAGNOSTICS, `… and 5 more problem(s) in many.yaml (not shown; fix these and validate again)`],
  ])("%i problems: %i shown", (n, shown, more) => {
    const error = problemsOf(() => parseScenarioText(text(n), "many.yaml"));
    expect(error.diagnostics).toHaveLength(n);
    const message = error.message.split("\n");
    expect(message.filter((l) => l.startsWith("many.yaml:"))).toHaveLength(shown);
    expect(message.at(-1)?.startsWith("… and")? message.at(-1) : undefined).toBe(more);
  });
});
