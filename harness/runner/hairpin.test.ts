/** Unit tests (pure) for hairpin.ts: a port forward used from its own network without SNAT, and the words for it. */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { Observation } from "../probes/observe.ts";
import { decidedFor } from "../report/failure.ts";
import { withHairpin } from "./hairpin.ts";

const DNAT = "ip nat prerouting: ip daddr 198.18.60.2 tcp dport 8080 dnat to 198.18.61.10:80 [handle 18]";
const forward = (over: Partial<Decision> = {}): Decision => ({ host: "gw", family: "ipv4", table: "inet fw", path: ["forward"], rule: "ct status dnat accept", action: "accept", policy: false, source: "trace", sentOnTo: "198.18.61.10:80", rewrites: [DNAT], ...over });
const seen = (verdict: "dropped" | "open", decision: Decision | undefined = forward()): Observation => ({
  result: { spec: { from: "laptop", to: { kind: "address", address: "198.18.60.2" }, port: 8080, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, address: "198.18.60.2", verdict, reason: "no answer", evidence: { command: "nc", argv: [], exitCode: 1, stdout: "", stderr: "", durationMs: 2000 } },
  decidedBy: [],
  ...(decision ? { decision } : {}),
});
const hosts: Record<string, { name: string; networks: string[] }> = { "198.18.61.10": { name: "nas", networks: ["lan"] }, "198.18.62.10": { name: "dmz", networks: ["dmz"] } };
const ownerOf = (a: string) => hosts[a];
const laptop = { name: "laptop", networks: ["lan"] };

describe("a port forward used from its own network, no SNAT on its way", () => {
  test.each([
    ["dropped, sent on to a host on the prober's network: marked", seen("dropped"), "nas"],
    ["… to a host on another network: not", seen("dropped", forward({ sentOnTo: "198.18.62.10:80" })), undefined],
    ["… with a masquerade among its rewrites: not", seen("dropped", forward({ rewrites: [DNAT, "ip nat postrouting: oifname \"lan0\" masquerade [handle 20]"] })), undefined],
    ["… with an iptables SNAT: not", seen("dropped", forward({ rewrites: [DNAT, "nat POSTROUTING: -A POSTROUTING -j SNAT --to-source 198.18.61.254 [handle 9]"] })), undefined],
    ["open: not", seen("open"), undefined],
    ["no DNAT: not", seen("dropped", forward({ sentOnTo: undefined })), undefined],
  ])("%s", (_what, o, hairpin) => {
    expect(withHairpin(o, ownerOf, laptop).decision?.hairpin).toBe(hairpin);
  });

  test("the decided line says the answer came from elsewhere, not that a chain lost it (tester 44b)", () => {
    const d = withHairpin(seen("dropped"), ownerOf, laptop).decision!;
    const line = decidedFor({ actual: "dropped", from: "laptop", to: "198.18.60.2", port: 8080 }, d);
    expect(line).toContain("; it let the first packet through: the DNAT sent it to nas, on laptop's own network, with no SNAT: nas answered laptop directly, from its own address, which laptop's connection does not expect (its kernel resets it), so no chain dropped the answer; a port forward used from inside needs that traffic SNATed (masqueraded) on gw too (hairpin NAT)");
    expect(line).not.toContain("lost on its way back");
  });
});
