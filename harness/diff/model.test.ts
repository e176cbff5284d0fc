/** Unit tests (no Docker) for model.ts's pure helpers. */
import { describe, expect, test } from "vitest";
import { type DiffResult, type FlowSide, withBaseRevision } from "./model.ts";

const side = (file?: string): FlowSide => ({ verdict: "dropped", reason: "r", ...(file ? { rule: "ipv4 filter INPUT #2 -A INPUT -j DROP", where: "x", whereAt: { file, line: 13 } } : {}) });
const flow = { from: "remote", to: "server", port: 8080, protocol: "tcp" as const, family: "ipv4" as const };

describe("withBaseRevision", () => {
  test("side a's places read at the revision become the working tree's file and the revision apart (tester 43b); side b's and others stay", () => {
    const d = {
      scenario: { file: "/r/s.yaml", name: "s" }, a: { label: "a" }, b: { label: "b" }, compared: 2, errors: [], problems: [], unusedAllows: [],
      changes: [{ flow, key: "k", allowed: false, a: side("/r/firewall/rules.v6@HEAD~1"), b: side("/r/firewall/rules.v6") }],
      redecided: [{ flow, key: "k2", a: side("/r/firewall/rules.v4@HEAD~1"), b: side() }],
    } as unknown as DiffResult;
    const out = withBaseRevision(d, "HEAD~1");
    expect(out.changes[0]!.a.whereAt).toEqual({ file: "/r/firewall/rules.v6", line: 13, revision: "HEAD~1" });
    expect(out.changes[0]!.b.whereAt).toEqual({ file: "/r/firewall/rules.v6", line: 13 });
    expect(out.redecided![0]!.a.whereAt).toEqual({ file: "/r/firewall/rules.v4", line: 13, revision: "HEAD~1" });
    expect(out.redecided![0]!.b.whereAt).toBeUndefined();
  });
});
