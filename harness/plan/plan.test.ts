/** The plan (pure): families, filter, parity probes, held connections, lanes, and which scenarios share a lab. */
import { describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { labNameFor, planLabs, shareable } from "./labs.ts";
import { lanes, planScenario } from "./plan.ts";

const hosts = { server: { firewall: true, listen: ["tcp/8080", "tcp/3000"] }, remote: {} };
const scenario = defineScenario({
  name: "plan",
  description: "one of each",
  hosts,
  steps: [
    { expect: ["remote -> server:8080 open", "remote -> server:3000/tcp4 open"] },
    { hold: { name: "s", from: "remote", to: "server", port: 3000 } },
    { expect: ["held s open"] },
    { counters: [{ host: "server", rule: "-A INPUT -j DROP", packets: "== 0" }] },
  ],
});
const plain = (name: string, listen = ["tcp/8080"]) =>
  defineScenario({ name, description: "d", hosts: { server: { firewall: true, listen }, remote: {} }, steps: [{ expect: ["remote -> server:8080 open"] }] }, { file: `/x/${name}.yaml` });

describe("planScenario", () => {
  const plan = planScenario(scenario);
  const expect0 = plan.steps[0]!;
  test("an expectation of both families is two probes; a single-family one gets a parity probe in the other family's lane", () => {
    if (expect0.kind !== "expect") throw new Error("not an expect step");
    expect(expect0.probes.map((p) => [p.title, p.parity ?? "-", p.watch.join(",")])).toEqual([
      ["remote -> server:8080 open [ipv4]", "-", "server"],
      ["remote -> server:8080 open [ipv6]", "-", "server"],
      ["remote -> server:3000/tcp4 open [ipv4]", "ipv6", "server"],
    ]);
    expect([...lanes(expect0.probes)].map(([f, jobs]) => [f, jobs.map((j) => `${j.probe}:${j.role}`).join(" ")])).toEqual([
      ["ipv4", "0:main 2:main"],
      ["ipv6", "1:main 2:parity"],
    ]);
  });

  test("a held expectation keeps its family, runs in its lane as a held check, and names the firewall hosts on its path (traced, not counted)", () => {
    const held = planScenario(scenario, { families: ["ipv6"] }).steps[2]!;
    if (held.kind !== "expect") throw new Error("not an expect step");
    expect(held.probes.map((p) => [p.family, p.parity ?? "-", p.watch.join(",")])).toEqual([["ipv4", "-", "server"]]);
    expect([...lanes(held.probes)]).toEqual([["ipv4", [{ probe: 0, role: "held" }]]]);
  });

  test.each([
    { options: {}, selected: 5 },
    { options: { families: ["ipv6" as const] }, selected: 4 },
    { options: { filter: /8080/ }, selected: 2 },
    { options: { filter: /counters|-A INPUT/ }, selected: 1 },
  ])("$options keeps $selected checks", ({ options, selected }) => {
    expect(planScenario(scenario, options).selected).toBe(selected);
  });

  test("the timeout override reaches every probe", () => {
    const p = planScenario(scenario, { timeoutSeconds: 7 });
    expect(p.timeoutSeconds).toBe(7);
    expect(p.steps[0]!.kind === "expect" && p.steps[0]!.probes.every((x) => x.spec.timeoutSeconds === 7)).toBe(true);
  });
});

describe("lab planning", () => {
  test("only apply/expect/counters scenarios share a lab", () => {
    expect(shareable(plain("a"))).toBe(true);
    expect(shareable(scenario)).toBe(false);
  });

  test.each([
    { labs: 1, groups: [["a", "b", "d"], ["c"], ["plan"]] },
    { labs: 4, groups: [["a", "d"], ["b"], ["c"], ["plan"]] },
  ])("with $labs lab(s) at a time: $groups", ({ labs, groups }) => {
    const list = [plain("a"), plain("b"), plain("c", ["tcp/8080", "udp/53"]), scenario, plain("d")];
    expect(planLabs(list, labs).map((g) => g.map((s) => s.name))).toEqual(groups);
  });

  test("declared subnets and addresses are part of the topology; such a group is never split across labs", () => {
    const fixed = (name: string, address: string) =>
      defineScenario(
        { name, description: "d", subnets: { lan: { ipv4: "198.18.7.0/24" } }, hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: { addresses: { lan: { ipv4: address } } } }, steps: [{ expect: ["remote -> server:8080 open"] }] },
        { file: `/x/${name}.yaml` },
      );
    const list = [fixed("a", "198.18.7.10"), fixed("b", "198.18.7.10"), fixed("c", "198.18.7.11"), plain("d")];
    expect(planLabs(list, 4).map((g) => g.map((s) => s.name))).toEqual([["a", "b"], ["c"], ["d"]]);
  });

  test("a lab's name comes from its file name", () => {
    expect(labNameFor(plain("01-Localhost Only"))).toBe("localhost-only");
    expect(labNameFor(scenario)).toBe("inline");
  });
});
