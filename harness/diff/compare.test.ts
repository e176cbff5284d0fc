import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import type { Family, Verdict } from "../model/types.ts";
import { parseAllow, parseAllowFile } from "./allow.ts";
import { compareObservations } from "./compare.ts";
import { diffStatus, type FlowAnswer, flowKey } from "./model.ts";
import type { ExpectationResult } from "../model/results.ts";
import { matrixObservation, type MatrixObservation, type ObservedFlow, observedFlow } from "./observed.ts";
import { renderDiff, renderDiffJson } from "./render.ts";
import { sideWords } from "./words.ts";

const ACCEPT = "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT";
const DROP = "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP";

function flow(from: string, to: string, port: number, family: Family, verdict: Verdict, rule?: string): ObservedFlow {
  const f = { from, to, port, protocol: "tcp" as const, family };
  return { flow: f, key: flowKey(f), side: { verdict, ...(rule ? { rule } : {}), reason: verdict === "error" ? "the container is gone" : "r" } };
}
const obs = (flows: ObservedFlow[], problems: string[] = []): MatrixObservation => ({ flows, problems });
const scenario = { file: "s.yaml", name: "s" };
const diff = (a: ObservedFlow[], b: ObservedFlow[], allow: string[] = [], problems: string[] = [], matrix?: ObservedFlow[]) =>
  compareObservations({ scenario, a: { label: "rules a", observed: obs(a) }, b: { label: "rules b", observed: obs(b, problems) }, allow: allow.map((t) => parseAllow(t)), ...(matrix ? { matrix: matrix.map((f) => f.flow) } : {}) });
/** An open flow whose listener said who it is: `web:80` and the source it saw. */
function answered(from: string, to: string, port: number, by: string, saw: string, family: Family = "ipv4"): ObservedFlow {
  const f = flow(from, to, port, family, "open");
  const [host, p] = by.split(":");
  return { ...f, side: { ...f.side, answer: { host: host!, port: Number(p), saw } } };
}

const before = [
  flow("client", "server", 8080, "ipv4", "open", ACCEPT),
  flow("client", "server", 8080, "ipv6", "open"),
  flow("client", "server", 8081, "ipv4", "open", ACCEPT),
  flow("server", "localhost", 8080, "ipv4", "open"),
];
const after = [
  flow("client", "server", 8080, "ipv4", "dropped", DROP),
  flow("client", "server", 8080, "ipv6", "open"),
  flow("client", "server", 8081, "ipv4", "open", ACCEPT),
  flow("server", "localhost", 8080, "ipv4", "dropped"),
];

describe("comparing two matrix observations", () => {
  test.each<[string, ObservedFlow[], ObservedFlow[], string[], string[], ReturnType<typeof diffStatus>]>([
    ["the same verdicts: nothing changed", before, before, [], [], "same"],
    ["only the flows that changed, each once", before, after, [], ["client -> server:8080/tcp4 open→dropped", "server -> localhost:8080/tcp4 open→dropped"], "changed"],
    ["a changed rule with the same verdict is no change", [flow("c", "s", 1, "ipv4", "dropped", DROP)], [flow("c", "s", 1, "ipv4", "dropped", "ipv4 filter INPUT #9 -A INPUT -j DROP")], [], [], "same"],
    ["error on side a: not a change", [flow("c", "s", 1, "ipv4", "error")], [flow("c", "s", 1, "ipv4", "open")], [], [], "error"],
    ["error on side b: not a change", [flow("c", "s", 1, "ipv4", "open")], [flow("c", "s", 1, "ipv4", "error")], [], [], "error"],
  ])("%s", (_, a, b, allow, changes, status) => {
    const d = diff(a, b, allow);
    expect(d.changes.map((c) => `${c.key} ${c.a.verdict}→${c.b.verdict}`)).toEqual(changes);
    expect(diffStatus(d)).toBe(status);
  });

  test("each side's deciding rule is kept", () => {
    const c = diff(before, after).changes[0]!;
    expect([c.a.rule, c.b.rule]).toEqual([ACCEPT, DROP]);
  });

  test.each<[string, string[], boolean[], string[]]>([
    ["one family, exact verdicts", ["client -> server:8080/tcp4 open->dropped"], [true, false], ["changed"]],
    ["both families (no suffix), with the unicode arrow and spaces", ["client -> server:8080 open → dropped", "server -> localhost:8080 open->dropped"], [true, true], ["allowed"]],
    ["blocked and *", ["client -> server:8080/tcp4 *->blocked", "server -> localhost:8080 open->*"], [true, true], ["allowed"]],
    ["a wrong old verdict does not allow", ["client -> server:8080/tcp4 refused->dropped"], [false, false], ["changed", "--allow: client -> server:8080/tcp4 refused->dropped"]],
    ["another family does not allow", ["client -> server:8080/tcp6 open->dropped"], [false, false], ["changed", "--allow: client -> server:8080/tcp6 open->dropped"]],
  ])("allow entries: %s", (_, allow, allowed, rest) => {
    const d = diff(before, after, allow);
    expect(d.changes.map((c) => c.allowed)).toEqual(allowed);
    expect([diffStatus(d), ...d.unusedAllows]).toEqual(rest);
  });

  test.each<[string, ObservedFlow, ObservedFlow, string[]]>([
    ["another listener answered (a DNAT replaced by a local accept)", answered("internet", "gw", 8080, "web:80", "internet"), answered("internet", "gw", 8080, "gw:8080", "internet"), ["internet -> gw:8080/tcp4 open→open"]],
    ["the listener saw another source (MASQUERADE removed)", answered("web", "internet", 443, "internet:443", "gw"), answered("web", "internet", 443, "internet:443", "web"), ["web -> internet:443/tcp4 open→open"]],
    ["another port of the same host answered", answered("internet", "gw", 8080, "web:80", "internet"), answered("internet", "gw", 8080, "web:8080", "internet"), ["internet -> gw:8080/tcp4 open→open"]],
    ["the same listener and source: no change", answered("internet", "gw", 8080, "web:80", "internet"), answered("internet", "gw", 8080, "web:80", "internet"), []],
    ["a side whose listener sent no identity line: compared by verdict only", flow("internet", "gw", 8080, "ipv4", "open"), answered("internet", "gw", 8080, "gw:8080", "internet"), []],
  ])("open on both sides: %s", (_, a, b, changes) => {
    const d = diff([a], [b]);
    expect(d.changes.map((c) => `${c.key} ${c.a.verdict}→${c.b.verdict}`)).toEqual(changes);
    expect(diffStatus(d)).toBe(changes.length > 0 ? "changed" : "same");
  });

  test("an answer change: shown with both listeners and sources; accepted by open->open", () => {
    const a = [answered("internet", "gw", 8080, "web:80", "internet"), answered("web", "internet", 443, "internet:443", "gw")];
    const b = [answered("internet", "gw", 8080, "gw:8080", "internet"), answered("web", "internet", 443, "internet:443", "web")];
    const d = diff(a, b, ["web -> internet:443 open->open"]);
    expect(d.changes.map((c) => c.allowed)).toEqual([false, true]);
    const text = renderDiff(d);
    expect(text).toContain("  ✗ internet -> gw:8080/tcp4: open (answered by web:80, saw internet) → open (answered by gw:8080, saw internet)\n");
    expect(text).toContain("  ✓ web -> internet:443/tcp4: open (answered by internet:443, saw gw) → open (answered by internet:443, saw web) (allowed)\n");
    expect(JSON.parse(renderDiffJson(d)).changes[0].b.answer).toEqual({ host: "gw", port: 8080, saw: "internet" });
  });

  // Tester 45b: a removed MASQUERADE was named nowhere but in the JSON.
  test("the NAT rules behind a change are named on each side when they differ", () => {
    const masq = "nat POSTROUTING: -A POSTROUTING -o wan -j MASQUERADE [handle 9]";
    const a = answered("desk", "internet", 443, "internet:443", "gw");
    const b = answered("desk", "internet", 443, "internet:443", "desk");
    const d = diff([{ ...a, side: { ...a.side, rewrites: [masq] } }], [b]);
    const text = renderDiff(d);
    expect(text).toContain(`; rewritten by ${masq}\n`);
    expect(text).toContain("; no NAT rule rewrote it\n");
    // The same NAT on both sides (another handle): not said.
    expect(renderDiff(diff([{ ...a, side: { ...a.side, rewrites: [masq] } }], [{ ...b, side: { ...b.side, rewrites: [masq.replace("9", "12")] } }]))).not.toContain("rewrote");
  });

  // Tester 45b: `--reject-with tcp-reset` changed to the default ICMP reject was listed as "decided by another rule, the same verdict".
  test("refused on both sides by another answer (a reset, then ICMP port unreachable): a change, shown with both kinds, accepted by refused->refused", () => {
    const refused = (port: number, refusal: "tcp-reset" | "icmp-port-unreachable", rule: string) => {
      const f = flow("client", "server", port, "ipv4", "refused", rule);
      return { ...f, side: { ...f.side, refusal } };
    };
    const a = [refused(8080, "tcp-reset", "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with tcp-reset"), refused(8081, "tcp-reset", DROP)];
    const b = [refused(8080, "icmp-port-unreachable", "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable"), refused(8081, "tcp-reset", ACCEPT)];
    const d = diff(a, b);
    expect(d.changes.map((c) => c.key)).toEqual(["client -> server:8080/tcp4"]);
    expect(renderDiff(d)).toContain("  ✗ client -> server:8080/tcp4: refused:rst → refused:icmp\n");
    expect(diff(a, b, ["client -> server:8080 refused->refused"]).changes.map((c) => c.allowed)).toEqual([true]);
    // The same kind, another rule: redecided, not a change.
    expect(d.redecided?.map((r) => r.key)).toEqual(["client -> server:8081/tcp4"]);
  });

  test.each<[string, string | undefined, FlowAnswer | undefined]>([
    ["a lab host's address", "web:80 saw 198.18.50.100:40312 (internet)", { host: "web", port: 80, saw: "internet" }],
    ["an IPv6 peer", "internet:443 saw [2001:db8:f5:51::2]:51000 (gw)", { host: "internet", port: 443, saw: "gw" }],
    ["an address of no lab host: the address", "web:80 saw [2001:db8::99]:51000 (no lab host)", { host: "web", port: 80, saw: "2001:db8::99" }],
    ["no identity line", undefined, undefined],
  ])("the answer read from a probe's result: %s", (_, text, answer) => {
    const r = { from: "internet", to: "gw", port: 8080, protocol: "tcp", family: "ipv4", actual: "open", reason: "r", decidedBy: [], evidence: { stderr: "" }, ...(text ? { answer: text } : {}) } as unknown as ExpectationResult;
    expect(observedFlow(r).side.answer).toEqual(answer);
  });

  test("a probe whose next hop stayed unresolved names no rule, though a DROP counted the lookups", () => {
    const r = { from: "client", to: "server", port: 22, protocol: "tcp", family: "ipv6", actual: "dropped", reason: "r", decidedBy: ["ipv6 filter INPUT #1 -A INPUT -j DROP (+2 packets)"], evidence: { stderr: "fwspec-probe: neighbour 2001:db8::2 unresolved (INCOMPLETE)\n" } } as unknown as ExpectationResult;
    expect(observedFlow(r).side).toMatchObject({ verdict: "dropped", unresolved: "2001:db8::2" });
    expect(observedFlow(r).side.rule).toBeUndefined();
    // Without the note the counted DROP is named, as before.
    expect(observedFlow({ ...r, evidence: { ...r.evidence, stderr: "" } }).side.rule).toBe("ipv6 filter INPUT #1 -A INPUT -j DROP");
    // No rule took its first packet; an ESTABLISHED DROP counted: named as taking what followed, not "no rule counted it".
    const later = { ...r, decidedBy: ["ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP (+7 packets)"], evidence: { stderr: "" } } as unknown as ExpectationResult;
    expect(observedFlow(later).side).toMatchObject({ later: "ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP" });
    expect(sideWords(observedFlow(later).side)).toBe("ipv4 filter INPUT #1 -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j DROP (a rule for a connection's later packets) took what followed its first packet");
    // The router on its path held the entry: which host, too.
    expect(observedFlow({ ...r, evidence: { ...r.evidence, stderr: "fwspec-probe: neighbour 2001:db8::2 unresolved (FAILED) at gw\n" } }).side).toMatchObject({ unresolved: "2001:db8::2", unresolvedAt: "gw" });
  });

  test("a rule removed that only let answers back in: each side names its host, the dropped side that it took the answer, the open side what let it back", () => {
    const established = "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT";
    const base = { from: "server", to: "client", port: 443, protocol: "tcp", family: "ipv4", reason: "r", evidence: { stderr: "" } };
    const unfiltered = { host: "server", family: "ipv4", table: "none", path: ["nat OUTPUT"], rule: "no filter chain", action: "accept", policy: false, unfiltered: true, source: "trace" };
    const a = { ...base, actual: "open", decidedBy: [`ipv4 filter INPUT #1 ${established} (+4 packets)`], counted: [{ host: "server", family: "ipv4", table: "filter", chain: "INPUT", position: 1, text: established, packets: 4 }], decision: unfiltered } as unknown as ExpectationResult;
    const policy = { host: "server", family: "ipv4", table: "filter", path: ["INPUT"], rule: "policy DROP", action: "drop", policy: true, answer: true, source: "counters", origin: { shown: "../fw/rules.sh", file: "/p/fw/rules.sh", line: 1 } };
    const b = { ...base, actual: "dropped", decidedBy: [], counted: [], decision: policy } as unknown as ExpectationResult;
    const d = diff([observedFlow(a)], [observedFlow(b)]);
    expect(renderDiff(d).split("\n").filter((l) => /^\s{6}[ab]: /.test(l))).toEqual([
      `      a: server: ipv4 no filter chain; its answer came back by server: ipv4 filter INPUT #1 ${established}`,
      "      b: server: ipv4 filter INPUT policy DROP (../fw/rules.sh:1), which took its answer on the way back",
    ]);
  });

  test.each<[string, string, ObservedFlow[], string[], string[]]>([
    ["a flow the matrix does not have", "internet -> gw:8080 open->blocked", before, ["--allow: internet -> gw:8080 open->blocked"], ["internet -> gw:8080/tcp is not in the flow matrix"]],
    ["a family the matrix does not probe", "client -> server:8081/tcp6 open->dropped", before, ["--allow: client -> server:8081/tcp6 open->dropped"], ["client -> server:8081/tcp6 is not in the flow matrix (only its IPv4 flow is)"]],
    ["a flow probed that did not change: matched no change, not 'not probed'", "client -> server:8081 open->dropped", before, ["--allow: client -> server:8081 open->dropped"], []],
    ["a flow in the matrix whose probes gave nothing on a side: not 'not probed'", "internet -> gw:8080 open->blocked", [...before, flow("internet", "gw", 8080, "ipv4", "open")], ["--allow: internet -> gw:8080 open->blocked"], []],
  ])("an allow entry that matched nothing: %s", (_, entry, matrix, unused, unprobed) => {
    const d = diff(before, before, [entry], [], matrix);
    expect(d.unusedAllows).toEqual(unused);
    expect((d.unprobedAllows ?? []).map((u) => `${u.entry}: ${u.why}`)).toEqual(unprobed.map((w) => `${unused[0]}: ${w}`));
  });

  test("the console names an allow entry whose flow is not probed as such, not as matching no change", () => {
    const text = renderDiff(diff(before, before, ["internet -> gw:8080 open->blocked", "client -> server:8081 open->dropped"], [], before));
    expect(text).toContain("  note: allow entry not probed: internet -> gw:8080/tcp is not in the flow matrix: --allow: internet -> gw:8080 open->blocked\n");
    expect(text).toContain("  note: allow entry matched no change: --allow: client -> server:8081 open->dropped\n");
    expect(text).not.toContain("matched no change: --allow: internet");
  });

  test.each([
    ["client -> server:8080 open", /is not an allow entry/],
    ["client server:8080 open->dropped", /is not an allow entry/],
    ["client -> server:8080 open->closed", /`closed` is not a verdict/],
    ["client -> server:8080 error->open", /`error` is not a verdict/],
    ["client -> server:80x open->dropped", /is not a flow: port/],
    ["client -> 198.18.0.9:80 open->dropped", /is not a flow/],
  ])("a bad allow entry is bad input: %s", (text, message) => {
    expect(() => parseAllow(text)).toThrow(InputError);
    expect(() => parseAllow(text)).toThrow(message);
  });

  test("an allow file: comments and blank lines skipped, a bad line named by file:line", () => {
    expect(parseAllowFile("# accepted in review\n\nclient -> server:8080 open->dropped  # ticket 12\n", "allow.txt").map((e) => `${e.where} ${e.text}`)).toEqual(["allow.txt:3 client -> server:8080 open->dropped"]);
    expect(() => parseAllowFile("\nnonsense\n", "allow.txt")).toThrow(/^allow\.txt:2: `nonsense`/);
  });

  test("problems of a side (the matrix did not run) make the diff an error", () => {
    const d = diff(before, [], [], ["step 1: apply on server (line 3): failed"]);
    expect(diffStatus(d)).toBe("error");
    expect(d.problems).toEqual(["rules b: step 1: apply on server (line 3): failed", "4 flow(s) observed on one side only (not compared)"]);
    // Not `0 of 0 flow(s) changed`, which reads as if nothing was wrong.
    expect(renderDiff(d).split("\n")[3]).toBe("no flow compared: 2 problem(s), below");
  });

  test("a set-up step that failed on both sides, the flows still compared: the headline says the problems, not a clean diff (tester 44e)", () => {
    const failed = (host: string) => [`step 2: run on server (line 5): failed\nrepro: docker exec ${host} iptables -S INPUT`];
    const d = compareObservations({ scenario, a: { label: "rules a", observed: obs(before, failed("x")) }, b: { label: "rules b", observed: obs(before, failed("y")) }, allow: [] });
    expect(diffStatus(d)).toBe("error");
    const out = renderDiff(d).split("\n");
    expect(out[3]).toBe("0 of 4 flow(s) changed; 2 problem(s) below: a set-up step failed, so the flows may not show the rules");
    expect(out).toContain("  ! rules a: step 2: run on server (line 5): failed");
    expect(out).toContain("    repro: docker exec x iptables -S INPUT");
  });

  test("rules a tool refused on either side: named once each, kept in the result (exit 2) and said in the last line", () => {
    const line = { file: "rules.v4", line: 6, family: "ipv4", tool: "iptables-restore --test", message: "unknown option \"--dprot\"" };
    const other = { ...line, file: "new.v4" };
    const refused = (r: MatrixObservation["refused"]) => ({ flows: [], problems: ["step 1: apply failed"], refused: r });
    const d = compareObservations({ scenario, a: { label: "a", observed: refused([line]) }, b: { label: "b", observed: refused([line, other]) }, allow: [] });
    expect(diffStatus(d)).toBe("error");
    expect(d.refused).toEqual([line, other]);
    expect(renderDiff(d).trimEnd().split("\n").at(-1)).toBe("a rules file was refused (its lines are named above): fix them, then diff again; the gate fails");
    expect(JSON.parse(renderDiffJson(d)).refused).toEqual([line, other]);
    // A side that failed for another reason: no such claim.
    const plain = diff(before, [], [], ["step 1: apply on server (line 3): failed"]);
    expect(plain.refused).toBeUndefined();
    expect(renderDiff(plain).trimEnd().split("\n").at(-1)).toBe("not every flow could be compared: the gate fails");
  });

  test("a matrix run's refused lines: the apply step's (the tool) and the scenario's (before its lab), nothing else", () => {
    const rejected = { file: "rules.v4", line: 6, family: "ipv4", tool: "iptables-restore --test", message: "m" };
    const early = { ...rejected, line: 8, tool: "the lab image's target list" };
    const step = (kind: "apply" | "run", r?: (typeof rejected)[]) => ({ kind: "step" as const, step: kind, line: 3, title: "t", status: "failed" as const, message: "failed", ...(r ? { rejected: r } : {}) });
    const report = (steps: ReturnType<typeof step>[], r?: (typeof rejected)[]) => ({ file: "s.yaml", name: "s", status: "error", expectations: [], counters: [], steps, errors: [], parity: [], ...(r ? { rejected: r } : {}) }) as unknown as Parameters<typeof matrixObservation>[0];
    expect(matrixObservation(report([step("apply", [rejected])])).refused).toEqual([rejected]);
    expect(matrixObservation(report([], [early])).refused).toEqual([early]);
    expect(matrixObservation(report([step("apply"), step("run")])).refused).toBeUndefined();
  });

  test("the console report: grouped by host and family, arrow, both rules; errors apart", () => {
    const d = diff([...before, flow("client", "server", 9, "ipv6", "error")], [...after, flow("client", "server", 9, "ipv6", "open")], ["server -> localhost:8080 open->dropped"]);
    expect(renderDiff(d)).toBe([
      "fwspec diff: s (s.yaml)",
      "  a: rules a",
      "  b: rules b",
      "2 of 5 flow(s) changed (1 allowed), 1 not compared (probe error)",
      "",
      "client, IPv4:",
      "  ✗ client -> server:8080/tcp4: open → dropped",
      `      a: ${ACCEPT}`,
      `      b: ${DROP}`,
      "",
      "server, IPv4:",
      "  ✓ server -> localhost:8080/tcp4: open → dropped (allowed)",
      "      a: no rule counted it: the chain policy let it through",
      "      b: no rule counted it: a chain's drop policy, or the answer was lost",
      "",
      "not compared (the probe failed on a side, so a change cannot be told from a flaky probe):",
      "  ! client -> server:9/tcp6: a error, b open: the container is gone",
      "",
      "not every flow could be compared: the gate fails",
      "",
    ].join("\n"));
    const json = JSON.parse(renderDiffJson(d));
    expect(json.status).toBe("error");
    expect(json.changes[0]).toEqual({ flow: { from: "client", to: "server", port: 8080, protocol: "tcp", family: "ipv4" }, key: "client -> server:8080/tcp4", a: { verdict: "open", rule: ACCEPT, reason: "r" }, b: { verdict: "dropped", rule: DROP, reason: "r" }, allowed: false });
  });
});

describe("rules that differ where no flow tells them apart", () => {
  const ssh = [flow("remote", "server", 22, "ipv4", "open", ACCEPT)];
  const withRules = (a: string[], b: string[]) => compareObservations({ scenario, a: { label: "rules.v4@HEAD", observed: { ...obs(ssh), rulesets: a } }, b: { label: "rules.v4", observed: { ...obs(ssh), rulesets: b } } });

  test("the rulesets loaded differ and no flow changed: the result says so, and the console note says what the matrix cannot see", () => {
    const d = withRules(["0123456789abcdef"], ["fedcba9876543210"]);
    expect(d.rulesDiffer).toBe(true);
    expect(diffStatus(d)).toBe("same");
    expect(renderDiff(d)).toContain("note: the rules loaded differ (a: 0123456789ab, b: fedcba987654), but no flow of the matrix told them apart: if the change matters to any traffic, it is traffic the matrix does not send (another source address, a port no host listens on, ICMP …); check such a change with an expectation of its own");
  });

  test("the same rulesets: no note", () => {
    const d = withRules(["0123456789abcdef"], ["0123456789abcdef"]);
    expect(d.rulesDiffer).toBe(false);
    expect(renderDiff(d)).not.toContain("rules loaded differ");
  });
});

describe("flows decided by another rule with the same verdict", () => {
  const SOURCE_DROP = "ipv4 filter INPUT #1 -A INPUT -s 198.18.0.0/15 -j DROP";
  const MOVED_DROP = "ipv4 filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP";
  const side = (rule: string | undefined) => [flow("remote", "server", 8080, "ipv4", "dropped", rule), flow("remote", "server", 8081, "ipv4", "open", ACCEPT)];
  const withRules = (a: ObservedFlow[], b: ObservedFlow[], problems: string[] = []) =>
    compareObservations({ scenario, a: { label: "a", observed: { ...obs(a), rulesets: ["0123456789abcdef"] } }, b: { label: "b", observed: { ...obs(b, problems), rulesets: problems.length > 0 ? [] : ["fedcba9876543210"] } } });

  test("a rule inserted before the one that decided: listed with both rules, not a change, and the note says no verdict changed", () => {
    const d = withRules(side(DROP), side(SOURCE_DROP));
    expect(d.changes).toEqual([]);
    expect(diffStatus(d)).toBe("same");
    expect(d.redecided?.map((r) => `${r.key}: ${r.a.rule} | ${r.b.rule}`)).toEqual([`remote -> server:8080/tcp4: ${DROP} | ${SOURCE_DROP}`]);
    const text = renderDiff(d);
    expect(text).toContain(["decided by another rule, the same verdict (not a change):", "  · remote -> server:8080/tcp4: dropped", `      a: ${DROP}`, `      b: ${SOURCE_DROP}`].join("\n"));
    expect(text).toContain("note: the rules loaded differ (a: 0123456789ab, b: fedcba987654); no verdict changed, but 1 flow(s) are decided by another rule (above)");
    expect(text).not.toContain("told them apart");
  });

  test.each([
    ["the same rule at another position", MOVED_DROP],
    ["the same rule", DROP],
  ])("%s: not decided differently", (_, rule) => {
    expect(withRules(side(DROP), side(rule)).redecided).toEqual([]);
  });

  test.each([
    ["an element added to its verdict map, the flow's element the same", "tcp dport vmap { 22 : accept, 8080 : drop, 9000-9100 : drop }", "not"],
    ["an element removed, the flow's the same (as a range)", "tcp dport vmap { 8000-8090 : drop }", "not"],
    ["the flow's element changed (its verdict the same, another rule's jump)", "tcp dport vmap { 22 : accept, 8080 : jump blocked }", "is"],
  ])("a verdict map edited, %s: %s decided by another rule", (_, edited, is) => {
    const vmap = (map: string, handle: number) => `ipv4 inet filter input #1 ${map} # handle ${handle}`;
    const d = withRules(side(vmap("tcp dport vmap { 22 : accept, 8080 : drop }", 4)), side(vmap(edited, 7)));
    expect(d.redecided?.length).toBe(is === "is" ? 1 : 0);
  });

  test("a side that failed to apply: no note about rules that differ (its digest is empty)", () => {
    const d = withRules(side(DROP), [], ["step 1: apply on server (line 3): failed"]);
    expect(diffStatus(d)).toBe("error");
    expect(renderDiff(d)).not.toContain("rules loaded differ");
  });
});
