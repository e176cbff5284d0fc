/**
 * A `run` step that kills or stops a declared listener: the step's error,
 * naming the listener, never a `blocked` verdict from the kernel's answer to a
 * port nothing serves (a killed TCP server: RST; a stopped UDP server: no
 * reply) — real containers, through the runner as `fwspec run` does.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { planScenario } from "../plan/plan.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";
import { runScenarioSet } from "./run-set.ts";

const hosts = { server: { firewall: true, listen: ["tcp/8080", "udp/5353"] }, remote: {} };

function scenario(name: string, command: string) {
  return defineScenario({
    name,
    description: `listeners after a run step: ${name}`,
    family: "ipv4",
    hosts,
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j ACCEPT", "iptables -A INPUT -p udp --dport 5353 -j ACCEPT"] } },
      { run: { host: "server", command } },
      { expect: ["remote -> server:8080 blocked", "remote -> server:5353/udp blocked"] },
    ],
  } as never);
}

async function run(...scenarios: ReturnType<typeof scenario>[]) {
  return runScenarioSet(scenarios.map((s) => planScenario(s)), { provider: await testLabProvider(), labs: 1 });
}

/** The run step's result: its error, and the expect steps after it not run. */
function stepMessage(report: Awaited<ReturnType<typeof run>>[number]): string {
  const [run, ...rest] = report.steps.filter((s) => s.step !== "apply");
  expect(rest.map((s) => `${s.status} ${s.message}`)).toEqual(rest.map(() => "error not run: step 2 (run, line 1) failed"));
  return `${run!.status} ${run!.message}`;
}

describe("listeners after a run step", () => {
  it("a killed TCP server, a stopped UDP server: the step's error naming each, no verdict; a harmless step passes on to its verdicts", async () => {
    const [killed, stopped, harmless] = await run(
      scenario("killed", "pkill -KILL -x fwspec-tcp-echo"),
      scenario("stopped", "pkill -STOP -f fwspec-udp-echo"),
      scenario("harmless", "true"),
    );
    expect(killed!.status).toBe("error");
    expect(stepMessage(killed!)).toMatch(/^error after this step, listener\(s\) of server no longer answer: tcp\/8080: no socket listens on it any more; a probe to such a port is answered by the kernel/);
    expect(killed!.expectations.filter((e) => e.status === "passed")).toEqual([]);
    expect(stopped!.status).toBe("error");
    expect(stepMessage(stopped!)).toMatch(/^error after this step, listener\(s\) of server no longer answer: udp\/5353: its server is stopped \(process \d+ in state T/);
    expect(stopped!.expectations.filter((e) => e.status === "passed")).toEqual([]);
    // Nothing blocks either port: the listeners answer, so `blocked` fails there (the check itself can fail).
    expect(harmless!.expectations.map((e) => `${e.text} ${e.actual}`)).toEqual(["remote -> server:8080 blocked open", "remote -> server:5353/udp blocked open"]);
  });
});

// Tester 39b: a process an earlier step left running on the host ended its listener, and the next step there took the blame alone.
it("a listener ended after an earlier step ran commands on its host: the step's error says an earlier step's process may have; after commands on another host only, not", async () => {
  const steps = (first: { host: string; command: string }, then: string) => defineScenario({
    name: `earlier on ${first.host}`,
    description: "a run step after earlier commands",
    family: "ipv4",
    hosts,
    steps: [{ run: first }, { run: { host: "server", command: then } }, { expect: ["remote -> server:8080 blocked"] }],
  } as never);
  const [background, elsewhere] = await run(
    steps({ host: "server", command: "sh -c '(sleep 1; pkill -x fwspec-tcp-echo) >/dev/null 2>&1 & echo started'" }, "sleep 2"),
    steps({ host: "remote", command: "ip link set dev lo mtu 65000" }, "pkill -KILL -x fwspec-tcp-echo"),
  );
  expect(`${background!.steps[1]!.status} ${background!.steps[1]!.message}`).toMatch(/^error after this step, listener\(s\) of server no longer answer \(ended by this step's command, or by a process an earlier step of this scenario left running on server\): tcp\/8080: no socket listens/);
  expect(`${elsewhere!.steps[1]!.status} ${elsewhere!.steps[1]!.message}`).toMatch(/^error after this step, listener\(s\) of server no longer answer: tcp\/8080: no socket listens/);
}, 60_000);

it("a run step that restarts a listener in the background: given a bounded while, its socket is found again and the step passes", async () => {
  const restart = "sh -c 'pkill -x fwspec-tcp-echo; sleep 0.3; setsid socat TCP6-LISTEN:8080,ipv6only=0,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 &'";
  const [report] = await run(scenario("restarted", restart));
  expect(report!.steps.map((s) => `${s.step} ${s.status}`)).toEqual(["apply passed", "run passed"]);
  // Nothing blocks either port, and both listen again: `blocked` fails on each.
  expect(report!.expectations.map((e) => `${e.text} ${e.actual}`)).toEqual(["remote -> server:8080 blocked open", "remote -> server:5353/udp blocked open"]);
}, 60_000);

describe("listeners after an apply script", () => {
  it("a script that kills a listener: the apply step's error naming it, never `blocked` from the kernel's RST", async () => {
    const killing = defineScenario({
      name: "apply kills",
      description: "an apply script that kills the declared TCP server",
      family: "ipv4",
      hosts,
      steps: [
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j ACCEPT", "pkill -KILL -x fwspec-tcp-echo"] } },
        { expect: ["remote -> server:8080 blocked"] },
      ],
    } as never);
    const [report] = await run(killing);
    expect(report!.status).toBe("error");
    expect(`${report!.steps[0]!.status} ${report!.steps[0]!.message}`).toMatch(/^error after this step, listener\(s\) of server no longer answer: tcp\/8080: no socket listens on it any more/);
    expect(report!.expectations.filter((e) => e.status === "passed")).toEqual([]);
  });

  it("a listener a scenario's background ended after its checks: the next scenario on the lab gets it set again, not an error", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fwspec-listeners-later-"));
    writeFileSync(path.join(dir, "kills-later.sh"), "{ sleep 0.3; pkill -KILL -x fwspec-tcp-echo; } &\n");
    const withScript = defineScenario({
      name: "kills later",
      description: "the apply script's background kills the TCP server once the steps that check listeners are over",
      family: "ipv4",
      hosts,
      steps: [
        { apply: { host: "server", script: "kills-later.sh" } },
        { run: { host: "remote", command: "sleep 1" } },
        { expect: ["remote -> server:5353/udp open"] },
      ],
    } as never, { baseDir: dir });
    const next = scenario("harmless after", "true");
    const lines: string[] = [];
    const reports = await runScenarioSet([withScript, next].map((s) => planScenario(s)), { provider: await testLabProvider(), labs: 1, progress: { step: (m) => void lines.push(m), info: (m) => void lines.push(m) } });
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => r.steps))).toEqual(["passed", "failed"]);
    // Both listen again on the lab it shared: `blocked` fails on each (open), as on a fresh lab.
    expect(reports[1]!.expectations.map((e) => `${e.text} ${e.actual}`)).toEqual(["remote -> server:8080 blocked open", "remote -> server:5353/udp blocked open"]);
    expect(lines.filter((l) => /fresh lab|lab\(s\)/.test(l)), lines.join("\n")).toEqual([expect.stringMatching(/on 1 lab\(s\)/)]);
  });
});

describe("what the scenario's commands took after their step's checks (runner/vanished.ts; tester 39a, reviewer 39)", () => {
  it("a listener a background job ended later: `refused` and `blocked` are errors, but a REJECT's `refused` stands; an address removed or its link down: `dropped` (a sweep too) is an error", async () => {
    const later = defineScenario({
      name: "ended later",
      description: "a background job ends the TCP server after the run step's check",
      family: "ipv4",
      hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} },
      steps: [
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j REJECT --reject-with tcp-reset"] } },
        { run: { host: "server", command: "sh -c '(sleep 1; pkill -x fwspec-tcp-echo) >/dev/null 2>&1 & echo started'" } },
        { run: { host: "remote", command: "sleep 2" } },
        { expect: ["remote -> server:8080 refused", "remote -> server:8080 blocked", "remote -> server:8081 refused"] },
      ],
    } as never);
    const removed = defineScenario({
      name: "address removed",
      description: "a run step removes the server's IPv6 address",
      family: "ipv6",
      hosts,
      steps: [
        { run: { host: "server", command: "ip -6 addr del {{ server.ipv6 }}/64 dev eth0" } },
        { expect: ["remote -> server:8080 dropped", "remote -> server:8080-8085 dropped"] },
      ],
    } as never);
    const down = defineScenario({
      name: "link down",
      description: "a run step takes the server's link down (its IPv4 address stays)",
      family: "ipv4",
      hosts,
      steps: [
        { run: { host: "server", command: "ip link set dev eth0 down" } },
        { expect: ["remote -> server:8080 dropped"] },
      ],
    } as never);
    // Tester 39b: the prober's own source address removed gave the tool's bind error as the reason.
    const sourceGone = defineScenario({
      name: "source address removed",
      description: "a run step removes the prober's extra address it probes from",
      family: "ipv4",
      subnets: { lan: { ipv4: "198.18.97.0/24", ipv6: "2001:db8:97::/64" } },
      hosts: {
        server: { firewall: true, listen: ["tcp/8080"] },
        remote: { addresses: { lan: { ipv4: "198.18.97.10", ipv6: "2001:db8:97::10", extra: ["198.18.97.200"] } } },
      },
      steps: [
        { run: { host: "remote", command: "ip addr del 198.18.97.200/24 dev eth0" } },
        { expect: ["remote@198.18.97.200 -> server:8080 dropped", "remote@198.18.97.10 -> server:8080 open"] },
      ],
    } as never);
    const [a, b, c, d] = await run(later, removed, down, sourceGone);
    expect(a!.expectations.map((e) => `${e.status} ${e.actual}: ${e.reason}`)).toEqual([
      expect.stringMatching(/^error error: server's listener tcp\/8080 no longer listens \(a process a command of this scenario left running may have ended it\)/),
      expect.stringMatching(/^error error: server's listener tcp\/8080 no longer listens/),
      expect.stringMatching(/^passed refused: /),
    ]);
    expect(b!.expectations.map((e) => `${e.status} ${e.actual}: ${e.reason}`)).toEqual([
      expect.stringMatching(/^error error: server no longer holds 2001:db8:\S+ on a link that is up \(a command of this scenario removed it or took its link down\)/),
      expect.stringMatching(/^error error: server no longer holds 2001:db8:\S+ on a link that is up/),
    ]);
    expect(c!.expectations.map((e) => `${e.status} ${e.actual}: ${e.reason}`)).toEqual([expect.stringMatching(/^error error: server no longer holds 198\.\S+ on a link that is up/)]);
    expect(d!.expectations.map((e) => `${e.status} ${e.actual}: ${e.reason}`)).toEqual([
      "error error: remote no longer holds 198.18.97.200, the source address this probe leaves from, on a link that is up (a command of this scenario removed it or took its link down): the probe cannot be sent from it",
      expect.stringMatching(/^passed open: /),
    ]);
  }, 90_000);
});
