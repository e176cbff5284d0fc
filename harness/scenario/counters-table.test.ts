/** Unit tests (table-driven, no Docker): counter checks select rules of any table (nat: DNAT, MASQUERADE, REDIRECT). */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { findRules } from "../rules/match.ts";
import { parseSave } from "../rules/saved.ts";
import { parseScenarioText, ScenarioError } from "./load.ts";
import type { CountersStep } from "./model.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");
const scenario = (check: string) => `name: T
description: D
hosts:
  router: { firewall: true, listen: [tcp/8080] }
steps:
  - counters:
      - ${check}
`;

const SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
[3:180] -A PREROUTING -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080
[2:120] -A POSTROUTING -d 198.18.2.0/24 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
[1:60] -A INPUT -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080
COMMIT
`;

describe("counter checks on nat-table rules", () => {
  test.each([
    { name: "-t nat in the rule text", check: '{ host: router, rule: "-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080", packets: ">= 1" }', chain: "PREROUTING", packets: 3 },
    { name: "--table nat in the rule text", check: '{ host: router, rule: "--table nat -A POSTROUTING -d 198.18.2.0/24 -j MASQUERADE", packets: ">= 1" }', chain: "POSTROUTING", packets: 2 },
    { name: "table: nat beside the rule", check: '{ host: router, table: nat, rule: "-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080", packets: ">= 1" }', chain: "PREROUTING", packets: 3 },
    { name: "no table: filter (the same text in filter is another rule)", check: '{ host: router, rule: "-A INPUT -p tcp --dport 80 -j REDIRECT --to-ports 8080", packets: ">= 1" }', chain: "INPUT", packets: 1 },
  ])("$name", ({ check, chain, packets }) => {
    const s = parseScenarioText(scenario(check), FILE);
    const selector = (s.steps[0] as CountersStep).checks[0]!.selector;
    const found = findRules(parseSave(SAVE, "ipv4"), selector);
    expect(found.map((r) => [r.chain, r.packets])).toEqual([[chain, packets]]);
  });

  test.each([
    { check: '{ host: router, table: nat, rule: "-t nat -A PREROUTING -j MASQUERADE", packets: 1 }', message: "`table: nat` and the rule's own `-t nat`" },
    { check: '{ host: router, table: nat, rule: "-t mangle -A PREROUTING -j MARK --set-mark 1", packets: 1 }', message: "the rule's own `-t mangle`" },
    { check: '{ host: router, rule: "-t nat PREROUTING -j MASQUERADE", packets: 1 }', message: "starting with `-A CHAIN`" },
  ])("refused: $message", ({ check, message }) => {
    try {
      parseScenarioText(scenario(check), FILE);
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      expect((error as ScenarioError).diagnostics.map((d) => d.message).join("\n")).toContain(message);
      return;
    }
    throw new Error("accepted");
  });
});

describe("a counter rule's words are checked before any lab, at the rule", () => {
  test.each<[string, string, RegExp]>([
    ["a stray word", '{ host: router, rule: "-A INPUT foo -j DROP", packets: ">= 1" }', /rule "-A INPUT foo -j DROP": unexpected word after -A INPUT: "foo"/],
    ["a target without its name", '{ host: router, rule: "-A INPUT -p tcp -j", packets: ">= 1" }', /rule "-A INPUT -p tcp -j": option -j needs a value/],
    ["a word after the target", '{ host: router, rule: "-A INPUT -p tcp --dport 80 -j DROP extra", packets: ">= 1" }', /unexpected word "extra" \(not an option or its value\)/],
    ["a lab-address placeholder", '{ host: router, rule: "-A INPUT -s {{ router.ipv4 }} -j DROP", packets: ">= 1" }', /^placeholders like `\{\{ router\.ipv4 \}\}` are not filled in a counter check's rule$/],
    ["a placeholder in an nft rule", '{ host: router, table: inet fw, chain: input, rule: "ip saddr {{ lan.ipv4 }} drop", packets: ">= 1" }', /^placeholders like `\{\{ lan\.ipv4 \}\}` are not filled in a counter check's rule$/],
  ])("%s", (_what, check, message) => {
    const text = scenario(check);
    let error: unknown;
    try {
      parseScenarioText(text, FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const d = (error as ScenarioError).diagnostics;
    expect(d.map((x) => x.message)).toHaveLength(1);
    expect(d[0]!.message).toMatch(message);
    expect(d[0]!.line).toBe(7);
    if (/placeholder/.test(check)) {
      expect(d[0]!.column).toBe(text.split("\n")[6]!.indexOf("{{") + 1);
      expect(d[0]!.hint).toMatch(/select the rule by `comment:`.*or by `chain:` and `position:`/);
    }
  });

  test("a rule that reads well is accepted (its match is the run's business)", () => {
    expect(() => parseScenarioText(scenario('{ host: router, rule: "-A INPUT -p tcp --dport 8080 -j DROP", packets: ">= 1" }'), FILE)).not.toThrow();
  });
});

describe("the family a check without `family:` reads", () => {
  const families = (check: string, scenarioFamily?: string) => {
    const text = scenario(check).replace("description: D\n", `description: D\n${scenarioFamily ? `family: ${scenarioFamily}\n` : ""}`);
    return (parseScenarioText(text, FILE).steps[0] as CountersStep).checks[0]!.families;
  };
  test.each<[string, string, string | undefined, string[]]>([
    ["an iptables rule: IPv4", '{ host: router, rule: "-A INPUT -j DROP", packets: ">= 1" }', undefined, ["ipv4"]],
    // Tester 42a: a `family: ipv6` scenario's check read the IPv4 rules and errored.
    ["an iptables rule in a `family: ipv6` scenario: IPv6", '{ host: router, rule: "-A INPUT -j DROP", packets: ">= 1" }', "ipv6", ["ipv6"]],
    ["`family:` written wins", '{ host: router, rule: "-A INPUT -j DROP", family: ipv4, packets: ">= 1" }', "ipv6", ["ipv4"]],
    ["an ip table's rule: its own family, whatever the scenario's", '{ host: router, table: ip fw, chain: input, position: 1, packets: ">= 1" }', "ipv6", ["ipv4"]],
    ["an inet table's rule: read once (both together)", '{ host: router, table: inet fw, chain: input, position: 1, packets: ">= 1" }', "ipv6", ["ipv4"]],
  ])("%s", (_, check, scenarioFamily, want) => {
    expect(families(check, scenarioFamily)).toEqual(want);
  });
});
