/**
 * `--family` and expectations whose line fixes the other family (a source
 * address, a `/tcp4` suffix, `family:`, a literal address): said as left
 * out, never probed in the other family; a run with nothing left to check is
 * no pass. No Docker: in-memory labs.
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
  expect(said.join("\n")).toContain("--family ipv6 leaves out 1 expectation(s) whose line fixes the other family (a /tcp4-style suffix, `family:`, a literal or source address): ");
  expect(said.join("\n")).toContain(":9 `c@198.18.170.101 -> srv:22 open`");
});

test("the others run; the one left out is said", async () => {
  const { progress, said } = recording();
  const report = await run({ scenarios: [scenario('["c@198.18.170.101 -> srv:22 open", "c -> srv:22 open"]')] }, { provider: new FakeLabProvider(), family: "ipv6", progress });
  expect(report.scenarios[0]!.expectations.map((e) => `${e.text} ${e.family}`)).toEqual(["c -> srv:22 open ipv6"]);
  expect(said.join("\n")).toContain("leaves out 1 expectation(s)");
});

// As `record` writes them: a line per family with its own verdict. Probed in the other family, the line would be judged by the wrong packets.
test.each([
  ["a /tcp4 suffix", '"c -> srv:22/tcp4 open"', "ipv6"],
  ["a /tcp6 suffix", '"c -> srv:22/tcp6 open"', "ipv4"],
  ["a literal IPv4 address", '"c -> 198.18.170.200:22 open"', "ipv6"],
  ["family: in the object form", "{ from: c, to: srv, port: 22, family: ipv4, verdict: open }", "ipv6"],
  ["protocol tcp6 in the object form", "{ from: c, to: srv, port: 22, protocol: tcp6, verdict: open }", "ipv4"],
])("a line fixed by %s is left out under --family of the other family, and said; the unpinned line runs in it", async (_, item, family) => {
  const { progress, said } = recording();
  const report = await run({ scenarios: [scenario(`[${item}, "c -> srv:22 open"]`)] }, { provider: new FakeLabProvider(), family: family as "ipv4" | "ipv6", progress });
  expect(report.scenarios[0]!.expectations.map((e) => `${e.text} ${e.family}`)).toEqual([`c -> srv:22 open ${family}`]);
  expect(said.join("\n")).toContain(`--family ${family} leaves out 1 expectation(s) whose line fixes the other family`);
});

test("--family both keeps a pinned line in its own family only", async () => {
  const report = await run({ scenarios: [scenario('["c -> srv:22/tcp4 open"]')] }, { provider: new FakeLabProvider(), family: "both" });
  expect(report.scenarios[0]!.expectations.map((e) => e.family)).toEqual(["ipv4"]);
});
