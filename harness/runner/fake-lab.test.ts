/**
 * Whole scenarios through the real runner (api.run → plan → session → step
 * loop → probes → judge → report) against an in-memory lab: apply, expect,
 * counters, run steps (and the wait for UDP listeners after one), a parity difference (warning and `parity: fail`), an
 * error verdict, a broken step, and a jump to nothing (its scenario errors before any lab). No Docker.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import type { LabSpec, RunningLab } from "../lab/types.ts";
import { renderRun } from "../report/console.ts";
import { renderAnnotations, renderSummary } from "../report/github.ts";
import { renderJson } from "../report/json.ts";
import { renderJunit } from "../report/junit.ts";
import { defineScenario } from "../scenario/load.ts";
import { aroundExec, FakeLabProvider } from "../testing/fake-lab.ts";

const hosts = { server: { firewall: true, listen: ["tcp/8080", "tcp/8081", "tcp/8082"] }, remote: {} };
const DROP_8080 = "-A INPUT -p tcp --dport 8080 -j DROP";

const full = defineScenario({
  name: "full",
  description: "apply, expect, counters, run",
  hosts,
  steps: [
    { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "ip6tables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp --dport 8082 -j REJECT", "ip6tables -A INPUT -p tcp --dport 8082 -j REJECT"] } },
    { counters: [{ host: "server", rule: DROP_8080, packets: "== 0" }] },
    { expect: ["remote -> server:8080 dropped", "remote -> server:8081 open", "remote -> server:8082 refused", "server -> localhost:8080 open"] },
    { counters: [{ host: "server", rule: DROP_8080, packets: "== 1", bytes: ">= 40" }] },
    { run: { host: "server", command: "iptables -C INPUT -p tcp --dport 8080 -j DROP", exit: 0 } },
    { run: { host: "server", command: "iptables -C INPUT -p tcp --dport 9090 -j DROP", exit: "nonzero", contains: "Bad rule" } },
    { run: { host: "server", command: "iptables -C INPUT -p tcp --dport 9090 -j DROP", exit: 0 } },
  ],
});

const parity = (mode: "warn" | "fail") => defineScenario({
  name: `parity ${mode}`,
  description: "a rule for IPv4 only",
  family: "ipv4",
  parity: mode,
  hosts,
  steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 dropped"] }],
});

const broken = defineScenario({
  name: "broken",
  description: "an apply that fails stops the scenario",
  hosts,
  steps: [{ apply: { host: "server", commands: ["nft add table inet x"] } }, { expect: ["remote -> server:8080 open"] }, { run: { host: "server", command: "true" } }],
});

describe("the runner on a fake lab", () => {
  test("apply, expect, counters and run steps give every check its result; run steps count as checks", async () => {
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [full] }, { provider, labs: 1 });
    const s = report.scenarios[0]!;
    expect(s.expectations.map((e) => `${e.text} [${e.family}] ${e.actual} ${e.status}`)).toEqual([
      "remote -> server:8080 dropped [ipv4] dropped passed",
      "remote -> server:8080 dropped [ipv6] dropped passed",
      "remote -> server:8081 open [ipv4] open passed",
      "remote -> server:8081 open [ipv6] open passed",
      "remote -> server:8082 refused [ipv4] refused passed",
      "remote -> server:8082 refused [ipv6] refused passed",
      "server -> localhost:8080 open [ipv4] open passed",
      "server -> localhost:8080 open [ipv6] open passed",
    ]);
    // Decided early from the DROP rule's counter, and named.
    expect(s.expectations[0]!.evidence.stoppedEarly).toMatch(/^stopped after \d+ ms: a DROP rule took its SYN/);
    expect(s.expectations[0]!.decision).toMatchObject({ host: "server", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", action: "drop", source: "counters" });
    expect(s.expectations[0]!.decidedBy).toEqual(["ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (+1 packets)"]);
    // A scenario defined in code has no file to point into: no line named.
    expect(s.expectations[0]!.decision?.origin).toBeUndefined();
    expect(s.counters.map((c) => `${c.family} ${c.status} ${c.packets}`)).toEqual(["ipv4 passed 0", "ipv4 passed 1"]);
    expect(s.steps.map((st) => `${st.step} ${st.status}`)).toEqual(["apply passed", "run passed", "run passed", "run failed"]);
    expect(s.steps[3]!.message).toMatch(/^exit status 1, expected 0/);
    expect(s.status).toBe("failed");
    // 8 expectations + 2 counter checks + 2 run steps held; the apply is not a check.
    expect(report.summary).toEqual({ passed: 12, failed: 1, errors: 0 });
    expect(provider.started.every((lab) => lab.disposed)).toBe(true);
  });

  test("the deciding rule's line is found in the rules as applied, lab addresses put in for `{{ … }}`", async () => {
    const placed = defineScenario({
      name: "placed", description: "a rule naming a lab host by placeholder", family: "ipv4", hosts,
      steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j ACCEPT", "iptables -A INPUT -s {{ remote.ipv4 }} -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 dropped"] }],
    }, { file: "/tmp/fwspec-fake/placed.yaml" });
    const s = (await run({ scenarios: [placed] }, { provider: new FakeLabProvider(), labs: 1 })).scenarios[0]!;
    const d = s.expectations[0]!.decision;
    expect(d?.rule).toMatch(/^-A INPUT -s 198\.[\d.]+(\/32)? -p tcp -m tcp --dport 8080 -j DROP$/);
    expect(d?.origin?.line).toBe(placed.steps[0]!.location.line);
  });

  test("a single-family expectation whose other family differs: a parity warning, or a failure with parity: fail", async () => {
    const report = await run({ scenarios: [parity("warn"), parity("fail")] }, { provider: new FakeLabProvider(), labs: 1 });
    const [warn, fail] = report.scenarios;
    expect(warn!.status).toBe("passed");
    expect(warn!.parity).toEqual([expect.objectContaining({ family: "ipv4", verdict: "dropped", otherFamily: "ipv6", otherVerdict: "open", severity: "warning" })]);
    expect(fail!.status).toBe("failed");
    expect(fail!.expectations[0]!.explanation).toMatch(/^IPv4\/IPv6 parity: ipv4 is dropped but ipv6 is open/);
    expect(fail!.parity[0]!.severity).toBe("failure");
    // The JSON report keeps its fields: the parity observation is a finding, not an expectation field.
    const json = JSON.parse(renderJson(report));
    expect(Object.keys(json.scenarios[1].expectations[0])).not.toContain("parity");
    expect(Object.keys(json.scenarios[1].expectations[0])).not.toContain("kind");
  });

  test("a parity finding names the rule that decided the other family's probe, with the line that wrote it", async () => {
    const placed = defineScenario({
      name: "parity origin", description: "IPv6 drops what IPv4 admits", family: "ipv4", hosts,
      steps: [{ apply: { host: "server", commands: ["ip6tables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 open"] }],
    }, { file: "/tmp/fwspec-fake/parity-origin.yaml" });
    const report = await run({ scenarios: [placed] }, { provider: new FakeLabProvider(), labs: 1 });
    const finding = report.scenarios[0]!.parity[0]!;
    expect(finding.otherDecision).toMatchObject({ family: "ipv6", rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", source: "counters" });
    expect(finding.otherDecision?.origin).toEqual({ file: "/tmp/fwspec-fake/parity-origin.yaml", line: placed.steps[0]!.location.line, shown: "parity-origin.yaml" });
    expect(renderRun(report, { width: 300 })).toContain(`-j DROP, written at parity-origin.yaml:${placed.steps[0]!.location.line} (took its first packet; counters)`);
  });

  test("a probe that cannot run is an error verdict, never a block", async () => {
    const report = await run({ scenarios: [parity("warn")] }, { provider: new FakeLabProvider({ failing: ["remote"] }), labs: 1 });
    const e = report.scenarios[0]!.expectations[0]!;
    expect([e.actual, e.status]).toEqual(["error", "error"]);
    expect(e.reason).toMatch(/the container of remote is gone/);
    expect(report.scenarios[0]!.status).toBe("error");
  });

  test("a literal target no lab host holds is an error, never dropped; one a host holds is probed", async () => {
    // The fake lab gives server 198.18.0.2 and 2001:db8::2; nothing holds .99 (silence there would pass as dropped).
    const literal = defineScenario({
      name: "literal",
      description: "addresses as targets",
      hosts,
      steps: [
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
        { expect: ["remote -> 198.18.0.99:8080 dropped", "remote -> [2001:db8::99]:8080 dropped", "remote -> 198.18.0.2:8080 dropped", "remote -> [2001:db8::2]:8081 open", "remote -> 198.18.0.99:8000-8002 blocked"] },
      ],
    });
    const report = await run({ scenarios: [literal] }, { provider: new FakeLabProvider(), labs: 1 });
    const s = report.scenarios[0]!;
    expect(s.expectations.map((e) => `${e.text} ${e.actual} ${e.status}`)).toEqual([
      "remote -> 198.18.0.99:8080 dropped error error",
      "remote -> [2001:db8::99]:8080 dropped error error",
      "remote -> 198.18.0.2:8080 dropped dropped passed",
      "remote -> [2001:db8::2]:8081 open open passed",
      "remote -> 198.18.0.99:8000-8002 blocked error error",
    ]);
    // An address a run step added is held: probed.
    const added = defineScenario({ name: "added", description: "d", hosts, steps: [{ run: { host: "server", command: "ip addr add 198.18.0.77/24 dev eth0" } }, { expect: ["remote -> 198.18.0.77:8081 open"] }] });
    const second = await run({ scenarios: [added] }, { provider: new FakeLabProvider(), labs: 1 });
    expect(second.scenarios[0]!.expectations.map((e) => `${e.actual} ${e.status}`)).toEqual(["open passed"]);
    expect(s.expectations[0]!.reason).toMatch(/^no host of the lab holds 198\.18\.0\.99, so nothing could answer there: name a lab host/);
    expect(renderRun(report, { width: 200 })).toContain("repro:   (none: no probe was sent)");
    expect(s.status).toBe("error");
  });

  test("a sweep that cannot run is an error on every port, and its repro command still names the target's address", async () => {
    const sweep = defineScenario({ name: "sweep", description: "no scanner", family: "ipv4", hosts, steps: [{ expect: ["remote -> server:8080-8082 blocked except 8081"] }] });
    const report = await run({ scenarios: [sweep] }, { provider: new FakeLabProvider(), labs: 1 });
    const e = report.scenarios[0]!.expectations[0]!;
    expect([e.actual, e.status]).toEqual(["error", "error"]);
    const repro = e.sweep?.broken[0]?.repro ?? "";
    expect(repro).toMatch(/nmap/);
    // The fake lab gives the first host (server) 198.18.0.2; before the fix the target was ''.
    expect(repro).toMatch(/ 198\.18\.0\.2$/);
  });
  test("a step that cannot be carried out makes every later check a 'not run' error naming it", async () => {
    const report = await run({ scenarios: [broken] }, { provider: new FakeLabProvider(), labs: 1 });
    const s = report.scenarios[0]!;
    expect(s.steps.map((st) => `${st.step} ${st.status} ${st.message.split("\n")[0]}`)).toEqual([
      "apply error rule command failed; no rule of this apply step was kept (rolled back) (only rules: what its commands changed besides, such as an address or an IPsec policy, stays)",
      "expect error not run: step 1 (apply, line 1) failed",
      "expect error not run: step 1 (apply, line 1) failed",
      "run error not run: step 1 (apply, line 1) failed",
    ]);
    // Each check not run is named as it would have been run: per family, so CI test views keep them apart.
    expect(new Set(s.steps.slice(1, 3).map((st) => st.title)).size).toBe(2);
    expect(renderJunit(report).match(/<testcase [^>]* name="[^"]*"/g)!.map((c) => / name="([^"]*)"/.exec(c)![1]!.replaceAll("&gt;", ">"))).toEqual([
      s.steps[0]!.title,
      `line ${s.steps[1]!.line}: ${s.steps[1]!.title}`,
      `line ${s.steps[2]!.line}: ${s.steps[2]!.title}`,
      s.steps[3]!.title,
    ]);
    expect(s.steps[1]!.title).toMatch(/\[ipv[46]\]$/);
    expect(report.summary).toEqual({ passed: 0, failed: 0, errors: 4 });
  });

  test("a jump to no chain or target errors its scenario before any lab starts for it, as validate names it; the others run", async () => {
    const provider = new FakeLabProvider();
    // Hosts of its own: had its lab started, it would be a lab apart from the good one's.
    const bad = defineScenario({
      name: "jump to nothing",
      description: "a typo in a jump's target",
      hosts: { fw: { firewall: true, listen: ["tcp/8080"] }, client: {} },
      steps: [{ apply: { host: "fw", commands: ["iptables -A INPUT -p tcp --dport 8081 -j ACCEPT", "iptables -A INPUT -j NOSUCH"] } }, { expect: ["client -> fw:8080 open"] }],
    });
    const report = await run({ scenarios: [bad, parity("warn")] }, { provider });
    const [b, good] = report.scenarios;
    expect(b!.status).toBe("error");
    expect(b!.errors).toEqual([
      "1 rule line(s) rejected by the lab image's target list (its lab was not started):\n" +
      "  <inline>:1:1: ipv4: -j NOSUCH: no chain or target named NOSUCH\n" +
      "  hint: fix each line named above; `npx fwspec validate` checks them again, `npx fwspec validate --rules` also tests every rule with iptables and nft in a throw-away lab host (needs Docker)",
    ]);
    expect(good!.status).toBe("passed");
    expect(provider.started.map((lab) => [...lab.hosts.keys()])).toEqual([["server", "remote"]]);
    expect(report.summary.errors).toBe(1);
    // Every report shows it as any scenario error: the console with its lines under it, JSON and JUnit in full, GitHub annotated and in the summary.
    const line = "<inline>:1:1: ipv4: -j NOSUCH: no chain or target named NOSUCH";
    expect(renderRun(report)).toContain(`! 1 rule line(s) rejected by the lab image's target list (its lab was not started):\n      ${line}\n      hint: fix each line`);
    expect(JSON.parse(renderJson(report)).scenarios[0].errors).toEqual(b!.errors);
    // The line as data too (the JSON report's `rejected`; GitHub annotates it on the rules file's line).
    expect(b!.rejected).toEqual([{ file: "<inline>", line: 1, column: 1, family: "ipv4", tool: "the lab image's target list", message: "-j NOSUCH: no chain or target named NOSUCH" }]);
    expect(renderAnnotations(report)).toContain("::error file=<inline>,line=1,col=1,title=fwspec%3A rule line rejected by the lab image's target list::jump to nothing (<inline>): ipv4: -j NOSUCH");
    expect(renderJunit(report)).toMatch(/<testcase classname="&lt;inline&gt;" name="scenario error 1" time="0.000">\s*<error message="1 rule line\(s\) rejected by the lab image&apos;s target list \(its lab was not started\):">[^<]*&lt;inline&gt;:1:1: ipv4: -j NOSUCH: no chain/);
    expect(renderAnnotations(report)).toContain("::error file=<inline>,title=fwspec%3A scenario error::jump to nothing: 1 rule line(s) rejected by the lab image's target list (its lab was not started):%0A  <inline>:1:1: ipv4: -j NOSUCH");
    expect(renderSummary(report)).toContain(`**Scenario errors**\n\n\`\`\`text\n1 rule line(s) rejected by the lab image's target list (its lab was not started):\n  ${line}\n  hint: `);
  });

  test("run options are checked with messages naming the option", async () => {
    await expect(run({ scenarios: [full] }, { labs: 0 } as never)).rejects.toThrow(/labs \(--labs\) must be a whole number from 1 to 16, not `0`/);
    await expect(run({ scenarios: [full] }, { famly: "ipv4" } as never)).rejects.toThrow(/unknown option\(s\): famly/);
    await expect(run({ scenarios: [full] }, { shuffle: 0 })).rejects.toThrow(/shuffle \(--shuffle\) must be a whole number from 1 to 2147483647, not `0`/);
    await expect(run({ scenarios: [full] }, { shuffle: 2.5 })).rejects.toThrow(/shuffle \(--shuffle\) must be a whole number from 1 to 2147483647, not `2.5`/);
  });

  test("stopAtFirstFailure: the scenario stops after the first step with a failed check; without it every step runs", async () => {
    const twoSteps = defineScenario({
      name: "two steps",
      description: "the first expect step fails",
      family: "ipv4",
      hosts,
      steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, { expect: ["remote -> server:8080 open"] }, { expect: ["remote -> server:8081 open"] }],
    });
    const checks = (r: Awaited<ReturnType<typeof run>>) => r.scenarios[0]!.expectations.map((e) => `${e.text}: ${e.status}`);
    expect(checks(await run({ scenarios: [twoSteps] }, { provider: new FakeLabProvider(), labs: 1 }))).toEqual(["remote -> server:8080 open: failed", "remote -> server:8081 open: passed"]);
    const stopped = await run({ scenarios: [twoSteps] }, { provider: new FakeLabProvider(), labs: 1, stopAtFirstFailure: true });
    expect(checks(stopped)).toEqual(["remote -> server:8080 open: failed"]);
    expect(stopped.scenarios[0]!.status).toBe("failed");
  });

  test.each([
    ["answers from each address", 0, ["run passed", "run passed", "expect passed"]],
    ["has not bound one", 4, ["run passed", "run error", "expect error"]],
  ] as const)("a run step on a host with UDP listeners waits for them (fwspec-listen settled); one that %s", async (_, settledExit, checks) => {
    const seen: string[] = [];
    class Recording extends FakeLabProvider {
      override async start(spec: LabSpec): Promise<RunningLab> {
        const lab = await super.start(spec);
        aroundExec(lab, async (host, command, exec) => {
          if (command[0] !== "fwspec-listen" || command[1] !== "settled") return exec();
          seen.push(host.name);
          return { command, exitCode: settledExit, stdout: "", stderr: settledExit === 0 ? "" : "fwspec-listen: after 5 s the UDP listeners still do not answer from: udp/53 198.18.93.77\n", durationMs: 1 };
        });
        return lab;
      }
    }
    const scenario = defineScenario({
      name: "run then probe",
      description: "a run step on each host, then a probe",
      family: "ipv4",
      hosts: { server: { firewall: true, listen: ["tcp/8080", "udp/53"] }, remote: {} },
      steps: [{ run: { host: "remote", command: "true", exit: "nonzero" } }, { run: { host: "server", command: "true", exit: "nonzero" } }, { expect: ["remote -> server:8080 open"] }],
    });
    const report = await run({ scenarios: [scenario] }, { provider: new Recording(), labs: 1 });
    // Only the host with UDP listeners is asked, once per run step on it.
    expect(seen).toEqual(["server"]);
    const { steps, expectations } = report.scenarios[0]!;
    // A step that could not be carried out leaves the probe after it not run (an error step), never a verdict.
    expect([...steps.map((st) => `${st.step} ${st.status}`), ...expectations.map((e) => `expect ${e.status}`)]).toEqual(checks);
    if (settledExit !== 0) expect(steps[1]!.message).toContain("udp/53 198.18.93.77");
  });
});
