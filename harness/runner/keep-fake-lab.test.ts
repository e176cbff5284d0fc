/**
 * `keep` through the real runner on the in-memory lab: which labs stay, and a
 * kept shared lab holds exactly its own scenario's rules (later scenarios get
 * a fresh lab). No Docker.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import { renderRun } from "../report/console.ts";
import type { ScenarioReport } from "../report/model.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";
import { runScenarioSet, selectedPlans } from "./run-set.ts";

const hosts = { server: { firewall: true, listen: ["tcp/8080", "tcp/8082"] }, remote: {} };
const failing = defineScenario({
  name: "failing",
  description: "expects 8080 open behind a DROP",
  family: "ipv4",
  hosts,
  steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 open"] }],
});
const passing = defineScenario({
  name: "passing",
  description: "8082 refused by a REJECT",
  family: "ipv4",
  hosts,
  steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8082 -j REJECT"] } }, { expect: ["remote -> server:8082 refused"] }],
});

const rulesOf = (provider: FakeLabProvider) => provider.started.map((lab) => lab.host("server").rules.ipv4.map((r) => r.text));

describe("keeping labs", () => {
  test("without keep, both scenarios share one lab and it is removed", async () => {
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [failing, passing] }, { provider, labs: 1 });
    expect(report.scenarios.map((s) => s.status)).toEqual(["failed", "passed"]);
    expect(provider.started).toHaveLength(1);
    expect(provider.started.map((l) => [l.kept, l.disposed])).toEqual([[false, true]]);
    expect(report.scenarios.map((s) => s.kept)).toEqual([undefined, undefined]);
  });

  test("keep 'failed': the failed scenario's shared lab stays with its rules only; the next scenario gets a fresh lab, removed", async () => {
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [failing, passing] }, { provider, labs: 1, keep: "failed" });
    expect(report.scenarios.map((s) => s.status)).toEqual(["failed", "passed"]);
    expect(provider.started.map((l) => [l.kept, l.disposed])).toEqual([[true, false], [false, true]]);
    expect(rulesOf(provider)[0]).toEqual(["-A INPUT -p tcp -m tcp --dport 8080 -j DROP"]);
    expect(report.scenarios[0]!.kept?.hosts).toEqual([{ name: "server", shell: "fake-shell server" }, { name: "remote", shell: "fake-shell remote" }]);
    expect(report.scenarios[1]!.kept).toBeUndefined();
  });

  test("keep 'failed' with the passing scenario first: it shares nothing it keeps; the failing one's lab stays", async () => {
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [passing, failing] }, { provider, labs: 1, keep: "failed" });
    expect(report.scenarios.map((s) => s.kept !== undefined)).toEqual([false, true]);
    // One shared lab: reset after the passing scenario, then the failing one's rules; kept as such.
    expect(provider.started.map((l) => l.kept)).toEqual([true]);
    expect(rulesOf(provider)[0]).toEqual(["-A INPUT -p tcp -m tcp --dport 8080 -j DROP"]);
  });

  test("keep 'all': every scenario keeps a lab of its own", async () => {
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [failing, passing] }, { provider, labs: 1, keep: "all" });
    expect(provider.started.map((l) => [l.kept, l.disposed])).toEqual([[true, false], [true, false]]);
    expect(rulesOf(provider)).toEqual([["-A INPUT -p tcp -m tcp --dport 8080 -j DROP"], ["-A INPUT -p tcp -m tcp --dport 8082 -j REJECT"]]);
    expect(report.scenarios.every((s) => s.kept !== undefined)).toBe(true);
  });

  test.each<[string, "all" | "failed" | undefined]>([["no keep", undefined], ["keep 'failed'", "failed"], ["keep 'all'", "all"]])("onScenario is told each scenario's final report once, kept labs included (%s)", async (_, keep) => {
    const told: ScenarioReport[] = [];
    const report = await run({ scenarios: [failing, passing] }, { provider: new FakeLabProvider(), labs: 1, ...(keep ? { keep } : {}), onScenario: (r) => told.push(r) });
    expect(told).toEqual(report.scenarios);
  });

  test("onVerdicts is told each scenario's verdicts before its lab is kept (a stop between the two still reports it)", async () => {
    const verdicts: { name: string; kept: boolean }[] = [];
    const provider = new FakeLabProvider();
    const reports = await runScenarioSet(selectedPlans([failing, passing], {}), { provider, labs: 1, keep: "failed", onVerdicts: (r) => void verdicts.push({ name: r.name, kept: r.kept !== undefined }) });
    expect(verdicts).toEqual([{ name: "failing", kept: false }, { name: "passing", kept: false }]);
    expect(reports.map((r) => r.kept !== undefined)).toEqual([true, false]);
  });

  test("the keep option is checked with the other run options", async () => {
    await expect(run({ scenarios: [failing] }, { provider: new FakeLabProvider(), keep: "failing" } as never)).rejects.toThrow(/keep \(--keep \/ --keep-on-failure\) must be all or failed, not `failing`/);
  });

  test.each<[string, { keep?: "all" | "failed"; reuse?: boolean }, "removed" | "warm" | undefined, string | undefined]>([
    ["labs removed", {}, "removed", "(this run's are removed)"],
    ["labs reset and left warm (reuse)", { reuse: true }, "warm", "(this run's labs were reset and left warm, or removed)"],
    // Asked to keep: a lab that could not be kept says why as it happens; re-running with --keep-on-failure would not help.
    ["the failing scenario's lab kept", { keep: "failed" }, undefined, undefined],
    ["every lab kept", { keep: "all" }, undefined, undefined],
  ])("the console report says when a failure's repro names a lab that is gone: %s", async (_, opts, labsLeft, said) => {
    const report = await run({ scenarios: [failing, passing] }, { provider: new FakeLabProvider(), labs: 1, ...opts });
    expect(report.labsLeft).toBe(labsLeft);
    const line = renderRun(report, { width: 400 }).split("\n").find((l) => l.startsWith("repro commands need the lab"));
    expect(line === undefined ? undefined : line.slice(line.indexOf("("))).toBe(said);
  });
});
