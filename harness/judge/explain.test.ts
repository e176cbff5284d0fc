/**
 * Unit tests (table-driven, no Docker) for explain.ts, through the real judge
 * and failure text: every (expected, observed) pair of verdicts × every kind of
 * evidence gets words that never contradict the evidence lines.
 */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import { EXPECTED_VERDICTS, type ExpectedVerdict, type Protocol, VERDICTS, type Verdict } from "../model/types.ts";
import type { Observation } from "../probes/observe.ts";
import type { PolicyDelta, RuleDelta } from "../rules/delta.ts";
import { expectationFailure } from "../report/failure.ts";
import type { Expectation } from "../scenario/model.ts";
import { icmpSeen, judgeExpectation } from "./expectation.ts";
import { explainMismatch, explainRefusal, softForUdp, verdictCause } from "./explain.ts";

const EST = "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT";
const MULTIPORT = "-A INPUT -p tcp -m multiport --dports 8080,8081 -m conntrack --ctstate NEW -j ACCEPT";
const DROP = "-A INPUT -p tcp -m tcp --dport 8080 -j DROP";
const LOG = "-A ufw-after-logging-input -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix \"[UFW BLOCK] \"";
const REJECT_PORT = "-A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable";
const REJECT_HOST = "-A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp-host-prohibited";
const DNAT = "nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.18.1.3:8080 [handle 4]";
const MASQ = "nat POSTROUTING: -A POSTROUTING -o eth1 -j MASQUERADE [handle 5]";
const UFW_REJECT = "-A ufw-user-input -p tcp -m tcp --dport 8081 -j REJECT --reject-with tcp-reset";
const NFT_DROP = 'tcp dport 8080 drop comment "block 8080"';
const NFT_RESET = "tcp dport 8080 counter reject with tcp reset";
const NFT_ADMIN = "tcp dport 8080 reject with icmpx admin-prohibited";

const decision = (d: Partial<Decision>): Decision => ({ host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: DROP, action: "drop", policy: false, source: "counters", ...d });
const rule = (chain: string, position: number, text: string, packets: number): RuleDelta => {
  const target = /-j (\S+)/.exec(text)?.[1] ?? null;
  return { rule: { family: "ipv4", table: "filter", chain, position, packets, bytes: packets * 60, text, target, comment: null }, packets, bytes: packets * 60 };
};
const policy = (chain: string, p: string, packets = 1): PolicyDelta => ({ family: "ipv4", table: "filter", chain, policy: p, packets });

interface Kind {
  readonly decision?: Decision;
  readonly rules: readonly RuleDelta[];
  readonly policies: readonly PolicyDelta[];
  readonly watched: boolean;
  /** A watched host on the path has native nftables tables. */
  readonly native?: boolean;
}

/** Every kind of evidence a probe can leave, as the judge receives it. */
const KINDS: Readonly<Record<string, Kind>> = {
  "a DROP rule": { decision: decision({}), rules: [rule("INPUT", 2, DROP, 1)], policies: [], watched: true },
  "the DROP policy, a LOG rule counted": { decision: decision({ rule: "policy DROP", policy: true }), rules: [rule("ufw-after-logging-input", 1, LOG, 1)], policies: [policy("INPUT", "DROP")], watched: true },
  "a REJECT port-unreachable": { decision: decision({ rule: REJECT_PORT, action: "reject" }), rules: [rule("INPUT", 1, REJECT_PORT, 1)], policies: [], watched: true },
  "a REJECT host-prohibited": { decision: decision({ rule: REJECT_HOST, action: "reject" }), rules: [rule("INPUT", 1, REJECT_HOST, 1)], policies: [], watched: true },
  "ufw's REJECT tcp-reset, three chains deep": { decision: decision({ rule: UFW_REJECT, action: "reject", path: ["INPUT", "ufw-before-input", "ufw-user-input"] }), rules: [rule("ufw-user-input", 4, UFW_REJECT, 1)], policies: [], watched: true },
  "a NEW ACCEPT (+1) behind ESTABLISHED (+3)": { decision: decision({ rule: MULTIPORT, action: "accept" }), rules: [rule("INPUT", 1, EST, 3), rule("INPUT", 2, MULTIPORT, 1)], policies: [], watched: true },
  "the ACCEPT policy": { decision: decision({ rule: "policy ACCEPT", action: "accept", policy: true }), rules: [], policies: [policy("INPUT", "ACCEPT", 4)], watched: true },
  "the prober's INPUT policy DROP took the answer": { decision: decision({ host: "client", rule: "policy DROP", policy: true, answer: true }), rules: [], policies: [policy("OUTPUT", "ACCEPT"), policy("INPUT", "DROP")], watched: true },
  "no filter chain, DNAT and MASQUERADE rewrote it (trace)": {
    decision: decision({ host: "router", unfiltered: true, table: "none", rule: "no filter chain", path: ["nat PREROUTING", "nat POSTROUTING"], action: "accept", source: "trace", rewrites: [DNAT, MASQ] }), rules: [], policies: [], watched: true,
  },
  "the FORWARD policy DROP after a DNAT rewrote it (trace)": { decision: decision({ host: "router", path: ["FORWARD"], rule: "policy DROP", policy: true, source: "trace", rewrites: [DNAT] }), rules: [], policies: [], watched: true },
  "a native forward accept after a DNAT sent it on (trace)": { decision: decision({ host: "router", table: "inet gw", path: ["forward"], rule: 'ct status dnat tcp dport { 80, 85 } accept comment "forwarded ports"', action: "accept", source: "trace", rewrites: ['inet gw prerouting: iifname "wan" meta nfproto ipv4 tcp dport 8085 dnat ip to 198.18.51.10:85 [handle 15]'], sentOnTo: "198.18.51.10:85" }), rules: [], policies: [], watched: true, native: true },
  "a FORWARD ACCEPT after a DNAT sent it on (counters)": { decision: decision({ host: "router", path: ["FORWARD"], rule: "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT", action: "accept", sentOnTo: "198.18.51.10" }), rules: [rule("FORWARD", 1, "-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT", 1)], policies: [], watched: true },
  "the target's own INPUT ACCEPT after its DNAT to its own address (trace)": { decision: decision({ rule: "policy ACCEPT", action: "accept", policy: true, source: "trace", rewrites: [DNAT] }), rules: [], policies: [policy("INPUT", "ACCEPT", 1)], watched: true },
  "a FORWARD ACCEPT after a DNAT rewrote it (trace)": { decision: decision({ host: "router", path: ["FORWARD"], rule: "-A FORWARD -d 198.18.1.3/32 -p tcp -m tcp --dport 8080 -j ACCEPT", action: "accept", source: "trace", rewrites: [DNAT] }), rules: [], policies: [], watched: true },
  "no filter chain, no ruleset at all (trace)": { decision: decision({ unfiltered: true, table: "none", rule: "no filter chain", path: [], action: "accept", source: "trace" }), rules: [], policies: [], watched: true },
  "a held session's data, accepted as ESTABLISHED (trace)": { decision: decision({ rule: EST, action: "accept", source: "trace", handle: 4, held: true }), rules: [], policies: [], watched: true },
  "a held session's data, dropped by a DROP rule (trace)": { decision: decision({ source: "trace", handle: 6, held: true }), rules: [], policies: [], watched: true },
  "only ESTABLISHED counted": { rules: [rule("INPUT", 1, EST, 3)], policies: [], watched: true },
  "nothing counted": { rules: [], policies: [], watched: true },
  "no firewall host on the path": { rules: [], policies: [], watched: false },
  // Native nftables (the trace decides): a policy counts nothing, a rule only with a `counter` statement.
  "a native nft drop rule with a comment (trace)": { decision: decision({ table: "inet fw", path: ["input"], rule: NFT_DROP, source: "trace", handle: 5 }), rules: [], policies: [], watched: true, native: true },
  "a native nft policy drop (trace)": { decision: decision({ table: "inet fw", path: ["input"], rule: "policy drop", policy: true, source: "trace" }), rules: [], policies: [], watched: true, native: true },
  "a native nft reject with tcp reset (trace)": { decision: decision({ table: "inet fw", path: ["input"], rule: NFT_RESET, action: "reject", source: "trace", handle: 7 }), rules: [], policies: [], watched: true, native: true },
  "a native nft reject admin-prohibited (trace)": { decision: decision({ table: "inet fw", path: ["input"], rule: NFT_ADMIN, action: "reject", source: "trace", handle: 8 }), rules: [], policies: [], watched: true, native: true },
  "a native nft host, nothing decided": { rules: [], policies: [], watched: true, native: true },
};

const expectation = (expected: ExpectedVerdict, protocol: Protocol): Expectation => ({
  from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol, families: ["ipv4"], expected,
  text: `client -> server:8080 ${expected}`, location: { file: "s.yaml", line: 7, column: 1 },
} as unknown as Expectation);

function observation(actual: Verdict, kind: Kind, stopped: boolean): Observation {
  return {
    result: {
      spec: { from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 },
      address: "198.18.0.2", verdict: actual, reason: "r",
      evidence: { command: "nc -zv -w 2 198.18.0.2 8080", argv: [], exitCode: stopped ? null : 1, stdout: "", stderr: "", durationMs: 97, ...(stopped ? { stoppedEarly: "stopped after 97 ms, before its 2 s timeout" } : {}) },
    },
    decidedBy: kind.rules, policies: kind.policies, watched: kind.watched, ...(kind.native ? { native: true } : {}),
    ...(kind.decision ? { decision: kind.decision } : {}),
  };
}

/** Claims in the words that the evidence lines would contradict; empty when consistent. */
function contradictions(text: string, kind: Kind, actual: Verdict): string[] {
  const out: string[] = [];
  const counted = kind.rules.map((r) => r.rule.text).concat(kind.policies.map((p) => `${p.chain} policy ${p.policy}`));
  const d = kind.decision;
  if (counted.length > 0 && /\bno (DROP |REJECT |ACCEPT |firewall )?rules?( or policy)?( on its path)? counted/i.test(text)) out.push("says nothing counted, but rules counted");
  if (/did not run/.test(text)) out.push("says the probe did not run");
  if (d && !text.includes(d.rule)) out.push(`does not name the deciding rule ${d.rule}`);
  if (/\ba (DROP|drop) rule\b/.test(text) && !(d?.action === "drop" && !d.policy)) out.push("names a DROP rule that did not decide");
  if (/\ba (REJECT|reject) rule\b/.test(text) && d?.action !== "reject") out.push("names a REJECT rule that did not decide");
  // A policy the trace names needs no counter (native nftables policies have none).
  for (const m of text.matchAll(/\b(\w+) policy (DROP|ACCEPT|drop|accept)\b/g)) if (!counted.includes(`${m[1]} policy ${m[2]}`) && !(d?.policy && d.source === "trace" && `${d.path[0]} ${d.rule}` === m[0])) out.push(`names ${m[0]}, which counted nothing`);
  // Native nftables: hints and names in nft's words, never iptables' (`-j`, `--reject-with`, DROP/REJECT).
  const nft = d && !d.unfiltered ? d.table.includes(" ") : kind.native === true;
  if (nft && /--reject-with|(?:^|\s)-j\s|\b(?:DROP|REJECT|ACCEPT)\b/.test(text)) out.push(`iptables words for native nftables rules: ${/.*(?:--reject-with|(?:^|\s)-j\s|\b(?:DROP|REJECT|ACCEPT)\b).*/.exec(text)![0]}`);
  if (nft && d === undefined && kind.watched && /no rule able to take its first packet counted it(?!.*count nothing)/.test(text)) out.push("says nothing counted, but native nftables policies count nothing");
  if (/no firewall host is on its path/.test(text) && (kind.watched || counted.length > 0)) out.push("says no firewall host is on the path");
  if (/nothing listens/.test(text) && actual !== "refused") out.push("says nothing listens without a refusal");
  // A DNAT sent the packet on past the host that let it through (tester 41b): what answered is the destination's, not this port's.
  const sentTo = d?.action === "accept" ? d.sentOnTo : undefined;
  if (sentTo && /nothing listens on the port \(/.test(text)) out.push("says nothing listens on the probed port, but a DNAT sent the packet on to another address");
  if (sentTo && actual !== "open" && actual !== "error" && !text.includes(`sent on to ${sentTo}`)) out.push("does not say where the DNAT sent the packet");
  if (!sentTo && /sent on to/.test(text)) out.push("says the packet was sent on, but no DNAT sent it to another host");
  if (/let (its SYN|its datagram|it) through|was let through/.test(text) && d?.action !== "accept") out.push("says a rule let it through");
  if (d?.answer && /took its (SYN|datagram)/.test(text)) out.push("says the first packet was taken, but the answer was");
  if (d?.held && /\b(its SYN|its datagram|first packet)\b/.test(text)) out.push("speaks of a first packet, but a held connection's data decided");
  for (const r of d?.rewrites ?? []) if (!text.includes(r)) out.push(`does not name the rewrite ${r}`);
  // The rewrite is said at the end of its sentence, never spliced into it (`the FORWARD policy DROP on gw; rewritten by … discarded it`).
  const spliced = /; rewritten by [^\n]*?\] (discarded|took|let|counted)\b.*/.exec(text);
  if (spliced) out.push(`a rewrite spliced into a sentence: ${spliced[0]}`);
  if (d?.unfiltered && /\bpolicy (DROP|ACCEPT)\b|\ban? (DROP|REJECT|ACCEPT) rule\b|let through by/.test(text)) out.push("names a rule or policy although no filter chain decided");
  return out;
}

describe("every (expected, observed) pair × evidence kind: words never contradict the evidence", () => {
  const cases = EXPECTED_VERDICTS.flatMap((expected) => VERDICTS.flatMap((actual) => Object.keys(KINDS).flatMap((kind) =>
    [false, true].filter((stopped) => !stopped || actual !== "open").map((stopped) => ({ expected, actual, kind, stopped })))));
  test.each(cases)("expected $expected, observed $actual, $kind, stopped: $stopped", ({ expected, actual, kind, stopped }) => {
    const k = KINDS[kind]!;
    const r = judgeExpectation(expectation(expected, "tcp"), "ipv4", observation(actual, k, stopped));
    if (r.status === "passed") {
      expect(r.explanation).toBeUndefined();
      return;
    }
    expect(r.explanation, "a meaning line for every mismatch").toBeTruthy();
    if (actual !== "error") expect(r.explanation).toMatch(new RegExp(`^(blocked \\(${actual}\\)|${actual}, not ${expected}|reachable)`));
    const text = expectationFailure(r);
    expect(contradictions(text, k, actual)).toEqual([]);
  });
});

describe("the measured cases of issue 15", () => {
  const failure = (expected: ExpectedVerdict, actual: Verdict, kind: string, stopped = false) => {
    const r = judgeExpectation(expectation(expected, "tcp"), "ipv4", observation(actual, KINDS[kind]!, stopped));
    return { r, text: expectationFailure(r) };
  };
  test("a SYN accepted by a multiport NEW rule is blamed on it, not on ESTABLISHED", () => {
    const { r } = failure("dropped", "open", "a NEW ACCEPT (+1) behind ESTABLISHED (+3)");
    expect(r.explanation).toContain(MULTIPORT);
    expect(r.explanation).not.toContain("ESTABLISHED");
  });
  test("expected refused, observed unreachable: the counted REJECT icmp-host-prohibited explains it", () => {
    const { r } = failure("refused", "unreachable", "a REJECT host-prohibited");
    expect(r.explanation).toBe("unreachable, not refused: refused needs a reset or port unreachable (--reject-with tcp-reset or icmp-port-unreachable). "
      + `A REJECT rule answered its SYN with icmp-host-prohibited, which the client reports as unreachable: server INPUT: ${REJECT_HOST}`);
  });
  test("a policy drop never reads 'no DROP rule counted the probe'", () => {
    const { r, text } = failure("refused", "dropped", "the DROP policy, a LOG rule counted", true);
    expect(r.explanation).toBe("dropped, not refused: refused needs an answer: a reset or port unreachable (REJECT --reject-with tcp-reset or icmp-port-unreachable). "
      + "No rule took its SYN, so the INPUT policy DROP on server discarded it");
    expect(text).toContain("ended:   stopped after 97 ms: the INPUT policy DROP on server took its SYN and no answer had come");
    expect(text).toContain("counted: ipv4 filter ufw-after-logging-input #1");
    expect(text).toContain("ipv4 filter INPUT policy DROP (+1 packets)");
    expect(text).not.toMatch(/no (DROP|firewall) rule counted/);
  });
  test("a stopped probe says what took its SYN, never 'did not run'", () => {
    const { text } = failure("open", "dropped", "a DROP rule", true);
    expect(text).toContain("ended:   stopped after 97 ms: a DROP rule took its SYN and no answer had come");
    expect(text).toContain(`decided: server ipv4 filter INPUT: ${DROP} (took its first packet; counters)`);
  });
  test("the line that wrote the deciding rule or policy is named where the rule is (rules/origin.ts)", () => {
    const origin = { file: "/r/firewall/rules.v4", line: 7, shown: "../firewall/rules.v4" };
    const meaning = (actual: Verdict, d: Decision) => judgeExpectation(expectation("open", "tcp"), "ipv4", observation(actual, { rules: [], policies: [], watched: true, decision: d }, true)).explanation;
    expect(meaning("dropped", decision({ origin }))).toContain(`A DROP rule took its SYN: server INPUT: ${DROP} (../firewall/rules.v4:7)`);
    expect(meaning("dropped", decision({ rule: "policy DROP", policy: true, origin: { ...origin, line: 2 } }))).toContain("the INPUT policy DROP on server (../firewall/rules.v4:2) discarded it");
    expect(meaning("dropped", decision({}))).not.toContain("rules.v4");
  });
  test("the path through ufw's chains", () => {
    const { text } = failure("open", "refused", "ufw's REJECT tcp-reset, three chains deep");
    expect(text).toContain(`server INPUT → ufw-before-input → ufw-user-input: ${UFW_REJECT}`);
  });
});

describe("native nftables: hints in nft's syntax, which pasted into a ruleset parses", () => {
  const meaning = (expected: ExpectedVerdict, actual: Verdict, kind: string) => judgeExpectation(expectation(expected, "tcp"), "ipv4", observation(actual, KINDS[kind]!, false)).explanation;
  test.each<[ExpectedVerdict, Verdict, string, string]>([
    ["refused", "dropped", "a native nft policy drop (trace)",
      "dropped, not refused: refused needs an answer: a reset or port unreachable (reject with tcp reset, or reject with icmpx port-unreachable). No rule took its SYN, so the input policy drop on server discarded it"],
    ["refused", "unreachable", "a native nft reject admin-prohibited (trace)",
      `unreachable, not refused: refused needs a reset or port unreachable (reject with tcp reset, or reject with icmpx port-unreachable). A reject rule answered its SYN with icmpx admin-prohibited, which the client reports as unreachable: server input: ${NFT_ADMIN}`],
    ["unreachable", "dropped", "a native nft drop rule with a comment (trace)",
      `dropped, not unreachable: unreachable needs an ICMP error (reject with icmpx admin-prohibited, or reject with icmp type host-prohibited for IPv4 only). A drop rule took its SYN: server input: ${NFT_DROP}`],
    ["unreachable", "refused", "a native nft reject with tcp reset (trace)",
      `refused, not unreachable: unreachable needs reject with icmpx admin-prohibited, or reject with icmp type host-prohibited for IPv4 only. A reject rule answered its SYN with tcp reset: server input: ${NFT_RESET}`],
    ["refused", "dropped", "a native nft host, nothing decided",
      "dropped, not refused: refused needs an answer: a reset or port unreachable (reject with tcp reset, or reject with icmpx port-unreachable). No answer came back; no rule able to take its first packet counted it (native nftables chain policies, and rules without a `counter` statement, count nothing; a chain of priority below -400 takes packets before fwspec's trace sees them)"],
    ["dropped", "refused", "a native nft reject with tcp reset (trace)",
      `refused, not dropped: a drop stays silent; a reject or a closed port answers. A reject rule answered its SYN with tcp reset: server input: ${NFT_RESET}`],
    // iptables keeps iptables' words.
    ["refused", "dropped", "a DROP rule",
      `dropped, not refused: refused needs an answer: a reset or port unreachable (REJECT --reject-with tcp-reset or icmp-port-unreachable). A DROP rule took its SYN: server INPUT: ${DROP}`],
  ])("expected %s, observed %s, %s", (expected, actual, kind, words) => {
    expect(meaning(expected, actual, kind)).toBe(words);
  });
});

test("a netdev chain fwspec does not read is named where nothing it reads took the packet (tester 43a: a netdev drop)", () => {
  const seen = { ...observation("dropped", KINDS["a native nft host, nothing decided"]!, false), netdev: ["netdev edge ingress on server"] };
  expect(judgeExpectation(expectation("open", "tcp"), "ipv4", seen).explanation).toContain(
    "no rule able to take its first packet counted it (native nftables chain policies, and rules without a `counter` statement, count nothing; a chain of priority below -400 takes packets before fwspec's trace sees them); a netdev chain, which fwspec does not read, may have taken it: netdev edge ingress on server",
  );
  // A rule it reads took it: no such note.
  const decided = { ...observation("dropped", KINDS["a native nft drop rule with a comment (trace)"]!, false), netdev: ["netdev edge ingress on server"] };
  expect(judgeExpectation(expectation("open", "tcp"), "ipv4", decided).explanation).not.toContain("ingress");
});

describe("a UDP datagram a reject rule answered with a soft error (ICMP net or host unreachable)", () => {
  const nft = (type: string, source: Decision["source"] = "trace") => decision({ table: "inet fw", path: ["input"], rule: `udp dport 163 reject with icmpx ${type}`, action: "reject", source });
  test.each([
    ["no-route", true],
    ["host-unreachable", true],
    ["admin-prohibited", false],
    ["port-unreachable", false],
  ])("icmpx %s: soft for UDP = %s", (type, soft) => {
    const cause = verdictCause("dropped", { decision: nft(type), watched: true }, "udp");
    if (soft) expect(cause).toMatch(/answered its datagram with icmpx .*, which the client's UDP socket does not report \(Linux takes ICMP net and host unreachable as soft errors for UDP\)/);
    // Not a soft error: the words do not claim it; a trace's decision is no counter.
    else expect(cause).toBe(`dropped, although a reject rule (server input: udp dport 163 reject with icmpx ${type}) took its first packet`);
  });

  test("iptables' words too; TCP reports them (no such words)", () => {
    expect(softForUdp("icmp-host-unreachable")).toBe(true);
    expect(softForUdp("icmp6-addr-unreachable")).toBe(true);
    expect(softForUdp("icmp-host-prohibited")).toBe(false);
    expect(verdictCause("dropped", { decision: nft("no-route", "counters"), watched: true }, "tcp")).toMatch(/counted one of its packets$/);
  });
});

describe("an IPv6 REJECT the client did not report in time (a 1 s timeout)", () => {
  test("the meaning line says the ICMP error came back and why the client saw none", () => {
    const ev = { decision: decision({ family: "ipv6", rule: "-A INPUT -p tcp -m tcp --dport 28 -m limit --limit 20/sec -j REJECT --reject-with icmp6-adm-prohibited", action: "reject" }), watched: true, icmpSeen: true };
    expect(explainMismatch("unreachable", "dropped", ev, "tcp")).toMatch(/^dropped, not unreachable: an ICMP error did come back .* give this check a timeout of 2 s or more\./);
    // Without the count, the usual words.
    expect(explainMismatch("unreachable", "dropped", { ...ev, icmpSeen: false }, "tcp")).toMatch(/^dropped, not unreachable: unreachable needs an ICMP error/);
  });

  test.each([
    ["fwspec-probe: icmp destination unreachable received: ipv4 +0, ipv6 +1\n", "ipv6", true],
    ["fwspec-probe: icmp destination unreachable received: ipv4 +0, ipv6 +1\n", "ipv4", false],
    ["nc: connect to 2001:db8::2 port 28 (tcp) timed out\n", "ipv6", false],
  ] as const)("icmpSeen(%j, %s) = %s", (stderr, family, seen) => {
    expect(icmpSeen(stderr, family)).toBe(seen);
  });
});

// Tester 39a: a stopped (SIGSTOP) listener's socket still completes handshakes, so the probe is `open`; nothing greeted it.
describe("an open TCP probe on which nothing came for its whole timeout", () => {
  const accepted = KINDS["a NEW ACCEPT (+1) behind ESTABLISHED (+3)"]!;
  const silent = (durationMs: number, stdout = ""): Observation => {
    const o = observation("open", accepted, false);
    return { ...o, result: { ...o.result, reason: "connection succeeded", evidence: { ...o.result.evidence, exitCode: 0, stdout, durationMs } } };
  };

  test("a mismatch never says the listener answered: the handshake completed, no greeting arrived", () => {
    const r = judgeExpectation(expectation("dropped", "tcp"), "ipv4", silent(2000));
    expect(r.status).toBe("failed");
    // The cause starts a sentence of the explanation: capitalised there.
    expect(r.explanation).toMatch(/the handshake completed, but nothing came back on the connection for the whole timeout: no greeting arrived .*or the greeting dropped on its way back/i);
    expect(r.explanation).not.toMatch(/the listener answered/i);
    expect(r.explanation).toContain(MULTIPORT);
  });

  test.each([
    { case: "a greeting came", probe: silent(2000, "fwspec server 8080 198.18.0.3 40000\n") },
    { case: "it ended well before its timeout", probe: silent(150) },
  ])("$case: the listener answered", ({ probe }) => {
    expect(judgeExpectation(expectation("dropped", "tcp"), "ipv4", probe).explanation).toMatch(/the listener answered/i);
  });
});

// Reviewer 41: ip6tables refuses IPv4's reject names; an IPv6 probe's hints name its own.
describe("hints for an IPv6 probe name ip6tables' reject types", () => {
  test.each([
    [() => explainMismatch("refused", "dropped", { watched: true, ipv6: true }), "REJECT --reject-with tcp-reset or icmp6-port-unreachable", "icmp-port-unreachable"],
    [() => explainMismatch("unreachable", "dropped", { watched: true, ipv6: true }), "--reject-with icmp6-adm-prohibited, icmp6-addr-unreachable", "icmp-host-prohibited"],
    [() => explainRefusal("icmp", "icmp-port-unreachable", "tcp-reset", { watched: true, ipv6: true }), "wants an ICMPv6 port unreachable (REJECT --reject-with icmp6-port-unreachable, REJECT's default)", "icmp-port-unreachable,"],
    [() => explainRefusal("icmp", "icmp-port-unreachable", "tcp-reset", { watched: true }), "wants an ICMP port unreachable (REJECT --reject-with icmp-port-unreachable, REJECT's default)", "icmp6"],
  ])("%#", (text, has, hasNot) => {
    expect(text()).toContain(has);
    expect(text()).not.toContain(hasNot);
  });
});
