/**
 * Unit tests (table-driven, no Docker) for the words of a probe stopped on
 * evidence (observe.ts stoppedEarly): the reason never says "no answer" when
 * fwspec-probe saw an ICMP error come back (or, for a reject, when the client
 * simply had not reported yet), and the stopped-early line names what took the
 * packet as the evidence shows it — a rule or a chain policy, drop or reject,
 * in nft's words for native nftables tables.
 */
import { describe, expect, test } from "vitest";
import type { ProbeSpec } from "../model/types.ts";
import type { DecisiveCount } from "../rules/decisive.ts";
import { earlyVerdict } from "../rules/decisive.ts";
import { type TracedProbe } from "../rules/trace.ts";
import { parseTrace } from "../rules/trace-events.ts";
import { stoppedEarly } from "./observe.ts";
import type { PendingProbe } from "./probe.ts";
import { traceEarlyVerdict } from "./trace-early.ts";

const spec = (family: "ipv4" | "ipv6", port: number): ProbeSpec => ({ from: "client", to: { kind: "host", host: "server" }, port, protocol: "tcp", family, timeoutSeconds: 2 });
const pending = (s: ProbeSpec): PendingProbe => ({
  spec: s, address: s.family === "ipv4" ? "198.18.24.3" : "2001:db8:f5:18::3", command: "nc -v -N -w 2 x 8082", argv: ["nc"],
  stop: () => Promise.reject(new Error("not here")), poll: () => Promise.reject(new Error("not here")), wait: () => Promise.reject(new Error("not here")), elapsed: () => 0,
});

/** `nft monitor trace` lines of a native `inet filter` table (fwspec's trace table marks the packet first). */
const packet = (id: string, table: string, chain: string, dport: number, family: "ip" | "ip6") =>
  `trace id ${id} ${table} ${chain} packet: iif "eth0" ${family} saddr ${family === "ip" ? "198.18.24.2" : "2001:db8:f5:18::2"} ${family} daddr ${family === "ip" ? "198.18.24.3" : "2001:db8:f5:18::3"} tcp sport 57270 tcp dport ${dport} tcp flags == syn tcp window 64240`;
const native = (id: string, dport: number, family: "ip" | "ip6", last: string) => parseTrace([
  packet(id, "inet fwspec_trace", "pre", dport, family),
  `trace id ${id} inet fwspec_trace pre rule tcp dport ${dport} meta nftrace set 1 # handle 3 (verdict continue)`,
  `trace id ${id} inet fwspec_trace pre policy accept`,
  packet(id, "inet filter", "input", dport, family),
  `trace id ${id} inet filter input ${last}`,
].join("\n"));
const probe = (family: "ipv4" | "ipv6", port: number): TracedProbe => ({ family, daddr: family === "ipv4" ? "198.18.24.3" : "2001:db8:f5:18::3", protocol: "tcp", port });

/** The trace path (observe-batch.ts): the early verdict and what took the packet from the trace. */
function byTrace(family: "ipv4" | "ipv6", port: number, last: string, stderr: string, ms: number) {
  const early = traceEarlyVerdict(new Map([["server", native("t1", port, family === "ipv4" ? "ip" : "ip6", last)]]), probe(family, port), "tcp")!;
  return stoppedEarly(pending(spec(family, port)), { stderr, durationMs: ms }, early, early.taken, "trace");
}

/** The counters path (observe.ts decide): DROP and REJECT rules and DROP policies whose counters moved. */
function byCounters(counts: (DecisiveCount & { host: string })[], stderr: string, ms: number, family: "ipv4" | "ipv6" = "ipv4") {
  const early = earlyVerdict(counts, "tcp")!;
  return stoppedEarly(pending(spec(family, 8080)), { stderr, durationMs: ms }, early, counts, "counters");
}

const ICMP6 = "fwspec-probe: icmp destination unreachable received: ipv4 +0, ipv6 +1\n";
const ICMP4 = "fwspec-probe: icmp destination unreachable received: ipv4 +1, ipv6 +0\n";
const NONE = "fwspec-probe: icmp destination unreachable received: ipv4 +0, ipv6 +0\n";

describe("stoppedEarly: words that match the evidence", () => {
  test.each<[string, () => ReturnType<typeof stoppedEarly>, string, string, string]>([
    ["a counter-less native reject with icmpx admin-prohibited, its ICMPv6 error seen (trace)", () => byTrace("ipv6", 8082, "rule tcp dport 8082 reject with icmpx admin-prohibited # handle 11 (verdict drop)", ICMP6, 75), "unreachable",
      "an ICMPv6 destination unreachable came back within 75 ms while server: ipv6 inet filter input tcp dport 8082 reject with icmpx admin-prohibited (its trace) took its first packet",
      "stopped after 75 ms, before its 2 s timeout: a reject rule on server took its first packet (its trace), and an ICMPv6 destination unreachable had come back"],
    ["the same over IPv4, its ICMP error seen (trace)", () => byTrace("ipv4", 8082, "rule tcp dport 8082 reject with icmpx admin-prohibited # handle 11 (verdict drop)", ICMP4, 20), "unreachable",
      "an ICMP destination unreachable came back within 20 ms while server: ipv4 inet filter input tcp dport 8082 reject with icmpx admin-prohibited (its trace) took its first packet",
      "stopped after 20 ms, before its 2 s timeout: a reject rule on server took its first packet (its trace), and an ICMP destination unreachable had come back"],
    // Its ICMP answer never came back (an output rule of the server dropped it, tester 36d): what the client saw decides.
    ["a native reject with icmpx admin-prohibited, its answer not come back (trace)", () => byTrace("ipv4", 8081, "rule tcp dport 8081 reject with icmpx admin-prohibited # handle 10 (verdict drop)", NONE, 30), "dropped",
      "no answer after 30 ms, although server: ipv4 inet filter input tcp dport 8081 reject with icmpx admin-prohibited (its trace) took its first packet: its answer never reached client (dropped on its way back: an output rule of that host, or a router)",
      "stopped after 30 ms, before its 2 s timeout: a reject rule on server took its first packet (its trace), and its answer had not come back"],
    ["a native chain policy drop (trace)", () => byTrace("ipv4", 8080, "policy drop", NONE, 43), "dropped",
      "no answer after 43 ms while server: ipv4 inet filter input policy drop (its trace) took its first packet",
      "stopped after 43 ms, before its 2 s timeout: the input policy drop on server took its first packet (its trace), and no answer had come"],
    ["a native drop rule (trace)", () => byTrace("ipv6", 8083, 'rule tcp dport 8083 counter name "v6drops" drop # handle 3 (verdict drop)', "", 42), "dropped",
      'no answer after 42 ms while server: ipv6 inet filter input tcp dport 8083 counter name "v6drops" drop (its trace) took its first packet',
      "stopped after 42 ms, before its 2 s timeout: a drop rule on server took its first packet (its trace), and no answer had come"],
    ["an iptables DROP rule (counters)", () => byCounters([{ host: "server", family: "ipv4", table: "filter", chain: "INPUT", position: 2, kind: "DROP", text: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", packets: 1 }], "", 97), "dropped",
      "no answer after 97 ms while server: ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (+1) counted the packet",
      "stopped after 97 ms, before its 2 s timeout: a DROP rule on server counted its packet, and no answer had come"],
    ["an iptables policy DROP is no rule (counters)", () => byCounters([{ host: "server", family: "ipv4", table: "filter", chain: "INPUT", position: null, kind: "DROP", text: "policy DROP", packets: 1 }], "", 97), "dropped",
      "no answer after 97 ms while server: ipv4 filter INPUT policy DROP (+1) counted the packet",
      "stopped after 97 ms, before its 2 s timeout: the INPUT policy DROP on server counted its packet, and no answer had come"],
    ["an iptables REJECT host-prohibited, its ICMP error seen (counters)", () => byCounters([{ host: "server", family: "ipv4", table: "filter", chain: "INPUT", position: 1, kind: "REJECT", text: "-A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp-host-prohibited", packets: 1 }], ICMP4, 15), "unreachable",
      "an ICMP destination unreachable came back within 15 ms while server: ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp-host-prohibited (+1) counted the packet",
      "stopped after 15 ms, before its 2 s timeout: a REJECT rule on server counted its packet, and an ICMP destination unreachable had come back"],
    // IPv6's port unreachable in its own words, as the rule names it (tester 41a).
    ["an ip6tables REJECT icmp6-port-unreachable, its ICMPv6 error seen (counters)", () => byCounters([{ host: "server", family: "ipv6", table: "filter", chain: "INPUT", position: 1, kind: "REJECT", text: "-A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp6-port-unreachable", packets: 1 }], ICMP6, 15, "ipv6"), "refused",
      "an ICMPv6 destination unreachable came back within 15 ms while server: ipv6 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp6-port-unreachable (+1) counted the packet (it answers with icmp6-port-unreachable)",
      "stopped after 15 ms, before its 2 s timeout: a REJECT rule on server counted its packet, and an ICMPv6 destination unreachable had come back"],
  ])("%s", (_, run, verdict, reason, stopped) => {
    const r = run();
    expect(r.verdict).toBe(verdict);
    expect(r.reason).toBe(reason);
    expect(r.evidence.stoppedEarly).toBe(stopped);
  });
});
