/**
 * Labs longest first (pure): a scenario's estimated cost grows with what
 * takes time (reboots, blocked probes that wait for evidence, sweeps, both
 * families, scanners in run steps), and longestFirst orders groups by it,
 * equal ones in their order.
 */
import { describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import type { Scenario } from "../scenario/model.ts";
import { estimatedMs, longestFirst } from "./cost.ts";

const hosts = { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} };
const scenario = (name: string, steps: unknown[], family: "ipv4" | "both" = "ipv4"): Scenario =>
  defineScenario({ name, description: "cost", family, hosts, steps } as Parameters<typeof defineScenario>[0]);

const base = scenario("base", [{ expect: ["remote -> server:8080 open"] }]);

describe("estimatedMs: what takes longer costs more", () => {
  test.each([
    ["a reboot", scenario("reboot", [{ expect: ["remote -> server:8080 open"] }, { reboot: "server" }])],
    ["a blocked probe instead of an open one", scenario("blocked", [{ expect: ["remote -> server:8080 dropped"] }])],
    ["both families", scenario("both", [{ expect: ["remote -> server:8080 open"] }], "both")],
    ["a sweep", scenario("sweep", [{ expect: ["remote -> server:8000-8100 blocked except 8080"] }])],
    ["an nmap run step", scenario("nmap", [{ expect: ["remote -> server:8080 open"] }, { run: { host: "remote", command: "nmap -n -Pn -p 22 198.18.0.2" } }])],
  ])("%s", (_, s) => {
    expect(estimatedMs(s)).toBeGreaterThan(estimatedMs(base));
  });
});

describe("longestFirst", () => {
  const reboot = scenario("reboot", [{ expect: ["remote -> server:8080 open"] }, { reboot: "server" }]);
  test.each([
    ["the longest first", [[base], [reboot]], ["reboot", "base"]],
    ["a group of several short ones before one longer", [[reboot], [base, base, base, base, base, base, base, base, base, base, base, base, base, base, base, base, base, base, base, base, base, base]], ["base", "reboot"]],
    ["equal ones keep their order", [[scenario("a", [{ expect: ["remote -> server:8080 open"] }])], [scenario("b", [{ expect: ["remote -> server:8080 open"] }])]], ["a", "b"]],
  ])("%s", (_, groups, names) => {
    expect(longestFirst(groups as Scenario[][]).map((g) => g[0]!.name)).toEqual(names);
  });
});
