/**
 * Progress lines of labs running side by side say which lab they are about
 * (tester 37b: "proving 2 listener(s)" twice, from two labs, read as one).
 * No Docker: the in-memory lab.
 */
import { expect, test } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";

test("each lab's listener proof is said under its lab's name", async () => {
  const lines: string[] = [];
  const progress = { step: (m: string) => lines.push(m), info: (m: string) => lines.push(m) };
  const scenario = (name: string, hosts: Record<string, unknown>) => defineScenario({ name, description: "d", family: "ipv4", hosts, steps: [{ expect: ["remote -> server:8080 open"] }] } as never);
  const provider = new FakeLabProvider();
  const report = await run(
    { scenarios: [scenario("one", { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }), scenario("two", { server: { firewall: true, listen: ["tcp/8080", "tcp/9090"] }, remote: {}, third: {} })] },
    { provider, labs: 2, progress },
  );
  expect(report.summary.failed + report.summary.errors).toBe(0);
  expect(provider.started).toHaveLength(2);
  const proving = lines.filter((l) => l.includes("proving"));
  expect(proving.sort()).toEqual(provider.started.map((lab) => `lab ${lab.name}: proving ${[...lab.hosts.values()].flatMap((h) => h.spec.listen).length} listener(s) up on loopback (IPv4 and IPv6)`).sort());
});
