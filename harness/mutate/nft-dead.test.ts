/**
 * Rules no packet reaches (nft-dead.ts): which rules end every walk through
 * their chain, which chains every packet ends in, which rules of a file are
 * marked, and which mutants are claimed equivalent for it (and which never
 * are: a swap with the rule that ends the walk, a live rule moved behind it).
 * Against a real run of scenario nftables/43 (testdata/mut-43-outcomes.txt):
 * no killed mutant is claimed.
 */
import { describe, expect, test } from "vitest";
import type { Scenario, Step } from "../scenario/model.ts";
import { mutantsOf } from "./mutants.ts";
import { chainVerdicts, endingChains, endsEveryWalk } from "./nft-dead.ts";
import { type ChainFacts, noopChains } from "./nft-noop.ts";
import { nftFileLines } from "./nft-lines.ts";
import { OPERATORS } from "./operators.ts";
import { recordedRun } from "./testdata/recorded-run.ts";

const words = (rule: string) => rule.split(" ");

describe("a rule that ends every packet's walk through its chain", () => {
  const ending = (c: string) => c === "zone";
  test.each<[string, string, boolean]>([
    ["accept", "inet", true],
    ["drop", "inet", true],
    ["counter packets 0 bytes 0 drop", "inet", true],
    ["counter accept", "ip", true],
    ['accept comment "rest"', "inet", true],
    ["reject", "inet", true],
    ["reject with icmpx admin-prohibited", "inet", true],
    ["reject with icmpx type admin-prohibited", "inet", true],
    ["reject with icmp port-unreachable", "ip", true],
    ["reject with icmpv6 type admin-prohibited", "ip6", true],
    // nft adds a protocol match to these: the rule does not take every packet
    ["reject with tcp reset", "inet", false],
    ["reject with icmp port-unreachable", "inet", false],
    ["reject with icmpv6 port-unreachable", "inet", false],
    ["tcp dport 22 accept", "inet", false],
    ['iifname "lo" accept', "inet", false],
    ["log drop", "inet", false],
    ["jump zone", "inet", true],
    ["goto zone", "inet", true],
    ["jump other", "inet", false],
    ["tcp dport 22 jump zone", "inet", false],
    ["return", "inet", false],
    ["counter", "inet", false],
  ])("%s (%s table): %s", (rule, family, expected) => {
    expect(endsEveryWalk(words(rule), family, ending)).toBe(expected);
  });
});

const chain = (rules: string[], base = false, whole = true): ChainFacts => ({ base, whole, rules: rules.map(words) });

describe("chains every packet entering them ends in", () => {
  test.each<[string, Record<string, ChainFacts>, string[]]>([
    ["a zone: jumps, a matched accept, a final reject", { zone: chain(["jump pre", "tcp dport 22 accept", "reject with icmpx admin-prohibited"]), pre: chain([]) }, ["zone"]],
    ["the reject need not be last: the order does not matter", { z: chain(["reject", "jump pre"]), pre: chain([]) }, ["z"]],
    ["a dispatch chain: goto to an ending chain, nested", { zones: chain(["goto zone"]), zone: chain(["drop"]) }, ["zone", "zones"]],
    ["a conditional goto to an ending chain", { d: chain(['iifname "a" goto zone', "accept"]), zone: chain(["drop"]) }, ["d", "zone"]],
    ["a conditional goto to a chain that may fall off its end (the walk returns past the chain)", { d: chain(['iifname "a" goto other', "drop"]), other: chain(["tcp dport 22 accept"]) }, []],
    ["a return anywhere", { r: chain(["tcp dport 22 return", "drop"]) }, []],
    ["only matched verdicts", { m: chain(["tcp dport 22 accept", "ct state invalid drop"]) }, []],
    ["an empty chain", { e: chain([]) }, []],
    ["a base chain (its end is its policy, no caller)", { b: chain(["drop"], true) }, []],
    ["a chain not read whole", { w: chain(["drop"], false, false) }, []],
    ["a cycle of gotos", { a: chain(["goto b"]), b: chain(["goto a"]) }, []],
  ])("%s", (_, chains, expected) => {
    expect([...endingChains(new Map(Object.entries(chains)), "inet")].sort()).toEqual(expected);
  });
});

describe("chains that give every packet one verdict", () => {
  test.each<[string, Record<string, ChainFacts>, Record<string, string>]>([
    ["firewalld's forward zone: jumps to empty chains, then the reject", { fwd: chain(["jump pre", "jump allow", "reject with icmpx admin-prohibited"]), pre: chain([]), allow: chain([]) }, { fwd: "reject with icmpx admin-prohibited" }],
    ["through a dispatch chain's goto", { zones: chain(["goto fwd"]), fwd: chain(["drop"]) }, { fwd: "drop", zones: "drop" }],
    ["a rule that acts before it: none", { fwd: chain(["tcp dport 22 accept", "drop"]) }, {}],
    ["a jump to a chain that acts first: none", { fwd: chain(["jump allow", "drop"]), allow: chain(["tcp dport 22 accept"]) }, {}],
    ["a goto to an empty chain first (the walk returns to the caller): none", { fwd: chain(["goto pre", "drop"]), pre: chain([]) }, {}],
    ["a counter on the verdict (a counters check tells it apart): none", { fwd: chain(["counter drop"]) }, {}],
    ["a base chain: none", { b: chain(["drop"], true) }, {}],
    ["a reject nft adds a protocol match to: none", { fwd: chain(["reject with tcp reset"]) }, {}],
  ])("%s", (_, chains, expected) => {
    const map = new Map(Object.entries(chains));
    expect(Object.fromEntries(chainVerdicts(map, noopChains(map), "inet"))).toEqual(expected);
  });
});

const FILE = [
  "table inet t {",
  "\tchain input {",
  "\t\ttype filter hook input priority 0; policy accept;",
  "\t\tct state established accept",
  "\t\tjump zones",
  "\t\treject with icmpx admin-prohibited",
  "\t\ttcp dport 8080 drop",
  "\t}",
  "\tchain zones {",
  "\t\tgoto public",
  "\t}",
  "\tchain public {",
  "\t\ttcp dport 22 accept",
  "\t\treject with icmpx admin-prohibited",
  "\t}",
  "\tchain output {",
  "\t\ttype filter hook output priority 0; policy accept;",
  "\t\ttcp dport 9 drop",
  "\t\ttcp dport 10 jump public",
  "\t}",
  "}",
];

function scenarioWith(content: string, extra: Step[] = []): Scenario {
  return {
    file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }],
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/r.nft", content }], location: { file: "/p/s.yaml", line: 3, column: 1 } }, ...extra],
  };
}

const claimed = (scenario: Scenario) => mutantsOf(scenario, OPERATORS).filter((m) => /no packet reaches/.test(m.staticEquivalence ?? "")).map((m) => m.id);

describe("unreached rules of a file, and their mutants", () => {
  test("marked: the rules behind a jump to a chain every packet ends in, with that jump", () => {
    const marks = nftFileLines({ step: 0, source: 0, host: "server", kind: "nft", afterReboot: false }, "/p/r.nft", `${FILE.join("\n")}\n`)
      .flatMap((l) => (l.unreachedBehind ? [`${l.line}: behind ${l.unreachedBehind}`] : []));
    expect(marks).toEqual(["6: behind jump zones", "7: behind jump zones"]);
  });

  test("claimed: every change of those rules that keeps them behind it; never a swap with the jump, nor a live rule moved behind it", () => {
    expect(claimed(scenarioWith(`${FILE.join("\n")}\n`))).toEqual([
      "delete@r.nft:6", "delete@r.nft:7", "accept-drop@r.nft:7", "drop-reject@r.nft:6", "drop-reject@r.nft:7", "port@r.nft:7 dport 8080→8081", "move-end@r.nft:6", "swap@r.nft:6",
    ]);
    const all = mutantsOf(scenarioWith(`${FILE.join("\n")}\n`), OPERATORS).map((m) => m.id);
    // the swap of the jump with the first rule behind it, and the live rules moved to the end (behind the jump): run, not claimed
    expect(all).toEqual(expect.arrayContaining(["swap@r.nft:5", "move-end@r.nft:4", "move-end@r.nft:5"]));
  });

  test("none with an `add rule` into the chain (its place is not the file's)", () => {
    expect(claimed(scenarioWith(`${[...FILE, "add rule inet t input drop"].join("\n")}\n`))).toEqual([]);
  });

  // The zone no longer ends every walk: only the rule behind input's own reject stays unreached.
  test.each<[string, string[]]>([
    ["a return in the zone", FILE.map((l) => (l === "\t\ttcp dport 22 accept" ? "\t\ttcp dport 22 return" : l))],
    ["the zone's reject matched", FILE.map((l, i) => (i === 13 ? "\t\ttcp dport 23 reject with icmpx admin-prohibited" : l))],
  ])("behind the jump no more with %s", (_, lines) => {
    expect(claimed(scenarioWith(`${lines.join("\n")}\n`))).toEqual(["delete@r.nft:7", "accept-drop@r.nft:7", "drop-reject@r.nft:7", "port@r.nft:7 dport 8080→8081"]);
  });

  test("none where another source may write the table, kept beside a table of its own", () => {
    const apply = (content: string): Step => ({ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/x.nft", content }], location: { file: "/p/s.yaml", line: 5, column: 1 } } as Step);
    expect(claimed(scenarioWith(`${FILE.join("\n")}\n`, [apply("add rule inet t public return\n")]))).toEqual([]);
    expect(claimed(scenarioWith(`${FILE.join("\n")}\n`, [apply("table ip nat {\n}\n")])).length).toBe(8);
  });
});

describe("a jump to a chain that gives every packet one verdict decides as that verdict", () => {
  const FORWARD = [
    "table inet t {",
    "\tchain forward {",
    "\t\ttype filter hook forward priority 0; policy accept;",
    "\t\tct state established accept",
    "\t\tjump zones",
    "\t\treject with icmpx admin-prohibited",
    "\t}",
    "\tchain zones {",
    "\t\tgoto fwd_public",
    "\t}",
    "\tchain fwd_public {",
    "\t\tjump fwd_allow",
    "\t\treject with icmpx admin-prohibited",
    "\t}",
    "\tchain fwd_allow {",
    "\t}",
    "}",
  ];
  const same = (lines: string[]) => mutantsOf(scenarioWith(`${lines.join("\n")}\n`), OPERATORS)
    .filter((m) => /decides the same|both rules decide/.test(m.staticEquivalence ?? "")).map((m) => m.id);

  test("deleted, swapped with or moved behind the same reject: equivalent", () => {
    expect(same(FORWARD)).toEqual(["delete@r.nft:5", "move-end@r.nft:5", "swap@r.nft:5"]);
  });

  test("not when the zone lets something through, nor for a reject of another kind", () => {
    expect(same(FORWARD.map((l) => (l === "\t}" ? l : l === "\tchain fwd_allow {" ? "\tchain fwd_allow {\n\t\ttcp dport 22 accept" : l)))).toEqual([]);
    expect(same(FORWARD.map((l, i) => (i === 5 ? "\t\treject" : l)))).toEqual([]);
  });
});

describe("scenario nftables/43 (firewalld 1.3.3's ruleset) against a real mutation run", () => {
  const run = recordedRun("mut-43-outcomes.txt", "scenarios/nftables/43-firewalld-generated.yaml");
  const UNREACHED = /no packet reaches/;

  test("no killed mutant is claimed unreached (that would be unsound); 4 survivors are: the rejects behind the zone jumps of INPUT and FORWARD", () => {
    expect(run.claimed("killed", UNREACHED).map((o) => o.id)).toEqual([]);
    expect(run.claimed("survived", UNREACHED).map((o) => o.id).sort()).toEqual(["delete@firewalld.nft:80", "delete@firewalld.nft:91", "drop-reject@firewalld.nft:80", "drop-reject@firewalld.nft:91"]);
  });

  test("no killed mutant is claimed by a rule's decision (a jump to a one-verdict chain included); the jump to FORWARD's zones is, 3 survivors", () => {
    const DECIDES = /decides the same|both rules decide/;
    expect(run.claimed("killed", DECIDES).map((o) => o.id)).toEqual([]);
    const jump = (id: string) => run.byId.get(id)?.staticEquivalence ?? "";
    expect(["delete@firewalld.nft:90", "move-end@firewalld.nft:90", "swap@firewalld.nft:90"].map((id) => [id, DECIDES.test(jump(id)), run.outcomes.find((o) => o.id === id)?.status])).toEqual([
      ["delete@firewalld.nft:90", true, "survived"], ["move-end@firewalld.nft:90", true, "survived"], ["swap@firewalld.nft:90", true, "survived"],
    ]);
  });
});
