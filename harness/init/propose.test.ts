/** Unit tests (temporary directory for the rules files, no Docker) for propose.ts: the draft and the observed scenario texts, and that both load. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { RunReport } from "../report/model.ts";
import { parseScenarioText } from "../scenario/load.ts";
import type { ExpectStep } from "../scenario/model.ts";
import { draftScenario, observations, observedScenario } from "./propose.ts";
import type { Proposal } from "./propose.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "fwspec-propose-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
mkdirSync(path.join(tmp, "firewall"));
writeFileSync(path.join(tmp, "firewall", "rules.v4"), "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
writeFileSync(path.join(tmp, "firewall", "rules.v6"), "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");

const PROPOSAL: Proposal = {
  scenarioDir: "scenarios",
  v4: "firewall/rules.v4",
  v6: "firewall/rules.v6",
  ports: [{ protocol: "tcp", port: 22 }, { protocol: "tcp", port: 443 }, { protocol: "udp", port: 53 }],
  omitted: [],
  unnamed: 8080,
  date: "2026-12-02",
  schema: "../node_modules/fwspec/schema/scenario.schema.json",
};

const load = (text: string) => parseScenarioText(text, path.join(tmp, "scenarios", "firewall.yaml"), { root: tmp });

/** A report with one observation per [key, family, verdict]. */
function report(seen: readonly [string, "ipv4" | "ipv6", string][]): RunReport {
  const expectations = seen.map(([k, family, actual]) => {
    const [protocol, port] = k.split("/");
    return { from: "remote", to: "server", port: Number(port), protocol, family, actual, reason: actual === "error" ? "nc: cannot\nrun" : "observed" };
  });
  return { scenarios: [{ expectations }] } as unknown as RunReport;
}

/** The lines of the expect step (the last step). */
function expectLines(text: string): string[] {
  return text.slice(text.indexOf("  - expect:\n") + "  - expect:\n".length).split("\n").filter((l) => l !== "");
}

describe("the draft", () => {
  const text = draftScenario(PROPOSAL);

  test("a listener per named port and the unnamed one, the rules restored, one expectation per listener", () => {
    expect(text).toContain("  server: { firewall: true, listen: [tcp/22, tcp/443, udp/53, tcp/8080] }");
    expect(text).toContain('        ipv4: "../firewall/rules.v4"\n        ipv6: "../firewall/rules.v6"');
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../node_modules/fwspec/schema/scenario.schema.json");
    expect(expectLines(text).filter((l) => l.includes("->"))).toEqual([
      "      - remote -> server:22 open",
      "      - remote -> server:443 open",
      "      - remote -> server:53/udp open",
      "      - remote -> server:8080 open",
    ]);
  });

  test("loads, probing every listener in both families", () => {
    const s = load(text);
    const step = s.steps.find((x) => x.kind === "expect") as ExpectStep;
    expect(step.expectations).toHaveLength(4);
    expect(s.hosts.map((h) => h.name)).toEqual(["server", "remote"]);
  });

  test("without IPv6 rules: only ipv4 restored, and the description says IPv6 is not filtered", () => {
    const t = draftScenario({ ...PROPOSAL, v6: undefined });
    expect(t).not.toContain("ipv6:");
    expect(t).toContain("No IPv6 rules were given");
    load(t);
  });

  test("ports left out by the cap are named in the description", () => {
    expect(draftScenario({ ...PROPOSAL, omitted: [{ protocol: "tcp", port: 9000 }] })).toContain("Left out (at most 3 listeners): tcp/9000.");
  });
});

describe("the observed scenario", () => {
  const seen = observations(report([
    ["tcp/22", "ipv4", "open"], ["tcp/22", "ipv6", "open"],
    ["tcp/443", "ipv4", "open"], ["tcp/443", "ipv6", "dropped"],
    ["udp/53", "ipv4", "error"], ["udp/53", "ipv6", "dropped"],
    ["tcp/8080", "ipv4", "refused"], ["tcp/8080", "ipv6", "refused"],
  ]));
  const text = observedScenario(PROPOSAL, seen);
  const mark = "# observed 2026-12-02, review: is this what you intend?";

  test("one line when both families agree, two pinned lines when they differ, a comment for a probe that failed; each marked for review", () => {
    expect(expectLines(text)).toEqual([
      `      - remote -> server:22 open  ${mark}`,
      `      - remote -> server:443/tcp4 open  ${mark}`,
      `      - remote -> server:443/tcp6 dropped  ${mark} (IPv6 differs from IPv4)`,
      "      # remote -> server:53/udp4: the probe failed (nc: cannot run); write the verdict you intend",
      `      - remote -> server:53/udp6 dropped  ${mark}`,
      `      - remote -> server:8080 refused  ${mark} (no rule names this port)`,
    ]);
  });

  test("loads, with exactly the observed verdicts", () => {
    const step = load(text).steps.find((x) => x.kind === "expect") as ExpectStep;
    expect(step.expectations.map((e) => `${e.port} ${e.expected}`)).toEqual(["22 open", "443 open", "443 dropped", "53 dropped", "8080 refused"]);
  });

  test("nothing observed: every line says so, and one expectation remains to edit so the file loads", () => {
    const t = observedScenario(PROPOSAL, new Map());
    expect(t).toContain("# remote -> server:22/tcp4: not observed; write the verdict you intend");
    expect(t).toContain("      - remote -> server:22 blocked  # no verdict was observed: write the one you intend");
    load(t);
  });
});
