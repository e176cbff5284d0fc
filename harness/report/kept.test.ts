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

describe("a repro on a kept lab the scenario changed after its check (tester 44b: broken, then fixed)", () => {
  const failing = (line: number) => ({ text: "laptop -> gw:8080 open", line, status: "failed", family: "ipv4", actual: "dropped", evidence: { command: "docker exec fwspec-x-laptop nc -z 198.18.60.2 8080" } });
  const step = (step: string, line: number) => ({ kind: "step", step, line, title: step, status: "passed", message: "" });
  const lab = (...steps: object[]) => ({ ...scenario("a", "web-1"), expectations: [failing(20), failing(41)], steps }) as unknown as ScenarioReport;

  test("says which later steps changed it; a check after the last change reads as before", () => {
    const out = renderKept(report(lab(step("apply", 10), step("expect", 19), step("apply", 30), step("run", 35), step("counters", 38), step("expect", 40))));
    expect(out).toContain("    # line 20: laptop -> gw:8080 open (ipv4: observed dropped; the lab changed after this check (apply at line 30, run at line 35): pasted now, it probes the lab as the scenario left it)\n    docker exec fwspec-x-laptop nc -z 198.18.60.2 8080");
    expect(out).toContain("    # line 41: laptop -> gw:8080 open (ipv4: observed dropped)\n");
  });

  test.each([["apply"], ["run"], ["reboot"]])("%s after the check changes the lab", (kind) => {
    expect(renderKept(report(lab(step(kind, 50))))).toContain(`(${kind} at line 50)`);
  });

  test.each([["expect"], ["counters"], ["hold"]])("%s after the check does not", (kind) => {
    expect(renderKept(report(lab(step(kind, 50))))).not.toContain("the lab changed after this check");
  });
});

test("a sweep's broken ports probed one by one get their own repro commands (tester 44f: the sweep's nmap left the port out)", () => {
  const sweep = { text: "remote -> server:5000-5099 blocked", line: 9, status: "failed", family: "ipv4", actual: "refused", evidence: { command: "docker exec x nmap -p 5000-5054,5056-5099 198.18.0.2" }, sweep: { broken: [{ port: 5055, status: "error", observed: "refused (REJECT or nothing listening: cannot tell)", repro: "docker exec x nc -z 198.18.0.2 5055" }, { port: 5001, status: "failed", observed: "admitted", repro: "docker exec x nmap -p 5000-5054,5056-5099 198.18.0.2" }] } };
  const out = renderKept(report({ ...scenario("a", "web-1"), expectations: [sweep] } as unknown as ScenarioReport));
  expect(out).toContain("    docker exec x nmap -p 5000-5054,5056-5099 198.18.0.2\n    # port 5055 (observed refused (REJECT or nothing listening: cannot tell))\n    docker exec x nc -z 198.18.0.2 5055\n");
  expect(out).not.toContain("# port 5001");
});
