import path from "node:path";
import { describe, expect, test } from "vitest";
import { z } from "zod";
import { PROJECT_ROOT } from "../env/images.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { scenarioSchema } from "../scenario/schema.ts";
import type { RecordedLine } from "./lines.ts";
import { APPLY_FILE_PATHS, defaultFamilies, flowKeyOf, RECORDED_MARK, recordedItem, recordedScenario } from "./write.ts";

const FILE = path.join(PROJECT_ROOT, "scenarios/restrict-localhost/x.yaml");
const LINES: RecordedLine[] = [
  { expectation: "remote -> server:8080 dropped", comment: "filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP" },
  { comment: "not recorded: remote -> server:8081/tcp6: the probe failed (gone)" },
  { expectation: "remote -> server:8081/tcp4 open", comment: "no rule counted it (a chain policy, or nothing listening)" },
];
const STEP = [
  `  # ${RECORDED_MARK}`,
  "  - expect:",
  "      - remote -> server:8080 dropped  # filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
  "      # not recorded: remote -> server:8081/tcp6: the probe failed (gone)",
  "      - remote -> server:8081/tcp4 open  # no rule counted it (a chain policy, or nothing listening)",
].join("\n");

const HEAD = [
  "# yaml-language-server: $schema=../../schema/scenario.schema.json",
  "name: n   # a comment that stays",
  "description: >",
  "  A folded description that is long enough to be folded again by a serializer that rewrites",
  "  the whole document, which record must never do.",
  "hosts:",
  "  server: { firewall: true, listen: [tcp/8080, tcp/8081] }",
  "  remote: {}",
  "steps:",
].join("\n");

describe("recordedItem", () => {
  test.each([
    [{ expectation: "a -> b:1 open", comment: "filter INPUT #1 -A INPUT -m comment --comment \"c1 \u001b[31mRED\u001b[0m </script> \u0001\" -j ACCEPT" }, "- a -> b:1 open  # filter INPUT #1 -A INPUT -m comment --comment \"c1 \\x1b[31mRED\\x1b[0m </script> \\x01\" -j ACCEPT"],
    [{ comment: "not recorded: x: the probe failed (line one\nline two)" }, "# not recorded: x: the probe failed (line one\\nline two)"],
    [{ expectation: "a -> b:1 open", comment: "plain" }, "- a -> b:1 open  # plain"],
  ])("%j", (line, text) => {
    expect(recordedItem(line)).toBe(text);
  });
});

describe("the recorded scenario text", () => {
  test.each<[string, string[], string[]]>([
    [
      "the expect step after the last apply is replaced; comments, other steps and formatting stay",
      ["  - apply: ../../fixtures/localhost-only.sh   # the rules", "  - expect:", "      - remote -> server:8080 dropped", "      - remote -> server:8081 open     # hand-written", "  # about counters", "  - counters:", "      - rule: -A INPUT -p tcp --dport 8080 -j DROP", "        packets: \">= 1\"", ""],
      // The hand-written step's own comment (tester 43b: not lost) stays, on a line above its flow's new line.
      ["  - apply: ../../fixtures/localhost-only.sh   # the rules", STEP.replace("      # not recorded: remote -> server:8081/tcp6", "      # hand-written\n      # not recorded: remote -> server:8081/tcp6"), "  # about counters", "  - counters:", "      - rule: -A INPUT -p tcp --dport 8080 -j DROP", "        packets: \">= 1\"", ""],
    ],
    [
      "expect steps before a later apply stay (they check an earlier state); of the trailing ones only the first is replaced, a later one (a sequence) stays (tester 42a)",
      ["  - apply: ../../fixtures/localhost-only-ipv4.sh", "  - expect:", "      - remote -> server:8080/tcp4 dropped", "  - apply: ../../fixtures/localhost-only.sh", "  - expect:", "      - remote -> server:8080 open", "  - expect:   # the limit's third", "      - remote -> server:8081 open", ""],
      ["  - apply: ../../fixtures/localhost-only-ipv4.sh", "  - expect:", "      - remote -> server:8080/tcp4 dropped", "  - apply: ../../fixtures/localhost-only.sh", STEP, "  - expect:   # the limit's third", "      - remote -> server:8081 open", ""],
    ],
    [
      "no expect step yet: added after the last set-up step, at the end of a file without a final newline",
      ["  - apply: ../../fixtures/localhost-only.sh"],
      ["  - apply: ../../fixtures/localhost-only.sh", STEP, ""],
    ],
    [
      "no expect step after a run step: added before the trailing counters",
      ["  - apply: ../../fixtures/localhost-only.sh", "  - run: { host: server, command: \"true\" }", "  - counters:", "      - rule: -A INPUT -p tcp --dport 8080 -j DROP", "        packets: \">= 0\"", ""],
      ["  - apply: ../../fixtures/localhost-only.sh", "  - run: { host: server, command: \"true\" }", STEP, "  - counters:", "      - rule: -A INPUT -p tcp --dport 8080 -j DROP", "        packets: \">= 0\"", ""],
    ],
  ])("%s", (_, steps, recorded) => {
    const out = recordedScenario(`${HEAD}\n${steps.join("\n")}`, FILE, FILE, LINES);
    expect(out).toBe(`${HEAD}\n${recorded.join("\n")}`);
    const parsed = parseScenarioText(out, FILE).steps;
    const lastSetup = parsed.findLastIndex((s) => s.kind !== "expect" && s.kind !== "counters");
    expect(parsed.slice(lastSetup + 1).find((s) => s.kind === "expect")).toMatchObject({ expectations: [{ text: "remote -> server:8080 dropped", families: ["ipv4", "ipv6"] }, { text: "remote -> server:8081/tcp4 open", families: ["ipv4"] }] });
  });

  test("record --update keeps the user's comment lines of the step it replaces, by flow; fwspec's own comments are written anew (tester 43b)", () => {
    const before = [
      "  - apply: ../../fixtures/localhost-only.sh",
      "  # why these checks: the audit of 2026-11",
      `  # ${RECORDED_MARK}`,
      "  - expect:",
      "      # intent: 8080 is internal only",
      "      - remote -> server:8080/tcp4 open  # filter INPUT #1 -A INPUT -j ACCEPT",
      "      # 9090 was the old admin port",
      "      - remote -> server:9090 dropped  # filter INPUT policy DROP",
      "      # end of the list",
      "",
    ];
    const out = recordedScenario(`${HEAD}\n${before.join("\n")}`, FILE, FILE, LINES);
    expect(out).toBe(`${HEAD}\n${[
      "  - apply: ../../fixtures/localhost-only.sh",
      "  # why these checks: the audit of 2026-11",
      `  # ${RECORDED_MARK}`,
      "  - expect:",
      "      # intent: 8080 is internal only",
      "      - remote -> server:8080 dropped  # filter INPUT #2 -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      "      # not recorded: remote -> server:8081/tcp6: the probe failed (gone)",
      "      - remote -> server:8081/tcp4 open  # no rule counted it (a chain policy, or nothing listening)",
      // A flow no longer recorded keeps its note, at the step's end, as does the step's last comment.
      "      # 9090 was the old admin port",
      "      # end of the list",
      "",
    ].join("\n")}`);
    // Recording again changes nothing more: the notes stay where they are, once.
    expect(recordedScenario(out, FILE, FILE, LINES)).toBe(out);
  });

  test("a note stays with its flow while that flow's probe failed (a `not recorded:` line), and comes back above it once recorded; a note on `- expect:` stays (reviewer 43)", () => {
    const before = ["  - apply: ../../fixtures/localhost-only.sh", `  # ${RECORDED_MARK}`, "  - expect:   # the web ports", "      # 8081 is the admin port", "      - remote -> server:8081/tcp6 open  # no rule", ""];
    const failing: RecordedLine[] = [{ comment: "not recorded: remote -> server:8081/tcp6: the probe failed (gone)" }];
    const out = recordedScenario(`${HEAD}\n${before.join("\n")}`, FILE, FILE, failing);
    expect(out).toBe(`${HEAD}\n${["  - apply: ../../fixtures/localhost-only.sh", "  # the web ports", `  # ${RECORDED_MARK}`, "  - expect:", "      # 8081 is the admin port", "      # not recorded: remote -> server:8081/tcp6: the probe failed (gone)", ""].join("\n")}`);
    const again = recordedScenario(out, FILE, FILE, [{ expectation: "remote -> server:8081/tcp6 open", comment: "no rule" }]);
    expect(again).toContain("      # 8081 is the admin port\n      - remote -> server:8081/tcp6 open  # no rule");
  });

  test.each<[string, string | undefined]>([
    ["remote -> server:8080 dropped", "remote server 8080 tcp"],
    ["remote -> server:53/udp6 open", "remote server 53 udp"],
    ["remote -> [2001:db8::1]:80 open", "remote [2001:db8::1] 80 tcp"],
    ["remote -> server:8081/tcp6: the probe failed (gone)", "remote server 8081 tcp"],
    ["held web dropped", undefined],
  ])("flowKeyOf(%j)", (text, key) => {
    expect(flowKeyOf(text)?.replaceAll("\x00", " ")).toBe(key);
  });

  test("a new file in another folder: apply paths and the $schema line point at the same files from there", () => {
    const text = `${HEAD}\n  - apply: ../../fixtures/localhost-only.sh\n  - apply: { host: server, script: "../../fixtures/multiport.sh" }\n  - expect:\n      - remote -> server:8080 open\n`;
    const out = path.join(PROJECT_ROOT, "scenarios/recorded/deeper/new.yaml");
    const written = recordedScenario(text, FILE, out, LINES);
    expect(written.split("\n")[0]).toBe("# yaml-language-server: $schema=../../../schema/scenario.schema.json");
    expect(written).toContain("  - apply: ../../../fixtures/localhost-only.sh\n  - apply: { host: server, script: ../../../fixtures/multiport.sh }\n");
    expect(parseScenarioText(written, out).steps[0]).toMatchObject({ kind: "apply", sources: [{ path: path.join(PROJECT_ROOT, "fixtures/localhost-only.sh") }] });
  });

  test.each<[string, string, string]>([
    ["a script, as the step's value", "  - apply: ../../fixtures/localhost-only.sh", "  - apply: ../../../fixtures/localhost-only.sh"],
    ["a script", "  - apply: { host: server, script: ../../fixtures/multiport.sh }", "  - apply: { host: server, script: ../../../fixtures/multiport.sh }"],
    ["restore files", "  - apply: { restore: { ipv4: ../../fixtures/a.rules, ipv6: \"../../fixtures/b.rules\" } }", "  - apply: { restore: { ipv4: ../../../fixtures/a.rules, ipv6: ../../../fixtures/b.rules } }"],
    ["an nftables ruleset", "  - apply: { host: server, nft: ../../fixtures/nftables/block-8080.nft }", "  - apply: { host: server, nft: ../../../fixtures/nftables/block-8080.nft }"],
    ["an nftables ruleset, block style", "  - apply:\n      nft: ../../fixtures/nftables/block-8080.nft", "  - apply:\n      nft: ../../../fixtures/nftables/block-8080.nft"],
    ["an absolute path stays", "  - apply: { nft: /srv/rules.nft }", "  - apply: { nft: /srv/rules.nft }"],
  ])("a new file in another folder: %s point at the same file from there", (_, step, moved) => {
    const out = path.join(PROJECT_ROOT, "scenarios/recorded/deeper/new.yaml");
    expect(recordedScenario(`${HEAD}\n${step}\n`, FILE, out, LINES)).toContain(`\n${moved}\n`);
  });

  test("every file an apply step can name is a path record rewrites: each string field but `host`", () => {
    const apply = (z.toJSONSchema(scenarioSchema, { io: "input" }) as unknown as { properties: { steps: { items: { properties: { apply: { anyOf: unknown[] } } } } } }).properties.steps.items.properties.apply.anyOf[1];
    const strings = (node: unknown, at: string[]): string[][] => {
      const o = node as { type?: string; properties?: Record<string, unknown> };
      if (o.type === "string") return [at];
      return o.type === "object" ? Object.entries(o.properties ?? {}).flatMap(([k, v]) => strings(v, [...at, k])) : [];
    };
    const files = strings(apply, []).filter((p) => p.join(".") !== "host");
    expect(files.map((p) => p.join(".")).sort()).toEqual(APPLY_FILE_PATHS.map((p) => p.join(".")).sort());
  });

  test.each([
    [undefined, "`npx fwspec validate` it first"],
    ["/home/me/fwspec/bin/fwspec", "`/home/me/fwspec/bin/fwspec validate` it first"],
  ])("no steps to record after: the hint's command starts as the user runs fwspec (%s)", (invocation, hint) => {
    expect(() => recordedScenario(`${HEAD}\n`, FILE, FILE, LINES, RECORDED_MARK, invocation)).toThrow(expect.objectContaining({ hint: expect.stringContaining(hint) }));
  });

  test.each<[string, string[]]>([["", ["ipv4", "ipv6"]], ["family: ipv4\n", ["ipv4"]], ["family: ipv6\n", ["ipv6"]], ["family: both\n", ["ipv4", "ipv6"]]])("the default families of `%s`", (line, families) => {
    expect(defaultFamilies(`name: n\n${line}steps: []\n`)).toEqual(families);
  });
});
