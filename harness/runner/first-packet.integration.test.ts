/**
 * The deciding rule with real packets, on an iptables-nft host and an
 * iptables-legacy host side by side: the rule that took the connection's first
 * packet, never the busiest one. The multiport/ESTABLISHED case and ufw's own
 * ruleset (fixtures/ufw, what ufw-init loaded) from issue 15.
 */
import { describe, expect, it } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ApplyStep, ExpectStep } from "../scenario/model.ts";
import { openSession, probeEach } from "../testing/session.ts";

const MULTIPORT = "-A INPUT -p tcp -m multiport --dports 8080,8081 -m conntrack --ctstate NEW -j ACCEPT";
const multiport = ["iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "iptables -A INPUT -p tcp -m multiport --dports 8080,8081 -m conntrack --ctstate NEW -j ACCEPT", "iptables -P INPUT DROP"];
const listen = ["tcp/8080", "tcp/8081", "tcp/8082", "tcp/8084", "tcp/8085"];
const BOXES = ["nftbox", "legacybox"] as const;

const scenario = defineScenario({
  name: "first packet",
  description: "the rule that took the first packet decides, on nft and legacy",
  hosts: { nftbox: { firewall: true, backend: "nft", listen }, legacybox: { firewall: true, backend: "legacy", listen }, client: {} },
  steps: [
    ...BOXES.map((host) => ({ apply: { host, commands: multiport } })),
    { expect: BOXES.flatMap((b) => [`client -> ${b}:8080 open`, `client -> ${b}:8082 dropped`, `client -> ${b}:8081 dropped`]) },
    ...BOXES.map((host) => ({ apply: { host, restore: { ipv4: "../../fixtures/ufw/rules.v4", ipv6: "../../fixtures/ufw/rules.v6" } } })),
    { expect: BOXES.flatMap((b) => [`client -> ${b}:8080 open`, `client -> ${b}:8081 refused`, `client -> ${b}:8082 open`, `client -> ${b}:8084 dropped`, `client -> ${b}:8085 dropped`, `client -> ${b}:8082 dropped`]) },
  ],
}, { baseDir: import.meta.dirname });

async function expectStep(s: Awaited<ReturnType<typeof openSession>>, index: number, family: "ipv4" | "ipv6"): Promise<Map<string, ExpectationResult>> {
  const step = scenario.steps[index] as ExpectStep;
  const results = await probeEach(s, step.expectations.map((expectation) => ({ expectation, family })));
  return new Map(results.map((r) => [r.text, r]));
}

describe("the deciding rule is the one that took the first packet (nft and legacy)", () => {
  it("multiport NEW over ESTABLISHED; ufw's limit-accept, reject, multiport, deny and default deny", async () => {
    await using s = await openSession(scenario, { trace: false }); // the counters' decision (trace.integration.test.ts: the trace's)
    for (const i of [0, 1]) await s.apply(scenario.steps[i] as ApplyStep, "apply");
    const first = await expectStep(s, 2, "ipv4");
    for (const b of BOXES) {
      const open = first.get(`client -> ${b}:8080 open`)!;
      expect(open.actual, b).toBe("open");
      // The handshake's other packets counted on ESTABLISHED (+3); the SYN on the multiport rule (+1).
      expect(open.decidedBy.join("\n"), b).toMatch(/ESTABLISHED -j ACCEPT \(\+[2-9] packets\)/);
      expect(open.decision, b).toMatchObject({ host: b, rule: MULTIPORT, action: "accept", path: ["INPUT"], source: "counters" });
      expect(first.get(`client -> ${b}:8082 dropped`)!.decision, b).toMatchObject({ host: b, rule: "policy DROP", policy: true, action: "drop" });
      // Expected dropped, observed open: the words blame the multiport rule, never ESTABLISHED.
      const wrong = first.get(`client -> ${b}:8081 dropped`)!;
      expect(wrong.status, b).toBe("failed");
      expect(wrong.explanation, b).toContain(MULTIPORT);
      expect(wrong.explanation, b).not.toContain("ESTABLISHED");
    }

    for (const i of [3, 4]) await s.apply(scenario.steps[i] as ApplyStep, "apply");
    for (const family of ["ipv4", "ipv6"] as const) {
      const ufw = await expectStep(s, 5, family);
      const u = family === "ipv4" ? "ufw" : "ufw6";
      for (const b of BOXES) {
        const at = (text: string) => ufw.get(`client -> ${b}:${text}`)!;
        expect(at("8080 open").actual, `${b} ${family}`).toBe("open");
        expect(at("8080 open").decision, `${b} ${family}`).toMatchObject({ rule: `-A ${u}-user-limit-accept -j ACCEPT`, path: ["INPUT", `${u}-before-input`, `${u}-user-input`, `${u}-user-limit-accept`], action: "accept" });
        expect(at("8081 refused").decision, `${b} ${family}`).toMatchObject({ rule: `-A ${u}-user-input -p tcp -m tcp --dport 8081 -j REJECT --reject-with tcp-reset`, path: ["INPUT", `${u}-before-input`, `${u}-user-input`], action: "reject" });
        expect(at("8082 open").decision, `${b} ${family}`).toMatchObject({ rule: `-A ${u}-user-input -p tcp -m multiport --dports 8082,8083 -j ACCEPT`, action: "accept" });
        expect(at("8084 dropped").decision, `${b} ${family}`).toMatchObject({ rule: `-A ${u}-user-input -p tcp -m tcp --dport 8084 -j DROP`, action: "drop" });
        expect(at("8085 dropped").decision, `${b} ${family}`).toMatchObject({ rule: "policy DROP", path: ["INPUT"], policy: true });
        const wrong = at("8082 dropped");
        expect(wrong.status).toBe("failed");
        expect(wrong.explanation).toContain(`${b} INPUT → ${u}-before-input → ${u}-user-input: -A ${u}-user-input -p tcp -m multiport --dports 8082,8083 -j ACCEPT`);
      }
    }
  });
});
