/** Deleting an IPv4 conntrack rule that is flushed before any probe is equivalent in the lab; not for IPv6, not when probed first. */
import { describe, expect, test } from "vitest";
import type { Scenario, Step } from "../scenario/model.ts";
import { transientIpv4Tracking } from "./lab-equivalence.ts";
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
