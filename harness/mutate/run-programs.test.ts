/**
 * What a run step's program may do (run-programs.ts), and what that means for
 * equivalence: a run step that may send packets keeps a rule that counted no
 * probed packet from being claimed equivalent (classify.ts), except a ping to
 * an address for a rule that matches only TCP or UDP; a run step that may
 * write rules takes the no-op claims away (noop-claims.ts). Programs that run
 * another (`ip netns exec`, `nsenter`, `sh -c`) are neither quiet nor
 * ruleless.
 */
import { describe, expect, test } from "vitest";
import type { ScenarioReport } from "../report/model.ts";
import { defineScenario } from "../scenario/load.ts";
import { splitCommand } from "../scenario/shellwords.ts";
import { classifyMutant } from "./classify.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";
import { sendsNoPackets, sendsOnlyIcmpEcho, writesNoRules } from "./run-programs.ts";

const argv = (command: string): string[] => {
  const split = splitCommand(command);
  if (!split.ok) throw new Error(command);
  return split.argv;
};

describe("run step programs", () => {
  // command, sends no packets, writes no rules, sends only ICMP echo
  test.each<[string, boolean, boolean, boolean]>([
    ["iptables -C INPUT -p tcp --dport 22 -j ACCEPT", true, false, false],
    ["nft list ruleset", true, false, false],
    ["cat /etc/iptables/rules.v4", true, true, false],
    ["ip -6 neigh flush all", true, true, false],
    ["ss -tln", true, true, false],
    ["ip netns exec other curl http://198.18.0.2/", false, false, false],
    ["ip vrf exec blue nft flush ruleset", false, false, false],
    ["nsenter -t 1 -n ping -c 1 198.18.0.2", false, false, false],
    ["sh -c 'iptables -F'", false, false, false],
    ["bash -c 'ping -c 1 198.18.0.2'", false, false, false],
    ["ping -c 1 -W 3 198.18.43.2", false, true, true],
    ["ping -c 1 -W 3 2001:db8:43::2", false, true, true],
    ["ping6 -c1 -I eth0 2001:db8::2", false, true, true],
    ["ping -c 1 {{remote.ipv4}}", false, true, true],
    ["ping -c 1 server", false, true, false],
    ["ping -c 1", false, true, false],
    ["curl -s http://198.18.0.2/", false, false, false],
    ["nmap -n -Pn -sX -p 23 198.18.43.2", false, true, false],
    ["nmap -n -Pn -sX -p 23 --max-retries 1 127.0.0.1", false, true, false],
    ["nmap -n -Pn --script firewall-bypass -p 23 198.18.43.2", false, false, false],
    ["nmap -n -Pn -sX -p 23 server", false, false, false],
    ["conntrack -F", false, true, false],
  ])("%s: quiet %s, ruleless %s, ICMP echo only %s", (command, quiet, ruleless, echo) => {
    const c = argv(command);
    expect([sendsNoPackets(c), writesNoRules(c), sendsOnlyIcmpEcho(c)]).toEqual([quiet, ruleless, echo]);
  });
});

const passed = { file: "<inline>", name: "s", description: "", status: "passed", expectations: [], counters: [], steps: [], errors: [], parity: [] } as unknown as ScenarioReport;

/** Each delete mutant's line and status when no rule counted a probed packet and the scenario has this run step. */
function deletes(run: string | undefined): string[] {
  const scenario = defineScenario({
    name: "s", description: "rules no probe reaches, next to a run step",
    hosts: { server: { firewall: true, listen: ["tcp/22"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p udp --dport 53 -j ACCEPT", "iptables -A INPUT -p icmp -j ACCEPT", "iptables -A INPUT ! -p tcp -j DROP"] } },
      ...(run ? [{ run: { host: "remote", command: run } }] : []),
      { expect: ["remote -> server:22 open"] },
    ],
  });
  return mutantsOf(scenario, selectOperators(["delete"])).map((m) => `${m.changes[0]!.before.split(" ").slice(3).join(" ")} ${classifyMutant(m, passed, scenario, new Set()).status}`);
}

describe("counted no probed packet, next to a run step", () => {
  test.each<[string, string | undefined, string[]]>([
    ["no run step", undefined, ["-p tcp --dport 8080 -j DROP equivalent", "-p udp --dport 53 -j ACCEPT equivalent", "-p icmp -j ACCEPT equivalent", "! -p tcp -j DROP equivalent"]],
    ["a quiet one", "ss -tln", ["-p tcp --dport 8080 -j DROP equivalent", "-p udp --dport 53 -j ACCEPT equivalent", "-p icmp -j ACCEPT equivalent", "! -p tcp -j DROP equivalent"]],
    ["a ping to an address: TCP and UDP rules only", "ping -c 1 198.18.0.2", ["-p tcp --dport 8080 -j DROP equivalent", "-p udp --dport 53 -j ACCEPT equivalent", "-p icmp -j ACCEPT survived", "! -p tcp -j DROP survived"]],
    ["a ping to a name (DNS)", "ping -c 1 server", ["-p tcp --dport 8080 -j DROP survived", "-p udp --dport 53 -j ACCEPT survived", "-p icmp -j ACCEPT survived", "! -p tcp -j DROP survived"]],
    ["a ping inside `ip netns exec`", "ip netns exec x ping -c 1 198.18.0.2", ["-p tcp --dport 8080 -j DROP survived", "-p udp --dport 53 -j ACCEPT survived", "-p icmp -j ACCEPT survived", "! -p tcp -j DROP survived"]],
    ["curl", "curl -s http://198.18.0.2/", ["-p tcp --dport 8080 -j DROP survived", "-p udp --dport 53 -j ACCEPT survived", "-p icmp -j ACCEPT survived", "! -p tcp -j DROP survived"]],
  ])("%s", (_, run, expected) => {
    expect(deletes(run)).toEqual(expected);
  });
});
