/**
 * nftables tracing with real packets: on an iptables-nft host (ufw's own
 * ruleset, fixtures/ufw) and a native nft host (fixtures/trace/native.nft)
 * every verdict names the rule that took the probe's first packet from its
 * trace (table, path, handle; iptables-nft rules by their iptables-save
 * line), including a policy drop that counters cannot see on nft; a legacy
 * host keeps the counters. The trace table is gone after the step and never
 * in the loaded-rules evidence; one monitor serves every step, also after the
 * ruleset changed (rules added after its start, a table re-created): rules are
 * named from the listing read when the step is collected, never from the
 * monitor's cache. Prints what tracing costs per step.
 */
import { describe, expect, it } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ApplyStep, ExpectStep } from "../scenario/model.ts";
import { openSession } from "../testing/session.ts";
import { plannedProbe } from "../plan/plan.ts";
import { armTraces, tracedSpecs } from "../probes/trace-step.ts";

const listen = ["tcp/8080", "tcp/8081", "tcp/8082", "tcp/8084", "tcp/8085"];
const ufw = { ipv4: "../../fixtures/ufw/rules.v4", ipv6: "../../fixtures/ufw/rules.v6" };
const scenario = defineScenario({
  name: "trace",
  description: "the deciding rule from nftables traces",
  hosts: {
    nftbox: { firewall: true, backend: "nft", listen },
    nativebox: { firewall: true, backend: "nft", listen },
    legacybox: { firewall: true, backend: "legacy", listen },
    client: {},
  },
  steps: [
    { apply: { host: "nftbox", restore: ufw } },
    { apply: { host: "legacybox", restore: ufw } },
    { apply: { host: "nativebox", nft: "../../fixtures/trace/native.nft" } },
    {
      expect: [
        ...["nftbox", "legacybox"].flatMap((b) => [`client -> ${b}:8080 open`, `client -> ${b}:8081 refused`, `client -> ${b}:8084 dropped`, `client -> ${b}:8085 dropped`]),
        "client -> nativebox:8080 open", "client -> nativebox:8081 refused", "client -> nativebox:8082 dropped", "client -> nativebox:8085 open",
        // A second probe to client -> nftbox:8080's destination: told apart by its source.
        "nftbox -> nftbox:8080 open",
      ],
    },
  ],
}, { baseDir: import.meta.dirname });

describe("nftables trace names the deciding rule", () => {
  it("iptables-nft (ufw) and native nft by trace, legacy by counters; the trace table is removed", async () => {
    await using s = await openSession(scenario);
    for (const i of [0, 1, 2]) await s.apply(scenario.steps[i] as ApplyStep, "apply");
    const step = scenario.steps[3] as ExpectStep;
    const monitors: string[] = [];
    for (const family of ["ipv4", "ipv6"] as const) {
      const planned = step.expectations.map((e) => plannedProbe(scenario, e, family));
      const started = performance.now();
      const results = new Map((await s.probe(planned)).map((r) => [r.text, r] as const));
      const traced = Math.round(performance.now() - started);
      const at = (text: string): ExpectationResult => results.get(text)!;
      const u = family === "ipv4" ? "ufw" : "ufw6";
      const where = `${family}`;

      // iptables-nft: the trace, mapped back to iptables-save lines.
      expect(at("client -> nftbox:8080 open").decision, where).toMatchObject({ source: "trace", host: "nftbox", table: "filter", rule: `-A ${u}-user-limit-accept -j ACCEPT`, path: ["INPUT", `${u}-before-input`, `${u}-user-input`, `${u}-user-limit-accept`], action: "accept" });
      expect(at("client -> nftbox:8080 open").decision?.handle, where).toBeGreaterThan(0);
      expect(at("nftbox -> nftbox:8080 open").decision, where).toMatchObject({ source: "trace", host: "nftbox", table: "filter", rule: `-A ${u}-before-input -i lo -j ACCEPT`, action: "accept" });
      expect(at("client -> nftbox:8081 refused").decision, where).toMatchObject({ source: "trace", rule: `-A ${u}-user-input -p tcp -m tcp --dport 8081 -j REJECT --reject-with tcp-reset`, path: ["INPUT", `${u}-before-input`, `${u}-user-input`], action: "reject" });
      expect(at("client -> nftbox:8084 dropped").decision, where).toMatchObject({ source: "trace", rule: `-A ${u}-user-input -p tcp -m tcp --dport 8084 -j DROP`, action: "drop" });
      // A policy drop: iptables-nft keeps no policy counter, the trace sees it.
      expect(at("client -> nftbox:8085 dropped").decision, where).toMatchObject({ source: "trace", rule: "policy DROP", path: ["INPUT"], policy: true, action: "drop" });

      // Native nft: the rule as nft prints it, its table and chain path.
      const saddr = family === "ipv4" ? "ip saddr 198.18.0.0/15 counter accept" : "ip6 saddr 2001:db8::/32 counter accept";
      expect(at("client -> nativebox:8080 open").decision, where).toMatchObject({ source: "trace", table: "inet filter", rule: saddr, path: ["input", "services"], action: "accept" });
      expect(at("client -> nativebox:8081 refused").decision, where).toMatchObject({ source: "trace", table: "inet filter", rule: "tcp dport 8081 counter reject with tcp reset", action: "reject" });
      expect(at("client -> nativebox:8082 dropped").decision, where).toMatchObject({ source: "trace", table: "inet filter", rule: "policy drop", path: ["input"], policy: true });
      // Expected open, observed dropped: the words name the policy from the trace.
      const wrong = at("client -> nativebox:8085 open");
      expect(wrong.status, where).toBe("failed");
      expect(wrong.explanation, where).toContain("the input policy drop on nativebox");

      // Legacy: no trace, the counters decide.
      expect(at("client -> legacybox:8080 open").decision, where).toMatchObject({ source: "counters", rule: `-A ${u}-user-limit-accept -j ACCEPT` });
      expect(at("client -> legacybox:8085 dropped").decision, where).toMatchObject({ source: "counters", rule: "policy DROP" });

      // The trace table is gone once the step is over.
      for (const h of ["nftbox", "nativebox"]) {
        expect((await s.lab.host(h).exec(["nft", "list", "tables"])).stdout, h).not.toContain("fwspec_trace");
      }
      // One monitor per host serves every step: still running after this step, the same one after the next.
      const monitor = (await s.lab.host("nftbox").exec(["sh", "-c", 'read -r pid since < /tmp/fwspec-trace.pid && grep -q monitor /proc/$pid/cmdline && echo "$pid"'])).stdout.trim();
      expect(monitor, `${where}: the monitor runs on after the step`).toMatch(/^\d+$/);
      monitors.push(monitor);
      // What tracing adds to a step: arming the traced hosts before it, collecting after it (no command per probe).
      const t0 = performance.now();
      const armed = await armTraces(s.lab, tracedSpecs(planned));
      const t1 = performance.now();
      await armed.collect();
      console.log(`trace cost (${family}): step of ${planned.length} probes ${traced} ms; arming 2 hosts ${Math.round(t1 - t0)} ms, collecting ${Math.round(performance.now() - t1)} ms`);
    }
    expect(monitors[1], "the second step reused the first step's monitor").toBe(monitors[0]);

    // The ruleset changes (as an apply, a run step or the reset between two scenarios on one lab do): the monitor
    // knows only the rules of its start (it prints `unknown rule handle N` for later ones), so the rules are named
    // from the listing read when the step is collected, and the same monitor serves on.
    const monitorOf = async (h: string) => (await s.lab.host(h).exec(["sh", "-c", 'read -r pid since < /tmp/fwspec-trace.pid && grep -q monitor /proc/$pid/cmdline && echo "$pid"'])).stdout.trim();
    await s.lab.host("nftbox").exec(["iptables", "-I", "INPUT", "1", "-p", "tcp", "--dport", "8080", "-j", "DROP"]);
    const first = (scenario.steps[3] as ExpectStep).expectations[0]!;
    const [after] = await s.probe([plannedProbe(scenario, first, "ipv4")]);
    expect(after!.actual).toBe("dropped");
    expect(after!.decision).toMatchObject({ source: "trace", host: "nftbox", table: "filter", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", path: ["INPUT"], action: "drop" });
    expect(await monitorOf("nftbox"), "a changed ruleset keeps the monitor").toBe(monitors[0]);
    // The same rules again with new handles (a reset and the same apply, as two scenarios with one ruleset on one lab).
    await s.lab.host("nftbox").exec(["iptables", "-D", "INPUT", "1"]);
    await s.lab.host("nftbox").exec(["iptables", "-I", "INPUT", "1", "-p", "tcp", "--dport", "8080", "-j", "DROP"]);
    const [again] = await s.probe([plannedProbe(scenario, first, "ipv4")]);
    expect(again!.decision).toMatchObject({ source: "trace", host: "nftbox", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", action: "drop" });
    // Native: the table re-created with 8081 dropped instead of rejected; the monitor's start knew the reject.
    const nativeMonitor = await monitorOf("nativebox");
    expect(nativeMonitor).toMatch(/^\d+$/);
    const replaced = "delete table inet filter\ntable inet filter {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 8081 counter drop\n }\n}\n";
    expect((await s.lab.host("nativebox").exec(["nft", "-f", "-"], { stdin: replaced })).exitCode).toBe(0);
    const to8081 = (scenario.steps[3] as ExpectStep).expectations.find((e) => e.text === "client -> nativebox:8081 refused")!;
    const [native] = await s.probe([plannedProbe(scenario, to8081, "ipv4")]);
    expect(native!.actual).toBe("dropped");
    expect(native!.decision).toMatchObject({ source: "trace", host: "nativebox", table: "inet filter", rule: "tcp dport 8081 counter drop", path: ["input"], action: "drop" });
    expect(await monitorOf("nativebox"), "a re-created table keeps the monitor").toBe(nativeMonitor);
  });
});
