/** Unit tests (no Docker) for kept.ts: what `--keep` prints after the report. */
import { describe, expect, test } from "vitest";
import { renderKept } from "./kept.ts";
import type { RunReport, ScenarioReport } from "./model.ts";

const scenario = (name: string, lab: string | undefined): ScenarioReport => ({
  file: `/repo/${name}.yaml`, name, description: "", status: lab ? "failed" : "passed", steps: [], counters: [], parity: [], errors: [], expectations: [],
  ...(lab ? { kept: { lab, run: "1a2b3c4d", until: "2026-12-04T05:00:00.000Z", hosts: [{ name: "web", shell: `docker exec -it fwspec-1a2b3c4d-${lab}-web bash` }] } } : {}),
}) as unknown as ScenarioReport;
const report = (...scenarios: ScenarioReport[]): RunReport => ({ scenarios, summary: { passed: 0, failed: 0, errors: 0 } }) as RunReport;

describe("kept labs after the report", () => {
  test.each([
    { scenarios: [scenario("a", "web-1")], line: "remove it with: npx fwspec cleanup --run 1a2b3c4d (" },
    { scenarios: [scenario("a", "web-1"), scenario("b", undefined), scenario("c", "web-2")], line: "remove them with: npx fwspec cleanup --run 1a2b3c4d (" },
  ])("names the run that kept them, not every kept lab on the engine: $line", ({ scenarios, line }) => {
    const out = renderKept(report(...scenarios));
    expect(out).toContain(line);
    expect(out).toContain("`npx fwspec cleanup --kept` removes every kept and warm lab on this engine, other runs' too");
    for (const s of scenarios.filter((x) => x.kept)) expect(out).toContain(`kept lab ${s.kept!.lab} of ${s.name} (failed), until 2026-12-04T05:00:00.000Z:`);
  });

  test("nothing kept: nothing printed", () => {
    expect(renderKept(report(scenario("a", undefined)))).toBe("");
  });
});
