/**
 * observed-rules.ts: which checks can read a mutant's changed rule text (so the
 * mutant must run even when no packet's fate changes). No Docker.
 */
import { describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { mutantsOf } from "./mutants.ts";
import { rulesObserved } from "./observed-rules.ts";
import { selectOperators } from "./operators.ts";

const rules = ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp --dport 8082 -j ACCEPT", "ip6tables -A INPUT -p tcp --dport 8082 -j ACCEPT"];

function observed(operator: string, line: number, extra: object): string | undefined {
  const scenario = defineScenario({
    name: "s", description: "d",
    hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
    steps: [{ apply: { host: "server", commands: rules } }, { expect: ["remote -> server:8080 dropped"] }, extra],
  });
  const mutant = mutantsOf(scenario, selectOperators([operator])).find((m) => m.changes[0]!.line === 1 && m.lines[0]!.index === line)!;
  return rulesObserved(mutant, scenario);
}

describe("rulesObserved", () => {
  test.each([
    ["a text selector naming the deleted rule", "delete", 1, { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8082 -j ACCEPT", family: "ipv4", packets: 0 }] }, /counters check on line \d+/],
    ["a text selector naming what the changed rule becomes (ACCEPT→DROP)", "accept-drop", 1, { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8082 -j DROP", family: "ipv4", packets: 0 }] }, /counters check/],
    ["a text selector naming another rule", "delete", 1, { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8080 -j DROP", family: "ipv4", packets: 1 }] }, undefined],
    ["a text selector of the other family", "delete", 1, { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8082 -j ACCEPT", family: "ipv6", packets: 0 }] }, undefined],
    ["a position selector on the host (positions shift)", "delete", 1, { counters: [{ host: "server", table: "filter", chain: "INPUT", position: 1, family: "ipv4", packets: 1 }] }, /counters check/],
    ["iptables -S on the host", "delete", 1, { run: { host: "server", command: "iptables -S", exit: 0 } }, /run step on line \d+ \(iptables\)/],
    ["cat of a saved file on the host", "delete", 1, { run: { host: "server", command: "cat /etc/iptables/rules.v4", exit: 0 } }, /run step/],
    ["ip netns exec … (runs anything)", "delete", 1, { run: { host: "server", command: "ip netns exec x iptables -S", exit: 0 } }, /run step/],
    ["ss on the host reads no rules", "delete", 1, { run: { host: "server", command: "ss -tln", exit: 0 } }, undefined],
    ["iptables -S on another host", "delete", 1, { run: { host: "remote", command: "iptables -S", exit: 0 } }, undefined],
  ])("%s", (_, operator, index, extra, want) => {
    const got = observed(operator, index, extra);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
});
