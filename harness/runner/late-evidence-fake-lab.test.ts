/**
 * A dropped probe whose packet is counted late (a loaded machine: the tool
 * started after the evidence window had closed) is still stopped on that
 * evidence once it shows, not left to run to its own timeout; a probe whose
 * packet never shows in any counter still ends by its tool. No Docker: the
 * in-memory lab hides the DROP rule's count from the firewall host's readings
 * for a while after the probe starts, and `fwspec-probe wait <id> <ms>` waits
 * as the real one does when the tool runs on.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { EVIDENCE_WINDOW_MS } from "../probes/observe.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider } from "../testing/fake-lab.ts";

/** Readings of the server's rules show the counters of before the probe started until `hiddenMs` after it (Infinity: never). */
class LateCountProvider extends FakeLabProvider {
  readonly #hiddenMs: number;
  /** Every `fwspec-probe wait` with a time limit, in order. */
  readonly polls: number[] = [];
  constructor(hiddenMs: number) {
    super();
    this.#hiddenMs = hiddenMs;
  }
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    const server = lab.host("server");
    let hidden: { readonly until: number; readonly saved: Map<string, string> } | undefined;
    aroundExec(lab, async (host, command, exec) => {
      if (command[0] === "fwspec-probe" && command[1] === "start" && host.name === "remote") {
        const saved = new Map<string, string>();
        for (const tool of ["iptables-save", "ip6tables-save"]) saved.set(tool, (await server.exec([tool, "-c"])).stdout);
        hidden = { until: performance.now() + this.#hiddenMs, saved };
        return exec();
      }
      if (command[0] === "fwspec-probe" && command[1] === "wait" && command.length > 3) {
        // The tool runs on (a dropped SYN): the real wait takes its whole time limit.
        this.polls.push(Number(command[3]));
        await sleep(Number(command[3]));
        return exec();
      }
      const reading = hidden && host.name === "server" && performance.now() < hidden.until ? hidden.saved.get(command[0]!) : undefined;
      if (reading !== undefined && command[1] === "-c") return { command, exitCode: 0, stdout: reading, stderr: "", durationMs: 1 };
      return exec();
    });
    return lab;
  }
}

const scenario = defineScenario({
  name: "late",
  description: "a dropped port",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
  steps: [
    { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
    { expect: ["remote -> server:8080 dropped"] },
  ],
});

describe("a packet counted after the evidence window", () => {
  test("still stops the probe early, on the counters' evidence", async () => {
    const provider = new LateCountProvider(EVIDENCE_WINDOW_MS.tcp + 150);
    const report = await run({ scenarios: [scenario] }, { provider, labs: 1, family: "ipv4", timeoutSeconds: 1 });
    const [result] = report.scenarios[0]!.expectations;
    expect(result!.status).toBe("passed");
    expect(result!.actual).toBe("dropped");
    expect(result!.evidence.stoppedEarly).toMatch(/^stopped after \d+ ms: a DROP rule/);
    // Past the window the counters are read less often than within it.
    expect(provider.polls.some((ms) => ms > 10)).toBe(true);
  });

  test("a packet no counter ever shows: the tool's own timeout decides", async () => {
    const provider = new LateCountProvider(Number.POSITIVE_INFINITY);
    const report = await run({ scenarios: [scenario] }, { provider, labs: 1, family: "ipv4", timeoutSeconds: 1 });
    const [result] = report.scenarios[0]!.expectations;
    expect(result!.actual).toBe("dropped");
    expect(result!.evidence.stoppedEarly).toBeUndefined();
    expect(result!.evidence.stderr).toMatch(/timed out/);
  });
});
