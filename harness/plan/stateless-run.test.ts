/** stateless-run.ts: which run steps a shared lab can take (table-driven, no Docker). */
import { describe, expect, test } from "vitest";
import { leavesNoState } from "./stateless-run.ts";

describe("leavesNoState", () => {
  test.each([
    ["ping -c 1 -W 3 198.18.43.2", true],
    ["nmap -n -Pn -sX -p 23 --max-retries 1 198.18.43.2", true],
    ["curl -sS -o /dev/null http://localhost:8080/", true],
    ["ip -6 neigh flush all", true],
    ["ip -6 neigh show 2001:db8:43::2", true],
    ["ip -br link show dev wan", true],
    ["ip route", true],
    ["iptables -S INPUT", true],
    ["iptables -C INPUT -p tcp --dport 8080 -j DROP", true],
    ["iptables --version", true],
    ["ip6tables -L INPUT -n", true],
    ["iptables-save", true],
    // Counters shown (a shared lab's reset may not zero them), or changed.
    ["iptables -L INPUT -n -v -x", false],
    ["iptables --list INPUT --line-numbers --numeric --verbose --exact", false],
    ["iptables -nvL INPUT", false],
    ["iptables -Z INPUT", false],
    ["iptables-save -c", false],
    // Writes.
    ["iptables -A INPUT -j DROP", false],
    ["ip -6 addr add 2001:db8:143::77/128 dev eth0 nodad", false],
    ["ip -6 addr del 2001:db8:143::77/128 dev eth0", false],
    ["ip link set eth0 down", false],
    ["ip netns exec x ping -c 1 198.18.0.1", false],
    ["sysctl -w net.ipv4.ip_forward=1", false],
    ["nft list ruleset", false],
    ["cat /etc/iptables/rules.v4", false],
    ["sh -c true", false],
  ])("%s → %s", (command, want) => {
    expect(leavesNoState(command.split(" "))).toBe(want);
  });
});
