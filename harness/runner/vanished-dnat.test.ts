/** Unit tests (no Docker): a refused probe a DNAT sent on to a lab host with no listener declared there is an error. */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { ProbeSpec } from "../model/types.ts";
import type { Observation } from "../probes/observe.ts";
import { unlistenedDnat } from "./vanished.ts";

const spec: ProbeSpec = { from: "client", to: { kind: "host", host: "router" }, port: 8082, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 };
const accept: Decision = { host: "router", family: "ipv4", table: "inet gw", path: ["forward"], rule: "ct status dnat accept", action: "accept", policy: false, source: "trace" };
const observed = (verdict: string, decision: Decision | undefined): Observation => ({ result: { spec, address: "198.18.50.2", verdict, reason: "", evidence: { command: "", argv: [], exitCode: 1, stdout: "", stderr: "", durationMs: 5 } } as never, decidedBy: [], ...(decision ? { decision } : {}) });
const backend = { name: "backend", spec: { listen: [{ protocol: "tcp", port: 85 }, { protocol: "udp", port: 53 }] } } as never;
const owner = (a: string) => (a === "198.18.51.10" || a === "2001:db8:51::10" ? backend : undefined);

describe("unlistenedDnat", () => {
  test.each([
    ["sent on to a port nobody listens on", observed("refused", { ...accept, sentOnTo: "198.18.51.10:82" }), "a DNAT sent it on to backend (198.18.51.10:82), where no listener is declared on tcp/82: its kernel may have refused it, not a rule; declare it there (`listen: [tcp/82]` on backend) so that only a rule can refuse it"],
    ["IPv6, bracketed", observed("refused", { ...accept, sentOnTo: "[2001:db8:51::10]:82" }), expect.stringContaining("backend ([2001:db8:51::10]:82), where no listener is declared on tcp/82")],
    ["the address alone (counters): the probed port", observed("refused", { ...accept, sentOnTo: "198.18.51.10" }), expect.stringContaining("no listener is declared on tcp/8082")],
    ["a port with a declared listener (it stopped, or a rule no counter named): not this error", observed("refused", { ...accept, sentOnTo: "198.18.51.10:85" }), undefined],
    ["a port range (reviewer): not known which port", observed("refused", { ...accept, sentOnTo: "198.18.51.10:85-86" }), undefined],
    ["an address no lab host holds", observed("refused", { ...accept, sentOnTo: "198.18.51.99:82" }), undefined],
    ["a REJECT decided", observed("refused", { ...accept, action: "reject", sentOnTo: "198.18.51.10:82" }), undefined],
    ["not refused", observed("dropped", { ...accept, sentOnTo: "198.18.51.10:82" }), undefined],
    ["not sent on", observed("refused", accept), undefined],
  ] as const)("%s", (_what, o, want) => {
    expect(unlistenedDnat(o, owner)).toEqual(want);
  });
});
