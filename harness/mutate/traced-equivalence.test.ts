/**
 * A counter-less nft rule no trace named is equivalent ("traced no probed
 * packet") only where the claim is sound: every probe crossing its host was
 * traced and read whole in every step, the rule matches only TCP/UDP to ports
 * below any probe's source port (no answer, ICMP error or neighbour discovery
 * can match it), its position in the chain is known, no held connection could
 * send it packets, no run step could (a ping sends ICMP only), and the operator only matters for packets it matches (a
 * changed port can make it match: never). On the old code every row but the
 * survivors was `survived`.
 */
import { describe, expect, test } from "vitest";
import type { ExpectationResult, TracedHost } from "../model/results.ts";
import type { ScenarioReport } from "../report/model.ts";
import type { Scenario, Step } from "../scenario/model.ts";
import { classifyMutant, countedRules, tracedRules } from "./classify.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";

const at = { file: "/p/s.yaml", line: 3, column: 1 };

function scenario(rule: string, extra: Step[] = [], before: string[] = []): Scenario {
  const content = ["table inet fw {", "\tchain input {", "\t\ttype filter hook input priority filter; policy drop;", ...before, "\t\ttcp dport 8080 accept", `\t\t${rule}`, "\t}", "}"].join("\n");
  return {
    file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] } as never, { name: "remote", firewall: false, listen: [] } as never],
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/fw.nft", content }], location: at }, ...extra, { kind: "expect", expectations: [], location: at }],
  };
}

function report(steps: (readonly TracedHost[] | undefined)[]): ScenarioReport {
  const expectations = steps.map((traced, i) => ({ kind: "expectation", text: "remote -> server:8080 open", line: 5 + i, family: "ipv4", status: "passed", decidedBy: [], ...(traced ? { traced } : {}) }) as unknown as ExpectationResult);
  return { file: "/p/s.yaml", name: "s", description: "", status: "passed", expectations, counters: [], steps: [], errors: [], parity: [] };
}

const named = (complete: boolean, ...rules: string[]): TracedHost[] => [{ host: "server", complete, rules: ["nft inet fw input #1", ...rules] }];
const run = (command: string[]): Step => ({ kind: "run", host: "remote", command, exit: 0, contains: [], excludes: [], matches: [], location: at }) as Step;
const hold: Step = { kind: "hold", name: "s", from: "remote", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family: "ipv4", location: at } as never;

describe("counter-less nft rules: traced no probed packet", () => {
  test.each<[string, string, string, (readonly TracedHost[] | undefined)[], Step[], string[], string]>([
    ["not named, complete trace", "delete", "tcp dport 22 accept", [named(true)], [], [], "equivalent"],
    ["an inline set of low ports", "delete", "tcp dport { 22, 80-81 } accept", [named(true)], [], [], "equivalent"],
    ["udp, accept-drop", "accept-drop", "udp dport 53 accept", [named(true)], [], [], "equivalent"],
    ["named by the trace", "delete", "tcp dport 22 accept", [named(true, "nft inet fw input #2")], [], [], "survived"],
    ["the trace incomplete", "delete", "tcp dport 22 accept", [named(false)], [], [], "survived"],
    ["one step's trace incomplete", "delete", "tcp dport 22 accept", [named(true), named(false)], [], [], "survived"],
    ["the host not traced", "delete", "tcp dport 22 accept", [undefined], [], [], "survived"],
    ["another host traced", "delete", "tcp dport 22 accept", [[{ host: "router", complete: true, rules: [] }]], [], [], "survived"],
    ["ICMP could match (no port)", "delete", "meta l4proto icmp accept", [named(true)], [], [], "survived"],
    ["answers could match (a port a probe leaves from)", "delete", "tcp dport 40000 accept", [named(true)], [], [], "survived"],
    ["a negated port", "delete", "tcp dport != 22 drop", [named(true)], [], [], "survived"],
    ["a named set", "delete", "tcp dport @allowed accept", [named(true)], [], [], "survived"],
    ["port: a changed port can make it match", "port", "tcp dport 22 accept", [named(true)], [], [], "survived"],
    ["a held connection", "delete", "tcp dport 22 accept", [named(true)], [hold], [], "survived"],
    ["a ping run step (ICMP only)", "delete", "tcp dport 22 accept", [named(true)], [run(["ping", "-c", "1", "198.18.0.2"])], [], "equivalent"],
    ["a ping run step, a UDP rule", "delete", "udp dport 53 accept", [named(true)], [run(["ping", "-c", "1", "198.18.0.2"])], [], "equivalent"],
    ["a curl run step", "delete", "tcp dport 22 accept", [named(true)], [run(["curl", "http://198.18.0.2/"])], [], "survived"],
    ["position unknown (a rule over several lines before it)", "delete", "tcp dport 22 accept", [named(true)], [], ["\t\ttcp dport {", "\t\t\t9000 } accept"], "survived"],
  ])("%s: %s `%s` → %s", (_what, op, rule, traces, extra, before, want) => {
    const s = scenario(rule, extra, before);
    const m = mutantsOf(s, selectOperators([op])).filter((x) => x.changes[0]!.before.includes(rule.split(" ")[0]!) && x.changes[0]!.before.trim() === rule);
    expect(m.length, mutantsOf(s, selectOperators([op])).map((x) => x.id).join(", ")).toBeGreaterThan(0);
    const original = report(traces);
    const outcome = classifyMutant(m[0]!, report([]), s, countedRules(original), tracedRules(original));
    expect(outcome.status, outcome.detail).toBe(want);
    if (want === "equivalent") expect(outcome.detail).toMatch(/no trace named it: traced no probed packet in the original run \(every probe crossing server traced there/);
  });
});
