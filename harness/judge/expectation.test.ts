/** Unit tests (pure) for judgeExpectation's parity observation: the other family's verdict, and the rule that decided it with the line that wrote it. */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { Verdict } from "../model/types.ts";
import type { Observation } from "../probes/observe.ts";
import type { Expectation } from "../scenario/model.ts";
import { judgeExpectation } from "./expectation.ts";

const expectation = { text: "client -> server:8080 open", location: { file: "/repo/scenarios/s.yaml", line: 10, column: 7 }, from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", expected: "open" } as unknown as Expectation;
const ORIGIN = { file: "/repo/firewall/rules.v6", line: 3, shown: "../firewall/rules.v6" };
const DROP6: Decision = { host: "server", family: "ipv6", table: "filter", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", action: "drop", policy: false, source: "trace", handle: 2, origin: ORIGIN };

const observation = (family: "ipv4" | "ipv6", verdict: Verdict, decision?: Decision): Observation => ({
  result: {
    spec: { from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family, timeoutSeconds: 2 },
    address: family === "ipv4" ? "198.18.0.2" : "2001:db8::2", verdict, reason: verdict,
    evidence: { command: `nc ${family}`, argv: [], exitCode: 0, stdout: "", stderr: "", durationMs: 5 },
  },
  decidedBy: [],
  ...(decision ? { decision } : {}),
});

describe("the parity observation", () => {
  test.each([
    // [what, the other family's observation, the parity observation's decision]
    ["the rule that decided the other family's probe, with the line that wrote it", observation("ipv6", "dropped", DROP6), DROP6],
    ["no rule named: no decision", observation("ipv6", "dropped"), undefined],
  ] as const)("%s", (_what, other, decision) => {
    const r = judgeExpectation(expectation, "ipv4", observation("ipv4", "open"), other);
    expect(r.parity).toMatchObject({ family: "ipv6", verdict: "dropped", differs: true, command: "nc ipv6" });
    expect(r.parity?.decision).toEqual(decision);
  });
});
