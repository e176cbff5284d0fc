/** stateless-run.ts: which run steps a shared lab can take (table-driven, no Docker). */
import { describe, expect, test } from "vitest";
import { countersZeroedOn, leavesNoState, leavesNoStateOn, showsCounters } from "./stateless-run.ts";

describe("leavesNoState", () => {
  test.each([
    ["ping -c 1 -W 3 198.18.43.2", true],
    ["nmap -n -Pn -sX -p 23 --max-retries 1 198.18.43.2", true],
    ["nmap -T4 -n -Pn -sX -p 23 --max-retries 1 198.18.43.2", true],
    // Scripts run any code (tester 37a: an NSE script inserting an OUTPUT DROP on the client), as does nc's program per connection.
    ["nmap -n -Pn --script /tmp/e.nse -p 8081 198.18.43.2", false],
    ["nmap -n -Pn --script=banner -p 22 198.18.43.2", false],
    ["nmap -sC -p 22 198.18.43.2", false],
    ["nmap -A -p 22 198.18.43.2", false],
    ["nmap -sV -p 22 198.18.43.2", true],
    // The reviewer's spellings: nmap takes long options with one dash and bundles short ones.
    ["nmap -sCV -p 22 198.18.43.2", false],
    ["nmap -sVC -p 22 198.18.43.2", false],
    ["nmap -script=vuln 198.18.43.2", false],
    ["nmap -nA 198.18.43.2", false],
    ["nmap --datadir /tmp/x -sV 198.18.43.2", false],
    ["nmap -sA -PA -p 22 198.18.43.2", true],
    ["nc -e /bin/sh 198.18.43.2 22", false],
    ["nc -lc 'iptables -F' -p 9", false],
    ["nc -vz -w 1 198.18.43.2 22", true],
    ["curl -sS -o /dev/null http://localhost:8080/", true],
    ["ip -6 neigh flush all", true],
    ["ip -6 neigh show 2001:db8:43::2", true],
    ["ip xfrm policy show", true],
    ["ip xfrm state list", true],
    ["ip xfrm policy", true],
    ["ip xfrm policy add dir in src 198.18.0.2 dst 198.18.0.3 action block", false],
    ["ip xfrm state flush", false],
    ["ip xfrm monitor", false],
    ["ip -br link show dev wan", true],
    ["ip route", true],
    ["iptables -S INPUT", true],
    ["iptables -C INPUT -p tcp --dport 8080 -j DROP", true],
    ["iptables --version", true],
    ["ip6tables -L INPUT -n", true],
    ["iptables-save", true],
    // Counters shown: read only (the handoff before such a scenario zeroes every counter: showsCounters).
    ["iptables -L INPUT -n -v -x", true],
    ["iptables --list INPUT --line-numbers --numeric --verbose --exact", true],
    ["iptables -nvL INPUT", true],
    ["iptables-save -c", true],
    ["nft list ruleset", true],
    ["nft -j list table inet filter", true],
    ["nft -a list chain inet filter input", true],
    // Counters changed.
    ["iptables -Z INPUT", false],
    // Writes the ruleset to a file (the reset does not undo files).
    ["iptables-save -f /etc/iptables/rules.v4", false],
    ["ip6tables-save --file=/etc/iptables/rules.v6", false],
    ["iptables -L INPUT -Z", false],
    ["iptables -nvZL INPUT", false],
    ["nft reset counters", false],
    ["nft list ruleset -f x", false],
    // nft runs every command of its line: one after a `;` (or a newline) is no listing.
    ["nft list tables ; add table ip evil", false],
    ["nft list ruleset; flush ruleset", false],
    // Bundled short options and long ones abbreviated (getopt_long takes any unambiguous prefix), as the tools read them.
    ["iptables-save -cf /etc/iptables/rules.v4", false],
    ["ip6tables-save --fil=/etc/iptables/rules.v6", false],
    ["iptables-save -t filter -c", true],
    ["iptables -L INPUT -n --zer", false],
    ["iptables --list INPUT --flu", false],
    // -M / --modprobe runs a program of the caller's choosing.
    ["iptables -L INPUT -M /tmp/x", false],
    ["iptables-save --modprobe=/tmp/x", false],
    // Writes.
    ["iptables -A INPUT -j DROP", false],
    ["ip -6 addr add 2001:db8:143::77/128 dev eth0 nodad", false],
    ["ip -6 addr del 2001:db8:143::77/128 dev eth0", false],
    ["ip link set eth0 down", false],
    ["ip netns exec x ping -c 1 198.18.0.1", false],
    ["sysctl -w net.ipv4.ip_forward=1", false],
    ["nft -f /tmp/rules.nft", false],
    ["nft -i", false],
    ["nft", false],
    ["cat /etc/iptables/rules.v4", false],
    ["sh -c true", false],
  ])("%s → %s", (command, want) => {
    expect(leavesNoState(command.split(" "))).toBe(want);
  });
});

describe("countersZeroedOn (the counters a handoff zeroes on a host of that backend)", () => {
  test.each([
    ["iptables -L -n -v", "nft", true],
    ["iptables -L -n -v", "legacy", true],
    ["ip6tables-save -c", "legacy", true],
    ["iptables-nft -L -n -v", "nft", true],
    ["iptables-nft -t nat -L -n -v", "legacy", false],
    ["iptables-nft-save -c", "legacy", false],
    ["iptables-legacy -L -n -v", "legacy", true],
    ["ip6tables-legacy -L -n -v", "nft", false],
    ["nft list ruleset", "nft", true],
    ["nft list ruleset", "legacy", false],
  ] as const)("%s on %s → %s", (command, backend, want) => {
    expect(countersZeroedOn(command.split(" "), backend)).toBe(want);
  });
});

describe("showsCounters", () => {
  test.each([
    ["iptables -L INPUT -n -v -x", true],
    ["ip6tables --list INPUT --verbose", true],
    ["iptables -nvL INPUT", true],
    ["iptables --list INPUT --exact", true],
    ["iptables-save -c", true],
    ["ip6tables-save --counters", true],
    ["ip6tables-save --count", true],
    ["iptables -L INPUT --verb", true],
    ["iptables --list INPUT --exa", true],
    ["iptables-nft-save -c", true],
    ["ip6tables-legacy-save --counters", true],
    ["nft list ruleset", true],
    ["nft -j list ruleset", true],
    // nft -s (stateless) prints no counters; the rest shows no counters at all.
    ["nft -s list ruleset", false],
    ["nft --stateless list ruleset", false],
    ["nft list ruleset; reset counters", false],
    ["iptables -L INPUT -n", false],
    ["iptables -S INPUT", false],
    ["iptables-save", false],
    ["ping -c 1 198.18.0.2", false],
    ["ss -tan", false],
  ])("%s → %s", (command, want) => {
    expect(showsCounters(command.split(" "))).toBe(want);
  });
});

describe("leavesNoStateOn (the host's backend)", () => {
  test.each<[string, "nft" | "legacy", boolean]>([
    ["iptables -t raw -L -n", "nft", true],
    // The legacy kernel makes the table a listing names; no reset removes it (a tester's iptables-save then printed *raw).
    ["iptables -t raw -L -n", "legacy", false],
    ["ip6tables -t mangle -nvL", "legacy", false],
    ["iptables -t security -S", "legacy", false],
    ["iptables-legacy -C INPUT -j ACCEPT", "legacy", false],
    ["iptables-save", "legacy", true],
    ["iptables-save -t raw", "legacy", false],
    ["ip6tables-legacy-save --table=mangle", "legacy", false],
    ["iptables-save -t raw", "nft", true],
    ["iptables -V", "legacy", true],
    ["iptables-legacy -L", "nft", false],
    ["ping -c 1 198.18.0.2", "legacy", true],
    // Neighbour-table settings: shown, shareable; changed, not (the handoff compares them).
    ["ip ntable show dev eth0", "nft", true],
    ["ip ntable change name ndisc_cache dev eth0 ucast_probes 0", "nft", false],
  ])("%s on a %s host: %s", (command, backend, ok) => {
    expect(leavesNoStateOn(command.split(" "), backend)).toBe(ok);
  });
});
