/** Unit tests (no Docker) for the measure of issue 15 (undecided.ts): which verdicts on nft-based hosts' paths name no deciding rule, or one their verdict contradicts. */
import { describe, expect, test } from "vitest";
import type { Decision, ExpectationResult } from "../model/results.ts";
import { defineScenario } from "../scenario/load.ts";
import { undecidedVerdicts } from "./undecided.ts";

const scenario = defineScenario({
  name: "m", description: "d",
  hosts: { nftbox: { firewall: true, listen: ["tcp/8080"] }, legacybox: { firewall: true, backend: "legacy", listen: ["tcp/8080"] }, client: {}, other: { listen: ["tcp/8080"] } },
  steps: [{ expect: ["client -> nftbox:8080 open", "client -> legacybox:8080 open", "client -> other:8080 open", "client -> nftbox:1-2000 dropped"] }],
}, { file: "/x/m.yaml" });
const line = (text: string) => (scenario.steps[0] as unknown as { expectations: { text: string; location: { line: number } }[] }).expectations.find((e) => e.text === text)!.location.line;
const ACCEPT: Decision = { host: "nftbox", family: "ipv4", table: "filter", path: ["INPUT"], rule: "policy ACCEPT", action: "accept", policy: true, source: "trace" };
const result = (text: string, extra: Partial<ExpectationResult> = {}): ExpectationResult => ({
  kind: "expectation", text, line: line(text), from: "client", to: "x", port: 8080, protocol: "tcp", family: "ipv4", expected: "open", actual: "open", status: "passed",
  reason: "r", address: "a", decidedBy: [], evidence: { command: "", exitCode: 0, stdout: "", stderr: "", durationMs: 1 }, ...extra,
});
const sweep = (attribution: "trace" | "counters" | undefined, ports: number) => ({ ports: "1-2000", summary: "s", counts: { dropped: ports }, broken: [], notes: [], command: "", ...(attribution ? { attribution } : {}) });
const problems = (r: ExpectationResult) => undecidedVerdicts([{ file: "/x/m.yaml", expectations: [r] }], [scenario]).map((u) => u.problem);

describe("undecidedVerdicts", () => {
  test.each([
    ["an nft host's verdict with a decision", result("client -> nftbox:8080 open", { decision: ACCEPT }), []],
    ["an nft host's verdict without one", result("client -> nftbox:8080 open"), ["names no deciding rule"]],
    ["an open verdict whose decision is a drop", result("client -> nftbox:8080 open", { decision: { ...ACCEPT, action: "drop" } }), ["its deciding rule contradicts the verdict"]],
    // A monitor that named rules from a stale ruleset called a DROP "no filter chain" or the old ruleset's ACCEPT.
    ["a dropped verdict whose first packet a policy ACCEPT took", result("client -> nftbox:8080 open", { actual: "dropped", status: "failed", decision: ACCEPT }), ["its deciding rule contradicts the verdict"]],
    ["a dropped verdict no filter chain decided", result("client -> nftbox:8080 open", { actual: "dropped", status: "failed", decision: { ...ACCEPT, rule: "no filter chain", unfiltered: true } }), ["its deciding rule contradicts the verdict"]],
    ["a dropped verdict decided by a DROP", result("client -> nftbox:8080 open", { actual: "dropped", status: "failed", decision: { ...ACCEPT, rule: "-A INPUT -j DROP", action: "drop", policy: false } }), []],
    ["a refused verdict after an ACCEPT (the stack answered)", result("client -> nftbox:8080 open", { actual: "refused", status: "failed", decision: ACCEPT }), []],
    ["an error is no verdict", result("client -> nftbox:8080 open", { actual: "error" }), []],
    ["a legacy host: exempt", result("client -> legacybox:8080 open"), []],
    ["no firewall host on the path", result("client -> other:8080 open"), []],
    ["a sweep traced port by port", result("client -> nftbox:1-2000 dropped", { sweep: sweep("trace", 2000) }), []],
    ["a small sweep on counters", result("client -> nftbox:1-2000 dropped", { sweep: sweep("counters", 2000) }), ["names no deciding rule"]],
    ["a sweep too large to trace, said so", result("client -> nftbox:1-2000 dropped", { sweep: sweep("counters", 5000) }), []],
    ["a sweep without attribution", result("client -> nftbox:1-2000 dropped", { sweep: sweep(undefined, 2000) }), ["names no deciding rule"]],
  ] as const)("%s", (_name, r, want) => {
    expect(problems(r)).toEqual(want);
  });
});
