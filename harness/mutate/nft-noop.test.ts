/**
 * No-op chains (nft-noop.ts): which chains do nothing, which rules of a file
 * are marked, and the static equivalence of delete, swap and move-end mutants
 * of such rules. Against a real run (testdata/mut-43-outcomes.txt: status and
 * id of each mutant of scenario nftables/43, firewalld's own ruleset): no
 * mutant that was killed gets the equivalence, and the survivors it explains
 * are counted.
 */
import { describe, expect, test } from "vitest";
import type { Scenario, Step } from "../scenario/model.ts";
import { mutantsOf } from "./mutants.ts";
import { nftFileLines } from "./nft-lines.ts";
import { type ChainFacts, noopChains } from "./nft-noop.ts";
import { nftTablesOnly } from "./noop-claims.ts";
import { selectOperators } from "./operators.ts";
import { recordedRun } from "./testdata/recorded-run.ts";

const chain = (rules: string[], base = false, whole = true): ChainFacts => ({ base, whole, rules: rules.map((r) => r.split(" ")) });

describe("no-op chains of a table", () => {
  const cases: [string, Record<string, ChainFacts>, string[]][] = [
    ["an empty regular chain", { e: chain([]) }, ["e"]],
    ["an empty base chain (its end is its policy)", { b: chain([], true) }, []],
    ["jump and goto to empty chains, nested", { e: chain([]), f: chain(["goto e"]), p: chain(["jump e", "jump f"]) }, ["e", "f", "p"]],
    ["a rule that acts", { e: chain([]), p: chain(["jump e", "tcp dport 22 accept"]) }, ["e"]],
    ["a jump with a match or a counter is not read", { e: chain([]), m: chain(["iifname lo jump e"]), c: chain(["counter jump e"]) }, ["e"]],
    ["a jump to a chain that acts", { a: chain(["drop"]), p: chain(["jump a"]) }, []],
    ["a jump to an undeclared chain", { p: chain(["jump x"]) }, []],
    ["a return is not claimed", { p: chain(["return"]) }, []],
    ["a cycle", { a: chain(["jump b"]), b: chain(["jump a"]) }, []],
    ["a chain with a line not read as a rule", { e: chain([], false, false), p: chain(["jump e"]) }, []],
  ];
  test.each(cases)("%s", (_, chains, expected) => {
    expect([...noopChains(new Map(Object.entries(chains)))].sort()).toEqual(expected);
  });
});

describe("the tables an nft file can write", () => {
  test.each<[string, string, string[] | undefined]>([
    ["table blocks, with and without a family, defines and comments", "# x\ndefine P = { 1, 2 }\ntable inet a {\n\tchain c {\n\t\ttcp dport $P accept comment \"}\"\n\t}\n}\ntable b {\n}\n", ["inet a", "ip b"]],
    ["a one-line table block", "table ip6 x { chain c { type filter hook input priority 0; } }\n", ["ip6 x"]],
    ["a top-level command", "table ip a {\n}\ndelete table inet t\n", undefined],
    ["an include inside a table", "table ip a {\n\tinclude \"b.nft\"\n}\n", undefined],
    ["unbalanced braces", "table ip a {\n", undefined],
  ])("%s", (_, content, expected) => {
    const tables = nftTablesOnly(content);
    expect(tables === undefined ? undefined : [...tables]).toEqual(expected);
  });
});

const where = { step: 0, source: 0, host: "server", kind: "nft" as const, afterReboot: false };
const FILE = [
  "table inet t {",
  "\tchain input {",
  "\t\ttype filter hook input priority 0; policy accept;",
  "\t\tjump zones",
  "\t\ttcp dport 22 accept",
  "\t\tjump acting",
  "\t\tjump empty_pre",
  "\t\tgoto empty_post",
  "\t}",
  "\tchain zones {",
  "\t\tgoto public",
  "\t}",
  "\tchain public {",
  "\t\tjump empty_pre",
  "\t\tjump empty_post",
  "\t}",
  "\tchain empty_pre {",
  "\t}",
  "\tchain empty_post {",
  "\t}",
  "\tchain acting {",
  "\t\tjump empty_pre",
  "\t\tdrop",
  "\t}",
  "}",
];

/** `line: jump→C` / `line: in chain` of each marked rule. */
function marks(content: string): string[] {
  return nftFileLines(where, "/p/r.nft", content).flatMap((l) => [
    ...(l.noopJump ? [`${l.line}: jump→${l.noopJump}`] : []),
    ...(l.noopChain ? [`${l.line}: in ${l.chain}`] : []),
  ]);
}

describe("rules of a file marked as no-ops", () => {
  const cases: [string, string[], string[]][] = [
    ["jumps to no-op chains, rules of no-op chains; not the goto of a base chain", FILE, ["4: jump→zones", "7: jump→empty_pre", "11: in zones", "14: jump→empty_pre", "14: in public", "15: jump→empty_post", "15: in public", "22: jump→empty_pre"]],
    ["a statement over several lines in a chain: not known empty", ["table ip t {", "\tchain e {", "\t\ttcp dport {", "\t\t\t22 } accept", "\t}", "\tchain p {", "\t\tjump e", "\t}", "}"], []],
    ["a one-line chain block: not read", ["table ip t {", "\tchain e { type filter hook input priority 0; }", "\tchain e {", "\t}", "\tchain p {", "\t\tjump e", "\t}", "}"], []],
    ["an `add rule` into the empty chain", ["table ip t {", "\tchain e {", "\t}", "\tchain p {", "\t\tjump e", "\t}", "}", "add rule ip t e drop"], []],
    ["an `include` may write anything", ["include \"more.nft\"", "table ip t {", "\tchain e {", "\t}", "\tchain p {", "\t\tjump e", "\t}", "}"], []],
    ["another table's chain of the same name", ["table ip a {", "\tchain e {", "\t}", "}", "table ip b {", "\tchain e {", "\t\tdrop", "\t}", "\tchain p {", "\t\tjump e", "\t}", "}"], []],
  ];
  test.each(cases)("%s", (_, lines, expected) => {
    expect(marks(`${lines.join("\n")}\n`)).toEqual(expected);
  });
});

function scenarioWith(content: string, extra: Step[] = []): Scenario {
  return {
    file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }],
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/r.nft", content }], location: { file: "/p/s.yaml", line: 3, column: 1 } }, ...extra],
  };
}

/** `id jump|chain` of each mutant claimed by a no-op reason: a no-op jump, or a rule of a no-op chain. */
function claimed(scenario: Scenario): string[] {
  return mutantsOf(scenario, selectOperators(["delete", "swap", "move-end"])).flatMap((m) => {
    const why = m.staticEquivalence ?? "";
    return why.includes("a no-op wherever it stands") ? [`${m.id} jump`] : why.includes("it still does nothing") ? [`${m.id} chain`] : [];
  });
}

describe("mutants of no-op rules are equivalent from the rules alone", () => {
  test("delete, swap and move-end of a no-op jump; rules of a no-op chain; never the base chain's goto or a rule that acts", () => {
    expect(claimed(scenarioWith(`${FILE.join("\n")}\n`))).toEqual([
      "delete@r.nft:4 jump", "delete@r.nft:7 jump", "delete@r.nft:11 chain", "delete@r.nft:14 jump", "delete@r.nft:15 jump", "delete@r.nft:22 jump",
      "move-end@r.nft:4 jump", "move-end@r.nft:7 jump", "move-end@r.nft:14 jump", "move-end@r.nft:22 jump",
      "swap@r.nft:4 jump", "swap@r.nft:6 jump", "swap@r.nft:7 jump", "swap@r.nft:14 jump", "swap@r.nft:22 jump",
    ]);
  });

  test.each<[string, Step]>([
    ["a run step (it may run nft)", { kind: "run", host: "server", command: ["nft", "add", "rule", "inet", "t", "empty_pre", "drop"], exit: 0, contains: [], excludes: [], matches: [], location: { file: "/p/s.yaml", line: 5, column: 1 } } as Step],
    ["a second apply source (it may fill a chain)", { kind: "apply", host: "server", sources: [{ kind: "commands", commands: [["nft", "add", "rule", "inet", "t", "empty_pre", "drop"]] }], location: { file: "/p/s.yaml", line: 5, column: 1 } } as Step],
    ["a run step of `ip … exec` (it runs anything)", { kind: "run", host: "server", command: ["ip", "vrf", "exec", "x", "nft", "flush", "ruleset"], exit: 0, contains: [], excludes: [], matches: [], location: { file: "/p/s.yaml", line: 5, column: 1 } } as Step],
  ])("none after %s on the host", (_, step) => {
    expect(claimed(scenarioWith(`${FILE.join("\n")}\n`, [step]))).toEqual([]);
  });

  const applyNft = (content: string): Step => ({ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/nat.nft", content }], location: { file: "/p/s.yaml", line: 5, column: 1 } } as Step);
  test.each<[string, string, number]>([
    ["another table only: kept", "table ip nat43 {\n\tchain pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\ttcp dport 8888 dnat to {{ server.ipv4 }}:8080\n\t}\n}\n", 15],
    ["the same table (`table inet t`): none", "table inet t {\n\tchain empty_pre {\n\t\tdrop\n\t}\n}\n", 0],
    ["`add rule` at the top level: none", "table ip nat43 {\n}\nadd rule inet t empty_pre drop\n", 0],
    ["`flush ruleset`: none", "flush ruleset\ntable ip nat43 {\n}\n", 0],
    ["an `include`: none", "table ip nat43 {\n\tinclude \"x.nft\"\n}\n", 0],
  ])("a second apply of an nft file, %s", (_, content, count) => {
    expect(claimed(scenarioWith(`${FILE.join("\n")}\n`, [applyNft(content)])).length).toBe(count);
  });

  test("kept after a run step that writes no rule (`ip -6 neigh flush all`) or one on another host", () => {
    const run = (host: string, command: string[]): Step => ({ kind: "run", host, command, exit: 0, contains: [], excludes: [], matches: [], location: { file: "/p/s.yaml", line: 5, column: 1 } } as Step);
    expect(claimed(scenarioWith(`${FILE.join("\n")}\n`, [run("server", ["ip", "-6", "neigh", "flush", "all"]), run("remote", ["sh", "-c", "nft flush ruleset"])])).length).toBe(15);
  });
});

describe("scenario nftables/43 (firewalld 1.3.3's ruleset) against a real mutation run", () => {
  const run = recordedRun("mut-43-outcomes.txt", "scenarios/nftables/43-firewalld-generated.yaml");
  const NOOP = /no-op wherever|still does nothing/;

  test("the run's mutants are today's", () => {
    expect(run.outcomes.length).toBe(294);
    expect(run.outcomes.filter((o) => !run.byId.has(o.id))).toEqual([]);
  });

  test("no killed mutant is claimed a no-op (that would be unsound)", () => {
    expect(run.outcomes.filter((o) => o.status === "killed").length).toBe(26);
    expect(run.claimed("killed", NOOP).map((o) => o.id)).toEqual([]);
  });

  test("151 of the 246 survivors are no-op mutants: 59 deletes, 47 swaps, 45 moves to the end", () => {
    const claimedSurvivors = run.claimed("survived", NOOP);
    const by = (op: string) => claimedSurvivors.filter((o) => o.id.startsWith(`${op}@`)).length;
    expect([claimedSurvivors.length, by("delete"), by("swap"), by("move-end")]).toEqual([151, 59, 47, 45]);
  });
});
