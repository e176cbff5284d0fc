/** Unit tests (table-driven) for ports.ts: which ports a ruleset names, the cap, and the port no rule names. */
import { describe, expect, test } from "vitest";
import { parseSave } from "../rules/saved.ts";
import { namedPorts, portsOfRule, rangesOfValue, unnamedTcpPort } from "./ports.ts";

describe("rangesOfValue", () => {
  test.each([
    ["22", [[22, 22]]],
    ["80,443", [[80, 80], [443, 443]]],
    ["ssh,https", [[22, 22], [443, 443]]],
    ["1000:2000", [[1000, 2000]]],
    [":1024", [[0, 1024]]],
    ["60000:", [[60000, 65535]]],
    ["nosuchservice", []],
    ["70000", []],
  ] as const)("%s", (value, ranges) => {
    expect(rangesOfValue(value)).toEqual(ranges);
  });
});

describe("portsOfRule", () => {
  test.each([
    ["-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", ["tcp/22"]],
    ["-A INPUT -p udp -m udp --dport 53 -j ACCEPT", ["udp/53"]],
    ["-A INPUT -p tcp -m multiport --dports 80,443,8000:8010 -j ACCEPT", ["tcp/80", "tcp/443", "tcp/8000", "tcp/8010"]],
    ["-A INPUT -p 6 --destination-port 25 -j DROP", ["tcp/25"]],
    ["-A INPUT -p tcp -m tcp ! --dport 22 -j DROP", ["tcp/22"]],
    ["-A INPUT -p tcp -m tcp --dport :1024 -j DROP", ["tcp/1024"]],
    ["-A INPUT -p tcp -m tcp --sport 22 -j ACCEPT", []],
    ["-A INPUT -p sctp -m sctp --dport 22 -j ACCEPT", []],
    ["-A INPUT ! -p tcp --dport 22 -j ACCEPT", []],
    ["-A INPUT -j DROP", []],
    ['-A INPUT -m comment --comment "unterminated -j ACCEPT', []],
  ] as const)("%s", (rule, ports) => {
    expect(portsOfRule(rule).map((p) => `${p.protocol}/${p.port}`)).toEqual(ports);
  });
});

const V4 = `*filter
:INPUT DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p udp -m udp --dport 53 -j ACCEPT
-A INPUT -p tcp -m multiport --dports 443,22 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A OUTPUT -p tcp -m tcp --dport 25 -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 2222 -j REDIRECT --to-ports 22
-A POSTROUTING -p tcp -m tcp --dport 587 -j MASQUERADE
COMMIT
`;
const V6 = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 8443 -j ACCEPT\nCOMMIT\n";

describe("namedPorts", () => {
  const rulesets = [parseSave(V4, "ipv4"), parseSave(V6, "ipv6")];

  test("both families, every table, no outgoing chains, deduplicated, tcp first, ascending", () => {
    const { ports, omitted } = namedPorts(rulesets);
    expect(ports.map((p) => `${p.protocol}/${p.port}`)).toEqual(["tcp/22", "tcp/443", "tcp/2222", "tcp/8443", "udp/53"]);
    expect(omitted).toEqual([]);
  });

  test("the cap keeps the first ports and names the rest", () => {
    const { ports, omitted } = namedPorts(rulesets, 2);
    expect(ports.map((p) => p.port)).toEqual([22, 443]);
    expect(omitted.map((p) => `${p.protocol}/${p.port}`)).toEqual(["tcp/2222", "tcp/8443", "udp/53"]);
  });
});

describe("unnamedTcpPort", () => {
  const rs = (rules: string) => [parseSave(`*filter\n:INPUT DROP [0:0]\n${rules}COMMIT\n`, "ipv4")];
  test.each([
    ["", 8080],
    ["-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT\n", 8081],
    ["-A INPUT -p tcp -m multiport --dports 8080,8081 -j ACCEPT\n", 8082],
    ["-A INPUT -p tcp -m tcp --dport 8000:8100 -j ACCEPT\n", 8101],
    ["-A INPUT -p udp -m udp --dport 8080 -j ACCEPT\n", 8080],
    ["-A OUTPUT -p tcp -m tcp --dport 8080 -j ACCEPT\n", 8080],
  ] as const)("%j → %i", (rules, port) => {
    expect(unnamedTcpPort(rs(rules))).toBe(port);
  });
});
