/**
 * Test fixture (no Docker): a RunReport as wide as real ones get (many
 * targets and ports, both families, long rules, commands and descriptions),
 * for the layout tests of the console and GitHub reports.
 */
import type { ExpectationResult } from "../model/results.ts";
import type { RunReport } from "../report/model.ts";

const VERDICTS = ["open", "refused", "dropped", "unreachable"] as const;

/** `sources` × `targets` × ports 22, 80, 443, 8080 × both families; every seventh cell wrong. */
export function wideReport(sources = 3, targets = 6): RunReport {
  const expectations: ExpectationResult[] = [];
  let line = 10;
  for (let s = 0; s < sources; s++) {
    for (let t = 0; t < targets; t++) {
      for (const port of [22, 80, 443, 8080]) {
        line++;
        for (const family of ["ipv4", "ipv6"] as const) {
          const i = expectations.length;
          const expected = VERDICTS[i % 4]!;
          const actual = i % 7 === 3 ? VERDICTS[(i + 1) % 4]! : expected;
          const from = `client-${s}`;
          const to = `service-host-${t}`;
          const address = family === "ipv4" ? `198.18.${t}.${s + 2}` : `2001:db8:${t}::${s + 2}`;
          expectations.push({
            kind: "expectation", from, to, port, protocol: "tcp", family, expected, actual, status: actual === expected ? "passed" : "failed",
            text: `${from} -> ${to}:${port} ${expected}`, line, reason: `the probe saw ${actual}`, address,
            explanation: actual === expected ? undefined : `a rule ahead of the one you meant decided: the probe from ${from} to ${to} port ${port} was ${actual} where the scenario says ${expected}`,
            decidedBy: [`${family} filter INPUT #${t + 2} -A INPUT -s 198.18.0.0/15 -p tcp -m tcp --dport ${port} -m conntrack --ctstate NEW -m comment --comment "allow the monitoring network to reach the service" -j ACCEPT (+1 packets)`],
            evidence: { command: `docker exec fwspec-0123456789ab-${from} fwspec-probe --connect --family ${family} --address ${address} --port ${port} --protocol tcp --timeout 2`, exitCode: 1, stdout: "", stderr: `connect to ${address} port ${port} (tcp) failed: ${actual}`, durationMs: 2000 + i },
          });
        }
      }
    }
  }
  const failed = expectations.filter((e) => e.status === "failed").length;
  return {
    summary: { passed: expectations.length - failed, failed, errors: 0 },
    scenarios: [{
      file: "/work/repo/scenarios/segmentation/many-services.yaml", name: "Segmentation of many services across the monitoring, office and guest networks",
      description: "Every client may reach the services it needs and nothing else; the guest network sees only the public web ports, the office network sees SSH as well, and the monitoring network sees every port on every service host.",
      status: failed > 0 ? "failed" : "passed", expectations, counters: [], errors: [],
      steps: [{ kind: "step", step: "run", line: 5, title: "step 1: run `sh -c 'curl --silent --fail --max-time 2 http://service-host-0:8080/health/ready/with/a/long/path'` on client-0 (exit 0)", status: "failed", message: "exit 7, expected 0" }],
      parity: [{ text: "client-0 -> service-host-0:22 open", line: 11, from: "client-0", to: "service-host-0", port: 22, protocol: "tcp", family: "ipv4", verdict: "open", otherFamily: "ipv6", otherVerdict: "dropped", severity: "warning", command: "docker exec fwspec-0123456789ab-client-0 fwspec-probe --connect --family ipv6 --address 2001:db8:0::2 --port 22 --protocol tcp --timeout 2" }],
    }],
  };
}
