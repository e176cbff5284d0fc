/** Smaller labs folded into larger ones (pure): which scenarios run on a lab the run starts anyway, and when not. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { absorbLabs, foldable, labScenarioOf } from "./absorb.ts";
import { planLabs } from "./labs.ts";

/** Rules files the apply cases name (read when the scenario is defined). */
const fixtures = mkdtempSync(join(tmpdir(), "fwspec-absorb-"));
afterAll(() => rmSync(fixtures, { recursive: true, force: true }));
writeFileSync(join(fixtures, "rules.sh"), "#!/bin/sh\nset -e\niptables -A INPUT -p tcp --dport 8080 -j DROP\nnft add table inet t\n");
writeFileSync(join(fixtures, "probe.sh"), "iptables -A OUTPUT -j ACCEPT\nnc -z 198.18.0.77 80\n");
writeFileSync(join(fixtures, "loop.sh"), "for p in 80 443; do iptables -A INPUT -p tcp --dport $p -j DROP; done\n");
writeFileSync(join(fixtures, "rules.v4"), "*filter\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n");

/** A firewall host `server` and `clients` peers; `probes` open probes; `run`: a run step that leaves state (not shareable), `command` another one. */
const scenario = (name: string, o: { clients?: number; probes?: number; run?: boolean; command?: string; backend?: "legacy"; networks?: string[] } = {}) => {
  const clients = Array.from({ length: o.clients ?? 1 }, (_, i) => `c${i + 1}`);
  const net = o.networks ? { networks: o.networks } : {};
  return defineScenario(
    {
      name,
      description: "d",
      ...net,
      hosts: { server: { firewall: true, listen: ["tcp/8080"], ...(o.backend ? { backend: o.backend } : {}), ...net }, ...Object.fromEntries(clients.map((c) => [c, { ...net }])) },
      // With no peer: a run step that only reads the rules (shareable).
      steps: [clients.length > 0 ? { expect: Array.from({ length: o.probes ?? 1 }, () => "c1 -> server:8080 open") } : { run: { host: "server", command: "iptables -S" } }, ...(o.run || o.command ? [{ run: { host: "server", command: o.command ?? "conntrack -F" } }] : [])],
    },
    { file: `/x/${name}.yaml` },
  );
};
const names = (groups: readonly (readonly { name: string }[])[]) => groups.map((g) => g.map((s) => s.name));

describe("planLabs folds smaller shapes into larger labs", () => {
  test.each([
    { case: "two hosts' scenarios run on the three hosts' lab: one lab", list: [scenario("big", { clients: 2 }), scenario("s1"), scenario("s2")], labs: 1, groups: [["big", "s1", "s2"]] },
    { case: "before a larger lab's last (started for it alone)", list: [scenario("bigR", { clients: 2, run: true }), scenario("s1")], labs: 1, groups: [["s1", "bigR"]] },
    { case: "a lab with a last of its own does not fold into one with a last", list: [scenario("bigR", { clients: 2, run: true }), scenario("s1"), scenario("sR", { run: true })], labs: 1, groups: [["s1", "sR"], ["bigR"]] },
    { case: "one lab host alone fits too", list: [scenario("big", { clients: 2 }), scenario("solo", { clients: 0 })], labs: 1, groups: [["big", "solo"]] },
    { case: "not when the larger lab would run on long after the rest", list: [scenario("big", { clients: 2, probes: 40 }), scenario("s1", { probes: 40 })], labs: 3, groups: [["big"], ["s1"]] },
    { case: "another backend does not fit", list: [scenario("big", { clients: 2 }), scenario("old", { backend: "legacy" })], labs: 1, groups: [["big"], ["old"]] },
    { case: "other networks do not fit", list: [scenario("big", { clients: 2 }), scenario("lan", { networks: ["lan"] })], labs: 1, groups: [["big"], ["lan"]] },
    { case: "a scenario that needs a fresh lab neither folds nor takes others", list: [scenario("big", { clients: 2, command: "nft list ruleset" }), scenario("s1")], labs: 1, groups: [["s1"], ["big"]] },
  ])("$case", ({ list, labs, groups }) => {
    expect(names(planLabs(list, labs))).toEqual(groups);
  });

  // An idle host of the larger lab could answer what the scenario's own lab leaves unanswered.
  test.each([
    { case: "probes to its hosts", steps: [{ expect: ["c1 -> server:8080 open"] }], folds: true },
    { case: "a run step that reads rules", steps: [{ run: { host: "server", command: "iptables -S" } }], folds: true },
    { case: "a probe to a literal address", steps: [{ expect: ["c1 -> 198.18.0.77:8080 dropped"] }], folds: false },
    { case: "a run step that sends traffic", steps: [{ run: { host: "c1", command: "nmap -p 8080 198.18.0.0/24" } }], folds: false },
    { case: "a run step that sends traffic, by path", steps: [{ run: { host: "c1", command: "/usr/bin/ping -c1 198.18.0.77" } }], folds: false },
    // Not shareable, so only ever a lab's last; a wrapper may send anything.
    { case: "a wrapper", steps: [{ run: { host: "c1", command: "sh -c 'nc -z 198.18.0.77 80'" } }], folds: false },
    // Apply steps run as given: only rules tools (iptables, ip6tables, nft) are known to send nothing.
    { case: "an apply of iptables commands", steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "nft list tables"] } }], folds: true },
    { case: "an apply of a rules script", steps: [{ apply: { host: "server", script: "rules.sh" } }], folds: true },
    { case: "an apply of a restore file", steps: [{ apply: { host: "server", restore: { ipv4: "rules.v4" } } }], folds: true },
    { case: "an apply command that sends traffic", steps: [{ apply: { host: "server", commands: ["iptables -A OUTPUT -j ACCEPT", "ping -c1 198.18.0.77"] } }], folds: false },
    { case: "an apply script that sends traffic", steps: [{ apply: { host: "server", script: "probe.sh" } }], folds: false },
    { case: "an apply script with shell syntax", steps: [{ apply: { host: "server", script: "loop.sh" } }], folds: false },
  ])("foldable: $case: $folds", ({ steps, folds }) => {
    const s = defineScenario({ name: "s", description: "d", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, c1: {} }, steps }, { file: join(fixtures, "s.yaml") });
    expect(foldable(s)).toBe(folds);
    expect(names(planLabs([scenario("big", { clients: 2 }), s], 1))).toEqual(folds ? [["big", "s"]] : [["big"], ["s"]]);
  });

  test("the lab is started as the scenario the others fit, wherever it is in the group", () => {
    const [s1, bigR] = [scenario("s1"), scenario("bigR", { clients: 2, run: true })];
    expect(labScenarioOf([s1, bigR]).name).toBe("bigR");
    expect(labScenarioOf([s1]).name).toBe("s1");
    expect(() => labScenarioOf([s1, scenario("old", { backend: "legacy" })])).toThrow(/planning bug/);
  });

  test("smallest first, each fold into the lab that leaves the shortest run; every scenario kept once", () => {
    const [big1, big2] = [scenario("big1", { clients: 2, probes: 5 }), scenario("big2", { clients: 3, probes: 1 })];
    const [solo, s1] = [scenario("solo", { clients: 0 }), scenario("s1")];
    const labs = absorbLabs([{ scenarios: [big1] }, { scenarios: [big2] }, { scenarios: [solo] }, { scenarios: [s1] }], 2);
    // Estimated (plan/cost.ts): big1 1.8 s, big2, s1 1.56 s, solo 1.6 s; two at a time 3.36 s. solo first (one host):
    // into big1 leaves 2.3 | 1.56 + 1.56 = 3.12 s, the shortest; then s1 into big2: 2.3 | 2.02 s.
    expect(labs.map((l) => l.scenarios.map((s) => s.name))).toEqual([["big1", "solo"], ["big2", "s1"]]);
  });
});
