import { describe, expect, test } from "vitest";
import { flowKey } from "../diff/model.ts";
import type { ObservedFlow } from "../diff/observed.ts";
import type { Family, Protocol, Verdict } from "../model/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { changedExpectations, keptLines, laterExpectSteps, preciseRefusals, recordedLines, whereFrom } from "./lines.ts";

const DROP4 = "ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP";
const DROP6 = "ipv6 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP";
const OTHER6 = "ipv6 filter INPUT #1 -A INPUT -j DROP";

function o(to: string, port: number, family: Family, verdict: Verdict, rule?: string, protocol: Protocol = "tcp"): ObservedFlow {
  const flow = { from: to === "localhost" ? "server" : "remote", to, port, protocol, family };
  return { flow, key: flowKey(flow), side: { verdict, ...(rule ? { rule } : {}), reason: "no answer\nafter 2 s" } };
}

const where = (f: ObservedFlow, at: string): ObservedFlow => ({ ...f, side: { ...f.side, where: at } });
const both = (to: string, port: number, v4: Verdict, v6: Verdict, r4?: string, r6?: string, protocol?: Protocol) => [o(to, port, "ipv4", v4, r4, protocol), o(to, port, "ipv6", v6, r6, protocol)];

describe("the recorded expectation lines", () => {
  test.each<[string, ObservedFlow[], Family[], string[]]>([
    ["families agree, default both: one line, the rule without its family", both("server", 8080, "dropped", "dropped", DROP4, DROP6), ["ipv4", "ipv6"], ["remote -> server:8080 dropped  # filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP"]],
    ["families agree on different rules: both named", both("server", 8080, "dropped", "dropped", DROP4, OTHER6), ["ipv4", "ipv6"], ["remote -> server:8080 dropped  # ipv4: filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP; ipv6: filter INPUT #1 -A INPUT -j DROP"]],
    ["families differ: one pinned line each", both("server", 8080, "dropped", "open", DROP4), ["ipv4", "ipv6"], ["remote -> server:8080/tcp4 dropped  # filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP", "remote -> server:8080/tcp6 open  # no rule counted it: the chain policy let it through"]],
    ["default ipv4: pinned lines even when they agree", both("localhost", 8080, "open", "open"), ["ipv4"], ["server -> localhost:8080/tcp4 open  # no rule counted it: the chain policy let it through", "server -> localhost:8080/tcp6 open  # no rule counted it: the chain policy let it through"]],
    ["the chain policy named by the trace: the comment README shows", both("server", 8081, "open", "open", "ipv4 filter INPUT policy ACCEPT", "ipv6 filter INPUT policy ACCEPT"), ["ipv4", "ipv6"], ["remote -> server:8081 open  # filter INPUT policy ACCEPT"]],
    ["udp and http keep their protocol", [...both("server", 5353, "open", "open", undefined, undefined, "udp"), ...both("server", 3000, "refused", "refused", undefined, undefined, "http")], ["ipv4", "ipv6"], ["remote -> server:5353/udp open  # no rule counted it: the chain policy let it through", "remote -> server:3000/http refused  # no rule counted it: nothing listens, or the host's stack refused it"]],
    ["with the lines that wrote them: the same rule in two files named once, each line once", [where(o("server", 8080, "ipv4", "dropped", DROP4), "rules.v4:7"), where(o("server", 8080, "ipv6", "dropped", DROP6), "rules.v6:5")], ["ipv4", "ipv6"], ["remote -> server:8080 dropped  # filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (rules.v4:7, rules.v6:5)"]],
    ["different rules each with its line", [where(o("server", 8080, "ipv4", "dropped", DROP4), "rules.sh:3"), o("server", 8080, "ipv6", "dropped", OTHER6)], ["ipv4", "ipv6"], ["remote -> server:8080 dropped  # ipv4: filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (rules.sh:3); ipv6: filter INPUT #1 -A INPUT -j DROP"]],
    // Tester 42a: between two hosts without rules there is no chain, and no policy let it through.
    ["no firewall host on its path: said so, not a chain policy", both("server", 443, "open", "open").map((f) => ({ ...f, side: { ...f.side, unwatched: true as const } })), ["ipv4", "ipv6"], ["remote -> server:443 open  # no firewall host on its path"]],
    ["a probe whose next hop stayed unresolved: never sent, no rule", [{ ...o("server", 22, "ipv6", "dropped"), side: { ...o("server", 22, "ipv6", "dropped").side, unresolved: "2001:db8::2" } }], ["ipv6"], ["remote -> server:22/tcp6 dropped  # never sent: no link-layer address for 2001:db8::2 (neighbour discovery or ARP unanswered)"]],
    ["no rule took its first packet, a DROP for later packets counted: named as taking what followed", [{ ...o("server", 22, "ipv4", "dropped"), side: { ...o("server", 22, "ipv4", "dropped").side, later: "ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP" } }], ["ipv4"], ["remote -> server:22/tcp4 dropped  # filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP (a rule for a connection's later packets) took what followed its first packet"]],
    ["held by the target on its way back: never answered", [{ ...o("server", 22, "ipv6", "dropped"), side: { ...o("server", 22, "ipv6", "dropped").side, unresolved: "2001:db8::9", unresolvedAt: "server", unresolvedReplying: true } }], ["ipv6"], ["remote -> server:22/tcp6 dropped  # never answered: server had no link-layer address for 2001:db8::9 on its way back (neighbour discovery or ARP unanswered)"]],
    ["held by the router on its path: never delivered", [{ ...o("server", 22, "ipv6", "dropped"), side: { ...o("server", 22, "ipv6", "dropped").side, unresolved: "2001:db8::2", unresolvedAt: "gw" } }], ["ipv6"], ["remote -> server:22/tcp6 dropped  # never delivered: gw had no link-layer address for 2001:db8::2 (neighbour discovery or ARP unanswered)"]],
    ["refused behind a port forward: the forward's target refused it", [{ ...o("server", 81, "ipv4", "refused"), side: { ...o("server", 81, "ipv4", "refused").side, rewrittenBy: "nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 81 -j DNAT --to-destination 198.18.1.3:9999" } }], ["ipv4"], ["remote -> server:81/tcp4 refused  # no rule counted it: forwarded by nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 81 -j DNAT --to-destination 198.18.1.3:9999, and nothing listens at its target (or that host refused it)"]],
    ["an error is never an expectation: a comment, the other family pinned", both("server", 8080, "error", "dropped", undefined, DROP6), ["ipv4", "ipv6"], ["# not recorded: remote -> server:8080/tcp4: the probe failed (no answer after 2 s)", "remote -> server:8080/tcp6 dropped  # filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP"]],
  ])("%s", (_, observed, defaults, lines) => {
    const r = recordedLines(observed, defaults);
    expect(r.lines.map((l) => (l.expectation ? `${l.expectation}  # ${l.comment}` : `# ${l.comment}`))).toEqual(lines);
    expect(r.failed.map((f) => f.key)).toEqual(observed.filter((x) => x.side.verdict === "error").map((x) => x.key));
  });
});

describe("expectations record keeps as written (nothing the author wrote is lost)", () => {
  const scenario = defineScenario({
    name: "gw", description: "a gateway", family: "ipv4", networks: ["wan", "lan"],
    hosts: { gw: { firewall: true, router: true, networks: ["wan", "lan"], listen: ["tcp/22"] }, web: { networks: ["lan"], listen: ["tcp/80"] }, internet: { networks: ["wan"], listen: ["tcp/443"] } },
    steps: [
      { expect: ["internet -> gw:22 dropped"] },
      { apply: { host: "gw", commands: [["iptables", "-F"]] } },
      { expect: ["internet -> gw:8080 open answered-by web:80", "internet -> gw:22 open seen-from internet", "internet -> gw:22 dropped", "gw -> localhost:22 open"] },
    ],
  });
  const observed = [o("server", 22, "ipv4", "dropped")].map((x) => ({ ...x, flow: { ...x.flow, from: "internet", to: "gw" }, key: "internet -> gw:22/tcp4" }));

  test("a flow outside record's matrix, or a clause the recorded verdict drops, is kept with why; flows record writes are not; earlier steps are not record's", () => {
    expect(keptLines(scenario, [...observed, { ...observed[0]!, key: "gw -> localhost:22/tcp4" }]).map((l) => `${l.expectation}  # ${l.comment}`)).toEqual([
      "internet -> gw:8080 open answered-by web:80  # kept as written: not in record's flow matrix (it probes listeners only; gw has none on tcp/8080)",
      "internet -> gw:22 open seen-from internet  # kept as written: record does not write answered-by / seen-from",
    ]);
  });

  test("a tcp line to an http listener: record probes it as http, and says so (tester 45b: 'web has none on tcp/80')", () => {
    const web = defineScenario({
      name: "web", description: "d", family: "ipv4",
      hosts: { web: { firewall: true, listen: ["http/80"] }, outside: {} },
      steps: [{ apply: { host: "web", commands: [["iptables", "-F"]] } }, { expect: ["outside -> web:80/tcp4 open"] }],
    });
    expect(keptLines(web, []).map((l) => l.comment)).toEqual(["kept as written: not in record's flow matrix (it probes web:80 as http, as its listener is declared; this line probes it as plain tcp)"]);
  });

  test("a sweep the recorded flows contradict is kept and said to fail; one they agree with is kept plainly (tester 44e)", () => {
    const web = defineScenario({
      name: "web", description: "d", family: "ipv4",
      hosts: { server: { firewall: true, listen: ["tcp/22", "tcp/443", "tcp/8080"] }, client: {} },
      steps: [{ apply: { host: "server", commands: [["iptables", "-F"]] } }, { expect: ["client -> server:1-1024 blocked except 22,443", "client -> server:8000-9000 blocked except 8080"] }],
    });
    const seen = (port: number, verdict: Verdict): ObservedFlow => {
      const f = o("server", port, "ipv4", verdict);
      return { ...f, flow: { ...f.flow, from: "client" }, key: `client -> server:${port}/tcp4` };
    };
    expect(keptLines(web, [seen(22, "open"), seen(443, "dropped"), seen(8080, "open")]).map((l) => `${l.expectation}  # ${l.comment}`)).toEqual([
      "client -> server:1-1024 blocked except 22,443  # kept as written, will not pass: port 443/tcp4 was observed dropped (an except port must be admitted)",
      "client -> server:8000-9000 blocked except 8080  # kept as written: record does not write sweeps",
    ]);
  });
});

describe("expectations whose verdict the recording changes (said, never silently overwritten)", () => {
  const scenario = defineScenario({
    name: "web", description: "intent",
    hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/22"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: [["iptables", "-F"]] } },
      { expect: ["remote -> server:8080/tcp6 dropped", "remote -> server:22 blocked", "remote -> server:8080/tcp4 open"] },
    ],
  });
  const seen = (port: number, family: Family, verdict: Verdict): ObservedFlow => ({ ...o("server", port, family, verdict), flow: { from: "remote", to: "server", port, protocol: "tcp", family }, key: `remote -> server:${port}/tcp${family === "ipv4" ? "4" : "6"}` });

  test("an expectation the observation contradicts is listed with its line and what is recorded instead; one it agrees with is not", () => {
    expect(changedExpectations(scenario, [seen(8080, "ipv4", "open"), seen(8080, "ipv6", "open"), seen(22, "ipv4", "refused"), seen(22, "ipv6", "open")])).toEqual([
      "`remote -> server:8080/tcp6 dropped` (line 1) is recorded as open [ipv6]",
      "`remote -> server:22 blocked` (line 1) is recorded as open [ipv6]",
    ]);
  });
});

describe("a refusal's kind the author wrote (`refused:rst`) is kept, as observed (tester 44c: weakened to plain refused, a changed REJECT passed)", () => {
  const scenario = defineScenario({
    name: "web", description: "intent",
    hosts: { server: { firewall: true, listen: ["tcp/3000", "tcp/3001", "tcp/3002"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: [["iptables", "-F"]] } },
      { expect: ["remote -> server:3000 refused:rst", "remote -> server:3001 refused", "remote -> server:3002/tcp4 refused:rst", "remote -> server:3002/tcp6 refused"] },
    ],
  });
  const seen = (port: number, family: Family, refusal: "tcp-reset" | "icmp-port-unreachable"): ObservedFlow => {
    const f = o("server", port, family, "refused");
    return { ...f, side: { ...f.side, refusal } };
  };
  const lines = (observed: ObservedFlow[]) => recordedLines(observed, ["ipv4", "ipv6"], preciseRefusals(scenario)).lines.map((l) => l.expectation);

  test.each([
    ["the kind written and observed: kept", [seen(3000, "ipv4", "tcp-reset"), seen(3000, "ipv6", "tcp-reset")], ["remote -> server:3000 refused:rst"], []],
    ["another kind observed: recorded as observed, and said", [seen(3000, "ipv4", "icmp-port-unreachable"), seen(3000, "ipv6", "icmp-port-unreachable")], ["remote -> server:3000 refused:icmp"], ["`remote -> server:3000 refused:rst` (line 1) is recorded as refused:icmp [ipv4]", "`remote -> server:3000 refused:rst` (line 1) is recorded as refused:icmp [ipv6]"]],
    ["the families refused differently: one line each", [seen(3000, "ipv4", "tcp-reset"), seen(3000, "ipv6", "icmp-port-unreachable")], ["remote -> server:3000/tcp4 refused:rst", "remote -> server:3000/tcp6 refused:icmp"], ["`remote -> server:3000 refused:rst` (line 1) is recorded as refused:icmp [ipv6]"]],
    ["plain `refused` written: plain refused recorded", [seen(3001, "ipv4", "tcp-reset"), seen(3001, "ipv6", "tcp-reset")], ["remote -> server:3001 refused"], []],
    // Reviewer 44: `/tcp4 refused:rst` beside `/tcp6 refused`, both reset: the kind kept on the line for both.
    ["the kind written for one family, both alike", [seen(3002, "ipv4", "tcp-reset"), seen(3002, "ipv6", "tcp-reset")], ["remote -> server:3002 refused:rst"], []],
  ])("%s", (_what, observed, want, changed) => {
    expect(lines(observed)).toEqual(want);
    expect(changedExpectations(scenario, observed)).toEqual(changed);
  });
});

describe("expect steps after the one record replaces (a rate limit's sequence) stay as written (tester 42a)", () => {
  const scenario = parseScenarioText(`name: limit
description: the third connection in a minute is refused
hosts:
  server: { firewall: true, listen: [tcp/8443] }
  remote: {}
steps:
  - apply: { host: server, commands: ["iptables -A INPUT -p tcp --dport 8443 -j ACCEPT"] }
  - expect: [remote -> server:8443 open]
  - expect: [remote -> server:8443 open, remote -> server:8443 unreachable]
  - counters:
      - { rule: -A INPUT -p tcp --dport 8443 -j ACCEPT, packets: ">= 1" }
  - expect: [remote -> server:8443 unreachable]
`, "/tmp/limit.yaml", { root: "/tmp" });
  const seen = (family: Family): ObservedFlow => ({ ...o("server", 8443, family, "open"), flow: { from: "remote", to: "server", port: 8443, protocol: "tcp", family }, key: `remote -> server:8443/tcp${family === "ipv4" ? "4" : "6"}` });

  test("their lines are listed; their expectations are neither kept nor called changed (only the replaced step's are)", () => {
    expect(laterExpectSteps(scenario)).toEqual([9, 12]);
    expect(changedExpectations(scenario, [seen("ipv4"), seen("ipv6")])).toEqual([]);
    expect(keptLines(scenario, [seen("ipv4"), seen("ipv6")])).toEqual([]);
  });
});

describe("whereFrom: rule lines named from the folder the scenario is written to", () => {
  test.each([
    ["the scenario's own folder", "/repo/scenarios", "../firewall/rules.v4:8"],
    ["record --out one folder deeper", "/repo/scenarios/recorded", "../../firewall/rules.v4:8"],
    ["beside the rules", "/repo/firewall", "rules.v4:8"],
  ])("%s", (_what, dir, want) => {
    const f = o("server", 22, "ipv4", "dropped");
    const flow = { ...f, side: { ...f.side, where: "../firewall/rules.v4:8", whereAt: { file: "/repo/firewall/rules.v4", line: 8 } } };
    expect(whereFrom([flow], dir)[0]!.side.where).toBe(want);
  });
  test("a flow without a line stays as it is", () => {
    const f = o("server", 22, "ipv4", "dropped");
    expect(whereFrom([f], "/x")[0]).toBe(f);
  });
});
