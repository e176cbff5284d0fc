/** Unit tests (table-driven, no Docker) for reset-scope.ts. */
import { describe, expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import type { RuleSource } from "../scenario/model.ts";
import { iptablesOnly, touchesMoreThanIptables } from "./reset-scope.ts";

const script = (content: string): RuleSource => ({ kind: "script", path: "x.sh", content });
const commands = (...commands: string[][]): RuleSource => ({ kind: "commands", commands });

describe("iptablesOnly", () => {
  it.each<[string, RuleSource, boolean]>([
    ["restore input", { kind: "restore", family: "ipv4", path: "r.v4", content: "*filter\nCOMMIT\n" }, true],
    ["plain iptables/ip6tables lines with comments", script("# allow\niptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT\n\nip6tables ! -s ::1 -A INPUT -m multiport --dports 8080,8081 -i eth+ -j DROP\n"), true],
    ["an nft line", script("iptables -F\nnft add table inet t\n"), false],
    ["iptables-legacy", script("iptables-legacy -A INPUT -j DROP\n"), false],
    ["ip6tables-nft", commands(["ip6tables-nft", "-A", "INPUT", "-j", "DROP"]), false],
    ["a separator", script("iptables -F; ip addr add 198.18.9.9/32 dev lo\n"), false],
    ["a quoted word", script('iptables -A INPUT -m comment --comment "x" -j DROP\n'), false],
    ["a variable", script("iptables -A INPUT -s $NET -j DROP\n"), false],
    ["a continuation line", script("iptables -A INPUT \\\n  -j DROP\n"), false],
    ["a redirection", script("iptables-save > /etc/iptables.rules\n"), false],
    ["--modprobe", commands(["iptables", "--modprobe=/bin/sh", "-L"]), false],
    ["--modprobe abbreviated, as getopt takes it (tester 38a)", commands(["iptables", "--modp=/usr/bin/touch", "-A", "INPUT", "-j", "DROP"]), false],
    ["--modprobe abbreviated, its program the next word", script("iptables --mo /bin/sh -L\n"), false],
    ["--match is no --modprobe", commands(["iptables", "-A", "INPUT", "-p", "tcp", "--match", "tcp", "--dport", "22", "-j", "ACCEPT"]), true],
    ["-M grouped with other flags", script("iptables -nM/tmp/x -L\n"), false],
    ["iptables commands", commands(["iptables", "-A", "INPUT", "-j", "DROP"], ["ip6tables", "-P", "INPUT", "DROP"]), true],
    ["a command with a space inside a word", commands(["iptables", "-A", "INPUT", "-m", "comment", "--comment", "a b"]), false],
    ["another tool as a command", commands(["sysctl", "-w", "net.ipv4.ip_forward=1"]), false],
  ])("%s", (_, source, only) => {
    expect(iptablesOnly(source)).toBe(only);
  });
});

describe("touchesMoreThanIptables", () => {
  const scenario = defineScenario({
    name: "s",
    description: "d",
    hosts: { a: { firewall: true }, b: { firewall: true } },
    steps: [{ apply: { host: "a", commands: ["iptables -A INPUT -j DROP"] } }, { apply: { host: "b", commands: ["nft add table inet t"] } }],
  } as never);
  it.each([["a", false], ["b", true], ["c", false]] as const)("host %s: %s", (host, more) => {
    expect(touchesMoreThanIptables(scenario, host)).toBe(more);
  });
});
