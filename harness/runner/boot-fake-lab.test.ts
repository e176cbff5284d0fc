/**
 * A reboot whose boot could not load what the host persisted (a `pre-up`
 * line, netfilter-persistent) fails its step with what the boot said; the
 * checks after it still run. No Docker: in-memory labs.
 */
import { expect, test } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";

const scenario = defineScenario({
  name: "persisted",
  description: "rules restored at boot",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
  steps: [{ reboot: "server" }, { expect: ["remote -> server:8080 open"] }],
});

test("a boot that reported a failure fails the reboot step, naming it", async () => {
  const problem = "pre-up failed: nft -f /etc/nftables.conf (/etc/nftables.conf:7:9-15: Error: Interface does not exist)";
  const report = await run({ scenarios: [scenario] }, { provider: new FakeLabProvider({ bootProblems: [problem] }) });
  const s = report.scenarios[0]!;
  expect(s.status).toBe("failed");
  expect(s.steps[0]).toMatchObject({ step: "reboot", status: "failed", message: `server rebooted, but its boot reported a failure: ${problem}` });
  expect(s.expectations[0]).toMatchObject({ status: "passed" }); // the checks after it ran
});

test("a boot's note (two services of no fixed order) passes the step and is said with it", async () => {
  const note = "nftables.service and netfilter-persistent are both enabled and /etc/nftables.conf flushes the ruleset: at a real boot they run in no fixed order";
  const report = await run({ scenarios: [scenario] }, { provider: new FakeLabProvider({ bootNotes: [note] }) });
  expect(report.scenarios[0]!.steps[0]).toMatchObject({ step: "reboot", status: "passed", message: `server rebooted; listeners answer again; note: ${note}`, notes: [note] });
});

test("a clean boot passes the step", async () => {
  const report = await run({ scenarios: [scenario] }, { provider: new FakeLabProvider() });
  expect(report.scenarios[0]!.steps[0]).toMatchObject({ step: "reboot", status: "passed", message: "server rebooted; listeners answer again" });
});
