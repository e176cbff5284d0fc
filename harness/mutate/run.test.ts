/**
 * `fwspec mutate`'s runner on the in-memory lab (testing/fake-lab.ts), through
 * the real api.run: a weak scenario's mutants are killed (the failed check
 * named), survive (with a suggestion), are equivalent (with the reason), or
 * error; the score counts killed / (killed + survived); the original runs
 * first, then one shared lab serves all its mutants except those proven
 * equivalent before running; a scenario whose original fails is not mutated
 * and none of its mutants runs.
 */
import { describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";
import { renderMutationConsole, renderMutationJson, summaryLine } from "./render.ts";
import { checkedAgainst, mutateScenarios, summarize, survivedBeyondReach } from "./run.ts";
import { WEAK } from "./testdata/weak.ts";

const weak = defineScenario(WEAK);

describe("mutateScenarios on a fake lab", () => {
  test("each mutant is killed, survives with a suggestion, or is equivalent with a reason; the original's lab, then one lab for the mutants", async () => {
    const provider = new FakeLabProvider();
    const lines: string[] = [];
    const report = await mutateScenarios([weak], { provider, onScenario: (s) => lines.push(`${s.name}: ${s.mutants.length}`) });
    const byId = Object.fromEntries(report.scenarios[0]!.mutants.map((m) => [m.id, `${m.status}: ${m.detail}`]));
    expect(byId).toEqual({
      "delete@<inline>:1": expect.stringMatching(/^killed: `remote -> server:8080 dropped` \[ipv4\] \(line \d+\): open, expected dropped$/),
      "delete@<inline>:1#2": expect.stringMatching(/^equivalent: `iptables -A INPUT -p tcp --dport 8082 -j DROP` counted no probed packet/),
      "delete@<inline>:1#3": "survived: make `remote -> server:8080 dropped` (line 1) both families (`family: both`, or no 4/6 suffix), or add it for ipv6",
      "accept-drop@<inline>:1": expect.stringMatching(/^killed: `remote -> server:8080 dropped` \[ipv4\]/),
      "accept-drop@<inline>:1#2": expect.stringMatching(/^equivalent: /),
      "accept-drop@<inline>:1#3": expect.stringMatching(/^survived: make `remote -> server:8080 dropped` \(line 1\) both families/),
      "drop-reject@<inline>:1": expect.stringMatching(/^killed: `remote -> server:8080 dropped` \[ipv4\] \(line \d+\): refused, expected dropped$/),
      "drop-reject@<inline>:1#2": expect.stringMatching(/^equivalent: /),
      "drop-reject@<inline>:1#3": expect.stringMatching(/^survived: make/),
      "port@<inline>:1 --dport 8080→8081": expect.stringMatching(/^killed: `remote -> server:8080 dropped`/),
      "port@<inline>:1 --dport 8082→8083": "survived: add a check on port 8082, which the rule decides: `remote -> server:8082/tcp4 dropped` (with `listen: [tcp/8082]` on server)",
      "port@<inline>:1 --dport 8080→8081#2": expect.stringMatching(/^survived: make `remote -> server:8080 dropped` \(line 1\) both families/),
      "drop-v6@<inline>:1": expect.stringMatching(/^survived: make `remote -> server:8080 dropped` \(line 1\) both families/),
      "swap@<inline>:1": "equivalent: both rules decide DROP: whichever matches first, a packet's fate is the same",
    });
    expect(report.counts).toEqual({ killed: 4, survived: 6, equivalent: 4, unreachable: 0, error: 0 });
    expect(report.score).toBeCloseTo(40);
    expect(lines).toEqual(["weak: 14"]);
    // The original on its lab, then the mutants not proven equivalent on one shared lab.
    expect(provider.started).toHaveLength(2);
    expect(report.stopped).toBe(false);
    // The three equivalents known from the original run's counters were not run; the swap's (rules alone) neither.
    const notRun = report.scenarios[0]!.mutants.filter((m) => m.ran === false).map((m) => m.id);
    expect(notRun).toEqual(["delete@<inline>:1#2", "accept-drop@<inline>:1#2", "drop-reject@<inline>:1#2", "swap@<inline>:1"]);
  });

  test("runEquivalent runs every mutant: the same outcomes, none left unrun", async () => {
    const quick = await mutateScenarios([weak], { provider: new FakeLabProvider() });
    const all = await mutateScenarios([weak], { provider: new FakeLabProvider(), runEquivalent: true });
    const outcomes = (r: typeof quick) => r.scenarios[0]!.mutants.map((m) => `${m.id} ${m.status}: ${m.detail}`);
    expect(outcomes(all)).toEqual(outcomes(quick));
    expect(all.scenarios[0]!.mutants.filter((m) => m.ran === false)).toEqual([]);
    // The four claims were checked by running, and none was killed.
    expect(all.scenarios[0]!.mutants.filter((m) => m.checkedClaim).map((m) => m.id)).toEqual(["delete@<inline>:1#2", "accept-drop@<inline>:1#2", "drop-reject@<inline>:1#2", "swap@<inline>:1"]);
    expect(summaryLine(all)).toMatch(/4 equivalent \(4 proven before running and run anyway: 0 of those killed; 3 only because no probe reached the changed rule\)/);
  });

  test("checkedAgainst: a kill of a mutant proven equivalent says the proof was wrong; anything else marks the proof checked", () => {
    const base = { id: "delete@x:1", operator: "delete", changes: [] };
    expect(checkedAgainst({ ...base, status: "killed", detail: "`a -> b:1 open` failed" }, "it counted nothing")).toEqual({ ...base, status: "killed", detail: "`a -> b:1 open` failed — CONTRADICTS the equivalence fwspec proved before running (it counted nothing); please report it", contradicts: true });
    expect(checkedAgainst({ ...base, status: "equivalent", detail: "why" }, "it counted nothing")).toEqual({ ...base, status: "equivalent", detail: "why", checkedClaim: true });
    expect(checkedAgainst({ ...base, status: "survived", detail: "add" }, undefined)).toEqual({ ...base, status: "survived", detail: "add" });
  });

  const beyond = defineScenario({
    name: "beyond", description: "a rule for a range no lab address is in; a ping keeps the counted-nothing argument from it", family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -d 203.0.113.0/24 -j ACCEPT"] } },
      // The fake lab has no ping (exit 127); what matters is that a ping may send ICMP the rule could count.
      { run: { host: "remote", command: "ping -c 1 {{ server.ipv4 }}", exit: "nonzero" } },
      { expect: ["remote -> server:8080 dropped"] },
    ],
  });

  test("a mutant beyond the lab's reach is reported apart with its reason, not run and not scored", async () => {
    const report = await mutateScenarios([beyond], { provider: new FakeLabProvider(), operators: ["delete"] });
    const [killed, unreachable] = report.scenarios[0]!.mutants;
    expect(unreachable).toMatchObject({ id: "delete@<inline>:1#2", status: "unreachable", ran: false, reach: true });
    expect(unreachable!.detail).toBe("its rule matches only IPv4 destinations in 203.0.113.0/24: no lab packet has such a destination (lab traffic: 198.18.0.0/15, 2001:db8::/32, loopback, and the kernel's own neighbour discovery, MLD and IGMP)");
    expect(killed!.status).toBe("killed");
    expect(report.counts).toEqual({ killed: 1, survived: 0, equivalent: 0, unreachable: 1, error: 0 });
    expect(report.score).toBe(100);
    expect(summaryLine(report)).toMatch(/^mutation score 100\.0 % \(1 killed of 1 scored; 0 equivalent, 1 beyond the lab's reach \(not run\) and 0 errors not scored\)/);
    const text = renderMutationConsole(report, { cwd: "/" });
    expect(text).toContain("2 mutants: 1 killed, 0 survived, 0 equivalent, 1 beyond the lab's reach, 0 errors");
    expect(text).toContain("  beyond the lab's reach: delete@<inline>:1#2\n");
    expect(text).toContain("    why: its rule matches only IPv4 destinations in 203.0.113.0/24: ");
    expect(JSON.parse(renderMutationJson(report)).counts.unreachable).toBe(1);
  });

  test("runEquivalent runs it too: a kill would contradict the claim; held, it stays beyond reach", async () => {
    const report = await mutateScenarios([beyond], { provider: new FakeLabProvider(), operators: ["delete"], runEquivalent: true });
    expect(report.scenarios[0]!.mutants[1]).toMatchObject({ status: "unreachable", checkedClaim: true, reach: true });
    expect(report.scenarios[0]!.mutants[1]!.ran).toBeUndefined();
    expect(summaryLine(report)).toContain("(1 killed of 1 scored; 0 equivalent, 1 beyond the lab's reach (1 claimed before running and run anyway: 0 of those killed) and 0 errors");
    const base = { id: "delete@x:1", operator: "delete", changes: [] };
    expect(checkedAgainst({ ...base, status: "killed", detail: "`a -> b:1 open` failed" }, "its rule matches only X", true)).toEqual({ ...base, status: "killed", detail: "`a -> b:1 open` failed — CONTRADICTS fwspec's claim that it is beyond the lab's reach (its rule matches only X); please report it", contradicts: true, reach: true });
    const after = survivedBeyondReach({ ...base, status: "survived", detail: "add" }, {} as never, () => "its rule matches only X");
    expect(after).toEqual({ ...base, status: "unreachable", detail: "its rule matches only X" });
    expect(summaryLine(summarize([{ file: "/s.yaml", name: "s", mutants: [after], durationMs: 1 }], 1, false))).toContain("0 equivalent, 1 beyond the lab's reach (1 run since a check reads the rule, every check held) and 0 errors");
    expect(survivedBeyondReach({ ...base, status: "killed", detail: "by" }, {} as never, () => "its rule matches only X")).toEqual({ ...base, status: "killed", detail: "by" });
    expect(survivedBeyondReach({ ...base, status: "survived", detail: "add" }, {} as never, () => undefined)).toEqual({ ...base, status: "survived", detail: "add" });
    expect(checkedAgainst({ ...base, status: "error", detail: "boom" }, "its rule matches only X", true)).toEqual({ ...base, status: "error", detail: "boom", checkedClaim: true, reach: true });
  });

  test("a deleted rule that decided probes, with a later rule deciding them alike, gets a counters check suggested", async () => {
    const input = {
      name: "shadowed", description: "a port DROP in front of a broader DROP", family: "ipv4" as const,
      hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} },
      steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp -j DROP"] } }, { expect: ["remote -> server:8080 dropped", "remote -> server:8081 dropped"] }],
    };
    const shadowed = defineScenario(input);
    const report = await mutateScenarios([shadowed], { provider: new FakeLabProvider(), operators: ["delete"] });
    expect(report.scenarios[0]!.mutants.map((m) => `${m.status}: ${m.detail}`)).toEqual([
      "survived: the rule counted probed packets, but without it a later rule or the policy gives the same verdicts: check that it is the one deciding, e.g. `counters: [{ host: server, rule: \"-A INPUT -p tcp --dport 8080 -j DROP\", family: ipv4, packets: \">= 1\" }]`",
      "killed: `remote -> server:8081 dropped` [ipv4] (line 1): open, expected dropped",
    ]);
    // The suggested check, added, kills that mutant: the rule it names is gone, so the check cannot hold (not an error).
    const checked = defineScenario({ ...input, steps: [...input.steps, { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8080 -j DROP", family: "ipv4", packets: ">= 1" }] }] });
    const fixed = await mutateScenarios([checked], { provider: new FakeLabProvider(), operators: ["delete"] });
    expect(fixed.scenarios[0]!.mutants.map((m) => `${m.status}: ${m.detail}`)).toEqual([
      expect.stringMatching(/^killed: counter check \(line \d+\) rule "-A INPUT -p tcp --dport 8080 -j DROP" \[ipv4\]: the mutant has no such rule \(no ipv4 rule on server matches/),
      "killed: `remote -> server:8081 dropped` [ipv4] (line 1): open, expected dropped",
    ]);
  });

  test("a scenario whose original fails is not mutated, and says why", async () => {
    const failing = defineScenario({ ...{ name: "failing", description: "a wrong expectation", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} } },
      steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 open"] }] });
    const ran: string[] = [];
    const report = await mutateScenarios([failing], { provider: new FakeLabProvider(), progress: { step: () => {}, info: (line) => ran.push(line) } });
    // Only the original ran: no mutant did.
    expect(ran.filter((l) => /checks held/.test(l))).toEqual(["✗ failing: 1/2 checks held (1/1 scenarios)"]);
    expect(report.scenarios[0]!.skipped).toMatch(/^the original scenario does not pass \(failed: `remote -> server:8080 open` \[ipv4\]: dropped\); fix it before mutating$/);
    expect(report.score).toBeUndefined();
  });

  test("a mutant whose changed rule a counters check or a rule-reading run step sees is run, not claimed: the check kills it", async () => {
    const input = {
      name: "watched", description: "8082's DROP counted no probe, but checks read it", family: "ipv4" as const,
      hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} },
      steps: [
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp --dport 8082 -j DROP"] } },
        { expect: ["remote -> server:8080 dropped", "remote -> server:8081 open"] },
      ],
    };
    const outcome = async (extra: object[]) => {
      const report = await mutateScenarios([defineScenario({ ...input, steps: [...input.steps, ...extra] })], { provider: new FakeLabProvider(), operators: ["delete"] });
      const m = report.scenarios[0]!.mutants.find((x) => x.id === "delete@<inline>:1#2")!;
      return `${m.status}${m.ran === false ? " (not run)" : ""}: ${m.detail}`;
    };
    expect(await outcome([])).toMatch(/^equivalent \(not run\): `iptables -A INPUT -p tcp --dport 8082 -j DROP` counted no probed packet/);
    expect(await outcome([{ counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8082 -j DROP", family: "ipv4", packets: 0 }] }])).toMatch(/^killed: counter check \(line \d+\) rule "-A INPUT -p tcp --dport 8082 -j DROP" \[ipv4\]: the mutant has no such rule/);
    expect(await outcome([{ run: { host: "server", command: "iptables -C INPUT -p tcp --dport 8082 -j DROP", exit: 0 } }])).toMatch(/^killed: run step/);
    // A counters check on another rule, and a run step that reads no rules, leave the claim standing.
    expect(await outcome([{ counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8080 -j DROP", family: "ipv4", packets: 1 }] }, { run: { host: "server", command: "ss -tln", exit: 0 } }])).toMatch(/^equivalent \(not run\)/);
  });

  test("a mutant run because a check reads its rules, which every check still passes, keeps its equivalence reason", async () => {
    const scenario = defineScenario({
      name: "insert", description: "-I 1 into an empty chain, checked with iptables -C", family: "ipv4",
      hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
      steps: [
        { apply: { host: "server", commands: ["iptables -I INPUT 1 -p tcp --dport 8080 -j DROP"] } },
        { expect: ["remote -> server:8080 dropped"] },
        { run: { host: "server", command: "iptables -C INPUT -p tcp --dport 8080 -j DROP", exit: 0 } },
      ],
    });
    const report = await mutateScenarios([scenario], { provider: new FakeLabProvider(), operators: ["insert-append"] });
    expect(report.scenarios[0]!.mutants.map((m) => `${m.status}${m.ran === false ? " (not run)" : ""}: ${m.detail}`)).toEqual([expect.stringMatching(/^equivalent: /)]);
  });
});

test("a kill that contradicts a claim made before running is listed without --killed: the claim was wrong", () => {
  const base = { id: "swap@neg.v4:15", operator: "swap", changes: [] };
  const contradicting = checkedAgainst({ ...base, status: "killed", detail: "`remote -> server:7002 dropped` failed" }, "the rules match different destination ports (7001 and 7002)");
  const plain = { id: "delete@neg.v4:16", operator: "delete", changes: [], status: "killed" as const, detail: "`remote -> server:7002 dropped` failed" };
  const text = renderMutationConsole(summarize([{ file: "/s.yaml", name: "s", mutants: [contradicting, plain], durationMs: 1 }], 1, false), { cwd: "/" });
  expect(text).toContain("  killed: swap@neg.v4:15\n");
  expect(text).toContain("CONTRADICTS the equivalence fwspec proved before running");
  expect(text).not.toContain("delete@neg.v4:16");
});
