/**
 * A rules script's background command outlives the script, as it would on a
 * real machine: the script runs traced (`sh -e -x`), and a background child
 * that writes its trace line or its output after the script has ended must
 * not die of SIGPIPE on a pipe fwspec has closed. Output stays bounded as
 * through pipes: a script printing without end fails as any command does,
 * naming the script's command, and a background writer stops at the bound.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { runScenarioSet } from "../runner/run-set.ts";
import { planScenario } from "../plan/plan.ts";
import { testLabProvider } from "../testing/session.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-background-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a rules script's background command", () => {
  it("goes on after the script has ended, writing its trace and its output: the rules it adds later decide the probe", async () => {
    writeFileSync(path.join(dir, "later.sh"), [
      "# the drop comes a second after the script has ended",
      "{ sleep 1; echo adding the drop; iptables -A INPUT -p tcp --dport 8080 -j DROP; ip6tables -A INPUT -p tcp --dport 8080 -j DROP; echo added; } &",
      "echo started",
      "",
    ].join("\n"));
    const scenario = defineScenario({
      name: "background rules",
      description: "a script whose background command adds the drop later",
      hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
      steps: [
        { apply: { host: "server", script: "later.sh" } },
        { run: { host: "server", command: "sleep 2.5" } },
        { expect: ["remote -> server:8080 dropped"] },
      ],
    } as never, { baseDir: dir });
    const [report] = await runScenarioSet([planScenario(scenario)], { provider: await testLabProvider(), progress: { step: () => {}, info: () => {} }, labs: 1 });
    expect(report!.expectations.map((e) => `${e.text} ${e.family} ${e.actual}`)).toEqual([
      "remote -> server:8080 dropped ipv4 dropped",
      "remote -> server:8080 dropped ipv6 dropped",
    ]);
  });

  it("bounds what a script and its background print: the step fails naming the script, a background writer stops at the bound", async () => {
    writeFileSync(path.join(dir, "floods.sh"), "yes\n");
    writeFileSync(path.join(dir, "floods-later.sh"), "{ sleep 0.3; yes || echo \"yes ended: $?\" > /tmp/yes-ended; } &\n");
    const hosts = { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} };
    const floods = defineScenario({ name: "floods", description: "a script printing without end", hosts, steps: [{ apply: { host: "server", script: "floods.sh" } }, { expect: ["remote -> server:8080 open"] }] } as never, { baseDir: dir });
    const later = defineScenario({
      name: "floods later",
      description: "a script whose background command prints without end",
      hosts,
      steps: [{ apply: { host: "server", script: "floods-later.sh" } }, { run: { host: "server", command: "sh -c 'sleep 3; cat /tmp/yes-ended'", contains: "yes ended: 1" } }],
    } as never, { baseDir: dir });
    const reports = await runScenarioSet([planScenario(floods), planScenario(later)], { provider: await testLabProvider(), progress: { step: () => {}, info: () => {} }, labs: 1 });
    const applied = reports[0]!.steps[0]!;
    expect(applied.status).toBe("error");
    expect(applied.message).toMatch(/^`sh -e -x \S*floods\.sh` printed \d+ bytes on stdout and \d+ on stderr on server, more than the 64 MiB/);
    expect(reports[1]!.steps.map((s) => s.status), JSON.stringify(reports[1]!.steps)).toEqual(["passed", "passed"]);
  });

  it("a script the shell stops names the user's file in what the shell printed, not the staged copy", async () => {
    writeFileSync(path.join(dir, "unset.sh"), "set -u\niptables -A INPUT -p tcp --dport $WNA -j DROP\n");
    const unset = defineScenario({ name: "unset", description: "a script using an unset variable", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ apply: { host: "server", script: "unset.sh" } }, { expect: ["remote -> server:8080 open"] }] } as never, { baseDir: dir });
    const [report] = await runScenarioSet([planScenario(unset)], { provider: await testLabProvider(), progress: { step: () => {}, info: () => {} }, labs: 1 });
    const message = report!.steps[0]!.message ?? "";
    expect(message).toMatch(/^rules script \S*unset\.sh failed on server at \S*unset\.sh:2 `iptables -A INPUT -p tcp --dport \$WNA -j DROP`/);
    expect(message).toMatch(/\n {4}\S*unset\.sh: 2: WNA: parameter not set$/m);
    expect(message.split("\n").filter((l) => l.includes("/tmp/fwspec/")).map((l) => l.trim())).toEqual([expect.stringMatching(/^on server: sh -e -x \/tmp\/fwspec\/server-[0-9a-f]+\.sh$/)]);
  });

  it("a script whose first line asks for bash runs in bash (set -o pipefail, [[ ]], arrays), traced: its failing line is named", async () => {
    writeFileSync(path.join(dir, "bash-ok.sh"), ["#!/bin/bash", "set -euo pipefail", "ports=(8080 8081)", 'for p in "${ports[@]}"; do [[ $p == 8080 ]] && iptables -A INPUT -p tcp --dport "$p" -j DROP; done', "(true)", ""].join("\n"));
    writeFileSync(path.join(dir, "bash-bad.sh"), ["#!/usr/bin/env bash", "set -euo pipefail", "CHAIN=INPUT", 'iptables -A "$CHAIN" -p tcp --dport 8080 -j DROPP 2>/dev/null', ""].join("\n"));
    const hosts = { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} };
    const scenario = (name: string, file: string) => defineScenario({ name, description: name, family: "ipv4", hosts, steps: [{ apply: { host: "server", script: file } }, { expect: ["remote -> server:8080 dropped", "remote -> server:8081 open"] }] } as never, { baseDir: dir });
    const [ok, bad] = await runScenarioSet([planScenario(scenario("bash ok", "bash-ok.sh")), planScenario(scenario("bash bad", "bash-bad.sh"))], { provider: await testLabProvider(), progress: { step: () => {}, info: () => {} }, labs: 1 });
    expect(ok!.status, JSON.stringify(ok!.steps)).toBe("passed");
    expect(bad!.steps[0]!.message).toMatch(/^rules script \S*bash-bad\.sh failed on server at \S*bash-bad\.sh:4 `iptables -A INPUT -p tcp --dport 8080 -j DROPP` \(as the shell ran it, variables expanded\)/);
    expect(bad!.steps[0]!.message).toMatch(/\n {2}on server: bash -e -x \/tmp\/fwspec\/server-[0-9a-f]+\.sh\n/);
    expect(bad!.steps[0]!.message).not.toMatch(/fwspec-trace|PS4/);
  });

  it("a script that sent its output elsewhere (exec >>log 2>&1) and then failed: the hint says where to look", async () => {
    writeFileSync(path.join(dir, "logs.sh"), "exec >>/var/log/fw.log 2>&1\niptables -A INPUT -j NOPE\n");
    const logs = defineScenario({ name: "logs", description: "a script logging to a file", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ apply: { host: "server", script: "logs.sh" } }, { expect: ["remote -> server:8080 open"] }] } as never, { baseDir: dir });
    const [report] = await runScenarioSet([planScenario(logs)], { provider: await testLabProvider(), progress: { step: () => {}, info: () => {} }, labs: 1 });
    const message = report!.steps[0]!.message ?? "";
    expect(message).toMatch(/^rules script \S*logs\.sh failed on server at \S*logs\.sh:1 `exec`/);
    expect(message).toContain("hint: the script sent its output and the shell's trace elsewhere at that line (`exec >>/var/log/fw.log 2>&1`): the command that failed after it, and what it printed, are in that file in the host");
  });

  it("a script the shell cannot read to its end names the end of the file, not an empty line", async () => {
    writeFileSync(path.join(dir, "unclosed.sh"), "if true; then\n  iptables -A INPUT -p tcp --dport 8080 -j DROP\n");
    const unclosed = defineScenario({ name: "unclosed", description: "an if without fi", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ apply: { host: "server", script: "unclosed.sh" } }, { expect: ["remote -> server:8080 open"] }] } as never, { baseDir: dir });
    const [report] = await runScenarioSet([planScenario(unclosed)], { provider: await testLabProvider(), progress: { step: () => {}, info: () => {} }, labs: 1 });
    expect(report!.steps[0]!.message).toMatch(/^rules script \S*unclosed\.sh failed on server at \S*unclosed\.sh:\d+ \(the end of the file: something opened above is not closed\)/);
  });
});
