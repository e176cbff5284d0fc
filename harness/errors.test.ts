/** Unit tests (table-driven, no Docker) for errors.ts: an error's report shows user text safely. */
import { describe, expect, test } from "vitest";
import { CommandError, InputError } from "./errors.ts";

describe("FwspecError.report", () => {
  test.each<[string, string | undefined, string]>([
    ["n\u200bo.yaml: no such file or directory", "pass scenario files", "n\\u200bo.yaml: no such file or directory\n  hint: pass scenario files"],
    ["\ufeffx\u2060y", undefined, "\\ufeffx\\u2060y"],
    ["bell\u0007", "two\nlines", "bell\\x07\n  hint: two\nlines"],
  ])("%j", (message, hint, want) => {
    expect(new InputError(message, hint === undefined ? {} : { hint }).report()).toBe(want);
  });
});

describe("CommandError.report", () => {
  const failure = { command: ["sh", "-e", "-x", "/tmp/fwspec/server-1.sh"], exitCode: 2, where: "server" };
  test.each<[string, { stdout: string; stderr: string; command?: string[] }, string]>([
    ["stderr only", { stdout: "", stderr: "iptables: bad port\n" }, "apply failed\n  on server: sh -e -x /tmp/fwspec/server-1.sh\n  exit code 2:\n    iptables: bad port"],
    ["stdout only", { stdout: "config missing\n", stderr: " \n" }, "apply failed\n  on server: sh -e -x /tmp/fwspec/server-1.sh\n  exit code 2:\n    config missing"],
    ["nothing printed", { stdout: "", stderr: "" }, "apply failed\n  on server: sh -e -x /tmp/fwspec/server-1.sh\n  exit code 2"],
    [
      "both: the script's echo is not hidden behind its command's error",
      { stdout: "config missing\nstep 2 of 3\n", stderr: "iptables: bad port\nTry iptables -h\n" },
      "apply failed\n  on server: sh -e -x /tmp/fwspec/server-1.sh\n  exit code 2:\n    stdout:\n      config missing\n      step 2 of 3\n    stderr:\n      iptables: bad port\n      Try iptables -h",
    ],
    ["the last eight lines of each", { stdout: Array.from({ length: 10 }, (_, i) => `o${i}`).join("\n"), stderr: "e" }, `apply failed\n  on server: sh -e -x /tmp/fwspec/server-1.sh\n  exit code 2:\n    stdout:\n      (2 earlier lines not shown)\n${Array.from({ length: 8 }, (_, i) => `      o${i + 2}`).join("\n")}\n    stderr:\n      e`],
    ["arguments quoted as a shell would take them", { stdout: "", stderr: "", command: ["iptables", "-m", "comment", "--comment", "allow web", "-j", "ACCEPT"] }, "apply failed\n  on server: iptables -m comment --comment 'allow web' -j ACCEPT\n  exit code 2"],
    ["a line break in an argument stays on one line", { stdout: "", stderr: "", command: ["sh", "-c", "a\nb"] }, "apply failed\n  on server: sh -c $'a\\nb'\n  exit code 2"],
  ])("%s", (_, { stdout, stderr, command }, want) => {
    expect(new CommandError("apply failed", { ...failure, stdout, stderr, ...(command ? { command } : {}) }).report()).toBe(want);
  });
});
