/**
 * Early verdicts on a native nftables host whose rules count nothing (no
 * `counter` statement, as firewalld writes them): counters cannot see the
 * probe, so the step's trace decides it. A dropped probe is stopped when the
 * trace shows the DROP taking its SYN, not waited out; an IPv6 SYN refused
 * with ICMPv6 admin-prohibited (which Linux treats as a soft error and sends
 * again after a second) is stopped when the trace shows the REJECT.
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
