import { describe, expect, it } from "vitest";
import type { CheckResult, ExpectationResult, RuleHit, StepResult } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import type { CounterReading } from "../rules/read.ts";
import { parseSave } from "../rules/saved.ts";
import { onlyOtherFamily, scenarioCoverage, type ScenarioCoverage } from "./coverage.ts";
import { coverageShortfall, runCoverage } from "./coverage-run.ts";
import { coverageLine, renderCoverage } from "./coverage-text.ts";
import type { RunReport } from "./model.ts";

const save = (tables: Record<string, string[]>) =>
  Object.entries(tables).map(([t, lines]) => `*${t}\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n${lines.join("\n")}\nCOMMIT\n`).join("");

const DNS = "-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT";
const boot = (host = "server", v4: string[] = [DNS]): Map<string, CounterReading> =>
  new Map([[host, { ipv4: parseSave(save({ nat: v4 }), "ipv4"), ipv6: parseSave("", "ipv6") }]]);

function apply(line: number, v4: Record<string, string[]>, v6: Record<string, string[]> = {}, host = "server"): StepResult {
  return { kind: "step", step: "apply", line, title: "apply", status: "passed", message: "", evidence: { ipv4: save({ nat: [DNS], ...v4 }), ipv6: save(v6), digest: "", host } };
}

function hit(text: string, position: number, o: Partial<RuleHit> = {}): RuleHit {
  return { host: "server", family: "ipv4", table: "filter", chain: /^-A (\S+)/.exec(text)?.[1] ?? "", position, text, packets: 1, ...o };
}

function probe(line: number, text: string, counted: RuleHit[], o: Partial<ExpectationResult> & { family?: Family } = {}): ExpectationResult {
  const m = /^(\S+) -> (\S+):(\d+)/.exec(text)!;
  return {
    kind: "expectation", text, line, from: m[1]!, to: m[2]!, port: Number(m[3]), protocol: "tcp", family: "ipv4", expected: "open", actual: "open", status: "passed", reason: "",
    address: m[2] === "localhost" ? "127.0.0.1" : "198.18.0.2", evidence: { command: "", exitCode: 0, stdout: "", stderr: "", durationMs: 1 }, decidedBy: [], counted, ...o,
  };
}

const ACCEPT_TCP = "-A INPUT -p tcp -j ACCEPT";
const DROP_8080 = "-A INPUT -p tcp -m tcp --dport 8080 -j DROP";

const summary = (c: ScenarioCoverage) => c.rulesets.flatMap((rs) => rs.rules.map((r) => `${rs.loadedBy} ${r.family} ${r.chain} #${r.position} ${r.status} ${r.packets}${r.shadowedBy ? ` by ${r.shadowedBy.rules.join(",")} on line ${r.shadowedBy.check.line}` : ""}${r.takenEarlier ? ` went to ${r.takenEarlier.rules.join(",")} on line ${r.takenEarlier.check.line}` : ""}`));

describe("scenarioCoverage", () => {
  const cases: [string, CheckResult[], string[]][] = [
    [
      "a DROP appended after a broader ACCEPT is shadowed; inserted first, it is exercised",
      [
        apply(14, { filter: [ACCEPT_TCP, DROP_8080] }),
        probe(20, "client -> server:8080 open", [hit(ACCEPT_TCP, 1, { packets: 3 })]),
        apply(30, { filter: [DROP_8080, ACCEPT_TCP] }),
        probe(40, "client -> server:8080 dropped", [hit(DROP_8080, 1)]),
        probe(41, "client -> server:8081 open", [hit(ACCEPT_TCP, 2, { packets: 2 })]),
      ],
      [
        "apply (line 14) ipv4 INPUT #1 exercised 3",
        "apply (line 14) ipv4 INPUT #2 shadowed 0 by ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT on line 20",
        "apply (line 30) ipv4 INPUT #1 exercised 1",
        "apply (line 30) ipv4 INPUT #2 exercised 2",
      ],
    ],
    [
      "a rule whose traffic never came is unexercised, not shadowed",
      [apply(5, { filter: [ACCEPT_TCP, "-A INPUT -p tcp -m tcp --dport 9090 -j DROP"] }), probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1)])],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv4 INPUT #2 unexercised 0"],
    ],
    [
      "the target's OUTPUT sees only answers: a DROP there behind an ACCEPT is not claimed shadowed",
      [apply(5, { filter: ["-A OUTPUT -p tcp -j ACCEPT", "-A OUTPUT -p tcp -m tcp --dport 8080 -j DROP"] }), probe(9, "client -> server:8080 open", [hit("-A OUTPUT -p tcp -j ACCEPT", 1)])],
      ["apply (line 5) ipv4 OUTPUT #1 exercised 1", "apply (line 5) ipv4 OUTPUT #2 unexercised 0"],
    ],
    [
      "the prober's OUTPUT sees the first packet: shadowed there",
      [apply(5, { filter: ["-A OUTPUT -p tcp -j ACCEPT", "-A OUTPUT -p tcp -m tcp --dport 8080 -j DROP"] }), probe(9, "server -> client:8080 open", [hit("-A OUTPUT -p tcp -j ACCEPT", 1)])],
      ["apply (line 5) ipv4 OUTPUT #1 exercised 1", "apply (line 5) ipv4 OUTPUT #2 shadowed 0 by ipv4 filter OUTPUT #1 -A OUTPUT -p tcp -j ACCEPT on line 9"],
    ],
    [
      "a rule in a user chain reached from INPUT: shadowed by an earlier rule of that chain",
      [
        apply(5, { filter: [":PROTECT - [0:0]", "-A INPUT -j PROTECT", "-A PROTECT -p tcp -j ACCEPT", "-A PROTECT -p tcp -m tcp --dport 8080 -j DROP"] }),
        probe(9, "server -> localhost:8080 open", [hit("-A INPUT -j PROTECT", 1), hit("-A PROTECT -p tcp -j ACCEPT", 1, { chain: "PROTECT", packets: 2 })]),
      ],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv4 PROTECT #1 exercised 2", "apply (line 5) ipv4 PROTECT #2 shadowed 0 by ipv4 filter PROTECT #1 -A PROTECT -p tcp -j ACCEPT on line 9"],
    ],
    [
      "an earlier rule that took the probe but does not cover the rule (a source range, -i lo, a rate limit): never matched, partly shadowed, named",
      [
        apply(5, { filter: ["-A INPUT -s 198.18.0.0/15 -j ACCEPT", "-A INPUT -i lo -j ACCEPT", DROP_8080] }),
        probe(9, "client -> server:8080 dropped", [hit("-A INPUT -s 198.18.0.0/15 -j ACCEPT", 1)]),
        probe(10, "server -> localhost:8080 dropped", [hit("-A INPUT -i lo -j ACCEPT", 2)]),
      ],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv4 INPUT #2 exercised 1", "apply (line 5) ipv4 INPUT #3 unexercised 0 went to ipv4 filter INPUT #1 -A INPUT -s 198.18.0.0/15 -j ACCEPT on line 9"],
    ],
    [
      // Tester 41a: the loopback probe came first in the file, and `-i lo -j ACCEPT` was named, which only loopback packets meet.
      "a probe from another host is named before a loopback one that came first: the rule that takes the traffic the rule is written for",
      [
        apply(5, { filter: ["-A INPUT -i lo -j ACCEPT", "-A INPUT -j SERVICES", DROP_8080, "-A SERVICES -p tcp -j ACCEPT"] }),
        probe(9, "server -> localhost:8080 open", [hit("-A INPUT -i lo -j ACCEPT", 1)]),
        probe(10, "client -> server:8080 open", [hit("-A INPUT -j SERVICES", 2), hit("-A SERVICES -p tcp -j ACCEPT", 1)]),
      ],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv4 INPUT #2 exercised 1", "apply (line 5) ipv4 INPUT #3 unexercised 0 went to ipv4 filter INPUT #2 -A INPUT -j SERVICES on line 10", "apply (line 5) ipv4 SERVICES #1 exercised 1"],
    ],
    [
      "a rule with options fwspec does not model is never claimed shadowed",
      [apply(5, { filter: [ACCEPT_TCP, "-A INPUT -p tcp -m recent --update --seconds 60 -j DROP"] }), probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1)])],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv4 INPUT #2 unexercised 0"],
    ],
    [
      "the parity probe's packets count, per family; the lab's own rules (at start) and fwspec's tables are not counted",
      [
        apply(5, { filter: [DROP_8080], fwspec_trace: ["-A INPUT -j ACCEPT"] }, { filter: ["-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT"] }),
        probe(9, "client -> server:8080 dropped", [hit(DROP_8080, 1)], { parity: { family: "ipv6", verdict: "open", reason: "", command: "", differs: true, counted: [hit("-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT", 1, { family: "ipv6" })] } }),
      ],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv6 INPUT #1 exercised 1"],
    ],
    [
      "a rule a run step moved is still the same rule; one a run step added is listed too",
      [apply(5, { filter: [ACCEPT_TCP] }), probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 2), hit("-A INPUT -s 198.18.0.9/32 -j ACCEPT", 1)])],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv4 INPUT #1 exercised 1"],
    ],
    [
      "rules that were there before any apply (a run step added them) belong to the start",
      [probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1)])],
      ["as the lab started ipv4 INPUT #1 exercised 1"],
    ],
    [
      // Tester 42a: the source its listener saw is the one the target's rules met; without it, `-s` matches nothing known.
      "a source-restricted DROP behind a broader ACCEPT: shadowed when the probe's source, as its listener saw it, is in the range",
      [
        apply(5, { filter: ["-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT", "-A INPUT -s 198.18.99.128/25 -p tcp -m tcp --dport 80 -j DROP"] }),
        probe(9, "remote -> server:80 open", [hit("-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT", 1)], { answer: "server:80 saw 198.18.99.200:40312 (remote)" }),
      ],
      ["apply (line 5) ipv4 INPUT #1 exercised 1", "apply (line 5) ipv4 INPUT #2 shadowed 0 by ipv4 filter INPUT #1 -A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT on line 9"],
    ],
    [
      "the same with a source outside the range, or no listener line: never matched",
      [
        apply(5, { filter: ["-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT", "-A INPUT -s 198.18.99.128/25 -p tcp -m tcp --dport 80 -j DROP"] }),
        probe(9, "remote -> server:80 open", [hit("-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT", 1)], { answer: "server:80 saw 198.18.99.5:40312 (remote)" }),
        probe(10, "remote -> server:80 open", [hit("-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT", 1)]),
      ],
      ["apply (line 5) ipv4 INPUT #1 exercised 2", "apply (line 5) ipv4 INPUT #2 unexercised 0"],
    ],
  ];
  it("native nft rules: listed per family their table sees, matched to hits whatever their handle; rules without a counter are not counted", () => {
    const nft = 'table inet fw {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tiif "lo" accept\n\t\ttcp dport 8080 counter drop\n\t}\n}';
    const step: StepResult = { ...apply(5, {}), evidence: { ...apply(5, {}).evidence!, nft } };
    const c = scenarioCoverage([step, probe(9, "client -> server:8080 dropped", [hit("tcp dport 8080 counter drop # handle 3", 2, { table: "inet fw", chain: "input" })])], boot());
    expect(summary(c)).toEqual(["apply (line 5) ipv4 input #2 exercised 1", "apply (line 5) ipv6 input #2 unexercised 0"]);
  });

  it.each(cases)("%s", (_title, results, want) => {
    expect(summary(scenarioCoverage(results, boot()))).toEqual(want);
  });

  it("native nft rules of an inet table that match one family are listed in that family only (tester 36b: never matched in the other)", () => {
    const nft = 'table inet fw {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tmeta nfproto ipv6 tcp dport 8080 counter drop\n\t\tip saddr 198.18.0.0/15 tcp dport 22 counter accept\n\t\ttcp dport 8081 counter drop\n\t}\n}';
    const step: StepResult = { ...apply(5, {}), evidence: { ...apply(5, {}).evidence!, nft } };
    const c = scenarioCoverage([step, probe(9, "client -> server:8081 dropped", [hit("tcp dport 8081 counter drop # handle 5", 3, { table: "inet fw", chain: "input" })])], boot());
    expect(summary(c)).toEqual(["apply (line 5) ipv4 input #2 unexercised 0", "apply (line 5) ipv4 input #3 exercised 1", "apply (line 5) ipv6 input #1 unexercised 0", "apply (line 5) ipv6 input #3 unexercised 0"]);
  });

  // Tester 45b: an inet rule's one counter, moved by IPv6 neighbour discovery during an IPv4 TCP probe, read as exercised by it.
  it("a rule none of whose protocols the probe's packets have is not credited with them (an ICMP rule during a TCP probe)", () => {
    const nft = 'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tmeta l4proto { icmp, ipv6-icmp } counter accept\n\t\ttcp dport 8080 counter reject with tcp reset\n\t}\n}';
    const step: StepResult = { ...apply(5, {}), evidence: { ...apply(5, {}).evidence!, nft } };
    const icmp = hit("meta l4proto { icmp, ipv6-icmp } counter accept # handle 3", 1, { table: "inet filter", chain: "input" });
    const open = scenarioCoverage([step, probe(9, "client -> server:22 open", [icmp])], boot());
    expect(summary(open)).toEqual(["apply (line 5) ipv4 input #1 unexercised 0", "apply (line 5) ipv4 input #2 unexercised 0", "apply (line 5) ipv6 input #1 unexercised 0", "apply (line 5) ipv6 input #2 unexercised 0"]);
    // Refused with an ICMP answer: the rule may have taken it.
    const refused = scenarioCoverage([step, probe(9, "client -> server:23 refused", [icmp], { actual: "refused" })], boot());
    expect(summary(refused)[0]).toBe("apply (line 5) ipv4 input #1 exercised 1");
    // Named as deciding (an ICMP DROP that took a REJECT's lost answer on a dropped probe): its hit stays (reviewer).
    const decision = { host: "server", family: "ipv4", table: "inet filter", path: ["input"], rule: "meta l4proto { icmp, ipv6-icmp } counter accept # handle 3", action: "accept", policy: false, source: "counters" } as const;
    const decided = scenarioCoverage([step, probe(9, "client -> server:23 dropped", [icmp], { actual: "dropped", decision })], boot());
    expect(summary(decided)[0]).toBe("apply (line 5) ipv4 input #1 exercised 1");
  });

  it("names each check that took a rule's packets, with the family and whether it was the parity probe", () => {
    const c = scenarioCoverage([
      apply(5, { filter: [ACCEPT_TCP] }, { filter: [ACCEPT_TCP] }),
      probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1, { packets: 3 })], { family: "ipv4", parity: { family: "ipv6", verdict: "open", reason: "", command: "", differs: false, counted: [hit("-A INPUT -p tcp -j ACCEPT", 1, { family: "ipv6" })] } }),
      probe(10, "client -> server:8081 open", [hit(ACCEPT_TCP, 1)]),
    ], boot());
    expect(c.rulesets[0]!.rules[0]!.checks).toEqual([
      { line: 9, text: "client -> server:8080 open", family: "ipv4", parity: false, packets: 3 },
      { line: 10, text: "client -> server:8081 open", family: "ipv4", parity: false, packets: 1 },
    ]);
    expect(c.rulesets[0]!.rules[1]!.checks).toEqual([{ line: 9, text: "client -> server:8080 open", family: "ipv6", parity: true, packets: 1 }]);
    expect([c.rules, c.exercised, c.shadowed, c.unexercised]).toEqual([2, 2, 0, 0]);
  });
});

describe("run coverage and --coverage-min", () => {
  const of = (rules: number, exercised: number, shadowed = 0) => ({ coverage: { rulesets: [{ host: "h", loadedBy: "", line: 1, rules: [
    ...Array.from({ length: exercised }, () => ({ status: "exercised" })),
    ...Array.from({ length: shadowed }, () => ({ status: "shadowed" })),
    ...Array.from({ length: rules - exercised - shadowed }, () => ({ status: "unexercised" })),
  ] }] } as unknown as ScenarioCoverage });
  const cases: [string, ReturnType<typeof of>[], number, string | undefined][] = [
    ["9 of 10 meets 90", [of(10, 9)], 90, undefined],
    ["8 of 9 is 88.8% and below 90", [of(4, 4), of(5, 4, 1)], 90, "rule coverage 88.8% (8 of 9 rules exercised; 1 shadowed, 0 never matched) is below --coverage-min 90"],
    ["2 of 3 below 67", [of(3, 2)], 67, "rule coverage 66.6% (2 of 3 rules exercised; 0 shadowed, 1 never matched) is below --coverage-min 67"],
    ["no rules at all cannot meet a minimum", [], 1, "rule coverage: no rule was counted (no firewall host had rules loaded by the scenarios), so --coverage-min 1 cannot be met"],
    ["0 is always met when a rule was counted", [of(3, 0)], 0, undefined],
  ];
  it.each(cases)("%s", (_t, scenarios, min, want) => {
    expect(coverageShortfall(runCoverage(scenarios), min)).toBe(want);
  });
});

describe("packets coverage cannot attribute are said, never claimed", () => {
  const DROP_ALL = "-A INPUT -p tcp -j DROP";
  const sweep = (line: number, text: string, counted: RuleHit[] | undefined) =>
    probe(line, text, counted ?? [], { expected: "blocked", actual: "dropped", sweep: { ports: "1-1024", summary: "", counts: {}, broken: [], notes: [], command: "" }, ...(counted ? {} : { counted: undefined }) });
  const run = (line: number, title: string): StepResult => ({ kind: "step", step: "run", line, title, status: "passed", message: "" });
  const hold = (line: number, title: string): StepResult => ({ kind: "step", step: "hold", line, title, status: "passed", message: "" });

  it("a sweep's counted DROP/REJECT rules are exercised by the sweep; its ACCEPT rules are said to be unattributed", () => {
    const c = scenarioCoverage([apply(5, { filter: ["-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", DROP_ALL] }), sweep(9, "outside -> server:1-1024 blocked except 22", [hit(DROP_ALL, 2, { packets: 1023 })])], boot());
    expect(summary(c)).toEqual(["apply (line 5) ipv4 INPUT #1 unexercised 0", "apply (line 5) ipv4 INPUT #2 exercised 1023"]);
    expect(c.unattributed).toEqual([{ line: 9, text: "outside -> server:1-1024 blocked except 22 [ipv4]", why: "a sweep: only the DROP and REJECT rules it counted are attributed, not the rules that admitted its ports" }]);
  });

  it("run steps, holds and held checks are listed: their packets count for no rule", () => {
    const held = probe(12, "remote -> server:8080 open", [], { held: "s", text: "held s dropped", expected: "dropped", actual: "dropped" });
    const c = scenarioCoverage([apply(5, { filter: [ACCEPT_TCP] }), run(7, "run on client: curl …"), hold(8, "hold s"), probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1)]), held], boot());
    expect(c.unattributed!.map((u) => `${u.line} ${u.text}: ${u.why}`)).toEqual([
      "7 run on client: curl …: a run step: its packets are not attributed to any rule",
      "8 hold s: a held connection: its packets are not attributed to any rule",
      "12 held s dropped [ipv4]: a held connection that no longer passes data: its retransmits may be counted during later probes of ipv4 (their ✓ may include them)",
    ]);
    expect(runCoverage([{ coverage: c }]).unattributed).toBe(3);
  });

  it("nothing unattributed: an empty list", () => {
    const c = scenarioCoverage([apply(5, { filter: [ACCEPT_TCP] }), probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1)])], boot());
    expect(c.unattributed).toEqual([]);
  });
});

describe("the coverage text says what it did not attribute", () => {
  const hold = (line: number, title: string): StepResult => ({ kind: "step", step: "hold", line, title, status: "passed", message: "" });
  const coverage = scenarioCoverage([apply(5, { filter: [ACCEPT_TCP] }), hold(8, "hold s"), probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1)])], boot());
  const report = { scenarios: [{ name: "s", file: "/x/s.yaml", coverage }], coverage: runCoverage([{ coverage }]) } as unknown as RunReport;

  it("per scenario, each check or step whose packets count for no rule; on the summary line, how many", () => {
    const text = renderCoverage(report, { width: 200, baseDir: "/x" });
    expect(text).toContain("    not attributed (rules only these reach read \"never matched\"):\n      line 8: hold s: a held connection: its packets are not attributed to any rule\n");
    expect(coverageLine(report.coverage!)).toBe("rule coverage: 100% (1 of 1 rules exercised; 0 shadowed, 0 never matched; 1 check or step whose packets are not attributed, listed per scenario)");
  });

  it("nothing unattributed: the summary line as before", () => {
    const c = scenarioCoverage([apply(5, { filter: [ACCEPT_TCP] }), probe(9, "client -> server:8080 open", [hit(ACCEPT_TCP, 1)])], boot());
    expect(coverageLine(runCoverage([{ coverage: c }]))).toBe("rule coverage: 100% (1 of 1 rules exercised; 0 shadowed, 0 never matched)");
  });
});

describe("native nft rules without a counter (firewalld's): trace-named rules are exercised, the rest said not measurable", () => {
  const nft = 'table inet firewalld {\n\tchain filter_IN_public_allow {\n\t\ttcp dport 22 accept\n\t\ttcp dport 8080 reject with icmpx admin-prohibited\n\t}\n}';
  const step: StepResult = { ...apply(5, {}), evidence: { ...apply(5, {}).evidence!, nft } };
  const decision = (rule: string): ExpectationResult["decision"] => ({ host: "server", family: "ipv4", table: "inet firewalld", path: ["filter_INPUT", "filter_IN_public", "filter_IN_public_allow"], rule, action: "reject", policy: false, source: "trace", handle: 7 });
  const cases: [string, CheckResult[], string[], string][] = [
    ["no trace named a rule: nothing counted, and the line says why (not 'no rules loaded')", [step, probe(9, "client -> server:8080 refused", [])], [],
      "rule coverage: no rule counted (4 native nft rules have no counter of their own and no trace named them deciding: not measurable)"],
    ["a trace named the deciding rule: it is exercised; its twins in the other family are not measurable", [step, probe(9, "client -> server:8080 refused", [], { decision: decision("tcp dport 8080 reject with icmpx admin-prohibited") })],
      ["apply (line 5) ipv4 filter_IN_public_allow #2 exercised 1"],
      "rule coverage: 100% (1 of 1 rules exercised; 0 shadowed, 0 never matched; 3 native nft rules not measurable: no counter of their own and no trace named them deciding)"],
    ["a counters-sourced or policy decision proves nothing about a counter-less rule", [step, probe(9, "client -> server:8080 refused", [], { decision: { ...decision("policy DROP")!, policy: true } })], [],
      "rule coverage: no rule counted (4 native nft rules have no counter of their own and no trace named them deciding: not measurable)"],
  ];
  it.each(cases)("%s", (_t, results, want, line) => {
    const c = scenarioCoverage(results, boot());
    expect(summary(c)).toEqual(want);
    const text = coverageLine(runCoverage([{ coverage: c }]));
    expect(text).not.toMatch(/no firewall host had rules loaded/);
    expect(text).toBe(line);
  });
});

describe("onlyOtherFamily: an inet rule read in a family none of its packets can be of", () => {
  it.each([
    ["meta nfproto ipv6 tcp dport 22 accept", "ipv4", true],
    ["meta nfproto ipv6 tcp dport 22 accept", "ipv6", false],
    ["ip6 saddr 2001:db8::/32 accept", "ipv4", true],
    ["icmpv6 type echo-request accept", "ipv4", true],
    ["ip daddr 198.18.0.1 drop", "ipv6", true],
    ["icmp type echo-request accept", "ipv6", true],
    ["meta l4proto ipv6-icmp accept", "ipv4", false],
    ["tcp dport 22 accept", "ipv6", false],
    ['tcp dport 22 comment "ip6 only" accept', "ipv4", false],
    ["meta nfproto != ipv6 drop", "ipv4", false],
  ] as const)("%s in %s: %s", (text, family, want) => {
    expect(onlyOtherFamily({ family, table: "inet fw", text })).toBe(want);
  });
  it("a rule of an ip or ip6 table is its own family's", () => {
    expect(onlyOtherFamily({ family: "ipv4", table: "ip6 fw", text: "ip6 saddr ::1 accept" })).toBe(false);
  });
});
