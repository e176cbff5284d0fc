import { describe, expect, test } from "vitest";
import { type TracedProbe } from "../rules/trace.ts";
import { parseTrace } from "../rules/trace-events.ts";
import { nftRefusal, traceEarlyVerdict } from "./trace-early.ts";

/** `nft monitor trace` lines as nft 1.0.6 printed them in a lab host (iptables-nft rules; fwspec's table first). */
const packet = (id: string, table: string, chain: string, dport: number, family: "ip" | "ip6" = "ip") =>
  `trace id ${id} ${table} ${chain} packet: iif "eth0" ${family} saddr ${family === "ip" ? "198.18.24.2" : "2001:db8:f5:18::2"} ${family} daddr ${family === "ip" ? "198.18.24.3" : "2001:db8:f5:18::3"} tcp sport 57270 tcp dport ${dport} tcp flags == syn tcp window 64240`;
const marked = (id: string, dport: number, family: "ip" | "ip6" = "ip") => [
  packet(id, "inet fwspec_trace", "pre", dport, family),
  `trace id ${id} inet fwspec_trace pre rule tcp dport ${dport} meta nftrace set 1 # handle 3 (verdict continue)`,
  `trace id ${id} inet fwspec_trace pre policy accept`,
  packet(id, family === "ip" ? "ip filter" : "ip6 filter", "INPUT", dport, family),
];
const v4 = (port: number): TracedProbe => ({ family: "ipv4", daddr: "198.18.24.3", protocol: "tcp", port });
const v6 = (port: number): TracedProbe => ({ family: "ipv6", daddr: "2001:db8:f5:18::3", protocol: "tcp", port });

describe("traceEarlyVerdict", () => {
  test.each<[string, string[], TracedProbe, "tcp" | "udp", string | undefined, string | undefined]>([
    ["a DROP rule took the first packet", [...marked("a1", 8081), "trace id a1 ip filter INPUT rule tcp dport 8081 counter packets 0 bytes 0 drop # handle 4 (verdict drop)"], v4(8081), "tcp", "dropped", undefined],
    ["the chain policy dropped it", [...marked("a2", 8085), "trace id a2 ip filter INPUT policy drop"], v4(8085), "tcp", "dropped", undefined],
    ["a REJECT (port unreachable) took it", [...marked("a3", 8081), "trace id a3 ip filter INPUT rule tcp dport 8081 counter packets 0 bytes 0 reject # handle 4 (verdict drop)"], v4(8081), "tcp", "refused", "icmp-port-unreachable"],
    ["an IPv6 REJECT likewise", [...marked("a4", 8081, "ip6"), "trace id a4 ip6 filter INPUT rule tcp dport 8081 counter packets 0 bytes 0 reject # handle 4 (verdict drop)"], v6(8081), "tcp", "refused", "icmp-port-unreachable"],
    ["a REJECT with tcp reset is left to the client, whom its reset ends", [...marked("a5", 3000), "trace id a5 ip filter INPUT rule tcp dport 3000 counter packets 0 bytes 0 reject with tcp reset # handle 5 (verdict drop)"], v4(3000), "tcp", undefined, undefined],
    ["an admin-prohibited reject", [...marked("a6", 3000), "trace id a6 ip filter INPUT rule tcp dport 3000 counter packets 0 bytes 0 reject with icmp admin-prohibited # handle 5 (verdict drop)"], v4(3000), "tcp", "unreachable", undefined],
    ["an accept decides nothing early", [...marked("a7", 8080), "trace id a7 ip filter INPUT rule tcp dport 8080 counter packets 0 bytes 0 accept # handle 6 (verdict accept)"], v4(8080), "tcp", undefined, undefined],
    ["the packet's walk not printed yet", marked("a8", 8081), v4(8081), "tcp", undefined, undefined],
    ["another probe's packet was dropped", [...marked("a9", 8082), "trace id a9 ip filter INPUT rule tcp dport 8082 counter packets 0 bytes 0 drop # handle 4 (verdict drop)"], v4(8081), "tcp", undefined, undefined],
    ["the other family's packet was dropped", [...marked("b1", 8081), "trace id b1 ip filter INPUT rule tcp dport 8081 counter packets 0 bytes 0 drop # handle 4 (verdict drop)"], v6(8081), "tcp", undefined, undefined],
    ["a UDP drop", [...marked("b3", 5354), "trace id b3 ip filter INPUT rule udp dport 5354 counter packets 0 bytes 0 drop # handle 4 (verdict drop)"].map((l) => l.replace(/tcp (sport|dport|flags|window)/g, "udp $1").replace(" udp flags == syn udp window 64240", "")), { ...v4(5354), protocol: "udp" }, "udp", "dropped", undefined],
    ["a UDP reject is left to the tool (its ICMP answer ends it)", [...marked("b2", 5355), "trace id b2 ip filter INPUT rule udp dport 5355 counter packets 0 bytes 0 reject # handle 4 (verdict drop)"].map((l) => l.replace(/tcp (sport|dport|flags|window)/g, "udp $1").replace(" udp flags == syn udp window 64240", "")), { ...v4(5355), protocol: "udp" }, "udp", undefined, undefined],
  ])("%s", (_, lines, probe, protocol, verdict, refusal) => {
    const early = traceEarlyVerdict(new Map([["server", parseTrace(lines.join("\n"))]]), probe, protocol);
    expect(early?.verdict).toBe(verdict);
    expect(early?.refusal).toBe(refusal);
    if (early) expect(early.rules.join(" ")).toContain("server: ");
  });

  test("a drop on one host and an accept on the other: dropped", () => {
    const server = parseTrace([...marked("c1", 8081), "trace id c1 ip filter INPUT rule tcp dport 8081 counter packets 0 bytes 0 drop # handle 4 (verdict drop)"].join("\n"));
    const client = parseTrace([packet("c2", "inet fwspec_trace", "out", 8081), "trace id c2 inet fwspec_trace out policy accept", packet("c2", "ip filter", "OUTPUT", 8081), "trace id c2 ip filter OUTPUT policy accept"].join("\n"));
    expect(traceEarlyVerdict(new Map([["server", server], ["client", client]]), v4(8081), "tcp")?.verdict).toBe("dropped");
  });
});

describe("traceEarlyVerdict for identical probes of a step (the tcp6 expectation and the tcp4 one's IPv6 parity probe)", () => {
  /** A SYN from source port `sport` to 198.18.24.3:3000, its walk ending in `verdict`. */
  const conn = (id: string, sport: number, verdict: "drop" | "accept") => [
    ...marked(id, 3000).map((l) => l.replace("sport 57270", `sport ${sport}`)),
    verdict === "drop" ? `trace id ${id} ip filter INPUT rule tcp dport 3000 counter packets 0 bytes 0 drop # handle 4 (verdict drop)` : `trace id ${id} ip filter INPUT rule iifname "lo" counter packets 0 bytes 0 accept # handle 3 (verdict accept)`,
  ];
  test.each<[string, string[][], number, string | undefined]>([
    ["the first of them: its one connection decides", [conn("d1", 40001, "drop")], 1, "dropped"],
    ["the second started, only one connection in the trace: not yet (it may be the first's)", [conn("d1", 40001, "drop")], 2, undefined],
    ["the second started, two connections, both dropped by one rule: dropped", [conn("d1", 40001, "drop"), conn("d2", 40002, "drop")], 2, "dropped"],
    ["two connections decided differently: which is whose is unknown, no verdict", [conn("d1", 40001, "accept"), conn("d2", 40002, "drop")], 2, undefined],
    ["the third started, two connections: not yet", [conn("d1", 40001, "drop"), conn("d2", 40002, "drop")], 3, undefined],
  ])("%s", (_, conns, alike, verdict) => {
    const events = new Map([["server", parseTrace(conns.flat().join("\n"))]]);
    expect(traceEarlyVerdict(events, v4(3000), "tcp", alike)?.verdict).toBe(verdict);
  });
});

describe("nftRefusal", () => {
  test.each<[string, string | undefined]>([
    ["tcp dport 8081 counter reject", "icmp-port-unreachable"],
    ["reject with icmp port-unreachable", "icmp-port-unreachable"],
    ["reject with icmpv6 port-unreachable", "icmp-port-unreachable"],
    ["reject with icmpx port-unreachable", "icmp-port-unreachable"],
    ["reject with tcp reset", "tcp-reset"],
    ["reject with icmp admin-prohibited", undefined],
    ["counter drop", undefined],
  ])("%s -> %s", (text, refusal) => {
    expect(nftRefusal(text)).toBe(refusal);
  });
});
