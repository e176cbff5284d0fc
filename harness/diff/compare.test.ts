import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import type { Family, Verdict } from "../model/types.ts";
import { parseAllow, parseAllowFile } from "./allow.ts";
import { compareObservations } from "./compare.ts";
import { diffStatus, flowKey } from "./model.ts";
import type { MatrixObservation, ObservedFlow } from "./observed.ts";
import { renderDiff, renderDiffJson } from "./render.ts";

const ACCEPT = "ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT";
const DROP = "ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP";

function flow(from: string, to: string, port: number, family: Family, verdict: Verdict, rule?: string): ObservedFlow {
  const f = { from, to, port, protocol: "tcp" as const, family };
  return { flow: f, key: flowKey(f), side: { verdict, ...(rule ? { rule } : {}), reason: verdict === "error" ? "the container is gone" : "r" } };
}
const obs = (flows: ObservedFlow[], problems: string[] = []): MatrixObservation => ({ flows, problems });
const scenario = { file: "s.yaml", name: "s" };
const diff = (a: ObservedFlow[], b: ObservedFlow[], allow: string[] = [], problems: string[] = []) =>
  compareObservations({ scenario, a: { label: "rules a", observed: obs(a) }, b: { label: "rules b", observed: obs(b, problems) }, allow: allow.map((t) => parseAllow(t)) });

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
