/**
 * Early verdicts on a native nftables host whose rules count nothing (no
 * `counter` statement, as firewalld writes them): counters cannot see the
 * probe, so the step's trace decides it. A dropped probe is stopped when the
 * trace shows the DROP taking its SYN, not waited out; an IPv6 SYN refused
 * with ICMPv6 admin-prohibited (which Linux treats as a soft error and sends
 * again after a second) is stopped when the trace shows the REJECT. A
 * sweep's silent ports are decided from the trace too, in its first batch,
 * not split into batches and waited out for want of counters.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

const scenario = defineScenario({
  name: "native rules without counters",
  description: "early verdicts from the trace",
  family: "both",
  hosts: { server: { firewall: true, backend: "nft", listen: ["tcp/8080", "tcp/8081", "tcp/8082"] }, client: {} },
  steps: [
    { apply: { host: "server", nft: join(PROJECT_ROOT, "fixtures/trace/native-no-counters.nft") } },
    { expect: ["client -> server:8080 open", "client -> server:8081 unreachable", "client -> server:8082 dropped"] },
  ],
});

it("decides dropped and IPv6 unreachable from the trace when no rule counts", async () => {
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect(s.status).toBe("passed");
  const at = (port: number, family: string) => s.expectations.find((e) => e.port === port && e.family === family)!;
  for (const family of ["ipv4", "ipv6"]) expect(at(8082, family).evidence.stoppedEarly, family).toMatch(/a drop rule took its/);
  expect(at(8081, "ipv6").evidence.stoppedEarly).toMatch(/admin-prohibited/);
});

it("decides a counted drop in a chain before the trace's own (priority -500) early from its counters (tester 44a)", async () => {
  const before = defineScenario({
    name: "a drop before the trace", description: "raw prerouting at -500", family: "both",
    hosts: { server: { firewall: true, backend: "nft", listen: ["tcp/8083"] }, client: {} },
    steps: [{ apply: { host: "server", nft: join(PROJECT_ROOT, "fixtures/trace/before-trace.nft") } }, { expect: ["client -> server:8083 dropped"] }],
  });
  const s = (await run({ scenarios: [before] }, { provider: await testLabProvider() })).scenarios[0]!;
  expect(s.status).toBe("passed");
  for (const e of s.expectations) expect(e.evidence.stoppedEarly, e.family).toMatch(/^stopped after \d+ ms: a drop rule took its SYN/);
});

it("decides a sweep's silent ports from the trace in one batch when neither the policy nor the rules count", async () => {
  const sweep = defineScenario({
    name: "native policy drop without counters",
    description: "a sweep decided from the trace",
    family: "both",
    hosts: { server: { firewall: true, backend: "nft", listen: ["tcp/8080", "tcp/8082"] }, client: {} },
    steps: [
      { apply: { host: "server", nft: join(PROJECT_ROOT, "fixtures/trace/native-policy-drop.nft") } },
      { expect: ["client -> server:8075-8090 blocked except 8080"] },
    ],
  });
  const report = await run({ scenarios: [sweep] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect(s.status).toBe("passed");
  for (const e of s.expectations) {
    expect(e.sweep!.counts, e.family).toEqual({ dropped: 15, open: 1 });
    // Before: 25 batches, then the silent ports waited out with the probe timeout (about 11 s a family).
    expect(e.sweep!.notes, e.family).toEqual(["1 batch(es) of nmap", "each port's deciding rule from an nftables trace of the sweep's packets"]);
  }
});
