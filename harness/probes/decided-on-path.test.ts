/** Unit tests (no Docker) for observe.ts decidedOnPath: a probe of a router whose counted DNAT sent it on to a host beyond it. */
import { describe, expect, test } from "vitest";
import type { ProbeSpec } from "../model/types.ts";
import { parseSave } from "../rules/saved.ts";
import { decidedOnPath } from "./observe.ts";

const spec: ProbeSpec = { from: "client", to: { kind: "host", host: "gw" }, port: 8085, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 };
const gw = (n: number) => parseSave(["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", `[${n}:60] -A PREROUTING -p tcp -m tcp --dport 8085 -j DNAT --to-destination 198.18.51.10:85`, "COMMIT", "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", `[${n}:60] -A FORWARD -p tcp -m conntrack --ctstate DNAT -j ACCEPT`, "COMMIT", ""].join("\n"), "ipv4");
const backend = (reject: number, accept: number) => parseSave(["*filter", ":INPUT DROP [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", `[${reject}:60] -A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset`, `[${accept}:60] -A INPUT -p tcp -m tcp --dport 87 -j ACCEPT`, "COMMIT", ""].join("\n"), "ipv4");
const decided = (verdict: string, after: { reject: number; accept: number }) => decidedOnPath(spec, ["gw"], ["backend"], new Map([["gw", gw(0)], ["backend", backend(0, 0)]]), new Map([["gw", gw(1)], ["backend", backend(after.reject, after.accept)]]), { offPath: new Map([["backend", ["198.18.51.10"]]]), verdict });

describe("decidedOnPath", () => {
  test("the backend's REJECT decides a refused probe its counted DNAT sent there, and its counters are the probe's", () => {
    const r = decided("refused", { reject: 1, accept: 0 });
    expect(r.decision).toMatchObject({ host: "backend", action: "reject", sentOn: true });
    expect(r.decidedBy.map((d) => d.host)).toEqual(expect.arrayContaining(["gw", "backend"]));
  });

  test("a REJECT count there that does not fit a dropped probe (an older count) is not its decision (reviewer)", () => {
    expect(decided("dropped", { reject: 1, accept: 0 }).decision).toMatchObject({ host: "gw", path: ["FORWARD"], action: "accept", sentOnTo: "198.18.51.10:85" });
  });

  test("an open probe's backend ACCEPT is counted as the probe's (mutate and coverage read it: reviewer)", () => {
    expect(decided("open", { reject: 0, accept: 1 }).decidedBy.filter((d) => d.host === "backend").map((d) => d.rule.text)).toEqual(["-A INPUT -p tcp -m tcp --dport 87 -j ACCEPT"]);
  });
});

describe("withOwnCounters keeps what moved beyond a router for the trace to place (reviewer)", () => {
  test("an open probe's backend ACCEPT, with no DROP or REJECT there: kept as beyondMoved", async () => {
    const { withOwnCounters } = await import("../runner/lane-batch.ts");
    const o = { result: { spec, address: "198.18.50.2", verdict: "open", reason: "", evidence: { command: "", argv: [], exitCode: 0, stdout: "", stderr: "", durationMs: 5 } }, decidedBy: [] } as never;
    const readings = { before: new Map([["gw", gw(0)], ["backend", backend(0, 0)]]), after: new Map([["gw", gw(0)], ["backend", backend(0, 1)]]) };
    const r = withOwnCounters(o, readings, ["gw"], new Map(), new Map([["backend", ["198.18.51.10"]]]), ["backend"]);
    expect(r.beyondMoved?.map((m) => [m.host, m.decidedBy.map((d) => d.rule.text)])).toEqual([["backend", ["-A INPUT -p tcp -m tcp --dport 87 -j ACCEPT"]]]);
    expect(r.beyondDnat).toBeUndefined();
  });
});
