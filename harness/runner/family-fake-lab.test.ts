/**
 * `--family` and expectations that leave from an address of the other family:
 * said as left out, and a run with nothing left to check is no pass. No
 * Docker: in-memory labs.
 */
import { expect, test } from "vitest";
import { run } from "../api.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";
import type { Progress } from "../progress.ts";

const scenario = (expectations: string) => parseScenarioText(`name: sourced
description: d
subnets:
  lan: { ipv4: 198.18.170.0/24, ipv6: "2001:db8:170::/64" }
hosts:
  srv: { firewall: true, listen: [tcp/22], addresses: { lan: { ipv4: 198.18.170.200 } } }
  c: { addresses: { lan: { ipv4: 198.18.170.100, extra: [198.18.170.101] } } }
steps:
  - expect: ${expectations}
`, "/tmp/sourced.yaml", { root: "/tmp" });

function recording(): { progress: Progress; said: string[] } {
  const said: string[] = [];
  const note = (m: string) => void said.push(m);
  return { progress: { step: note, info: note }, said };
}

test("a scenario whose only expectation leaves from an IPv4 address runs nothing with --family ipv6, and says so", async () => {
  const { progress, said } = recording();
  const report = await run({ scenarios: [scenario('["c@198.18.170.101 -> srv:22 open"]')] }, { provider: new FakeLabProvider(), family: "ipv6", progress });
  expect(report.scenarios).toEqual([]);
  expect(said.join("\n")).toContain("--family ipv6 leaves out 1 expectation(s) leaving from an address of the other family: ");
  expect(said.join("\n")).toContain(":9 `c@198.18.170.101 -> srv:22 open`");
});

test("the others run; the one left out is said", async () => {
  const { progress, said } = recording();
  const report = await run({ scenarios: [scenario('["c@198.18.170.101 -> srv:22 open", "c -> srv:22 open"]')] }, { provider: new FakeLabProvider(), family: "ipv6", progress });
  expect(report.scenarios[0]!.expectations.map((e) => `${e.text} ${e.family}`)).toEqual(["c -> srv:22 open ipv6"]);
  expect(said.join("\n")).toContain("leaves out 1 expectation(s)");
});
