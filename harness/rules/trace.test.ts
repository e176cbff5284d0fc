/** Unit tests (no Docker) for trace.ts, on real `nft -a monitor` output captured in lab hosts (testdata/trace-*.txt). */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parseSave } from "./saved.ts";
import { parseNftListing } from "./nft-listing.ts";
import { filteringLegacyTables, traceDecision } from "./trace.ts";
import { traceScript } from "./trace-marking.ts";
import { chainHandles, isTraceTable, namedFromListing, parseTrace } from "./trace-events.ts";
import { dnatDestinations } from "./trace-loopback.ts";

const read = (name: string) => readFileSync(new URL(name, import.meta.url), "utf8");
const ufwSaved = parseSave(read("../../fixtures/ufw/rules.v4"), "ipv4");
/** ufw's chains as `nft -a list ruleset` numbers them in that host (handle order = rule order). */
const ufwHandles = chainHandles(`table ip filter { # handle 2
	chain INPUT { # handle 1
		type filter hook input priority filter; policy drop;
		counter packets 0 bytes 0 jump ufw-before-logging-input # handle 36
		counter packets 0 bytes 0 jump ufw-before-input # handle 37
	}
	chain ufw-user-limit-accept { # handle 30
		counter packets 0 bytes 0 accept # handle 106
	}
	chain ufw-before-input { # handle 12
		iifname "lo" counter packets 0 bytes 0 accept # handle 69
		ct state related,established counter packets 0 bytes 0 accept # handle 70
	}
}
table inet fwspec_trace { # handle 9
	chain pre { # handle 1
		type filter hook prerouting priority -400; policy accept;
		ip daddr 198.18.172.4 tcp dport 8080 meta nftrace set 1 # handle 3
	}
}`);
const ctx = { host: "server", handles: ufwHandles, saved: { ipv4: ufwSaved } };

describe("traceDecision", () => {
  const ufw = parseTrace(read("testdata/trace-ufw.txt"));
  test("ufw limit: the SYN's trace ends in ufw-user-limit-accept, named by its iptables-save line; the FIN reusing its trace id is not mixed in", () => {
    expect(traceDecision(ufw, { family: "ipv4", daddr: "198.18.172.4", protocol: "tcp", port: 8080 }, ctx)).toMatchObject({
      host: "server", family: "ipv4", table: "filter", source: "trace", action: "accept", policy: false, handle: 106,
      rule: "-A ufw-user-limit-accept -j ACCEPT", path: ["INPUT", "ufw-before-input", "ufw-user-input", "ufw-user-limit-accept"],
    });
  });
  test("ufw default deny: the INPUT policy drop, which iptables-nft keeps no counter for", () => {
    expect(traceDecision(ufw, { family: "ipv4", daddr: "198.18.172.4", protocol: "tcp", port: 8085 }, ctx)).toMatchObject({
      table: "filter", rule: "policy DROP", path: ["INPUT"], policy: true, action: "drop", source: "trace",
    });
  });
  test.each<[string, string, string]>([
    ["a native nft table: as nft prints it", "inet fw input", "policy drop"],
    ["a native ip table of another name", "ip fw input", "policy drop"],
    ["an iptables-nft table: as iptables-save prints it", "ip filter INPUT", "policy DROP"],
  ])("a chain policy drop, %s", (_, chain, rule) => {
    const lines = [
      "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8083 tcp flags == syn",
      `trace id 1 ${chain} packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 8083 tcp flags == syn`,
      `trace id 1 ${chain} policy drop`,
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8083 }, { host: "server", handles: new Map(), saved: {} })).toMatchObject({ rule, policy: true, action: "drop" });
  });
  test("firewalld's one inet table: its nat_/mangle_ chains never decide; the host's own SYN is filter_OUTPUT's policy, not nat_POSTROUTING's", () => {
    const pkt = (id: string, chain: string) => `trace id ${id} inet firewalld ${chain} packet: oif "eth0" ip saddr 198.18.43.2 ip daddr 198.18.43.3 tcp sport 40000 tcp dport 8000 tcp flags == syn`;
    const lines = [
      `trace id a1 inet fwspec_trace out packet: oif "eth0" ip saddr 198.18.43.2 ip daddr 198.18.43.3 tcp sport 40000 tcp dport 8000 tcp flags == syn`,
      "trace id a1 inet fwspec_trace out rule tcp dport 8000 meta nftrace set 1 (verdict continue)",
      "trace id a1 inet fwspec_trace out policy accept",
      pkt("a1", "filter_OUTPUT"), "trace id a1 inet firewalld filter_OUTPUT policy accept",
      pkt("a1", "nat_POSTROUTING"), "trace id a1 inet firewalld nat_POSTROUTING policy accept",
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.43.3", protocol: "tcp", port: 8000 }, { host: "server", handles: new Map(), saved: {} })).toMatchObject({ path: ["filter_OUTPUT"], rule: "policy accept", policy: true, action: "accept" });
  });

  test("a SYN retransmitted after its SYN-ACK was dropped (conntrack then calls it established): the first SYN's rule decides, not the retransmission's", () => {
    const syn = (id: string) => `trace id ${id} inet filter input packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 8080 tcp flags == syn`;
    const mark = (id: string) => `trace id ${id} inet fwspec_trace pre packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8080 tcp flags == syn`;
    const lines = [
      mark("c1"), syn("c1"), "trace id c1 inet filter input rule tcp dport { 22, 8080 } accept (verdict accept)",
      mark("c2"), syn("c2"), "trace id c2 inet filter input rule ct state established,related accept (verdict accept)",
      mark("c3"), syn("c3"), "trace id c3 inet filter input rule ct state established,related accept (verdict accept)",
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 }, { host: "server", handles: new Map(), saved: {} })).toMatchObject({ rule: "tcp dport { 22, 8080 } accept", action: "accept", policy: false });
  });
  test("a retransmission a drop took, after its first SYN was accepted: the first SYN's accept still decides its first packet", () => {
    const syn = (id: string) => `trace id ${id} inet filter input packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 8080 tcp flags == syn`;
    const lines = [
      syn("d1"), "trace id d1 inet filter input rule tcp dport 8080 accept (verdict accept)",
      syn("d2"), "trace id d2 inet filter input rule ct state invalid drop (verdict drop)",
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 }, { host: "server", handles: new Map(), saved: {} })).toMatchObject({ rule: "tcp dport 8080 accept", action: "accept" });
  });
  test("a goto keeps its source in the decision's path (input → blocked); a return from the goto'd chain goes back past its source", () => {
    const pkt = (id: string, chain: string) => `trace id ${id} inet filter ${chain} packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 8082 tcp flags == syn`;
    const goto = [
      pkt("g1", "input"),
      "trace id g1 inet filter input rule tcp dport vmap { 8082 : goto blocked } (verdict goto blocked)",
      "trace id g1 inet filter blocked rule counter packets 0 bytes 0 drop (verdict drop)",
    ].join("\n");
    const probe = { family: "ipv4" as const, daddr: "198.18.0.4", protocol: "tcp" as const, port: 8082 };
    const none = { host: "server", handles: new Map(), saved: {} };
    expect(traceDecision(parseTrace(goto), probe, none)).toMatchObject({ path: ["input", "blocked"], action: "drop", policy: false });
    const back = [
      pkt("g2", "input"),
      "trace id g2 inet filter input rule tcp dport 8082 jump web2 (verdict jump web2)",
      "trace id g2 inet filter web2 rule tcp dport 8082 goto blocked (verdict goto blocked)",
      "trace id g2 inet filter blocked rule ip saddr 198.18.0.5 accept (verdict accept)",
    ].join("\n");
    expect(traceDecision(parseTrace(back), probe, none)).toMatchObject({ path: ["input", "web2", "blocked"], action: "accept" });
  });
  test("a resent SYN under the first one's trace id: only what the first met decides", () => {
    const mark = `trace id r1 inet fwspec_trace pre packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8080 tcp flags == syn`;
    const syn = `trace id r1 inet filter input packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 8080 tcp flags == syn`;
    const lines = [
      mark, syn, "trace id r1 inet filter input rule tcp dport { 22, 8080 } accept (verdict accept)",
      mark, syn, "trace id r1 inet filter input rule ct state established,related accept (verdict accept)",
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 }, { host: "server", handles: new Map(), saved: {} })).toMatchObject({ rule: "tcp dport { 22, 8080 } accept" });
  });
  test("no trace of the probe: no decision", () => {
    expect(traceDecision(ufw, { family: "ipv4", daddr: "198.18.172.4", protocol: "tcp", port: 9999 }, ctx)).toBeUndefined();
    expect(traceDecision(ufw, { family: "ipv4", daddr: "198.18.172.4", protocol: "udp", port: 8080 }, ctx)).toBeUndefined();
  });
  test("native nft: the rule as nft prints it (counter values left out), its table, the jump path and handle", () => {
    const native = parseTrace(read("testdata/trace-native.txt"));
    expect(traceDecision(native, { family: "ipv4", daddr: "198.18.172.2", protocol: "tcp", port: 8080 }, { host: "fw", handles: new Map(), saved: {} })).toMatchObject({
      table: "inet filter", rule: "ip saddr 198.18.0.0/15 counter accept", path: ["input", "services"], handle: 9, action: "accept",
    });
  });
  test("two probes to one destination: each probe's first packet is the first from its own sources", () => {
    const lines = [
      "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8080 tcp flags == syn",
      "trace id 1 ip filter INPUT rule tcp dport 8080 counter packets 0 bytes 0 drop # handle 4 (verdict drop)",
      "trace id 2 inet fwspec_trace out packet: ip saddr 198.18.0.4 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40001 tcp dport 8080 tcp flags == syn",
      "trace id 2 ip filter INPUT rule iifname \"lo\" counter packets 0 bytes 0 accept # handle 3 (verdict accept)",
    ].join("\n");
    const probe = { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 } as const;
    const c = { host: "server", handles: new Map(), saved: {} };
    expect(traceDecision(parseTrace(lines), { ...probe, saddrs: ["198.18.0.5"] }, c)).toMatchObject({ action: "drop", handle: 4 });
    expect(traceDecision(parseTrace(lines), { ...probe, saddrs: ["198.18.0.4", "127.0.0.1"] }, c)).toMatchObject({ action: "accept", handle: 3 });
  });
  test("a reject is a reject, NAT rules are rewrites, and fwspec's own table never decides", () => {
    const lines = [
      "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 80 tcp flags == syn",
      "trace id 1 inet fwspec_trace pre policy accept",
      "trace id 1 ip nat PREROUTING packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 80 tcp flags == syn",
      "trace id 1 ip nat PREROUTING rule tcp dport 80 counter packets 0 bytes 0 dnat to 198.18.1.3:8080 # handle 4 (verdict accept)",
      "trace id 1 inet fw forward packet: iif \"eth0\" oif \"eth1\" ip saddr 198.18.0.5 ip daddr 198.18.1.3 tcp sport 40000 tcp dport 8080 tcp flags == syn",
      "trace id 1 inet fw forward rule tcp dport 8080 reject with icmp host-prohibited # handle 7 (verdict drop)",
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 80 }, { host: "router", handles: new Map(), saved: {} })).toMatchObject({
      table: "inet fw", path: ["forward"], rule: "tcp dport 8080 reject with icmp host-prohibited", action: "reject", rewrites: ["nat PREROUTING: tcp dport 80 counter dnat to 198.18.1.3:8080 [handle 4]"],
    });
  });
  test("a DNAT through a map (its text names no destination): the rewrite carries the destination the next hook saw, so where it was sent on is known (tester 42b)", () => {
    const lines = (dnat: string, after = "198.18.1.3 tcp sport 40000 tcp dport 82") => [
      "trace id 5 inet fwspec_trace pre packet: iif \"wan0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8082 tcp flags == syn",
      "trace id 5 inet fwspec_trace pre policy accept",
      "trace id 5 ip nat4 prerouting packet: iif \"wan0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 8082 tcp flags == syn",
      `trace id 5 ip nat4 prerouting rule iifname "wan0" ${dnat} # handle 4 (verdict accept)`,
      `trace id 5 inet filter forward packet: iif "wan0" oif "lan0" ip saddr 198.18.0.5 ip daddr ${after} tcp flags == syn`,
      "trace id 5 inet filter forward rule ct status dnat accept # handle 9 (verdict accept)",
    ].join("\n");
    const probe = { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8082 } as const;
    const ctx = { host: "router", handles: new Map(), saved: {} };
    const rewrites = (dnat: string, after?: string) => traceDecision(parseTrace(lines(dnat, after)), probe, ctx)?.rewrites;
    expect(rewrites("dnat ip to tcp dport map @portfw")).toEqual(["ip nat4 prerouting: iifname \"wan0\" dnat ip to tcp dport map @portfw [handle 4] (its destination now 198.18.1.3 port 82)"]);
    expect(dnatDestinations(rewrites("dnat ip to tcp dport map { 8082 : 198.18.1.3 . 82 }"))).toEqual([{ address: "198.18.1.3", shown: "198.18.1.3:82" }]);
    // A DNAT whose text says where: as before; a map that left the packet as it was: nothing added.
    expect(rewrites("dnat to 198.18.1.3:82")).toEqual(["ip nat4 prerouting: iifname \"wan0\" dnat to 198.18.1.3:82 [handle 4]"]);
    expect(rewrites("dnat ip to tcp dport map @portfw", "198.18.0.4 tcp sport 40000 tcp dport 8082")).toEqual(["ip nat4 prerouting: iifname \"wan0\" dnat ip to tcp dport map @portfw [handle 4]"]);
  });
  test("a NAT rule the trace shows with verdict continue rewrote nothing (an inet table's `dnat ip to` meeting an IPv6 packet): not named as a rewrite", () => {
    const lines = [
      "trace id 3 inet fwspec_trace pre packet: iif \"wan0\" ip6 saddr 2001:db8:60::5 ip6 daddr 2001:db8:60::2 tcp sport 40000 tcp dport 80 tcp flags == syn",
      "trace id 3 inet fwspec_trace pre policy accept",
      "trace id 3 inet fw prerouting packet: iif \"wan0\" ip6 saddr 2001:db8:60::5 ip6 daddr 2001:db8:60::2 tcp sport 40000 tcp dport 80 tcp flags == syn",
      "trace id 3 inet fw prerouting rule iifname \"wan0\" tcp dport 80 counter packets 1 bytes 60 dnat ip to 198.18.61.10:8080 comment \"dnat v4\" # handle 29 (verdict continue)",
      "trace id 3 inet fw prerouting rule iifname \"wan0\" tcp dport 80 counter packets 1 bytes 80 dnat ip6 to [2001:db8:61::10]:8080 comment \"dnat v6\" # handle 30 (verdict accept)",
      "trace id 3 inet fw forward packet: iif \"wan0\" oif \"lan0\" ip6 saddr 2001:db8:60::5 ip6 daddr 2001:db8:61::10 tcp sport 40000 tcp dport 8080 tcp flags == syn",
      "trace id 3 inet fw forward rule ct status dnat accept # handle 12 (verdict accept)",
    ].join("\n");
    const d = traceDecision(parseTrace(lines), { family: "ipv6", daddr: "2001:db8:60::2", protocol: "tcp", port: 80 }, { host: "router", handles: new Map(), saved: {} });
    expect(d).toMatchObject({ table: "inet fw", path: ["forward"], handle: 12, action: "accept" });
    expect(d?.rewrites).toEqual(["inet fw prerouting: iifname \"wan0\" tcp dport 80 counter dnat ip6 to [2001:db8:61::10]:8080 comment \"dnat v6\" [handle 30]"]);
  });
  test("two base chains on the input hook both accept: the rule of the first is named, not the second's policy", () => {
    const pkt = 'iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8081 tcp flags == syn';
    const lines = [
      `trace id 4 inet fwspec_trace in packet: ${pkt}`,
      "trace id 4 inet fwspec_trace in policy accept",
      `trace id 4 inet fw input packet: ${pkt}`,
      "trace id 4 inet fw input rule tcp dport 8081 counter packets 1 bytes 60 accept # handle 10 (verdict accept)",
      // As nft prints an ip table's packet: no `ip protocol` (implied).
      `trace id 4 ip late input packet: ${pkt.replace(" ip protocol tcp", "")}`,
      "trace id 4 ip late input policy accept",
    ].join("\n");
    const d = traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8081 }, { host: "router", handles: new Map(), saved: {} });
    expect(d).toMatchObject({ table: "inet fw", path: ["input"], handle: 10, action: "accept", policy: false });
  });
  const natSaved = parseSave([
    "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]",
    "-A PREROUTING -p tcp -m tcp --dport 80 -m comment --comment \"forward http\" -j DNAT --to-destination 198.18.1.3:8080",
    "-A POSTROUTING -o eth1 -j MASQUERADE", "COMMIT", "",
  ].join("\n"), "ipv4");
  const natHandles = chainHandles(`table ip nat { # handle 3
	chain PREROUTING { # handle 1
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 80 counter packets 0 bytes 0 dnat to 198.18.1.3:8080 # handle 4
	}
	chain POSTROUTING { # handle 2
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth1" counter packets 0 bytes 0 masquerade # handle 5
	}
}`);
  test("a router with only NAT rules: no filter chain decided, the packet's chains and its DNAT and MASQUERADE named by their iptables-save lines", () => {
    const lines = [
      "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 80 tcp flags == syn",
      "trace id 1 inet fwspec_trace pre rule meta nfproto ipv4 ip daddr 198.18.0.4 meta l4proto tcp th dport 80 meta nftrace set 1 # handle 3 (verdict continue)",
      "trace id 1 inet fwspec_trace pre policy accept",
      "trace id 1 ip nat PREROUTING packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 80 tcp flags == syn",
      "trace id 1 ip nat PREROUTING rule tcp dport 80 counter packets 0 bytes 0 dnat to 198.18.1.3:8080 # handle 4 (verdict accept)",
      "trace id 1 ip nat POSTROUTING packet: oif \"eth1\" ip saddr 198.18.0.5 ip daddr 198.18.1.3 tcp sport 40000 tcp dport 8080 tcp flags == syn",
      "trace id 1 ip nat POSTROUTING rule oifname \"eth1\" counter packets 0 bytes 0 masquerade # handle 5 (verdict accept)",
    ].join("\n");
    const d = traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 80 }, { host: "router", handles: natHandles, saved: { ipv4: natSaved } });
    expect(d).toMatchObject({
      host: "router", unfiltered: true, action: "accept", policy: false, table: "none", rule: "no filter chain", path: ["nat PREROUTING", "nat POSTROUTING"], source: "trace",
      rewrites: [
        "nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 80 -m comment --comment \"forward http\" -j DNAT --to-destination 198.18.1.3:8080 [handle 4]",
        "nat POSTROUTING: -A POSTROUTING -o eth1 -j MASQUERADE [handle 5]",
      ],
    });
  });
  test("iptables-nft DNAT and MASQUERADE print no rule line (xt targets): named from the rewrite the next hook's packet shows and the saved nat rules", () => {
    // As a router on this kernel printed them (nft 1.0.6): PREROUTING ends without its policy, POSTROUTING too.
    const lines = [
      "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 80 tcp flags == syn",
      "trace id 1 inet fwspec_trace pre policy accept",
      "trace id 1 ip nat PREROUTING packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip ttl 64 tcp sport 40000 tcp dport 80 tcp flags == syn tcp window 64240",
      "trace id 1 ip nat POSTROUTING packet: iif \"eth0\" oif \"eth1\" ip saddr 198.18.0.5 ip daddr 198.18.1.3 ip ttl 63 tcp sport 40000 tcp dport 8080 tcp flags == syn tcp window 64240",
    ].join("\n");
    const d = traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 80 }, { host: "router", handles: natHandles, saved: { ipv4: natSaved } });
    expect(d).toMatchObject({ unfiltered: true, action: "accept", path: ["nat PREROUTING", "nat POSTROUTING"] });
    expect(d?.rewrites).toEqual([
      "nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 80 -m comment --comment \"forward http\" -j DNAT --to-destination 198.18.1.3:8080 (not in the trace: the packet left the chain by a rule, not by its policy, its destination now 198.18.1.3 port 8080)",
      "nat POSTROUTING: -A POSTROUTING -o eth1 -j MASQUERADE (not in the trace: the packet left the chain by a rule, not by its policy)",
    ]);
    // Without the saved rules, the rewrite is still said, the rule plainly not named.
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 80 }, { host: "router", handles: new Map(), saved: {} })?.rewrites?.[0])
      .toBe("nat PREROUTING: a rule the trace does not show (not in the trace: the packet left the chain by a rule, not by its policy, its destination now 198.18.1.3 port 8080)");
  });
  test("no ruleset at all: the packet met only fwspec's table, so no filter chain decided and no chain of the ruleset is named", () => {
    const lines = [
      "trace id 7 inet fwspec_trace pre packet: iif \"eth0\" ip6 saddr 2001:db8::5 ip6 daddr 2001:db8::4 tcp sport 40000 tcp dport 8080 tcp flags == syn",
      "trace id 7 inet fwspec_trace pre policy accept",
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv6", daddr: "2001:db8::4", protocol: "tcp", port: 8080 }, { host: "server", handles: new Map(), saved: {} })).toMatchObject({
      unfiltered: true, action: "accept", path: [], rule: "no filter chain",
    });
  });
  test("a host with legacy iptables tables beside nft (a rule added with iptables-legacy): an accept the trace shows is not claimed, a drop still is", () => {
    const lines = (port: number, verdict: string) => [
      `trace id 8 inet fwspec_trace pre packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport ${port} tcp flags == syn`,
      "trace id 8 inet fwspec_trace pre policy accept",
      `trace id 8 inet fw input packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport ${port} tcp flags == syn`,
      `trace id 8 inet fw input rule tcp dport ${port} ${verdict} (verdict ${verdict})`,
    ].join("\n");
    const ctx = { host: "server", handles: new Map(), saved: {}, unseen: { ipv4: ["legacy iptables table filter"] } };
    expect(traceDecision(parseTrace(lines(8080, "accept")), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 }, ctx)).toBeUndefined();
    expect(traceDecision(parseTrace(lines(8081, "drop")), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8081 }, ctx)).toMatchObject({ action: "drop" });
    expect(traceDecision(parseTrace(lines(8080, "accept")), { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 }, { ...ctx, unseen: { ipv6: ["legacy iptables table filter"] } })).toMatchObject({ action: "accept" });
  });

  test.each([
    ["*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n", []], // `iptables-legacy -L` made it: filters nothing
    ["*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 8080 -j DROP\nCOMMIT\n", ["legacy iptables table filter"]],
    ["*raw\n:PREROUTING DROP [0:0]\nCOMMIT\n", ["legacy iptables table raw"]],
    ["*nat\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT\nCOMMIT\n*filter\n:MINE - [0:0]\nCOMMIT\n", []],
  ])("filteringLegacyTables(%j)", (save, tables) => expect(filteringLegacyTables(save)).toEqual(tables));

  test("a host with a netdev table: its ingress chains see packets before fwspec's table marks them, so 'no filter chain' is never claimed", () => {
    const lines = [
      "trace id 7 inet fwspec_trace pre packet: iif \"eth0\" ip6 saddr 2001:db8::5 ip6 daddr 2001:db8::4 tcp sport 40000 tcp dport 8081 tcp flags == syn",
      "trace id 7 inet fwspec_trace pre policy accept",
    ].join("\n");
    const handles = new Map([["netdev edge", new Map([["ingress", [2]]])]]);
    expect(traceDecision(parseTrace(lines), { family: "ipv6", daddr: "2001:db8::4", protocol: "tcp", port: 8081 }, { host: "server", handles, saved: {} })).toBeUndefined();
  });
  test("a packet seen entering a filter chain with no rule or policy line after it: an incomplete trace, no decision (never 'no filter chain')", () => {
    // Seen on scenarios/addresses/21: a probe stopped early by its DROP's counter, the trace read before the rule line arrived.
    const lines = [
      "trace id 9 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.7.200 ip daddr 198.18.7.2 tcp sport 34508 tcp dport 8080 tcp flags == syn",
      "trace id 9 inet fwspec_trace pre policy accept",
      "trace id 9 ip filter INPUT packet: iif \"eth0\" ip saddr 198.18.7.200 ip daddr 198.18.7.2 tcp sport 34508 tcp dport 8080 tcp flags == syn",
    ].join("\n");
    expect(traceDecision(parseTrace(lines), { family: "ipv4", daddr: "198.18.7.2", protocol: "tcp", port: 8080 }, { host: "server", handles: new Map(), saved: {} })).toBeUndefined();
  });
  test("identical probes in one step: the n-th connection by source port, in trace order; none beyond those traced", () => {
    const lines = [
      "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip6 saddr 2001:db8::5 ip6 daddr 2001:db8::4 tcp sport 40000 tcp dport 8080 tcp flags == syn",
      "trace id 1 ip6 filter INPUT policy accept",
      "trace id 2 inet fwspec_trace pre packet: iif \"eth0\" ip6 saddr 2001:db8::5 ip6 daddr 2001:db8::4 tcp sport 40000 tcp dport 8080 tcp flags == syn",
      "trace id 3 inet fwspec_trace pre packet: iif \"eth0\" ip6 saddr 2001:db8::5 ip6 daddr 2001:db8::4 tcp sport 41000 tcp dport 8080 tcp flags == syn",
      "trace id 3 ip6 filter INPUT rule tcp dport 8080 counter packets 0 bytes 0 drop # handle 9 (verdict drop)",
    ].join("\n");
    const probe = { family: "ipv6", daddr: "2001:db8::4", protocol: "tcp", port: 8080 } as const;
    const c = { host: "server", handles: new Map(), saved: {} };
    expect(traceDecision(parseTrace(lines), probe, c)).toMatchObject({ action: "accept", policy: true });
    expect(traceDecision(parseTrace(lines), { ...probe, nth: 1 }, c)).toMatchObject({ action: "drop", handle: 9 });
    expect(traceDecision(parseTrace(lines), { ...probe, nth: 2 }, c)).toBeUndefined();
  });
  test("a held connection's check: its first data segment decides, not a probe's SYN to the same port", () => {
    const lines = [
      "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 3000 tcp flags == syn",
      "trace id 1 ip filter INPUT rule tcp dport 3000 counter packets 0 bytes 0 drop # handle 6 (verdict drop)",
      "trace id 2 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 39000 tcp dport 3000 tcp flags == 0x18",
      "trace id 2 ip filter INPUT rule ct state established,related counter packets 0 bytes 0 accept # handle 4 (verdict accept)",
    ].join("\n");
    const probe = { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 3000 } as const;
    const c = { host: "server", handles: new Map(), saved: {} };
    expect(traceDecision(parseTrace(lines), { ...probe, established: true }, c)).toMatchObject({ action: "accept", handle: 4, held: true });
    expect(traceDecision(parseTrace(lines), probe, c)).toMatchObject({ action: "drop", handle: 6 });
  });
});

describe("the trace table", () => {
  test("with the probe's sources: each probe to one destination gets its own marking rule (saddr + daddr + proto + dport)", () => {
    const script = traceScript([
      { family: "ipv4", daddr: "198.18.0.2", protocol: "tcp", port: 8080, saddrs: ["198.18.0.5"] },
      { family: "ipv4", daddr: "198.18.0.2", protocol: "tcp", port: 8080, saddrs: ["198.18.0.2", "127.0.0.1"] },
    ]);
    expect(script).toContain("add rule inet fwspec_trace pre meta nfproto ipv4 ip saddr { 198.18.0.5 } ip daddr 198.18.0.2 meta l4proto tcp th dport 8080 meta nftrace set 1");
    expect(script).toContain("add rule inet fwspec_trace out meta nfproto ipv4 ip saddr { 198.18.0.2, 127.0.0.1 } ip daddr 198.18.0.2 meta l4proto tcp th dport 8080 meta nftrace set 1");
    expect(script.match(/nftrace/g)).toHaveLength(4);
  });
  test("marks only the probes' destination, protocol and port, before every other chain, once per match", () => {
    const script = traceScript([
      { family: "ipv4", daddr: "198.18.0.2", protocol: "tcp", port: 8080 },
      { family: "ipv6", daddr: "2001:db8::2", protocol: "udp", port: 53 },
      { family: "ipv4", daddr: "198.18.0.2", protocol: "tcp", port: 8080 },
    ]);
    expect(script).toContain("add chain inet fwspec_trace pre { type filter hook prerouting priority -400; policy accept; }");
    expect(script).toContain("add rule inet fwspec_trace out meta nfproto ipv4 ip daddr 198.18.0.2 meta l4proto tcp th dport 8080 meta nftrace set 1");
    expect(script).toContain("add rule inet fwspec_trace pre meta nfproto ipv6 ip6 daddr 2001:db8::2 meta l4proto udp th dport 53 meta nftrace set 1");
    expect(script.match(/nftrace/g)).toHaveLength(4);
    expect(script).toMatch(/^flush chain inet fwspec_trace pre$/m);
  });
  test("is recognised (and only it)", () => {
    expect(isTraceTable("inet fwspec_trace")).toBe(true);
    expect(isTraceTable("ip fwspec_trace")).toBe(false);
    expect(isTraceTable("inet filter")).toBe(false);
  });
  test("chainHandles lists each chain's rule handles in order, not its sets or the chain's own handle", () => {
    expect(ufwHandles.get("ip filter")?.get("INPUT")).toEqual([36, 37]);
    expect(ufwHandles.get("ip filter")?.get("ufw-before-input")).toEqual([69, 70]);
  });
});

describe("a monitor that started before the rules (one monitor per lab boot)", () => {
  // nft 1.0.6 in a lab host: the monitor started before OUTPUT, NEWCHAIN and their rules existed (it never caches later rules or chains).
  const lines = [
    'trace id 6e92f288 inet fwspec_trace out packet: oif "lo" ip saddr 127.0.0.1 ip daddr 127.0.0.1 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 25202 ip protocol tcp ip length 60 tcp sport 39584 tcp dport 8080 tcp flags == syn tcp window 65495',
    "trace id 6e92f288 inet fwspec_trace out rule tcp dport 8080 meta nftrace set 1 # handle 3 (verdict continue)",
    "trace id 6e92f288 inet fwspec_trace out policy accept",
    'trace id 6e92f288 ip filter OUTPUT packet: oif "lo" ip saddr 127.0.0.1 ip daddr 127.0.0.1 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 25202 ip length 60 tcp sport 39584 tcp dport 8080 tcp flags == syn tcp window 65495',
    "trace id 6e92f288 ip filter OUTPUT unknown rule handle 7 (verdict jump NEWCHAIN)",
    "trace id 6e92f288 ip filter NEWCHAIN unknown rule handle 5 (verdict drop)",
  ].join("\n");
  const listing = `table ip filter { # handle 1
	chain NEWCHAIN { # handle 4
		tcp dport 8080 counter packets 1 bytes 60 reject # handle 5
	}
	chain OUTPUT { # handle 6
		type filter hook output priority filter; policy accept;
		tcp dport 8080 counter packets 1 bytes 60 jump NEWCHAIN # handle 7
	}
}`;
  const probe = { family: "ipv4", daddr: "127.0.0.1", protocol: "tcp", port: 8080 } as const;
  const c = { host: "server", handles: chainHandles(listing), saved: {} };
  test("`unknown rule handle N` lines are read: handle, verdict and jump target, no text", () => {
    expect(parseTrace(lines).filter((e) => e.kind === "rule" && e.unnamed)).toMatchObject([
      { table: "ip filter", chain: "OUTPUT", handle: 7, verdict: "jump", target: "NEWCHAIN", text: "" },
      { table: "ip filter", chain: "NEWCHAIN", handle: 5, verdict: "drop", text: "" },
    ]);
  });
  test("unnamed, they decide nothing (the counters decide)", () => {
    expect(traceDecision(parseTrace(lines), probe, c)).toBeUndefined();
  });
  test("named from the listing read after them: the rule, its action (a reject) and the jump path", () => {
    expect(traceDecision(namedFromListing(parseTrace(lines), parseNftListing(listing)), probe, c)).toMatchObject({
      table: "filter", rule: "tcp dport 8080 counter reject", action: "reject", handle: 5, path: ["OUTPUT", "NEWCHAIN"], source: "trace",
    });
  });
  test("a stale text the monitor printed (a table re-created since, a handle reused) is replaced by the listing's", () => {
    const stale = "trace id 1 inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8080 tcp flags == syn\n" +
      "trace id 1 inet filter input rule tcp dport 8080 counter packets 9 bytes 540 accept # handle 4 (verdict drop)";
    const now = "table inet filter { # handle 7\n\tchain input { # handle 1\n\t\ttcp dport 8080 counter packets 1 bytes 60 drop # handle 4\n\t}\n}";
    const p = { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 } as const;
    const ctx2 = { host: "fw", handles: new Map(), saved: {} };
    expect(traceDecision(namedFromListing(parseTrace(stale), parseNftListing(now)), p, ctx2)).toMatchObject({ table: "inet filter", rule: "tcp dport 8080 counter drop", action: "drop", handle: 4 });
    // A handle the listing lacks (the rule deleted before the collect): unnamed, no decision.
    expect(traceDecision(namedFromListing(parseTrace(stale), parseNftListing("table inet filter { # handle 7\n}")), p, ctx2)).toBeUndefined();
  });
});

describe("a router's port forward (gw:8080 DNAT'd to web:80) and a direct probe to web:80 in one step", () => {
  // As `nft -a monitor` printed them on the router gw (nft 1.0.6, iptables-nft; /tmp/routerjourney gateway.yaml and collide-alone.yaml), trimmed of
  // the ether fields: the port forward's SYN is marked by fwspec's table for 198.18.50.2:8080 and DNAT'd to 198.18.51.10:80 before FORWARD;
  // the direct probe's SYN is marked for 198.18.51.10:80. `ct status dnat` is how iptables-nft prints `-m conntrack --ctstate DNAT`.
  const syn = (id: string, table: string, chain: string, daddr: string, sport: number, dport: number, ttl = 64) =>
    `trace id ${id} ${table} ${chain} packet: iif "eth0" ${chain === "FORWARD" || chain === "POSTROUTING" ? 'oif "eth1" ' : ""}ip saddr 198.18.50.100 ip daddr ${daddr} ip dscp cs0 ip ecn not-ect ip ttl ${ttl} ip id 35630 ${table === "inet fwspec_trace" ? "ip protocol tcp " : ""}ip length 60 tcp sport ${sport} tcp dport ${dport} tcp flags == syn tcp window 64240`;
  /** The forward rule as the monitor prints it: `ct state new` (--ctstate NEW) or `ct status dnat` (--ctstate DNAT). */
  const forwardRule = (id: string, state: string) =>
    `trace id ${id} ip filter FORWARD rule iifname "eth0" oifname "eth1" ip daddr 198.18.51.10 tcp dport 80 ${state} counter packets 0 bytes 0 accept # handle 9 (verdict accept)`;
  const portForward = (state: string) => [
    syn("db56e141", "inet fwspec_trace", "pre", "198.18.50.2", 58022, 8080),
    "trace id db56e141 inet fwspec_trace pre rule ip daddr 198.18.50.2 tcp dport 8080 meta nftrace set 1 # handle 3 (verdict continue)",
    "trace id db56e141 inet fwspec_trace pre policy accept",
    syn("db56e141", "ip nat", "PREROUTING", "198.18.50.2", 58022, 8080),
    'trace id db56e141 ip nat PREROUTING rule iifname "eth0" tcp dport 8080 counter packets 0 bytes 0 dnat to 198.18.51.10:80 # handle 5 (verdict accept)',
    syn("db56e141", "ip filter", "FORWARD", "198.18.51.10", 58022, 80, 63),
    forwardRule("db56e141", state),
    syn("db56e141", "ip nat", "POSTROUTING", "198.18.51.10", 58022, 80, 63),
    "trace id db56e141 ip nat POSTROUTING policy accept",
  ];
  /** The direct probe's SYN: accepted by the forward rule (`ct state new`) or, when that rule wants a DNAT'd connection, by nothing (FORWARD policy drop). */
  const direct = (state: string) => [
    syn("ebc7c887", "inet fwspec_trace", "pre", "198.18.51.10", 33252, 80),
    "trace id ebc7c887 inet fwspec_trace pre rule ip daddr 198.18.51.10 tcp dport 80 meta nftrace set 1 # handle 7 (verdict continue)",
    "trace id ebc7c887 inet fwspec_trace pre policy accept",
    syn("ebc7c887", "ip nat", "PREROUTING", "198.18.51.10", 33252, 80),
    "trace id ebc7c887 ip nat PREROUTING policy accept",
    syn("ebc7c887", "ip filter", "FORWARD", "198.18.51.10", 33252, 80, 63),
    ...(state === "ct state new"
      ? [forwardRule("ebc7c887", state), syn("ebc7c887", "ip nat", "POSTROUTING", "198.18.51.10", 33252, 80, 63), "trace id ebc7c887 ip nat POSTROUTING policy accept"]
      : ["trace id ebc7c887 ip filter FORWARD policy drop"]),
  ];
  const gwSave = (state: string) => parseSave([
    "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
    "-A INPUT -i lo -j ACCEPT", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-A INPUT -i eth1 -p tcp -m tcp --dport 22 -j ACCEPT",
    "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-A FORWARD -i eth1 -o eth0 -j ACCEPT",
    `-A FORWARD -d 198.18.51.10/32 -i eth0 -o eth1 -p tcp -m tcp --dport 80 -m conntrack --ctstate ${state} -j ACCEPT`, "COMMIT",
    "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]",
    "-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80", "-A POSTROUTING -s 198.18.51.0/24 -o eth0 -j MASQUERADE", "COMMIT", "",
  ].join("\n"), "ipv4");
  const gwHandles = chainHandles(`table ip nat { # handle 2
	chain PREROUTING { # handle 1
		type nat hook prerouting priority dstnat; policy accept;
		iifname "eth0" tcp dport 8080 counter packets 1 bytes 60 dnat to 198.18.51.10:80 # handle 5
	}
	chain POSTROUTING { # handle 4
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth0" ip saddr 198.18.51.0/24 counter packets 0 bytes 0 masquerade # handle 6
	}
}
table ip filter { # handle 3
	chain INPUT { # handle 1
		type filter hook input priority filter; policy drop;
		iifname "lo" counter packets 0 bytes 0 accept # handle 4
		ct state related,established counter packets 0 bytes 0 accept # handle 5
		iifname "eth1" tcp dport 22 counter packets 0 bytes 0 accept # handle 6
	}
	chain FORWARD { # handle 2
		type filter hook forward priority filter; policy drop;
		ct state related,established counter packets 7 bytes 434 accept # handle 7
		iifname "eth0" oifname "eth1" counter packets 0 bytes 0 accept # handle 8
		iifname "eth0" oifname "eth1" ip daddr 198.18.51.10 tcp dport 80 counter packets 1 bytes 60 accept # handle 9
	}
}`);
  const DNAT = "nat PREROUTING: -A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80 [handle 5]";
  const forward = (state: string) => `-A FORWARD -d 198.18.51.10/32 -i eth0 -o eth1 -p tcp -m tcp --dport 80 -m conntrack --ctstate ${state} -j ACCEPT`;
  const toGw = { family: "ipv4", daddr: "198.18.50.2", protocol: "tcp", port: 8080 } as const;
  const toWeb = { family: "ipv4", daddr: "198.18.51.10", protocol: "tcp", port: 80 } as const;
  type Want = { rule: string; action: string; policy: boolean; rewrites?: string[]; sport: number; handle?: number };
  const cases: [string, string, "both, port forward first" | "both, direct first" | "alone", "gw:8080" | "web:80", Want][] = [];
  for (const order of ["both, port forward first", "both, direct first", "alone"] as const) {
    // --ctstate NEW (firewall/v1.v4): both are accepted by the forward rule; only the port forward was rewritten.
    cases.push(["NEW", "ct state new", order, "gw:8080", { rule: forward("NEW"), action: "accept", policy: false, rewrites: [DNAT], sport: 58022, handle: 9 }]);
    cases.push(["NEW", "ct state new", order, "web:80", { rule: forward("NEW"), action: "accept", policy: false, sport: 33252, handle: 9 }]);
    // --ctstate DNAT (firewall/v2.v4): the port forward's first packet is DNAT'd, so the rule takes it; the direct probe meets the FORWARD policy.
    cases.push(["DNAT", "ct status dnat", order, "gw:8080", { rule: forward("DNAT"), action: "accept", policy: false, rewrites: [DNAT], sport: 58022, handle: 9 }]);
    cases.push(["DNAT", "ct status dnat", order, "web:80", { rule: "policy DROP", action: "drop", policy: true, sport: 33252 }]);
  }
  test.each(cases)("--ctstate %s (the monitor prints `%s`), %s: the probe to %s gets only its own packets' walk", (state, printed, order, to, want) => {
    const probe = to === "gw:8080" ? toGw : toWeb;
    const mine = to === "gw:8080" ? portForward(printed) : direct(printed);
    const lines = order === "alone" ? mine : order === "both, port forward first" ? [...portForward(printed), ...direct(printed)] : [...direct(printed), ...portForward(printed)];
    const d = traceDecision(parseTrace(lines.join("\n")), probe, { host: "gw", handles: gwHandles, saved: { ipv4: gwSave(state) } });
    expect(d).toMatchObject({ host: "gw", table: "filter", path: ["FORWARD"], source: "trace", rule: want.rule, action: want.action, policy: want.policy });
    expect(d?.handle).toBe(want.handle);
    expect(d?.rewrites).toEqual(want.rewrites);
    // Its steps are its own packet's, from the hook after fwspec's table on: the other probe's source port never shows.
    expect(d?.steps?.join("\n")).toContain(`tcp sport ${want.sport} `);
    expect(d?.steps?.join("\n")).not.toContain(`tcp sport ${want.sport === 58022 ? 33252 : 58022} `);
  });
});

describe("NAT rules are rewrites, a rule matching on a NAT'd connection (`ct status dnat`) is a filter rule", () => {
  const lines = (rule: string) => [
    'trace id 1 inet fwspec_trace pre packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 ip protocol tcp tcp sport 40000 tcp dport 8080 tcp flags == syn',
    'trace id 1 ip nat PREROUTING packet: iif "eth0" ip saddr 198.18.0.5 ip daddr 198.18.0.4 tcp sport 40000 tcp dport 8080 tcp flags == syn',
    "trace id 1 ip nat PREROUTING rule tcp dport 8080 counter packets 0 bytes 0 dnat to 198.18.1.3:80 # handle 4 (verdict accept)",
    'trace id 1 inet fw forward packet: iif "eth0" oif "eth1" ip saddr 198.18.0.5 ip daddr 198.18.1.3 tcp sport 40000 tcp dport 80 tcp flags == syn',
    `trace id 1 inet fw forward rule ${rule} # handle 7 (verdict ${/\bdrop\b|\breject\b/.test(rule) ? "drop" : "accept"})`,
  ].join("\n");
  const probe = { family: "ipv4", daddr: "198.18.0.4", protocol: "tcp", port: 8080 } as const;
  test.each<[string, string, string | undefined]>([
    ["ct status dnat accept", "accept", "ct status dnat accept"],
    ["ct status snat counter packets 0 bytes 0 drop", "drop", "ct status snat counter drop"],
    ["ct status != dnat drop", "drop", "ct status != dnat drop"],
    ["ct status { dnat, snat } accept", "accept", "ct status { dnat, snat } accept"],
    ["ct status dnat,snat accept", "accept", "ct status dnat,snat accept"],
    ["ct status & dnat == dnat accept", "accept", "ct status & dnat == dnat accept"],
    ["ct state new ct status dnat tcp dport 80 counter packets 0 bytes 0 reject with tcp reset", "reject", "ct state new ct status dnat tcp dport 80 counter reject with tcp reset"],
    ['tcp dport 80 accept comment "after dnat"', "accept", 'tcp dport 80 accept comment "after dnat"'],
  ])("`%s` decides (%s)", (rule, action, named) => {
    const d = traceDecision(parseTrace(lines(rule)), probe, { host: "router", handles: new Map(), saved: {} });
    expect(d).toMatchObject({ table: "inet fw", path: ["forward"], action, rule: named, handle: 7, rewrites: ["nat PREROUTING: tcp dport 8080 counter dnat to 198.18.1.3:80 [handle 4]"] });
  });
  test.each([
    "ip daddr 198.18.1.3 snat to 198.18.0.1",
    "snat ip to 198.18.0.1",
    "dnat ip to 198.18.1.4:80",
    "oifname \"eth0\" masquerade",
    "masquerade random",
    "tcp dport 80 redirect to :8080",
  ])("`%s` is a rewrite, not a decision", (rule) => {
    const d = traceDecision(parseTrace(lines(rule)), probe, { host: "router", handles: new Map(), saved: {} });
    expect(d).toBeUndefined(); // the packet entered the forward chain and only a rewrite followed: the trace is incomplete
  });
});
