/**
 * Mutants that move a rule a later positional command counts on (pure): after
 * deleting, appending instead of inserting, or swapping an iptables rule, a
 * later `-D INPUT 1` (`-R`, `-Z`, `-I n` with n > 1) of the same host, family,
 * table and chain acts on another rule, so neither an equivalence proof nor a
 * beyond-reach claim about the changed rule alone is made; changes in place,
 * other chains, tables and families, and earlier commands leave them standing.
 */
import { describe, expect, test } from "vitest";
import type { HostSpec } from "../model/types.ts";
import type { ScenarioReport } from "../report/model.ts";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { classifyMutant, equivalentBeforeRun } from "./classify.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";
import { positionalChain, shiftedPositional } from "./positional.ts";
import { beyondReach } from "./reach.ts";

const at = { file: "/p/s.yaml", line: 3, column: 1 };
const server: HostSpec = { name: "server", firewall: true, backend: "legacy", listen: [] };
const argv = (text: string) => text.split(" ");
const commands = (...texts: string[]): RuleSource => ({ kind: "commands", commands: texts.map(argv) });
const apply = (...sources: RuleSource[]): Step => ({ kind: "apply", host: "server", sources, location: at });
const run = (text: string): Step => ({ kind: "run", host: "server", command: argv(text), exit: 0, contains: [], excludes: [], matches: [], location: { ...at, line: 9 } }) as Step;
const restore4 = (...rules: string[]): RuleSource => ({ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: ["*filter", ...rules, "COMMIT"].join("\n") });
const scenario = (...steps: Step[]): Scenario => ({ file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2, hosts: [server], steps });
const passed = { file: "/p/s.yaml", name: "s", description: "", status: "passed", expectations: [], counters: [], steps: [], errors: [], parity: [] } as unknown as ScenarioReport;

const RULE = "iptables -A INPUT -p tcp --dport 81 -j ACCEPT";

/** The mutant of `operator` whose first change is of the line written `before`. */
function mutant(s: Scenario, operator: string, before: string) {
  const m = mutantsOf(s, selectOperators([operator])).find((x) => x.changes[0]!.before === before);
  if (!m) throw new Error(`no ${operator} mutant of ${before}: ${mutantsOf(s, selectOperators([operator])).map((x) => x.changes[0]!.before).join(", ")}`);
  return m;
}

describe("positionalChain", () => {
  test.each([
    // [words, table and chain (undefined: not positional)]
    ["-D INPUT 1", "filter INPUT"],
    ["--delete INPUT 3", "filter INPUT"],
    ["-R INPUT 2 -p tcp -j DROP", "filter INPUT"],
    ["-Z INPUT 1", "filter INPUT"],
    ["-I INPUT 2 -j DROP", "filter INPUT"],
    ["-t nat -D PREROUTING 1", "nat PREROUTING"],
    ["-I INPUT 1 -j DROP", undefined],
    ["-I INPUT -j DROP", undefined],
    ["-D INPUT -p tcp --dport 81 -j ACCEPT", undefined],
    ["-Z INPUT", undefined],
    ["-A INPUT -p tcp -j ACCEPT", undefined],
  ])("%s: %s", (words, expected) => {
    const at = positionalChain(argv(words));
    expect(at && `${at.table} ${at.chain}`).toBe(expected);
  });
});

describe("no equivalence proof for a mutant that moves a rule a later positional command counts on", () => {
  test.each([
    // [what, scenario, operator, the changed line, proven equivalent before running]
    ["delete; `-D INPUT 1` in a later apply step (counters never moved)", scenario(apply(commands(RULE)), apply(commands("iptables -D INPUT 1"))), "delete", RULE, false],
    ["delete; `-D INPUT 1` later in the same list", scenario(apply(commands(RULE, "iptables -A INPUT -p tcp --dport 82 -j DROP", "iptables -D INPUT 1"))), "delete", RULE, false],
    ["delete; `-R INPUT 2` later", scenario(apply(commands(RULE, "iptables -A INPUT -p tcp --dport 82 -j DROP", "iptables -R INPUT 2 -p tcp --dport 83 -j DROP"))), "delete", RULE, false],
    ["delete; `-I INPUT 2` later", scenario(apply(commands(RULE, "iptables -A INPUT -p tcp --dport 82 -j DROP", "iptables -I INPUT 2 -p tcp --dport 83 -j DROP"))), "delete", RULE, false],
    ["delete; `-D INPUT 1` in a later restore file", scenario(apply(commands(RULE)), apply(restore4(":INPUT ACCEPT [0:0]", "-D INPUT 1"))), "delete", RULE, false],
    ["delete of a restore line; `-D INPUT 1` later", scenario(apply(restore4(":INPUT ACCEPT [0:0]", "-A INPUT -p tcp --dport 81 -j ACCEPT")), apply(commands("iptables -D INPUT 1"))), "delete", "-A INPUT -p tcp --dport 81 -j ACCEPT", false],
    ["insert-append; `-D INPUT 1` later", scenario(apply(commands("iptables -A INPUT -p tcp --dport 82 -j DROP", "iptables -I INPUT 1 -p tcp --dport 81 -j ACCEPT")), apply(commands("iptables -D INPUT 1"))), "insert-append", "iptables -I INPUT 1 -p tcp --dport 81 -j ACCEPT", false],
    ["swap of two ACCEPTs (same decision); `-D INPUT 2` later", scenario(apply(commands(RULE, "iptables -A INPUT -p tcp --dport 82 -j ACCEPT")), apply(commands("iptables -D INPUT 2"))), "swap", RULE, false],
    ["drop-v6; `ip6tables -D INPUT 1` later", scenario(apply(commands(RULE, "ip6tables -A INPUT -p tcp --dport 81 -j ACCEPT")), apply(commands("ip6tables -D INPUT 1"))), "drop-v6", "ip6tables -A INPUT -p tcp --dport 81 -j ACCEPT", false],
    // The claim stands:
    ["delete; nothing positional later", scenario(apply(commands(RULE)), apply(commands("iptables -D INPUT -p tcp --dport 81 -j ACCEPT"))), "delete", RULE, true],
    ["delete; `-D INPUT 1` before the rule", scenario(apply(commands("iptables -A INPUT -p tcp --dport 82 -j DROP", "iptables -D INPUT 1", RULE))), "delete", RULE, true],
    ["delete; `-I INPUT 1` later (first whatever the chain holds)", scenario(apply(commands(RULE)), apply(commands("iptables -I INPUT 1 -p tcp --dport 83 -j DROP"))), "delete", RULE, true],
    ["delete; `-D OUTPUT 1` later (another chain)", scenario(apply(commands(RULE, "iptables -A OUTPUT -p tcp --dport 82 -j DROP")), apply(commands("iptables -D OUTPUT 1"))), "delete", RULE, true],
    ["delete; `-t nat -D INPUT 1` later (another table)", scenario(apply(commands(RULE, "iptables -t nat -A INPUT -p tcp --dport 82 -j SNAT --to-source 198.18.0.1")), apply(commands("iptables -t nat -D INPUT 1"))), "delete", RULE, true],
    ["delete; `ip6tables -D INPUT 1` later (another family)", scenario(apply(commands(RULE, "ip6tables -A INPUT -p tcp --dport 82 -j DROP")), apply(commands("ip6tables -D INPUT 1"))), "delete", RULE, true],
    ["accept-drop (in place); `-D INPUT 2` later", scenario(apply(commands(RULE, "iptables -A INPUT -p tcp --dport 82 -j DROP")), apply(commands("iptables -D INPUT 2"))), "accept-drop", RULE, true],
  ] as const)("%s", (_what, s, operator, before, proven) => {
    expect(equivalentBeforeRun(mutant(s, operator, before), s, new Set()) !== undefined).toBe(proven);
  });

  test("nor after running with every check held: it survives (a `-D INPUT 1` run step)", () => {
    const s = scenario(apply(commands(RULE, "iptables -A INPUT -p tcp --dport 82 -j DROP")), run("iptables -D INPUT 1"));
    const m = mutant(s, "delete", RULE);
    expect(shiftedPositional(m, s)).toBe("iptables -D INPUT 1 (the run step on line 9)");
    expect(classifyMutant(m, passed, s, new Set()).status).toBe("survived");
  });
});

describe("no beyond-reach claim for such a mutant", () => {
  const MDNS = "iptables -A INPUT -d 224.0.0.251/32 -p udp --dport 5353 -j ACCEPT";
  test.each([
    // [what, scenario, claimed beyond reach]
    ["`-D INPUT 1` later", scenario(apply(commands(MDNS, "iptables -A INPUT -p tcp --dport 82 -j DROP")), apply(commands("iptables -D INPUT 1"))), false],
    ["nothing positional later", scenario(apply(commands(MDNS, "iptables -A INPUT -p tcp --dport 82 -j DROP"))), true],
  ] as const)("%s", (_what, s, claimed) => {
    expect(beyondReach(mutant(s, "delete", MDNS), s) !== undefined).toBe(claimed);
  });
});
