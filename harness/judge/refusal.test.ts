/** `refused:rst` / `refused:icmp`: a refusal of the other kind (or of an unseen kind) fails the check; plain `refused` takes either. */
import { describe, expect, test } from "vitest";
import type { Refusal } from "../model/types.ts";
import type { Observation } from "../probes/observe.ts";
import type { Expectation } from "../scenario/model.ts";
import type { RefusalKind } from "../scenario/refusal.ts";
import { judgeExpectation } from "./expectation.ts";

const expectation = (refusal?: RefusalKind): Expectation => ({
  from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", families: ["ipv4"], expected: "refused",
  ...(refusal ? { refusal } : {}), text: `client -> server:8080 refused${refusal ? `:${refusal}` : ""}`, location: { file: "s.yaml", line: 9, column: 7 },
});

const observed = (refusal?: Refusal): Observation => ({
  result: {
    spec: { from: "client", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 },
    address: "198.18.0.2", verdict: "refused", reason: "Connection refused", ...(refusal ? { refusal } : {}),
    evidence: { command: "nc", argv: ["nc"], exitCode: 1, stdout: "", stderr: "", durationMs: 1 },
  },
  decidedBy: [],
});

describe("strict refusals", () => {
  test.each([
    [undefined, "tcp-reset", "passed"],
    [undefined, "icmp-port-unreachable", "passed"],
    ["rst", "tcp-reset", "passed"],
    ["rst", "icmp-port-unreachable", "failed"],
    ["icmp", "icmp-port-unreachable", "passed"],
    ["icmp", "tcp-reset", "failed"],
    ["icmp", undefined, "failed"],
  ] as const)("expected refused%s, refused with %s: %s", (kind, refusal, status) => {
    const r = judgeExpectation(expectation(kind), "ipv4", observed(refusal));
    expect(r.status).toBe(status);
    if (refusal) expect(r.refusal).toBe(refusal);
    const words = { "tcp-reset": "a TCP reset", "icmp-port-unreachable": "an ICMP port unreachable" } as const;
    if (status === "failed") expect(r.explanation).toMatch(new RegExp(`^refused with ${refusal ? words[refusal] : "an answer whose kind was not seen"}, but \`refused:${kind}\` wants ${kind === "rst" ? "a TCP reset \\(REJECT --reject-with tcp-reset\\)" : "an ICMP port unreachable \\(REJECT --reject-with icmp-port-unreachable, REJECT's default\\)"}\\. `));
  });
});
