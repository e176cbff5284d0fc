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
/** Lab hosts by address: each with its address per network. */
const host = (name: string, on: Record<string, string>) => ({ name, networks: Object.keys(on), addressOn: (n: string) => on[n] });
const gw = host("gw", { lan: "198.18.60.2", wan: "198.18.70.2" });
const nas = host("nas", { lan: "198.18.61.10" });
const dmz = host("dmz", { dmz: "198.18.62.10" });
const byAddress: Record<string, ReturnType<typeof host>> = { "198.18.60.2": gw, "198.18.70.2": gw, "198.18.61.10": nas, "198.18.62.10": dmz };
const ownerOf = (a: string) => byAddress[a];
const laptop = host("laptop", { lan: "198.18.60.5" });
/** On both networks, probing the router's wan address: its answer comes back through the router. */
const both = host("both", { lan: "198.18.60.6", wan: "198.18.70.6" });
const at = (o: Observation, address: string): Observation => ({ ...o, result: { ...o.result, address } });

describe("a port forward used from its own network, no SNAT on its way", () => {
  test.each([
    ["dropped, sent on to a host on the prober's network: marked", seen("dropped"), "nas"],
    ["… to a host on another network: not", seen("dropped", forward({ sentOnTo: "198.18.62.10:80" })), undefined],
    ["… with a masquerade among its rewrites: not", seen("dropped", forward({ rewrites: [DNAT, "ip nat postrouting: oifname \"lan0\" masquerade [handle 20]"] })), undefined],
    ["… with an iptables SNAT: not", seen("dropped", forward({ rewrites: [DNAT, "nat POSTROUTING: -A POSTROUTING -j SNAT --to-source 198.18.61.254 [handle 9]"] })), undefined],
    ["open: not", seen("open"), undefined],
    ["no DNAT: not", seen("dropped", forward({ sentOnTo: undefined })), undefined],
    // Reviewer 44: counters name no rewrite, so no SNAT would be seen: only the trace's decision.
    ["a decision from counters: not", seen("dropped", forward({ source: "counters", rewrites: undefined })), undefined],
    ["a masquerade that counted: not", { ...seen("dropped"), decidedBy: [{ host: "gw", rule: { family: "ipv4", table: "nat", chain: "POSTROUTING", position: 1, packets: 1, bytes: 60, text: "-A POSTROUTING -o lan0 -j MASQUERADE", target: "MASQUERADE", comment: null }, packets: 1, bytes: 60 }] } as Observation, undefined],
  ])("%s", (_what, o, hairpin) => {
    expect(withHairpin(o, ownerOf, laptop).decision?.hairpin).toBe(hairpin);
  });

  test("only on the network the probe left by (reviewer 44): a prober on lan and wan probing the router's wan address is no hairpin", () => {
    expect(withHairpin(at(seen("dropped"), "198.18.70.2"), ownerOf, both).decision?.hairpin).toBeUndefined();
    expect(withHairpin(at(seen("dropped"), "198.18.60.2"), ownerOf, both).decision?.hairpin).toBe("nas");
  });

  test("the decided line says the answer came from elsewhere, not that a chain lost it (tester 44b)", () => {
    const d = withHairpin(seen("dropped"), ownerOf, laptop).decision!;
    const line = decidedFor({ actual: "dropped", from: "laptop", to: "198.18.60.2", port: 8080, protocol: "tcp" }, d);
    expect(line).toContain("; it let the first packet through: the DNAT sent it to nas, on laptop's own network, with no SNAT: nas answered laptop directly, from its own address, which laptop's connection does not expect (its kernel resets it), so no chain dropped the answer; a port forward used from inside needs that traffic SNATed (masqueraded) on gw too (hairpin NAT)");
    expect(line).not.toContain("lost on its way back");
    // UDP has no reset: its socket does not take the stray datagram (reviewer 44).
    expect(decidedFor({ actual: "dropped", from: "laptop", to: "198.18.60.2", port: 53, protocol: "udp" }, d)).toContain("which laptop's connection does not expect (its socket does not take it)");
  });
});
