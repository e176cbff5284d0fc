import { describe, expect, test } from "vitest";
import { judgeExpectation } from "../judge/expectation.ts";
import type { Decision } from "../model/results.ts";
import type { Verdict } from "../model/types.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ExpectStep } from "../scenario/model.ts";
import { decidingRule, laterPacketsRule, parseCounted, resultDecidingRule } from "./deciding.ts";

const ACCEPT_ALL = "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT (+1 packets)";
const DROP_8080 = "ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (+1 packets)";
const ESTABLISHED = "ipv6 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT (+2 packets)";
const LO = "ipv6 filter INPUT #2 -A INPUT -i lo -j ACCEPT (+1 packets)";
const OUT = "ipv6 filter OUTPUT #1 -A OUTPUT -j ACCEPT (+3 packets)";
const REJECT = "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8082 -j REJECT --reject-with icmp-port-unreachable (+1 packets)";
const JUMP = "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j NODE_PROTECT (+2 packets)";
const IN_CHAIN = "ipv4 filter NODE_PROTECT #2 -A NODE_PROTECT -j DROP (+1 packets)";

describe("the deciding rule of a probe", () => {
  test.each<[string, Verdict, string[], string | undefined]>([
    ["open by a broad ACCEPT", "open", [ACCEPT_ALL], "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT"],
    ["dropped by the DROP (the ACCEPT did not count)", "dropped", [DROP_8080], "ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP"],
    ["open: the ACCEPT, not the DROP behind it", "open", [ACCEPT_ALL, DROP_8080], "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT"],
    ["open: -i lo rather than ESTABLISHED (later packets) or OUTPUT", "open", [ESTABLISHED, LO, OUT], "ipv6 filter INPUT #2 -A INPUT -i lo -j ACCEPT"],
    ["open: OUTPUT when nothing else", "open", [OUT, ESTABLISHED], "ipv6 filter OUTPUT #1 -A OUTPUT -j ACCEPT"],
    ["open with only ESTABLISHED counted: the policy took the first packet", "open", [ESTABLISHED], undefined],
    ["a state list with NEW decides", "open", ["ipv4 filter INPUT #1 -A INPUT -m state --state NEW,ESTABLISHED -j ACCEPT (+2 packets)"], "ipv4 filter INPUT #1 -A INPUT -m state --state NEW,ESTABLISHED -j ACCEPT"],
    ["a negated state match decides", "dropped", ["ipv4 filter INPUT #1 -A INPUT -m conntrack ! --ctstate ESTABLISHED -j DROP (+1 packets)"], "ipv4 filter INPUT #1 -A INPUT -m conntrack ! --ctstate ESTABLISHED -j DROP"],
    ["refused by a REJECT", "refused", [REJECT], "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8082 -j REJECT --reject-with icmp-port-unreachable"],
    ["dropped inside a user chain (the jump is no verdict)", "dropped", [JUMP, IN_CHAIN], "ipv4 filter NODE_PROTECT #2 -A NODE_PROTECT -j DROP"],
    ["nft: a drop statement decides", "dropped", ["ipv4 inet fw input #2 tcp dport 8080 drop # handle 5 (+1 packets)"], "ipv4 inet fw input #2 tcp dport 8080 drop # handle 5"],
    ["nft: reject with a type", "refused", ["ipv6 inet fw input #1 tcp dport 8082 reject with tcp reset # handle 7 (+1 packets)"], "ipv6 inet fw input #1 tcp dport 8082 reject with tcp reset # handle 7"],
    ["nft: a rule without a verdict (a counter) decides nothing", "open", ["ipv4 inet fw input #1 tcp dport 8080 counter # handle 3 (+1 packets)"], undefined],
    ["nft: the verdict before a comment", "dropped", ['ipv4 inet fw input #2 tcp dport 8080 counter drop comment "block 8080" # handle 5 (+1 packets)'], 'ipv4 inet fw input #2 tcp dport 8080 counter drop comment "block 8080" # handle 5'],
    ["nft: log and limit statements before the verdict, a comment after it", "dropped", ['ipv4 inet fw input #3 tcp dport 8080 limit rate 10/second burst 5 packets log prefix "fw drop " counter drop comment "x # handle 2" # handle 9 (+1 packets)'], 'ipv4 inet fw input #3 tcp dport 8080 limit rate 10/second burst 5 packets log prefix "fw drop " counter drop comment "x # handle 2" # handle 9'],
    ["nft: a verdict word inside a comment or log prefix is no verdict", "dropped", ['ipv4 inet fw input #1 tcp dport 8080 log prefix "drop " counter comment "drop" # handle 4 (+1 packets)'], undefined],
    ["nft: reject with an ICMP type and a comment", "unreachable", ['ipv4 inet fw input #4 tcp dport 9090 counter reject with icmp type host-prohibited comment "no admin" # handle 8 (+1 packets)'], 'ipv4 inet fw input #4 tcp dport 9090 counter reject with icmp type host-prohibited comment "no admin" # handle 8'],
    ["nft: reject with icmpx and a comment", "unreachable", ['ipv6 inet fw input #4 counter reject with icmpx admin-prohibited comment "zone" # handle 8 (+1 packets)'], 'ipv6 inet fw input #4 counter reject with icmpx admin-prohibited comment "zone" # handle 8'],
    ["nft: a verdict map decides nothing by itself", "dropped", ["ipv4 inet fw input #1 tcp dport vmap { 22 : accept, 8080 : drop } # handle 6 (+1 packets)"], undefined],
    ["nft: an accept for later packets only (ct state established,related) is not the decision", "open", ["ipv4 inet fw input #1 ct state established,related counter accept # handle 3 (+2 packets)", "ipv4 inet fw input #2 tcp dport 8080 counter accept comment \"web\" # handle 4 (+1 packets)"], 'ipv4 inet fw input #2 tcp dport 8080 counter accept comment "web" # handle 4'],
    ["nft: ct state as a set, later packets only", "open", ["ipv4 inet fw input #1 ct state { established, related } counter accept # handle 3 (+2 packets)"], undefined],
    ["nft: a negated ct state decides", "dropped", ["ipv4 inet fw input #1 ct state != established counter drop # handle 3 (+1 packets)"], "ipv4 inet fw input #1 ct state != established counter drop # handle 3"],
    ["iptables: a comment naming a target is not the target", "dropped", ['ipv4 filter INPUT #1 -A INPUT -p tcp -m comment --comment "not -j ACCEPT" -j DROP (+1 packets)'], 'ipv4 filter INPUT #1 -A INPUT -p tcp -m comment --comment "not -j ACCEPT" -j DROP'],
    ["open with nothing counted: policy", "open", [], undefined],
    ["refused with only an ACCEPT counted: nothing listens", "refused", [ACCEPT_ALL], undefined],
    ["error: no rule", "error", [DROP_8080], undefined],
    ["a line of another shape is ignored", "dropped", ["something else"], undefined],
  ])("%s", (_, verdict, lines, rule) => {
    expect(decidingRule(verdict, lines)).toBe(rule);
  });

  test("reads back exactly what the judge writes (a format change fails here)", () => {
    const s = defineScenario({ name: "n", description: "d", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ expect: ["remote -> server:8080 dropped"] }] });
    const e = (s.steps[0] as ExpectStep).expectations[0]!;
    const rule = { family: "ipv4", table: "filter", chain: "INPUT", position: 3, packets: 9, bytes: 9, text: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", target: "DROP", comment: null } as const;
    const r = judgeExpectation(e, "ipv4", {
      result: { spec: { from: "remote", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, address: "198.18.0.2", verdict: "dropped", reason: "x", evidence: { command: "c", argv: [], exitCode: 1, stdout: "", stderr: "", durationMs: 1 } },
      decidedBy: [{ rule, packets: 1, bytes: 60 }],
    });
    expect(parseCounted(r.decidedBy[0]!)).toEqual({ family: "ipv4", table: "filter", chain: "INPUT", position: 3, text: rule.text, target: "DROP" });
    expect(decidingRule("dropped", r.decidedBy)).toBe("ipv4 filter INPUT #3 -A INPUT -p tcp -m tcp --dport 8080 -j DROP");
  });
});

describe("the deciding rule of a result with a decision (trace or counters)", () => {
  const d = { host: "server", family: "ipv4", table: "filter", path: ["INPUT", "ufw-user-input"], rule: "-A ufw-user-input -p tcp -m tcp --dport 8084 -j DROP", action: "drop", policy: false, source: "trace", handle: 12 } as const;
  test.each<[string, Verdict, Decision | undefined, string[], string | undefined]>([
    ["the decision's rule, before the counters' guess", "dropped", d, [DROP_8080], "ipv4 filter ufw-user-input -A ufw-user-input -p tcp -m tcp --dport 8084 -j DROP"],
    ["the decision's rule with its position when its counter moved too", "dropped", { ...d, path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP" }, [ACCEPT_ALL, DROP_8080], "ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP"],
    ["a policy drop the counters cannot see", "dropped", { ...d, rule: "policy DROP", path: ["INPUT"], policy: true }, [], "ipv4 filter INPUT policy DROP"],
    ["a native nft rule names its table", "refused", { ...d, table: "inet filter", path: ["input"], rule: "tcp dport 8081 counter reject with tcp reset", action: "reject" }, [], "ipv4 inet filter input tcp dport 8081 counter reject with tcp reset"],
    ["a native nft rule with its position when its counter moved too (by handle: the listing's text has it)", "refused", { ...d, table: "inet filter", path: ["input"], rule: "tcp dport 8081 counter reject with tcp reset", action: "reject", handle: 7 }, ["ipv4 inet filter input #1 tcp dport 8080 counter accept # handle 4 (+1 packets)", "ipv4 inet filter input #3 tcp dport 8081 counter reject with tcp reset # handle 7 (+1 packets)"], "ipv4 inet filter input #3 tcp dport 8081 counter reject with tcp reset # handle 7"],
    ["another handle's counter is not the decision's", "refused", { ...d, table: "inet filter", path: ["input"], rule: "tcp dport 8081 counter reject with tcp reset", action: "reject", handle: 9 }, ["ipv4 inet filter input #3 tcp dport 8081 counter reject with tcp reset # handle 7 (+1 packets)"], "ipv4 inet filter input tcp dport 8081 counter reject with tcp reset"],
    ["a decision that does not give the verdict (accepted, then refused): the counters' way", "refused", { ...d, action: "accept" }, [REJECT], "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8082 -j REJECT --reject-with icmp-port-unreachable"],
    ["no decision: the counters' way", "open", undefined, [ACCEPT_ALL], "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT"],
  ])("%s", (_, actual, decision, decidedBy, rule) => {
    expect(resultDecidingRule({ actual, decidedBy, ...(decision ? { decision } : {}) })).toBe(rule);
  });
});

describe("laterPacketsRule: a DROP for a connection's later packets that counted while no rule took the first", () => {
  test.each<[string, Verdict, string[], string | undefined]>([
    ["an ESTABLISHED DROP took the answer", "dropped", ["ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP (+7 packets)"], "ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP"],
    ["nft ct state established drop", "dropped", ["ipv4 inet fw input #1 ct state established counter drop # handle 3 (+2 packets)"], "ipv4 inet fw input #1 ct state established counter drop # handle 3"],
    ["an ESTABLISHED ACCEPT is no taker", "dropped", ["ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT (+7 packets)"], undefined],
    ["a DROP for new packets is the deciding rule's business, not this", "dropped", ["ipv4 filter INPUT #3 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (+1 packets)"], undefined],
    ["open: nothing taken", "open", ["ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP (+7 packets)"], undefined],
  ])("%s", (_, verdict, lines, rule) => expect(laterPacketsRule(verdict, lines)).toBe(rule));
});

describe("a counted rule for other ports is not a probe's deciding rule (another flow's late packets counted meanwhile)", () => {
  const OTHER = "ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8081 --tcp-flags SYN,RST,ACK,FIN ACK -j DROP (+3 packets)";
  const EST8080 = "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -m conntrack --ctstate ESTABLISHED -j DROP (+2 packets)";
  test("the other port's DROP is not named; the ESTABLISHED DROP on its own port is the later-packets rule", () => {
    const e = { actual: "dropped" as const, decidedBy: [EST8080, OTHER], port: 8080 };
    expect(resultDecidingRule(e)).toBeUndefined();
    expect(laterPacketsRule(e.actual, e.decidedBy, e.port)).toBe("ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -m conntrack --ctstate ESTABLISHED -j DROP");
  });
  test("its own port's DROP is named", () => {
    expect(resultDecidingRule({ actual: "dropped", decidedBy: [OTHER, "ipv4 filter INPUT #3 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (+1 packets)"], port: 8080 })).toBe("ipv4 filter INPUT #3 -A INPUT -p tcp -m tcp --dport 8080 -j DROP");
  });
  test("behind a port rewrite (a DNAT counted) ports say nothing: the guess stands", () => {
    expect(resultDecidingRule({ actual: "dropped", decidedBy: ["ipv4 nat PREROUTING #1 -A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.18.1.3:8081 (+1 packets)", OTHER], port: 80 })).toBe("ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8081 --tcp-flags SYN,RST,ACK,FIN ACK -j DROP");
  });
});

test("a FORWARD or OUTPUT rule is not judged by the probe's port (it may have taken the answer, sent to the prober's port)", () => {
  const ANSWER_DROP = "ipv4 filter FORWARD #1 -A FORWARD -o lan -p tcp -m tcp --dport 1024:65535 -j DROP (+1 packets)";
  expect(resultDecidingRule({ actual: "dropped", decidedBy: [ANSWER_DROP], port: 22 })).toBe("ipv4 filter FORWARD #1 -A FORWARD -o lan -p tcp -m tcp --dport 1024:65535 -j DROP");
});
