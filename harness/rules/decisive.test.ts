/** Unit tests (table-driven, no Docker) for decisive.ts. */
import { describe, expect, test } from "vitest";
import { type DecisiveCount, decisiveCounts, earlyVerdict, rejectVerdict } from "./decisive.ts";
import { parseSave } from "./saved.ts";

const save = (lines: string) => `*filter\n${lines}\nCOMMIT\n`;

describe("decisiveCounts", () => {
  const cases = [
    {
      name: "a DROP rule that counted one packet",
      before: ":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      after: ":INPUT ACCEPT [3:180]\n[1:60] -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      expected: [{ kind: "DROP", position: 1, packets: 1, text: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" }],
    },
    {
      name: "an ACCEPT rule that counted is not decisive",
      before: ":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -p tcp -j ACCEPT",
      after: ":INPUT ACCEPT [0:0]\n[4:240] -A INPUT -p tcp -j ACCEPT",
      expected: [],
    },
    {
      name: "a REJECT rule",
      before: ":INPUT ACCEPT [0:0]\n[2:120] -A INPUT -p tcp -j REJECT --reject-with icmp-port-unreachable",
      after: ":INPUT ACCEPT [0:0]\n[3:180] -A INPUT -p tcp -j REJECT --reject-with icmp-port-unreachable",
      expected: [{ kind: "REJECT", position: 1, packets: 1 }],
    },
    {
      name: "a DROP policy",
      before: ":INPUT DROP [5:300]\n[0:0] -A INPUT -i lo -j ACCEPT",
      after: ":INPUT DROP [6:360]\n[0:0] -A INPUT -i lo -j ACCEPT",
      expected: [{ kind: "DROP", position: null, packets: 1, text: "policy DROP" }],
    },
    {
      name: "an ACCEPT policy that counted",
      before: ":INPUT ACCEPT [5:300]",
      after: ":INPUT ACCEPT [6:360]",
      expected: [],
    },
    {
      name: "a policy changed to DROP between readings",
      before: ":INPUT ACCEPT [5:300]",
      after: ":INPUT DROP [6:360]",
      expected: [],
    },
    {
      name: "a DROP rule that did not count",
      before: ":INPUT ACCEPT [0:0]\n[7:420] -A INPUT -j DROP",
      after: ":INPUT ACCEPT [0:0]\n[7:420] -A INPUT -j DROP",
      expected: [],
    },
    {
      name: "a DROP rule pushed down by an insert (cannot be attributed)",
      before: ":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -j DROP",
      after: ":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -p udp -j ACCEPT\n[1:60] -A INPUT -j DROP",
      expected: [],
    },
    {
      name: "zeroed counters (cannot be attributed)",
      before: ":INPUT ACCEPT [0:0]\n[9:540] -A INPUT -j DROP",
      after: ":INPUT ACCEPT [0:0]\n[1:60] -A INPUT -j DROP",
      expected: [],
    },
    {
      name: "a DROP inside a user chain",
      before: ":INPUT ACCEPT [0:0]\n:GUARD - [0:0]\n[0:0] -A INPUT -j GUARD\n[0:0] -A GUARD -p tcp -j DROP",
      after: ":INPUT ACCEPT [0:0]\n:GUARD - [0:0]\n[1:60] -A INPUT -j GUARD\n[1:60] -A GUARD -p tcp -j DROP",
      expected: [{ kind: "DROP", chain: "GUARD", position: 1, packets: 1 }],
    },
  ];
  test.each(cases)("$name", ({ before, after, expected }) => {
    const got = decisiveCounts(parseSave(save(before), "ipv4"), parseSave(save(after), "ipv4"));
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(got[i]).toMatchObject(e));
  });

  test("readings of different families are never compared", () => {
    const a = parseSave(save(":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -j DROP"), "ipv4");
    const b = parseSave(save(":INPUT ACCEPT [0:0]\n[1:60] -A INPUT -j DROP"), "ipv6");
    expect(decisiveCounts(a, b)).toEqual([]);
  });
});

describe("rejectVerdict", () => {
  test.each([
    ["-A INPUT -p tcp -j REJECT", "refused"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp-port-unreachable", "refused"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp6-port-unreachable", "refused"],
    ["-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "refused"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp-host-unreachable", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp-net-unreachable", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp-admin-prohibited", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp6-adm-prohibited", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp6-no-route", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp6-addr-unreachable", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp-proto-unreachable", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp6-policy-fail", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp6-reject-route", "unreachable"],
    ["-A INPUT -p tcp -j REJECT --reject-with icmp-unknown-answer", undefined],
    ["-A INPUT -p tcp -j DROP", undefined],
    ["-A INPUT -p tcp -m comment --comment \"-j REJECT\" -j DROP", undefined],
    ["-A INPUT -p tcp -j REJECT --reject-with", undefined],
  ] as const)("%s -> %s", (rule, verdict) => {
    expect(rejectVerdict(rule)).toBe(verdict);
  });
});

describe("earlyVerdict", () => {
  const drop: DecisiveCount & { host: string } = { host: "server", family: "ipv4", table: "filter", chain: "INPUT", position: 2, kind: "DROP", text: "-A INPUT -p tcp -j DROP", packets: 1 };
  const policy = { ...drop, position: null, text: "policy DROP" };
  const reject = { ...drop, kind: "REJECT" as const, text: "-A INPUT -p tcp -j REJECT --reject-with icmp6-port-unreachable", family: "ipv6" as const };
  const rejectHost = { ...reject, text: "-A INPUT -p tcp -j REJECT --reject-with icmp6-adm-prohibited" };
  const rejectOdd = { ...reject, text: "-A INPUT -p tcp -j REJECT --reject-with icmp-unknown-answer" };
  test.each([
    { name: "nothing counted", counts: [], protocol: "tcp", verdict: undefined },
    { name: "a DROP rule", counts: [drop], protocol: "tcp", verdict: "dropped" },
    { name: "a DROP policy", counts: [policy], protocol: "udp", verdict: "dropped" },
    { name: "two DROPs on two hosts", counts: [drop, { ...drop, host: "router" }], protocol: "http", verdict: "dropped" },
    { name: "a REJECT, TCP", counts: [reject], protocol: "tcp", verdict: "refused" },
    { name: "a REJECT, HTTP", counts: [rejectHost], protocol: "http", verdict: "unreachable" },
    { name: "a REJECT, UDP (its answer would have come: wait)", counts: [reject], protocol: "udp", verdict: undefined },
    { name: "DROP and REJECT both", counts: [drop, reject], protocol: "tcp", verdict: undefined },
    { name: "two REJECTs that disagree", counts: [reject, rejectHost], protocol: "tcp", verdict: undefined },
    { name: "a REJECT with an unknown answer", counts: [rejectOdd], protocol: "tcp", verdict: undefined },
  ] as const)("$name -> $verdict", ({ counts, protocol, verdict }) => {
    expect(earlyVerdict(counts, protocol)?.verdict).toBe(verdict);
  });

  test.each([
    ["a REJECT with icmp6-port-unreachable", [reject], "icmp-port-unreachable"],
    ["a REJECT with the default answer", [{ ...reject, text: "-A INPUT -p tcp -j REJECT" }], "icmp-port-unreachable"],
    // A TCP reset is never an early verdict: the client ends on it by itself when it arrives (its own end decides).
    ["a REJECT with tcp-reset", [{ ...reject, text: "-A INPUT -p tcp -j REJECT --reject-with tcp-reset" }], undefined],
    ["REJECTs that refuse two ways", [reject, { ...reject, host: "router", text: "-A INPUT -p tcp -j REJECT --reject-with tcp-reset" }], undefined],
    ["a REJECT that answers unreachable", [rejectHost], undefined],
  ] as const)("the refusal kind of %s", (_name, counts, refusal) => {
    expect(earlyVerdict(counts, "tcp")?.refusal).toBe(refusal);
  });

  test("names the rules that decided", () => {
    expect(earlyVerdict([drop, policy], "tcp")?.rules).toEqual([
      "server: ipv4 filter INPUT #2 -A INPUT -p tcp -j DROP (+1)",
      "server: ipv4 filter INPUT policy DROP (+1)",
    ]);
  });
});
