/**
 * Equivalence next to held connections (pure): a held connection's packets
 * are no probe's, so a rule they could reach is never claimed equivalent from
 * "counted no probed packet"; a rule they cannot reach (another protocol, or
 * `-i lo` while the hold comes from a peer) still is.
 */
import { describe, expect, test } from "vitest";
import type { ScenarioReport } from "../report/model.ts";
import { defineScenario } from "../scenario/load.ts";
import { classifyMutant } from "./classify.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";

const scenario = defineScenario({
  name: "held", description: "a session held across the rules",
  hosts: { server: { firewall: true, listen: ["tcp/22"] }, remote: {} },
  steps: [
    { hold: { name: "ssh", from: "remote", to: "server", port: 22, family: "ipv4" } },
    { apply: { host: "server", commands: [
      "iptables -A INPUT -i lo -j ACCEPT",
      "iptables -A INPUT -p icmp -j ACCEPT",
      "iptables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
      "iptables -A INPUT -p tcp --dport 8080 -j DROP",
      "iptables -A INPUT ! -p icmp -j DROP",
    ] } },
    { expect: ["held ssh open"] },
  ],
});

const passed = { file: "<inline>", name: "held", description: "", status: "passed", expectations: [], counters: [], steps: [], errors: [], parity: [] } as unknown as ScenarioReport;

describe("held connections and equivalence", () => {
  test("only rules the held packets cannot match are claimed equivalent", () => {
    const outcomes = mutantsOf(scenario, selectOperators(["delete"])).map((m) => classifyMutant(m, passed, scenario, new Set()));
    expect(outcomes.map((o) => `${o.changes[0]!.before} ${o.status}`)).toEqual([
      "iptables -A INPUT -i lo -j ACCEPT equivalent",
      "iptables -A INPUT -p icmp -j ACCEPT equivalent",
      "iptables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT survived",
      "iptables -A INPUT -p tcp --dport 8080 -j DROP survived",
      "iptables -A INPUT ! -p icmp -j DROP survived",
    ]);
  });
});
