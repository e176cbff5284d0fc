/**
 * The record and diff API through the real runner (api.run → plan → step
 * loop → probes → judge) on the in-memory lab: no Docker.
 */
import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/schema.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";
import { parseAllow } from "./allow.ts";
import { diffStatus } from "./model.ts";
import { diffScenarios, recordMatrix } from "./run.ts";

const hosts: ScenarioInput["hosts"] = { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, client: {} };
const both = (rule: string) => [`iptables ${rule}`, `ip6tables ${rule}`];
const rules = (name: string, commands: string[], h: ScenarioInput["hosts"] = hosts) =>
  defineScenario({ name, description: "d", hosts: h, steps: [{ apply: { host: "server", commands } }, { expect: ["client -> server:8081 open"] }] });

// The seed guide "How to block a port with iptables": a DROP appended behind a broader ACCEPT, and the same DROP inserted at line 1.
const appended = rules("appended", [...both("-A INPUT -p tcp -j ACCEPT"), ...both("-A INPUT -p tcp --dport 8080 -j DROP")]);
const inserted = rules("inserted", [...both("-A INPUT -p tcp -j ACCEPT"), ...both("-I INPUT 1 -p tcp --dport 8080 -j DROP")]);

describe("record and diff on the fake lab", () => {
  test("record: every flow of the matrix in both families, with its verdict and deciding rule", async () => {
    const o = await recordMatrix(inserted, { provider: new FakeLabProvider(), labs: 1 });
    expect(o.problems).toEqual([]);
    expect(o.flows.map((f) => `${f.key} ${f.side.verdict} ${f.side.rule ?? "-"}`)).toEqual([
      "server -> localhost:8080/tcp4 open -", "server -> localhost:8080/tcp6 open -",
      "server -> server:8080/tcp4 open -", "server -> server:8080/tcp6 open -",
      "server -> localhost:8081/tcp4 open -", "server -> localhost:8081/tcp6 open -",
      "server -> server:8081/tcp4 open -", "server -> server:8081/tcp6 open -",
      "client -> server:8080/tcp4 dropped ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      "client -> server:8080/tcp6 dropped ipv6 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      "client -> server:8081/tcp4 open ipv4 filter INPUT #2 -A INPUT -p tcp -j ACCEPT",
      "client -> server:8081/tcp6 open ipv6 filter INPUT #2 -A INPUT -p tcp -j ACCEPT",
    ]);
  });

  test("record: rules matching an interface the lab host lacks are said (their matches never held in the lab)", async () => {
    const o = await recordMatrix(rules("wan", both("-A INPUT -i ens18 -p tcp --dport 8080 -j DROP")), { provider: new FakeLabProvider(), labs: 1 });
    expect(o.notes).toEqual([expect.stringMatching(/^the rules match interface\(s\) ens18, which server does not have \(its interfaces: lo, /)]);
    expect((await recordMatrix(inserted, { provider: new FakeLabProvider(), labs: 1 })).notes).toBeUndefined();
  });

  test("diff: only the flows that changed, both families, the responsible rule on each side; one lab, reset in between", async () => {
    const provider = new FakeLabProvider();
    const d = await diffScenarios(appended, inserted, { provider, labs: 1, labels: { a: "appended", b: "inserted" } });
    expect(d.changes.map((c) => `${c.key}: ${c.a.verdict} → ${c.b.verdict} | ${c.a.rule} | ${c.b.rule}`)).toEqual([
      "client -> server:8080/tcp4: open → dropped | ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT | ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      "client -> server:8080/tcp6: open → dropped | ipv6 filter INPUT #1 -A INPUT -p tcp -j ACCEPT | ipv6 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
    ]);
    expect(d.compared).toBe(12);
    expect([diffStatus(d), d.a.label, d.b.label]).toEqual(["changed", "appended", "inserted"]);
    expect(provider.started).toHaveLength(1);
    expect(provider.started.every((lab) => lab.disposed)).toBe(true);
  });

  test("record's progress says how many probes the flow matrix has before the lab starts", async () => {
    const steps: string[] = [];
    await recordMatrix(inserted, { provider: new FakeLabProvider(), labs: 1, progress: { step: (m) => steps.push(m), info: () => {} } });
    expect(steps[0]).toBe("the flow matrix: 12 probe(s) (every host to every listener, each family), after the scenario's set-up steps");
  });

  test("diff's progress: one scenario run with the old and the new rules, not two scenarios", async () => {
    const steps: string[] = [];
    await diffScenarios(appended, inserted, { provider: new FakeLabProvider(), labs: 1, progress: { step: (m) => steps.push(m), info: () => {} } });
    expect(steps).toContain("running 1 scenario with the old rules (a) and the new rules (b) on 1 lab(s), up to 1 at a time");
    expect(steps.filter((m) => /scenario\(s\)/.test(m))).toEqual([]);
  });

  test("independent of order: b against a gives the same flows, reversed", async () => {
    const d = await diffScenarios(inserted, appended, { provider: new FakeLabProvider(), labs: 1 });
    expect(d.changes.map((c) => `${c.key}: ${c.a.verdict} → ${c.b.verdict}`)).toEqual(["client -> server:8080/tcp4: dropped → open", "client -> server:8080/tcp6: dropped → open"]);
  });

  test("allowed changes pass the gate", async () => {
    const d = await diffScenarios(appended, inserted, { provider: new FakeLabProvider(), labs: 1, allow: [parseAllow("client -> server:8080 open->dropped")] });
    expect(diffStatus(d)).toBe("allowed");
  });

  test("a side whose probes fail: errors, never changes", async () => {
    const d = await diffScenarios(appended, inserted, { provider: new FakeLabProvider({ failing: ["client"] }), labs: 1 });
    expect(d.changes).toEqual([]);
    expect(d.errors.map((e) => e.key)).toEqual(["client -> server:8080/tcp4", "client -> server:8080/tcp6", "client -> server:8081/tcp4", "client -> server:8081/tcp6"]);
    expect(diffStatus(d)).toBe("error");
  });

  test("a side whose rules do not apply: a problem, not a diff", async () => {
    const d = await diffScenarios(appended, rules("broken", ["nft add table inet x"]), { provider: new FakeLabProvider(), labs: 1 });
    expect(d.changes).toEqual([]);
    expect(d.problems[0]).toMatch(/^b: step 1: apply 1 command\(s\) on server \(line 1\): /);
    expect(diffStatus(d)).toBe("error");
  });

  test("a set-up run step that fails: a problem, nothing recorded from a lab not set up as written", async () => {
    const failing = defineScenario({ name: "failing", description: "d", hosts, steps: [{ apply: { host: "server", commands: both("-A INPUT -p tcp -j ACCEPT") } }, { run: { host: "server", command: "false" } }, { expect: ["client -> server:8081 open"] }] });
    const o = await recordMatrix(failing, { provider: new FakeLabProvider(), labs: 1 });
    expect(o.problems).toHaveLength(1);
    expect(o.problems[0]).toMatch(/^step 2: run `false` on server .*\(line 1\): exit status 127, expected 0\n/);
  });

  test("record: open flows carry who answered and the source it saw; the expectations' own flows are not recorded", async () => {
    const named = defineScenario({ name: "named", description: "d", hosts, steps: [{ apply: { host: "server", commands: both("-A INPUT -p tcp -j ACCEPT") } }, { expect: ["client -> server:9090/tcp4 open answered-by server:8080", "client -> server:8081 open"] }] });
    const o = await recordMatrix(named, { provider: new FakeLabProvider(), labs: 1 });
    expect(o.flows.filter((f) => f.key.includes(":9090"))).toEqual([]);
    expect(o.flows.find((f) => f.key === "client -> server:8081/tcp4")!.side.answer).toEqual({ host: "server", port: 8081, saw: "client" });
  });

  test("diff: one matrix on both sides, with the expectations of each (a port no listener has, in its family); an allow entry naming no flow of it is said not probed", async () => {
    const named = defineScenario({ name: "named", description: "d", hosts, steps: [{ apply: { host: "server", commands: both("-A INPUT -p tcp -j ACCEPT") } }, { expect: ["client -> server:9090/tcp4 open answered-by server:8080"] }] });
    const d = await diffScenarios(appended, named, { provider: new FakeLabProvider(), labs: 1, allow: [parseAllow("client -> server:7000 open->blocked"), parseAllow("client -> server:9090/tcp6 *->*")] });
    expect(d.problems).toEqual([]);
    expect(d.compared).toBe(13);
    expect(d.errors.map((e) => e.key)).toEqual([]);
    expect(d.unprobedAllows).toEqual([
      { entry: "--allow: client -> server:7000 open->blocked", why: "client -> server:7000/tcp is not in the flow matrix" },
      { entry: "--allow: client -> server:9090/tcp6 *->*", why: "client -> server:9090/tcp6 is not in the flow matrix (only its IPv4 flow is)" },
    ]);
  });

  test("different topologies are bad input, before any lab", async () => {
    const provider = new FakeLabProvider();
    const other = rules("other", both("-A INPUT -j ACCEPT"), { server: { firewall: true, listen: ["tcp/8081"] }, client: {} });
    await expect(diffScenarios(appended, other, { provider })).rejects.toThrow(InputError);
    expect(provider.started).toHaveLength(0);
  });

  test("a matrix over the limit is bad input, before any lab", async () => {
    const provider = new FakeLabProvider();
    await expect(recordMatrix(appended, { provider, maxProbes: 4 })).rejects.toThrow(/more than the limit of 4/);
    expect(provider.started).toHaveLength(0);
  });
});
