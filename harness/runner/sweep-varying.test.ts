import { describe, expect, test } from "vitest";
import { FwspecError } from "../errors.ts";
import type { Observation } from "../probes/observe.ts";
import type { SavedRule, SavedRuleset } from "../rules/saved.ts";
import { MAX_VARYING_PORTS, notSwept, singleFinding, varyingPorts } from "./sweep-varying.ts";

const ipt = (text: string): SavedRule => ({ family: "ipv4", table: "filter", chain: "INPUT", position: 1, packets: 0, bytes: 0, text, target: / -j (\S+)/.exec(text)?.[1] ?? null, comment: null });
const on = (...rules: SavedRule[]) => new Map<string, SavedRuleset>([["server", { family: "ipv4", chains: [{ table: "filter", chain: "INPUT", policy: "ACCEPT", packets: 0, bytes: 0 }], rules }]]);
const LIMIT22 = ipt("-A INPUT -p tcp -m tcp --dport 22 -m limit --limit 1/sec -j ACCEPT");

describe("varyingPorts", () => {
  test.each<[string, SavedRule[], number, number, number[]]>([
    ["a limit on 22 in 20-24", [LIMIT22], 20, 24, [22]],
    ["a limit on 22 outside 30-40", [LIMIT22], 30, 40, []],
    ["a limit on 80,443 and 8000:8002", [ipt("-A INPUT -p tcp -m multiport --dports 80,443,8000:8002 -m limit --limit 5/sec -j ACCEPT")], 1, 1024, [80, 443]],
    ["an ICMP limit in a TCP sweep", [ipt("-A INPUT -p icmp -m icmp --icmp-type 8 -m limit --limit 5/sec -j ACCEPT")], 1, 1024, []],
    ["ufw's limit that only logs", [ipt("-A INPUT -m limit --limit 3/min -j LOG")], 1, 1024, []],
    // nmap's SYN is shorter than a client's and lacks its options: a rule on the shape is probed with a client's packet.
    ["a length rule on 8080", [ipt("-A INPUT -p tcp -m tcp --dport 8080 -m length --length 53:65535 -j DROP")], 8075, 8085, [8080]],
    ["a TCP-option rule on 22", [ipt("-A INPUT -p tcp -m tcp --dport 22 --tcp-option 4 -j DROP")], 1, 1024, [22]],
    ["a length rule on every port, in a small range: all of it", [ipt("-A INPUT -p tcp -m tcp --syn -m length --length 0:52 -j DROP")], 8075, 8078, [8075, 8076, 8077, 8078]],
  ])("%s", (_, rules, first, last, ports) => {
    expect([...varyingPorts(on(...rules), first, last, "tcp").keys()]).toEqual(ports);
  });

  test.each<[string, SavedRule]>([
    ["on every port", ipt("-A INPUT -p tcp -m limit --limit 1/sec -j ACCEPT")],
    ["on too many ports", ipt(`-A INPUT -p tcp -m tcp --dport 1:${MAX_VARYING_PORTS + 1} -m limit --limit 1/sec -j ACCEPT`)],
    ["on the packet's length, every port", ipt("-A INPUT -p tcp -m tcp --syn -m length --length 0:52 -j DROP")],
  ])("a limit %s: an error naming the rule", (_, rule) => {
    expect(() => varyingPorts(on(rule), 1, 1024, "tcp")).toThrow(FwspecError);
    expect(() => varyingPorts(on(rule), 1, 1024, "tcp")).toThrow(/server's rule `-A INPUT -p tcp .*-m (limit|length)/);
  });
});

// Tester 45c: REJECT's port unreachable rate-limited in OUTPUT: 1016 REJECTed ports read dropped.
describe("ICMP rules the sweep's answers leave by", () => {
  const out = (text: string, chain = "OUTPUT"): SavedRule => ({ ...ipt(text.replace("-A INPUT", `-A ${chain}`)), chain });
  const at = (rule: SavedRule) => new Map<string, SavedRuleset>([["server", { family: "ipv4", chains: [{ table: "filter", chain: rule.chain, policy: "ACCEPT", packets: 0, bytes: 0 }], rules: [rule] }]]);
  const ends = { from: "client", target: "server" };
  test.each<[string, SavedRule, boolean]>([
    ["a limit on ICMP in the target's OUTPUT: an error naming it", out("-A INPUT -p icmp -m limit --limit 2/sec -j ACCEPT"), true],
    ["one for port unreachable", out("-A INPUT -p icmp -m icmp --icmp-type 3/3 -m limit --limit 2/sec -j ACCEPT"), true],
    ["one for echo replies only: not an answer of the sweep's", out("-A INPUT -p icmp -m icmp --icmp-type echo-reply -m limit --limit 2/sec -j ACCEPT"), false],
    ["in the target's INPUT (pings coming in): not the answers' way", out("-A INPUT -p icmp -m limit --limit 2/sec -j ACCEPT", "INPUT"), false],
  ])("%s", (_what, rule, throws) => {
    const run = () => varyingPorts(at(rule), 1, 1024, "tcp", ends);
    if (throws) expect(run).toThrow(/server's rule `-A OUTPUT -p icmp .*-m limit/);
    else expect(run()).toEqual(new Map());
  });
  test("without the sweep's ends (as before): not judged", () => {
    expect(varyingPorts(at(out("-A INPUT -p icmp -m limit --limit 2/sec -j ACCEPT")), 1, 1024, "tcp")).toEqual(new Map());
  });
});

// Tester 45c: the sweep probed 1001, 1002, then 22 one by one — the knock itself — and read 22 open.
describe("a list a rule for some ports fills and a rule for other ports reads", () => {
  const nft = (text: string, position: number): SavedRule => ({ family: "ipv4", table: "inet filter", chain: "input", position, packets: 0, bytes: 0, text: `${text} # handle ${position + 3}`, target: null, comment: null, handle: position + 3 });
  const at = (...rules: SavedRule[]) => new Map<string, SavedRuleset>([["server", { family: "ipv4", chains: [{ table: rules[0]!.table, chain: rules[0]!.chain, policy: "DROP", packets: 0, bytes: 0, hook: "input" }], rules }]]);
  test.each<[string, SavedRule[], boolean]>([
    ["a port knock (1001 fills K1, 1002 reads it and fills K2, 22 reads K2): an error", [
      ipt("-A INPUT -p tcp -m tcp --dport 1001 -m recent --set --name K1 --mask 255.255.255.255 --rsource -j DROP"),
      ipt("-A INPUT -p tcp -m tcp --dport 1002 -m recent --rcheck --seconds 15 --name K1 --mask 255.255.255.255 --rsource -m recent --set --name K2 --mask 255.255.255.255 --rsource -j DROP"),
      ipt("-A INPUT -p tcp -m tcp --dport 22 -m recent --rcheck --seconds 15 --name K2 --mask 255.255.255.255 --rsource -j ACCEPT"),
    ], true],
    ["an nft ban set a trap port fills, read for every port: an error", [nft("ip saddr @banned4 drop", 1), nft("tcp dport 139 add @banned4 { ip saddr timeout 1h } drop", 2)], true],
    ["an SSH guard that fills and reads its list for port 22 alone: probed one by one, no error", [
      ipt("-A INPUT -p tcp -m tcp --dport 22 -m recent --set --name SSH --mask 255.255.255.255 --rsource"),
      ipt("-A INPUT -p tcp -m tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 --name SSH --mask 255.255.255.255 --rsource -j DROP"),
    ], false],
  ])("%s", (_what, rules, throws) => {
    const run = () => varyingPorts(at(...rules), 1, 1024, "tcp");
    if (throws) expect(run).toThrow(/fills what .* reads, for other ports of the range: a sweep's own packets would change what its later ports get/);
    else expect([...run().keys()]).toEqual([22]);
  });
});

describe("singleFinding", () => {
  const v = { host: "server", rule: LIMIT22, part: "-m limit" };
  const observed = (verdict: "open" | "refused" | "dropped", extra: Partial<Observation> = {}): Observation => ({
    result: { spec: { from: "client", to: { kind: "host", host: "server" }, port: 22, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, address: "198.18.0.2", verdict, reason: `r ${verdict}`, evidence: { command: "nc", argv: [], exitCode: 0, stdout: "", stderr: "", durationMs: 5 } },
    decidedBy: [],
    ...extra,
  });
  const reject = { ...LIMIT22, text: "-A INPUT -p tcp -m tcp --dport 22 -j REJECT", target: "REJECT" };
  test.each<[string, Observation, string]>([
    ["open", observed("open"), "open"],
    ["dropped", observed("dropped"), "dropped"],
    ["refused by a REJECT that counted it", observed("refused", { decidedBy: [{ rule: reject, packets: 1, bytes: 60 }] }), "refused"],
    ["refused after a rule let it in: nothing listens", observed("refused", { decision: { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: LIMIT22.text, action: "accept", policy: false, source: "trace" } }), "admitted"],
    ["refused, no evidence", observed("refused"), "undetermined"],
  ])("%s: %s", (_, o, outcome) => {
    const f = singleFinding(22, o, notSwept(v));
    expect(f.outcome).toBe(outcome);
    // Its repro is the single probe's own command, not nmap's.
    expect(f.command).toBe("nc");
    expect(f.evidence).toMatch(/^a single probe \(not swept: server's rule `-A INPUT -p tcp -m tcp --dport 22 -m limit --limit 1\/sec -j ACCEPT` \(-m limit\) answers by the packets before it\): r /);
  });
});

test("a shape rule's error and note say why: nmap's SYN differs from a client's", () => {
  expect(() => varyingPorts(on(ipt("-A INPUT -p tcp -m tcp --syn -m length --length 0:52 -j DROP")), 1, 1024, "tcp")).toThrow("server's rule `-A INPUT -p tcp -m tcp --syn -m length --length 0:52 -j DROP` (-m length) matches the packet's shape (length, TCP options, TTL), in which nmap's SYN differs from a client's, and may meet any port of the range: not swept; expect single ports instead");
});
