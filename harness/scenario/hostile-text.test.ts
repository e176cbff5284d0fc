/** Unit tests (table-driven, no Docker) for hostile-text.ts. */
import { describe, expect, test } from "vitest";
import { CommandError, InputError } from "../errors.ts";
import { consoleProgress } from "../progress.ts";
import { hasCiCommandLine, hasRawControl } from "../text.ts";
import { formatDiagnostic, parseScenarioText, ScenarioError } from "./load.ts";
import path from "node:path";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");
const HEAD = "name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [tcp/8080] }\n  remote: {}\n";

function safe(text: string): void {
  expect(hasRawControl(text), JSON.stringify(text)).toBe(false);
  expect(hasCiCommandLine(text), JSON.stringify(text)).toBe(false);
}

function diagnosticsText(yaml: string): string {
  try {
    parseScenarioText(yaml, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).report();
  }
  throw new Error("the scenario was accepted");
}

describe("diagnostics quote scenario text neutralised", () => {
  test.each([
    ["a host name with an escape sequence", 'name: T\ndescription: D\nhosts:\n  "a\\e[2J": {}\nsteps: [{ expect: [remote -> server:1 open] }]\n'],
    ["a verdict with a C1 control", `${HEAD}steps:\n  - expect: ["remote -> server:8080 op\\u009Ben"]\n`],
    ["an unknown key with a bidi override", `${HEAD}"st\\u202Eeps": 1\nsteps: [{ expect: [remote -> server:8080 open] }]\n`],
    ["an unknown key with a CI command after a newline", `${HEAD}"x\\n::error file=x::injected": 1\nsteps: [{ expect: [remote -> server:8080 open] }]\n`],
    ["a name with an escape sequence", 'name: "\\e[31mred"\ndescription: D\nhosts:\n  server: { firewall: true, listen: [tcp/8080] }\n  remote: {}\nsteps: [{ expect: [remote -> server:8080 open] }]\n'],
    ["a description with a CI command line", 'name: T\ndescription: "ok\\n::error file=x::injected"\nhosts:\n  server: { firewall: true, listen: [tcp/8080] }\n  remote: {}\nsteps: [{ expect: [remote -> server:8080 open] }]\n'],
  ])("%s", (_title, yaml) => {
    safe(diagnosticsText(yaml));
  });

  test("a file name with a newline and a CI command", () => {
    const text = formatDiagnostic({ file: "dir/x\n::error file=a::b.yaml", line: 1, column: 1, message: "m\u001b[2J", hint: "h\n::warning::w" });
    safe(text);
    expect(text.split("\n")).toHaveLength(2);
  });
});

describe("error reports and progress lines neutralise what they quote", () => {
  test("CommandError.report with hostile output", () => {
    const e = new CommandError("apply failed\n::error::x", { command: ["sh", "-c", "x\u001b[2J"], exitCode: 1, stdout: "", stderr: "\u001b]0;title\u0007\n::error file=x::injected\n\u009b2J", where: "server" }, { hint: "h\u202e" });
    safe(e.report());
  });
  test("InputError.report", () => {
    safe(new InputError("bad `\u001b[2J`\n::error::x", { hint: "\u009b" }).report());
  });
  test("progress lines", () => {
    let written = "";
    const stream = { write: (s: string) => ((written += s), true) } as unknown as NodeJS.WritableStream;
    const p = consoleProgress(stream);
    p.step("lab \u001b[2J started\n::error file=x::injected");
    p.info("probe output \u009b2J\n  ::warning::w");
    safe(written);
  });
});
