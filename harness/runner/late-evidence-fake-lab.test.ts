/**
 * A dropped probe whose packet is counted late (a loaded machine: the tool
 * sends its SYN after EVIDENCE_WINDOW_MS) is still decided early from the
 * counters, within evidenceWindowMs, instead of running to its timeout. No
 * Docker: the in-memory lab's counter readings show the DROP only 400 ms
 * after the probe started, and its waits take the time they ask for.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { ExecResult } from "../lab/exec.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { EVIDENCE_WINDOW_MS, evidenceWindowMs } from "../probes/observe.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider } from "../testing/fake-lab.ts";

const LATE_MS = 400;

class LateCountingProvider extends FakeLabProvider {
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    let startedAt: number | undefined;
    const last = new Map<string, ExecResult>();
    const stale = new Map<string, ExecResult>();
    aroundExec(lab, async (_host, command, exec) => {
      const [tool, op, , wait] = command;
      if (tool === "fwspec-probe" && op === "start") {
        startedAt ??= performance.now();
        for (const [k, v] of last) stale.set(k, v);
      }
      if (tool === "fwspec-probe" && op === "wait" && wait !== undefined) await new Promise((resolve) => setTimeout(resolve, Number(wait)));
      if (tool === "iptables-save" || tool === "ip6tables-save") {
        if (startedAt !== undefined && performance.now() - startedAt < LATE_MS && stale.has(tool)) return stale.get(tool)!;
        const r = await exec();
        last.set(tool, r);
        return r;
      }
      return exec();
    });
    return lab;
  }
}

describe("late counter evidence", () => {
  test.each([
    [{ protocol: "tcp", timeoutSeconds: 2 }, 1500],
    [{ protocol: "tcp", timeoutSeconds: 1 }, 750],
    [{ protocol: "tcp", timeoutSeconds: 10 }, 1500],
    [{ protocol: "udp", timeoutSeconds: 1 }, 750],
  ] as const)("window for %o: %i ms", (spec, ms) => {
    expect(evidenceWindowMs(spec)).toBe(ms);
  });

  test("a DROP counted after the short window still decides the probe early", async () => {
    expect(LATE_MS).toBeGreaterThan(EVIDENCE_WINDOW_MS.tcp);
    const scenario = defineScenario({
      name: "late",
      description: "a DROP counted late",
      family: "ipv4",
      timeout: 2,
      hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
      steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "ip6tables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 dropped"] }],
    });
    const report = await run({ scenarios: [scenario] }, { provider: new LateCountingProvider(), labs: 1 });
    const [result] = report.scenarios[0]!.expectations;
    expect(result!.actual).toBe("dropped");
    expect(result!.evidence.stoppedEarly).toMatch(/a DROP rule took its SYN/);
    // Decided after the short window closed (the stale readings end LATE_MS after the first lane's start).
    expect(result!.evidence.durationMs).toBeGreaterThan(EVIDENCE_WINDOW_MS.tcp);
  });
});
