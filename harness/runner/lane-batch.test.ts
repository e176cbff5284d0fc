import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { Observation } from "../probes/observe.ts";
import { iptablesOwned } from "../rules/host-state.ts";
import { parseNftJson } from "../rules/nft-json.ts";
import { parseNftListing } from "../rules/nft-listing.ts";
import { withNft } from "../rules/nft-saved.ts";
import { parseSave } from "../rules/saved.ts";
import { traceDecision } from "../rules/trace.ts";
import { chainHandles, namedFromListing, parseTrace } from "../rules/trace-events.ts";
import { NFT_LISTING, nftJsonWith } from "../testing/nft-fixture.ts";
import { withBatchCounters, withOwnCounters } from "./lane-batch.ts";

const save = (accept: number, drop: number, policy: number) => `*filter
:INPUT DROP [${policy}:${policy * 60}]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
[${accept}:${accept * 60}] -A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT
[${drop}:${drop * 60}] -A INPUT -p tcp -m tcp --dport 8081 -j DROP
COMMIT
`;
const readings = { before: new Map([["server", parseSave(save(1, 1, 1), "ipv4")]]), after: new Map([["server", parseSave(save(4, 2, 3), "ipv4")]]) };
const observation = (decision?: Partial<Decision>): Observation => ({
  result: { spec: { from: "client", to: { kind: "host", host: "server" }, port: 8081, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, address: "198.18.0.3", verdict: "dropped", reason: "", evidence: { command: "", argv: [], exitCode: null, stdout: "", stderr: "", durationMs: 1 } },
  decidedBy: [],
  policies: [],
  ...(decision ? { decision: { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8081 -j DROP", action: "drop", policy: false, source: "trace", ...decision } } : {}),
});

describe("withBatchCounters: the deciding rule's movement over the batch", () => {
  test.each<[string, Partial<Decision> | undefined, string[], string[]]>([
    ["the trace's rule", {}, ["-A INPUT -p tcp -m tcp --dport 8081 -j DROP +1"], []],
    ["another rule the trace named", { rule: "-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT", action: "accept" }, ["-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT +3"], []],
    ["the chain policy", { rule: "policy DROP", policy: true }, [], ["INPUT DROP +2"]],
    ["a rule on another host", { host: "client" }, [], []],
    ["a decision from counters (not the trace)", { source: "counters" }, [], []],
    ["a rule no reading has", { rule: "-A INPUT -j REJECT" }, [], []],
    ["no decision", undefined, [], []],
  ])("%s", (_, decision, rules, policies) => {
    const o = withBatchCounters(observation(decision), readings);
    expect(o.decidedBy.map((d) => `${d.rule.text} +${d.packets}`)).toEqual(rules);
    expect((o.policies ?? []).map((p) => `${p.chain} ${p.policy} +${p.packets}`)).toEqual(policies);
  });
});

/**
 * An iptables-nft host with native tables (rules/testdata/nft-ruleset.*, `inet fw`) beside iptables' own `ip filter`:
 * readings as the lane takes them (iptables-save plus withNft), decisions as the step's trace names them (traceDecision
 * on monitor lines named from the listing). The iptables rule's nft handle is 8, as is `inet fw`'s drop rule's.
 */
describe("withBatchCounters: native nft rules by table, chain and handle; iptables rules by their line", () => {
  const listing = `${NFT_LISTING}
table ip filter { # handle 4
\tchain INPUT { # handle 1
\t\ttype filter hook input priority filter; policy accept;
\t\tmeta l4proto tcp tcp dport 9000 counter packets 0 bytes 0 drop # handle 8
\t}
}
`;
  const texts = parseNftListing(listing);
  const iptables = (packets: number) => parseSave(`*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n[${packets}:${packets * 60}] -A INPUT -p tcp -m tcp --dport 9000 -j DROP\nCOMMIT\n`, "ipv4");
  const reading = (iptablesPackets: number, changes: Record<string, number>, named: number) =>
    withNft(iptables(iptablesPackets), parseNftJson(nftJsonWith(changes, named), (t) => !iptablesOwned(t, "nft")), texts);
  const packet = (chain: string, port: number) =>
    `trace id 1 ${chain} packet: iif "eth0" ip saddr 198.18.0.2 ip daddr 198.18.0.3 ip protocol tcp tcp sport 40000 tcp dport ${port} tcp flags == syn`;
  const probeTo = (port: number, rules: readonly string[], chain = "inet fw input") =>
    [packet("inet fwspec_trace pre", port), "trace id 1 inet fwspec_trace pre policy accept", packet(chain, port), ...rules.map((r) => `trace id 1 ${r}`)].join("\n");
  const observed = (log: string, port: number): Observation => {
    const base = observation();
    const decision = traceDecision(namedFromListing(parseTrace(log), texts), { family: "ipv4", daddr: "198.18.0.3", protocol: "tcp", port }, { host: "server", handles: chainHandles(listing), saved: { ipv4: reading(0, {}, 0) } });
    expect(decision?.source).toBe("trace");
    return { ...base, result: { ...base.result, spec: { ...base.result.spec, port } }, decision: decision! };
  };

  test.each<[string, string, number, { iptables: number; nft: Record<string, number>; named: number }, string[]]>([
    [
      "a native rule with a counter the trace names",
      probeTo(8080, ['inet fw input rule tcp dport 8080 counter packets 0 bytes 0 drop comment "block 8080" # handle 8 (verdict drop)']),
      8080, { iptables: 1, nft: { "fw 8": 2, "fw 12": 1 }, named: 0 },
      ['inet fw input tcp dport 8080 counter drop comment "block 8080" # handle 8 +2'],
    ],
    [
      "a native rule in a jumped-to chain (the jump's own counter moved too)",
      probeTo(8081, ["inet fw input rule tcp dport { 8081, 8082 } counter packets 0 bytes 0 jump zone_public # handle 10 (verdict jump zone_public)", "inet fw zone_public rule tcp dport 8081 counter packets 0 bytes 0 reject with tcp reset # handle 12 (verdict drop)"]),
      8081, { iptables: 0, nft: { "fw 10": 3, "fw 12": 3 }, named: 0 },
      ["inet fw zone_public tcp dport 8081 counter reject with tcp reset # handle 12 +3"],
    ],
    [
      "a native rule counting through a named counter",
      probeTo(22, ['inet fw input rule tcp dport @allowed_tcp counter name "ssh_hits" accept # handle 7 (verdict accept)']),
      22, { iptables: 0, nft: {}, named: 4 },
      ['inet fw input tcp dport @allowed_tcp counter name "ssh_hits" accept # handle 7 +4'],
    ],
    [
      "an iptables-nft rule, by its iptables-save line (not inet fw's rule with the same handle)",
      probeTo(9000, ["ip filter INPUT rule meta l4proto tcp tcp dport 9000 counter packets 0 bytes 0 drop # handle 8 (verdict drop)"], "ip filter INPUT"),
      9000, { iptables: 3, nft: { "fw 8": 1 }, named: 0 },
      ["filter INPUT -A INPUT -p tcp -m tcp --dport 9000 -j DROP +3"],
    ],
    [
      "a native rule without a counter: nothing claimed (other rules' movement is not its)",
      probeTo(9999, ["inet fw input rule reject with icmpx admin-prohibited # handle 11 (verdict drop)"]),
      9999, { iptables: 2, nft: { "fw 8": 1, "fw 10": 1 }, named: 1 },
      [],
    ],
  ])("%s", (_, log, port, moved, claimed) => {
    const o = withBatchCounters(observed(log, port), { before: new Map([["server", reading(0, {}, 0)]]), after: new Map([["server", reading(moved.iptables, moved.nft, moved.named)]]) });
    expect(o.decidedBy.map((d) => `${d.rule.table} ${d.rule.chain} ${d.rule.text} +${d.packets}`)).toEqual(claimed);
    expect(o.decidedBy.every((d) => d.host === "server")).toBe(true);
  });
});

describe("withOwnCounters: a probe alone in its family", () => {
  test("claims every counter movement, and the counters' deciding rule when the trace names none (the trace's, set later, wins)", () => {
    const o = withOwnCounters(observation(), readings, ["server"]);
    expect(o.decidedBy.map((d) => `${d.rule.text} +${d.packets}`)).toEqual(["-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT +3", "-A INPUT -p tcp -m tcp --dport 8081 -j DROP +1"]);
    expect(o.decision).toMatchObject({ host: "server", source: "counters" });
    const traced = withOwnCounters(observation({}), readings, ["server"]);
    expect(traced.decision).toMatchObject({ source: "trace", rule: "-A INPUT -p tcp -m tcp --dport 8081 -j DROP" });
  });
});
