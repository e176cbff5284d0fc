/** Deleting an IPv4 conntrack rule that is flushed before any probe is equivalent in the lab; not for IPv6, not when probed first. */
import { describe, expect, test } from "vitest";
import type { Scenario, Step } from "../scenario/model.ts";
import { removedBeforeLooked, transientIpv4Tracking } from "./lab-equivalence.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";

const at = { file: "/p/s.yaml", line: 1, column: 1 };
const apply = (...cmds: string[]): Step => ({ kind: "apply", host: "server", sources: [{ kind: "commands", commands: cmds.map((c) => c.split(" ")) }], location: at });
const expectStep: Step = { kind: "expect", expectations: [], location: at };
const scenario = (...steps: Step[]): Scenario => ({ file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2, hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }], steps });

const reasons = (s: Scenario) => mutantsOf(s, selectOperators(["delete"])).map((m) => transientIpv4Tracking(m, s) !== undefined);

describe("transientIpv4Tracking", () => {
  test.each([
    ["flushed before the first probe", scenario(apply("iptables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT"), apply("iptables -F INPUT"), expectStep), [true]],
    ["IPv6: a lab host does not track IPv6 from the start", scenario(apply("ip6tables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT"), apply("ip6tables -F INPUT"), expectStep), [false]],
    ["probed before the flush", scenario(apply("iptables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT"), expectStep, apply("iptables -F INPUT"), expectStep), [false]],
    ["never flushed", scenario(apply("iptables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT"), expectStep), [false]],
    ["not a conntrack rule", scenario(apply("iptables -A INPUT -p tcp -j ACCEPT"), apply("iptables -F INPUT"), expectStep), [false]],
  ])("%s", (_name, s, want) => {
    expect(reasons(s)).toEqual(want);
  });
});

describe("removedBeforeLooked", () => {
  // Scenario 15's last apply: the 8081 rule is inserted above the 8080 one, and `-D INPUT 1` removes it again.
  const s = scenario(
    apply("iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -D INPUT -p tcp --dport 22 -j ACCEPT"),
    apply("iptables -I INPUT 1 -p tcp --dport 8080 -j DROP", "iptables -I INPUT 1 -p tcp --dport 8081 -j DROP", "iptables -D INPUT 1"),
    expectStep,
  );
  const outcome = (op: string) => mutantsOf(s, selectOperators([op])).map((m) => `${m.changes[0]!.before}: ${removedBeforeLooked(m, s) ?? "-"}`);
  test("a rule removed by position before anything looks: changes in place are equivalent", () => {
    expect(outcome("port")).toEqual([
      "iptables -A INPUT -p tcp --dport 22 -j ACCEPT: -",
      "iptables -I INPUT 1 -p tcp --dport 8080 -j DROP: -",
      "iptables -I INPUT 1 -p tcp --dport 8081 -j DROP: the rule is removed (iptables -D INPUT 1, s.yaml:1) before any step looks at server; a change that keeps its place cannot be seen",
    ]);
  });
  test("deleting or moving it changes what `-D INPUT 1` removes: not claimed", () => {
    expect(outcome("delete").every((o) => o.endsWith(": -"))).toBe(true);
    expect(outcome("insert-append").every((o) => o.endsWith(": -"))).toBe(true);
  });
});
