/** Silent sweep ports the step's trace shows dropped (pure), from `nft monitor trace` lines as a lab host printed them. */
import { describe, expect, test } from "vitest";
import { type TracedProbe } from "../../rules/trace.ts";
import { parseTrace } from "../../rules/trace-events.ts";
import { answeredByTrace, silentByTrace } from "./trace-silent.ts";

const SPORT = 30924;
/** One SYN of the sweep (source port SPORT) to 198.19.167.2:`dport`, marked by fwspec's table, then walking `table chain`. */
const walk = (id: string, dport: number, verdict: string, sport = SPORT) => [
  `trace id ${id} inet fwspec_trace pre packet: iif "eth0" ip saddr 198.19.167.3 ip daddr 198.19.167.2 tcp sport ${sport} tcp dport ${dport} tcp flags == syn tcp window 1024`,
  `trace id ${id} inet fwspec_trace pre rule meta nfproto ipv4 ip daddr 198.19.167.2 meta l4proto tcp th sport ${sport} th dport 8075-8090 meta nftrace set 1 # handle 3 (verdict continue)`,
  `trace id ${id} inet fwspec_trace pre policy accept`,
  `trace id ${id} inet filter input packet: iif "eth0" ip saddr 198.19.167.3 ip daddr 198.19.167.2 tcp sport ${sport} tcp dport ${dport} tcp flags == syn tcp window 1024`,
  verdict,
];
const probe = (port: number): TracedProbe => ({ family: "ipv4", daddr: "198.19.167.2", protocol: "tcp", port, sport: SPORT });

describe("silentByTrace", () => {
  const lines = [
    ...walk("a1", 8075, "trace id a1 inet filter input policy drop"),
    ...walk("a2", 8083, "trace id a2 inet filter input rule tcp dport 8083 drop (verdict drop)"),
    ...walk("a3", 8080, 'trace id a3 inet filter input rule iif "lo" accept (verdict accept)'),
    ...walk("a4", 8082, "trace id a4 inet filter input rule tcp dport 8082 reject with icmpx admin-prohibited (verdict drop)"),
    ...walk("a5", 8077, "trace id a5 inet filter input policy drop", 40000),
  ];
  const decided = silentByTrace([8075, 8076, 8077, 8080, 8082, 8083], new Map([["server", parseTrace(lines.join("\n"))]]), probe, "tcp");

  test.each<[string, number, string | undefined]>([
    ["the chain policy dropped its packet: dropped", 8075, "dropped"],
    ["a drop rule took it: dropped", 8083, "dropped"],
    ["no packet of the port in the trace (not printed yet): left to the counters", 8076, undefined],
    ["only another probe's packet (another source port): left to the counters", 8077, undefined],
    ["accepted (silent for another reason): left to the counters", 8080, undefined],
    ["rejected, yet silent: left to the counters (never a guess)", 8082, undefined],
  ])("%s", (_, port, outcome) => {
    expect(decided.get(port)?.outcome).toBe(outcome);
  });

  test("the evidence names the trace and where the packet was dropped", () => {
    expect(decided.get(8075)).toEqual({ outcome: "dropped", evidence: "no answer; the nftables trace shows its packet dropped: server: ipv4 inet filter input policy drop", rules: ["server: ipv4 inet filter input policy drop"] });
    expect(decided.get(8083)?.rules).toEqual(["server: ipv4 inet filter input tcp dport 8083 drop"]);
  });
});

describe("answeredByTrace (a reset or port unreachable the counters cannot tell: no counter on the reject rule)", () => {
  const lines = [
    ...walk("b1", 25, "trace id b1 inet filter input rule tcp dport 25 reject with tcp reset (verdict drop)"),
    ...walk("b2", 100, "trace id b2 inet filter input rule tcp dport 100 accept (verdict accept)"),
    ...walk("b3", 101, "trace id b3 inet filter input policy drop"),
  ];
  const events = new Map([["server", parseTrace(lines.join("\n"))]]);

  test.each<[string, number, string | undefined]>([
    ["a reject rule took its packet: refused, by that rule", 25, "refused"],
    ["accepted on the target: the kernel answered, admitted", 100, "admitted"],
    ["no packet of the port in the trace: left as it was", 102, undefined],
    ["dropped in the trace, yet answered: left as it was (never a guess)", 101, undefined],
  ])("%s", (_, port, outcome) => {
    expect(answeredByTrace([25, 100, 101, 102], events, probe, "server").get(port)?.outcome).toBe(outcome);
  });

  // Tester 45c: under load the port's filter-chain lines had not come yet; the walk read "no filter chain" → admitted.
  test("only the marking table's lines so far (its filter chains' not printed yet): left as it was, never admitted", () => {
    const marked = [
      `trace id m1 inet fwspec_trace pre packet: iif "eth0" ip saddr 198.19.167.3 ip daddr 198.19.167.2 tcp sport ${SPORT} tcp dport 998 tcp flags == syn tcp window 1024`,
      `trace id m1 inet fwspec_trace pre rule meta nfproto ipv4 ip daddr 198.19.167.2 meta l4proto tcp th sport ${SPORT} th dport 1-1024 meta nftrace set 1 # handle 3 (verdict continue)`,
      "trace id m1 inet fwspec_trace pre policy accept",
    ];
    expect(answeredByTrace([998], new Map([["server", parseTrace(marked.join("\n"))]]), probe, "server").get(998)).toBeUndefined();
  });

  test("accepted on a host that is not the target (a router on the path): left as it was", () => {
    expect(answeredByTrace([100], events, probe, "web").get(100)).toBeUndefined();
  });

  // Tester 44f: an nft router whose rules count nothing, in front of an iptables-legacy server (no trace there).
  describe("accepted on the hosts whose rules the counters cannot show, the target not one of them", () => {
    const router = new Map([["gw", parseTrace(walk("c1", 100, "trace id c1 inet filter input rule tcp dport 100 accept (verdict accept)").join("\n"))]]);
    test.each<[string, readonly string[], string | undefined]>([
      ["the router accepted it, the server's counters count all: admitted", ["gw: nft table inet fw"], "admitted"],
      ["the target's rules hidden too: left as it was", ["gw: nft table inet fw", "server: nft table inet x"], undefined],
      ["another hidden host the trace did not see: left as it was", ["gw: nft table inet fw", "fw2: nft table inet y"], undefined],
      ["nothing hidden said: left as it was", [], undefined],
      ["legacy iptables tables hidden on the router too (no trace sees them): left as it was", ["gw: nft table inet fw", "gw: legacy iptables tables filter"], undefined],
    ])("%s", (_, hidden, outcome) => {
      expect(answeredByTrace([100], router, probe, "server", hidden).get(100)?.outcome).toBe(outcome);
    });
    test("the evidence says why", () => {
      expect(answeredByTrace([100], router, probe, "server", ["gw: nft table inet fw"]).get(100)?.evidence).toBe("the nftables trace shows its packet accepted on gw, whose rules the counters cannot show, and no other rule counted it: server's kernel answered — the firewall admitted it and nothing listens");
    });
  });

  test("the evidence names the rejecting rule", () => {
    expect(answeredByTrace([25], events, probe, "server").get(25)).toEqual({ outcome: "refused", evidence: "the nftables trace shows its packet rejected: server: ipv4 inet filter input tcp dport 25 reject with tcp reset", rules: ["server: ipv4 inet filter input tcp dport 25 reject with tcp reset"] });
  });
});
