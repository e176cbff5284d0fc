/**
 * The probe's first wait (fwspec-probe start <id> <grace-ms>) follows its
 * expectation: an answer expected (open, refused) waits up to
 * ANSWERED_GRACE_MS for it, anything else GRACE_MS before counters are read.
 * The verdicts stay what the tool and the counters say (a failing expectation
 * is still caught). No Docker: the in-memory lab records every command.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import { flowMatrix, matrixScenario } from "../diff/matrix.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { ANSWERED_GRACE_MS, GRACE_MS, graceMs, traceGraceMs } from "../probes/observe.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider } from "../testing/fake-lab.ts";

/** A fake lab provider that records each `fwspec-probe start` as `<host> <target> <port> <grace>`. */
class RecordingProvider extends FakeLabProvider {
  readonly starts: string[] = [];
  override async start(spec: LabSpec): Promise<RunningLab> {
    const lab = await super.start(spec);
    aroundExec(lab, async (host, command, exec) => {
      if (command[0] === "fwspec-probe" && command[1] === "start") this.starts.push(`${host.name} ${command.at(-2)} ${command.at(-1)} ${command[3]}`);
      return exec();
    });
    return lab;
  }
}

const scenario = (expectations: string[]) =>
  defineScenario({
    name: "grace",
    description: "probes with each expectation",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081", "tcp/8082"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp --dport 8082 -j REJECT --reject-with tcp-reset"] } },
      { expect: expectations },
    ],
  });

describe("a probe's grace follows its expectation", () => {
  test.each([
    ["open", "tcp", ANSWERED_GRACE_MS],
    ["refused", "tcp", ANSWERED_GRACE_MS],
    ["dropped", "tcp", GRACE_MS.tcp],
    ["blocked", "tcp", GRACE_MS.tcp],
    ["unreachable", "tcp", GRACE_MS.tcp],
    [undefined, "tcp", GRACE_MS.tcp],
    ["open", "udp", GRACE_MS.udp],
    ["dropped", "udp", GRACE_MS.udp],
  ] as const)("expected %s over %s: %i ms", (expected, protocol, ms) => {
    expect(graceMs(protocol, expected)).toBe(ms);
  });

  // Decided from the trace (observe-batch.ts), which names the probe's own packet: no UDP wait for a slow echo first.
  test.each([
    ["open", "udp", ANSWERED_GRACE_MS],
    ["refused", "udp", ANSWERED_GRACE_MS],
    ["dropped", "udp", GRACE_MS.tcp],
    [undefined, "udp", GRACE_MS.tcp],
    ["dropped", "tcp", GRACE_MS.tcp],
    ["open", "http", ANSWERED_GRACE_MS],
  ] as const)("by trace, expected %s over %s: %i ms", (expected, protocol, ms) => {
    expect(traceGraceMs(protocol, expected)).toBe(ms);
  });

  test("the runner starts answered probes with the longer grace and the others with the short one", async () => {
    const provider = new RecordingProvider();
    const report = await run({ scenarios: [scenario(["remote -> server:8081 open", "remote -> server:8080 dropped", "remote -> server:8082 refused"])] }, { provider, labs: 1 });
    expect(report.summary.failed + report.summary.errors).toBe(0);
    // The IPv4 probes and their IPv6 parity probes alike.
    const fromRemote = provider.starts.filter((s) => s.startsWith("remote ")).map((s) => s.split(" ").slice(2).join(" ")).sort();
    // `<grace>,<4|6>`: an ICMP error of the probe's family ends the grace (docker/fwspec-probe).
    expect(fromRemote).toEqual([`8080 ${GRACE_MS.tcp},4`, `8080 ${GRACE_MS.tcp},6`, `8081 ${ANSWERED_GRACE_MS},4`, `8081 ${ANSWERED_GRACE_MS},6`, `8082 ${ANSWERED_GRACE_MS},4`, `8082 ${ANSWERED_GRACE_MS},6`]);
  });

  test("a diff/record flow matrix expects nothing: every probe starts with the short grace (its `open` is a placeholder)", async () => {
    const provider = new RecordingProvider();
    const base = scenario(["remote -> server:8081 open"]);
    await run({ scenarios: [matrixScenario(base, flowMatrix(base))] }, { provider, labs: 1 });
    // Those with a family are the probes decided early; a probe no firewall host watches runs to its end (grace = its limit).
    const early = provider.starts.map((s) => s.split(" ").at(-1)!).filter((g) => g.includes(","));
    const graces = new Set(early.map((g) => g.split(",")[0]));
    expect(early.length).toBeGreaterThan(3);
    expect([...graces]).toEqual([String(GRACE_MS.tcp)]);
  });

  test("an expectation that fails is still caught: a dropped probe expected open is dropped, decided from counters", async () => {
    const provider = new RecordingProvider();
    const report = await run({ scenarios: [scenario(["remote -> server:8080 open"])] }, { provider, labs: 1 });
    const [result] = report.scenarios[0]!.expectations;
    expect(result!.actual).toBe("dropped");
    expect(result!.status).toBe("failed");
    expect(result!.evidence.stoppedEarly).toMatch(/a DROP rule took its SYN/);
  });
});
