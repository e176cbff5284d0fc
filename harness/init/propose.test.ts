/** Unit tests (temporary directory for the rules files, no Docker) for propose.ts: the draft and the observed scenario texts, that both load, and that init writes exactly the lines record writes for the same observed matrix. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { flowKey } from "../diff/model.ts";
import type { MatrixObservation, ObservedFlow } from "../diff/observed.ts";
import type { Family, Protocol, Verdict } from "../model/types.ts";
import { recordedLines } from "../record/lines.ts";
import { defaultFamilies, recordedItem, recordedScenario } from "../record/write.ts";
import { parseScenarioText } from "../scenario/load.ts";
import type { ExpectStep } from "../scenario/model.ts";
import { draftScenario, initMark, observedScenario } from "./propose.ts";
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

/** One observed flow of the matrix. */
function o(from: string, to: string, port: number, family: Family, verdict: Verdict, rule?: string, protocol: Protocol = "tcp"): ObservedFlow {
  const flow = { from, to, port, protocol, family };
  return { flow, key: flowKey(flow), side: { verdict, ...(rule ? { rule } : {}), reason: verdict === "error" ? "nc: cannot\nrun" : "observed" } };
}
const both = (from: string, to: string, port: number, v4: Verdict, v6: Verdict, r4?: string, r6?: string, protocol?: Protocol) => [o(from, to, port, "ipv4", v4, r4, protocol), o(from, to, port, "ipv6", v6, r6, protocol)];
const ACCEPT22 = (f: string) => `${f} filter INPUT #3 -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT`;
const REJECT = "ipv4 filter INPUT #5 -A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with tcp-reset";

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

describe("the observed scenario: the lines fwspec record writes for the same observation", () => {
  const file = path.join(tmp, "scenarios", "firewall.yaml");
  const draft = draftScenario(PROPOSAL);
  test.each<[string, ObservedFlow[]]>([
    ["families agree (one line), differ (pinned lines), loopback and own address", [
      ...both("server", "localhost", 22, "open", "open"), ...both("server", "server", 22, "open", "open"),
      ...both("remote", "server", 22, "open", "open", ACCEPT22("ipv4"), ACCEPT22("ipv6")),
      ...both("remote", "server", 443, "open", "dropped"),
      ...both("remote", "server", 8080, "refused", "dropped", REJECT),
    ]],
    ["udp keeps its protocol; a probe that failed is a comment, never an expectation", [
      ...both("remote", "server", 53, "error", "dropped", undefined, undefined, "udp"),
      ...both("remote", "server", 22, "open", "open", ACCEPT22("ipv4"), ACCEPT22("ipv4")),
    ]],
  ])("%s", (_, flows) => {
    const observed: MatrixObservation = { flows, problems: [] };
    const init = observedScenario(PROPOSAL, draft, file, observed);
    const record = recordedLines(flows, defaultFamilies(draft));
    expect(expectLines(init.text)).toEqual(record.lines.map((l) => `      ${recordedItem(l)}`));
    expect(init.failed).toEqual(record.failed);
    // It is the scenario record would write for the draft, under init's own review mark.
    expect(init.text).toBe(recordedScenario(draft, file, file, record.lines, initMark(PROPOSAL.date)));
    expect(init.text).toContain("  # observed 2026-12-02 by fwspec init, each with the rule that decided it; review: is this what you intend?\n  - expect:\n");
    const step = load(init.text).steps.find((x) => x.kind === "expect") as ExpectStep;
    expect(step.expectations).toHaveLength(record.lines.filter((l) => l.expectation !== undefined).length);
  });

  test("nothing observed: every probe a comment, and one expectation remains to edit so the file loads", () => {
    const observed: MatrixObservation = { flows: both("remote", "server", 22, "error", "error"), problems: [] };
    const t = observedScenario(PROPOSAL, draft, file, observed).text;
    expect(t).toContain("# not recorded: remote -> server:22/tcp4: the probe failed (nc: cannot run)");
    expect(t).toContain("      - remote -> server:22 blocked  # no verdict was observed: write the one you intend");
    load(t);
  });
});
