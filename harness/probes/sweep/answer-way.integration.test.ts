/**
 * A sweep against an anti-scan rule that drops every reset the server sends
 * (`-A OUTPUT -p tcp --tcp-flags RST RST -j DROP`): the silent ports are
 * decided from the resets the OUTPUT rule counted on their way back, in the
 * first batch, not waited out port by port; a port the sweep wanted
 * admitted names that rule. Real containers and packets, both families.
 */
import { expect, it } from "vitest";
import { run } from "../../api.ts";
import { defineScenario } from "../../scenario/load.ts";
import { testLabProvider } from "../../testing/session.ts";

it("decides silent ports from the resets an OUTPUT DROP took, and names that rule", async () => {
  const stealth = (tool: string) => `${tool} -A OUTPUT -p tcp --tcp-flags RST RST -j DROP`;
  const scenario = defineScenario({
    name: "stealth resets", description: "every reset the server would send is dropped in OUTPUT",
    hosts: { server: { firewall: true, listen: ["tcp/22"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: [stealth("iptables"), stealth("ip6tables")] } },
      { expect: ["remote -> server:1-200 dropped except 22", "remote -> server:70-90 blocked except 80"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({
    text: e.text, family: e.family, status: e.status, counts: e.sweep?.counts,
    // Waited out: "N port(s) without counter evidence probed again with the 2 s timeout".
    waited: e.sweep?.notes.some((n) => /without counter evidence/.test(n)),
    broken: e.sweep?.broken.map((b) => ({ port: b.port, observed: b.observed, evidence: b.evidence, rules: b.rules })),
  }));
  const rule = (family: string) => expect.stringMatching(new RegExp(`^server: ${family} filter OUTPUT #1 -A OUTPUT -p tcp -m tcp --tcp-flags RST RST -j DROP`));
  const families = ["ipv4", "ipv6"] as const;
  expect(rows).toEqual([
    ...families.map((family) => ({ text: "remote -> server:1-200 dropped except 22", family, status: "passed", counts: { dropped: 199, open: 1 }, waited: false, broken: [] })),
    ...families.map((family) => ({
      text: "remote -> server:70-90 blocked except 80", family, status: "failed", counts: { dropped: 21 }, waited: false,
      broken: [{ port: 80, observed: "dropped", evidence: expect.stringMatching(new RegExp(`reset\\(s\\) on their way back \\(${family === "ipv4" ? 40 : 60} bytes each\\)`)), rules: [rule(family)] }],
    })),
  ]);
}, 180_000);
