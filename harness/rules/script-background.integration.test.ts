/**
 * A rules script's background command outlives the script, as it would on a
 * real machine: the script runs traced (`sh -e -x`), and a background child
 * that writes its trace line or its output after the script has ended must
 * not die of SIGPIPE on a pipe fwspec has closed.
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
});
