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
});
