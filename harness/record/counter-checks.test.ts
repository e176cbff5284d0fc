import { describe, expect, test } from "vitest";
import type { LoadedRules } from "../diff/observed.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { type UnmatchedCheck, unmatchedCounterChecks } from "./counter-checks.ts";

/** The scenario's lines: 7 the apply, 8 the expect, 9 the counters step and 10 its check (one more each after `between`, a step after the expect). */
const scenario = (check: string, between = "") => parseScenarioText(`name: n
description: d
hosts:
  server: { firewall: true, listen: [tcp/22, tcp/8080] }
  remote: {}
steps:
  - apply: { host: server, commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] }
  - expect: [remote -> server:8080 dropped]
${between}  - counters:
      - ${check}
`, "/tmp/s.yaml", { root: "/tmp" });

const SAVE4 = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 8080 -j DROP\n-A INPUT -p tcp -m tcp --dport 22 -m comment --comment ssh -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -m comment --comment ssh -j LOG\nCOMMIT\n";
const loaded = (over: Partial<LoadedRules> = {}): LoadedRules[] => [{ host: "server", line: 7, ipv4: SAVE4, ipv6: "", native: false, ...over }];

describe("counter checks record keeps that the loaded rules cannot satisfy", () => {
  test.each<[string, string, LoadedRules[], UnmatchedCheck[]]>([
    ["a rule the rules load: nothing said", `{ rule: -A INPUT -p tcp --dport 8080 -j DROP, packets: ">= 1" }`, loaded(), []],
    ["a rule they no longer load (a changed port): said with its line and the apply's", `{ rule: -A INPUT -p tcp --dport 8081 -j DROP, packets: ">= 1" }`, loaded(),
      [{ line: 10, problem: "rule \"-A INPUT -p tcp --dport 8081 -j DROP\" names no ipv4 rule among those loaded on server (step at line 7)" }]],
    ["both families asked, loaded in IPv4 only: the missing family named", `{ rule: -A INPUT -p tcp --dport 8080 -j DROP, family: both, packets: ">= 1" }`, loaded(),
      [{ line: 10, problem: "rule \"-A INPUT -p tcp --dport 8080 -j DROP\" names no ipv6 rule among those loaded on server (step at line 7)" }]],
    ["a comment two rules carry: several", `{ comment: ssh, packets: ">= 0" }`, loaded(), [{ line: 10, problem: "rule with comment \"ssh\" names several ipv4 rules among those loaded on server (step at line 7)" }]],
    ["a position past the chain's end", `{ table: filter, chain: INPUT, position: 5, packets: ">= 0" }`, loaded(), [{ line: 10, problem: "rule 5 of chain INPUT in table filter names no ipv4 rule among those loaded on server (step at line 7)" }]],
    ["native nftables tables on the host: not judged (their rules are not in this view)", `{ rule: -A INPUT -p tcp --dport 8081 -j DROP, packets: ">= 1" }`, loaded({ native: true }), []],
    ["no apply before the step on that host: not judged", `{ rule: -A INPUT -p tcp --dport 8081 -j DROP, packets: ">= 1" }`, loaded({ host: "remote" }), []],
  ])("%s", (_, check, rules, said) => {
    expect(unmatchedCounterChecks(scenario(check), rules)).toEqual(said);
  });

  test("a run step on the host between the apply and the check may change its rules: not judged; one on another host is no reason", () => {
    const check = `{ rule: -A INPUT -p tcp --dport 8081 -j DROP, packets: ">= 1" }`;
    expect(unmatchedCounterChecks(scenario(check, "  - run: { host: server, command: \"iptables -A INPUT -p tcp --dport 8081 -j DROP\" }\n"), loaded())).toEqual([]);
    expect(unmatchedCounterChecks(scenario(check, "  - run: { host: remote, command: \"true\" }\n"), loaded())).toHaveLength(1);
  });
});
