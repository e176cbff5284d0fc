import { describe, expect, test } from "vitest";
import type { ProbeSpec } from "../model/types.ts";
import { type BatchCandidate, batchCandidate, laneBatches, mayDecideByTrace, mayRunSideBySide } from "./batches.ts";

const base: BatchCandidate = { role: "main", expectation: { expected: "open" }, from: "client", target: "server", watch: ["server"], traced: true };

describe("mayRunSideBySide", () => {
  test.each<[string, Partial<BatchCandidate>, boolean]>([
    ["a probe the trace attributes on its only watched host", {}, true],
    ["the parity probe likewise", { role: "parity" }, true],
    ["nothing can see it (no firewall host on its path)", { watch: [], traced: false }, true],
    ["the trace does not attribute it (counters would have to)", { traced: false }, false],
    ["a held connection's check", { role: "held", expectation: { expected: "open", held: "ssh" } }, false],
    ["a sweep", { expectation: { expected: "open", sweep: { first: 1, last: 1024 } } }, false],
    ["answered-by (NAT)", { expectation: { expected: "open", answeredBy: { host: "web" } } }, false],
    ["seen-from (NAT)", { expectation: { expected: "open", seenFrom: "router" } }, false],
    ["expected dropped (counters decide it early)", { expectation: { expected: "dropped" } }, false],
    ["expected refused", { expectation: { expected: "refused" } }, false],
    ["expected blocked", { expectation: { expected: "blocked" } }, false],
    ["a router on its path", { watch: ["router", "server"] }, false],
    ["both ends watched and traced", { watch: ["client", "server"] }, true],
    ["a loopback probe on its own host", { from: "server", target: "server", watch: ["server"] }, true],
    ["a literal address target with a watched host that is not its source", { target: undefined }, false],
  ])("%s", (_, change, expected) => {
    expect(mayRunSideBySide({ ...base, ...change })).toBe(expected);
  });
});

describe("mayDecideByTrace (a family whose counters cannot attribute)", () => {
  test.each<[string, Partial<BatchCandidate>, boolean]>([
    ["expected dropped, the trace attributes it", { expectation: { expected: "dropped" } }, true],
    ["expected refused, likewise", { expectation: { expected: "refused" } }, true],
    ["expected open, likewise", {}, true],
    ["the parity probe", { role: "parity", expectation: { expected: "dropped" } }, true],
    ["the trace does not attribute it", { expectation: { expected: "dropped" }, traced: false }, false],
    ["nothing can see it: no evidence to wait for", { expectation: { expected: "dropped" }, watch: [], traced: false }, false],
    ["a held connection's check", { role: "held", expectation: { expected: "dropped", held: "ssh" } }, false],
    ["a sweep", { expectation: { expected: "dropped", sweep: { first: 1, last: 2 } } }, false],
    ["answered-by (NAT)", { expectation: { expected: "open", answeredBy: { host: "web" } } }, false],
    ["a router on its path", { expectation: { expected: "dropped" }, watch: ["router", "server"] }, false],
  ])("%s", (_, change, expected) => {
    expect(mayDecideByTrace({ ...base, ...change })).toBe(expected);
  });
});

describe("laneBatches", () => {
  // Upper case: may run side by side; `|`: a barrier (a held check or a sweep) that runs alone where it stands.
  const run = (jobs: string) => laneBatches([...jobs], (j) => j !== "|" && j === j.toUpperCase(), (j) => j === "|").map((b) => b.join(""));
  test.each<[string, string[]]>([
    ["", []],
    ["abc", ["a", "b", "c"]],
    ["ABC", ["ABC"]],
    ["ABcD", ["ABD", "c"]],
    ["aBCdEF", ["BCEF", "a", "d"]],
    ["A", ["A"]],
    ["aB|Cd", ["B", "a", "|", "C", "d"]],
    ["|AB|", ["|", "AB", "|"]],
    ["ab|", ["a", "b", "|"]],
  ])("%j -> %j", (jobs, expected) => {
    expect(run(jobs)).toEqual(expected);
  });
  test("every job exactly once", () => {
    const jobs = [..."aBcD|eFgH|"];
    expect(run(jobs.join("")).join("").split("").sort()).toEqual([...jobs].sort());
  });
});

describe("batchCandidate", () => {
  const spec = (to: ProbeSpec["to"]): ProbeSpec => ({ from: "client", to, port: 8080, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 });
  test.each<[string, ProbeSpec["to"], string | undefined]>([
    ["a lab host", { kind: "host", host: "server" }, "server"],
    ["its own loopback", { kind: "localhost" }, "client"],
    ["an address no lab host has", { kind: "address", address: "198.18.0.9" }, undefined],
    ["the server's address written out", { kind: "address", address: "198.18.0.2" }, "server"],
  ])("the target of a probe to %s", (_, to, target) => {
    const seen: ProbeSpec[] = [];
    const owner = (a: string) => (a === "198.18.0.2" ? "server" : undefined);
    const c = batchCandidate({ expectation: {}, spec: spec(to), watch: ["server"] }, "parity", "ipv6", { attributes: (s) => (seen.push(s), true) }, owner);
    expect(c.target).toBe(target);
    expect(c.traced).toBe(true);
    // The lane's family is the one the trace is asked about (a parity probe runs in the other family).
    expect(seen.map((s) => s.family)).toEqual(["ipv6"]);
  });
  test("a probe to the server's address written out may be decided by the trace, as one to the server", () => {
    const c = batchCandidate({ expectation: { expected: "dropped" }, spec: spec({ kind: "address", address: "198.18.0.2" }), watch: ["server"] }, "main", "ipv4", { attributes: () => true }, (a) => (a === "198.18.0.2" ? "server" : undefined));
    expect(mayDecideByTrace(c)).toBe(true);
  });
  test("a held job is never asked about", () => {
    const c = batchCandidate({ expectation: { held: "h" }, spec: spec({ kind: "host", host: "server" }), watch: ["server"] }, "held", "ipv4", { attributes: () => { throw new Error("asked"); } });
    expect(c.traced).toBe(false);
  });
});
