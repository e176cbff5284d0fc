/**
 * `answered-by` / `seen-from` through the real runner (api.run → plan →
 * session → probes → judge → report) on the in-memory lab, whose listeners
 * send the identity line as docker/fwspec-tcp-echo and fwspec-answer do. No Docker.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import { renderJson } from "../report/json.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";

const scenario = defineScenario({
  name: "answers",
  description: "who answered and which source it saw",
  // remote is a firewall host, so its own nat OUTPUT could send the probe to other: `answered-by other` is valid (and fails here).
  hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: { firewall: true }, other: { listen: ["tcp/8080"] } },
  steps: [{
    expect: [
      "remote -> server:8080 open answered-by server seen-from remote",
      "server -> localhost:8080 open answered-by server:8080 seen-from server",
      "remote -> server:8080 open seen-from other",
      "remote -> server:8080 open answered-by other",
    ],
  }],
});

describe("answers through the runner", () => {
  test("held clauses pass, wrong ones fail with what was seen; every open probe's report names the answer", async () => {
    const report = await run({ scenarios: [scenario] }, { provider: new FakeLabProvider(), labs: 1 });
    const cells = report.scenarios[0]!.expectations.map((e) => `${e.text} [${e.family}] ${e.status}${e.answerMismatch ? `: ${e.answerMismatch}` : ""}`);
    expect(cells.filter((c) => c.includes("passed"))).toHaveLength(4);
    const failed = cells.filter((c) => !c.includes("passed"));
    expect(failed).toHaveLength(4);
    expect(failed.filter((c) => c.startsWith("remote -> server:8080 open seen-from other"))).toEqual([
      expect.stringMatching(/ipv4\] failed: server saw the source \S+ \(remote\), not other's ipv4 address/),
      expect.stringMatching(/ipv6\] failed: server saw the source \S+ \(remote\), not other's ipv6 address/),
    ]);
    expect(failed.filter((c) => c.includes("answered-by other")).every((c) => c.endsWith("answered by server:8080, not other:8080"))).toBe(true);
    const json = JSON.parse(renderJson(report)) as { scenarios: { expectations: { answer?: string }[] }[] };
    expect(json.scenarios[0]!.expectations.every((e) => /^server:8080 saw \S+ \((remote|server)\)$/.test(e.answer ?? ""))).toBe(true);
  });
});
