/**
 * No-op jumps of iptables sources (ipt-noop.ts, noop-claims.ts): which user
 * chains are known empty, which rules are plain jumps, which mutants get the
 * static equivalence and every case that takes it away. Against a real run
 * (testdata/mut-44-outcomes.txt: status and id of each mutant of scenario
 * nftables/44, ufw's own iptables-save files): no mutant that was killed gets
 * the equivalence, and the survivors it explains are counted.
 */
import path from "node:path";
import { describe, expect, test } from "vitest";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { plainJumpTarget } from "./ipt-noop.ts";
import { mutantsOf } from "./mutants.ts";
import { OPERATORS, selectOperators } from "./operators.ts";
import { recordedRun } from "./testdata/recorded-run.ts";
import { scenarioRuleLines } from "./rule-lines.ts";

const at = { file: "/p/s.yaml", line: 3, column: 1 };
const restore = (lines: string[], family: "ipv4" | "ipv6" = "ipv4", file = "r.v4"): RuleSource => ({ kind: "restore", family, path: `/p/${file}`, content: `${lines.join("\n")}\n` });
/** A command list, command i written on line 10 + i. */
const commands = (lines: string[]): RuleSource => ({ kind: "commands", commands: lines.map((l) => l.split(" ")), locations: lines.map((_, i) => ({ ...at, line: 10 + i })) });
const script = (lines: string[]): RuleSource => ({ kind: "script", path: "/p/r.sh", content: `${lines.join("\n")}\n` });

function scenarioWith(sources: RuleSource[], extra: Step[] = []): Scenario {
  return {
    file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] } as never, { name: "remote", firewall: false, listen: [] } as never],
    steps: [{ kind: "apply", host: "server", sources, location: at }, ...extra],
  };
}

/** `line: -j→C` of each rule marked as a jump to an empty chain. */
function marks(sources: RuleSource[], extra: Step[] = []): string[] {
  return scenarioRuleLines(scenarioWith(sources, extra)).flatMap((l) => (l.noopJump ? [`${path.basename(l.file)}:${l.line}: -j→${l.noopJump}`] : []));
}

describe("plain jumps", () => {
  test.each<[string, string | undefined]>([
    ["-A INPUT -j e", "e"],
    ["-A INPUT --jump e", "e"],
    ["-I INPUT -j e", "e"],
    ["-I INPUT 3 -j e", "e"],
    ["-t filter -A INPUT -j e", "e"],
    ["-A INPUT -m comment --comment x -j e", "e"],
    ["-A INPUT -i lo -j e", undefined],
    ["-A INPUT -m limit --limit 3/min -j e", undefined],
    ["-A INPUT -g e", undefined],
    ["-A INPUT", undefined],
    ["-N e", undefined],
  ])("%s → %s", (rule, expected) => {
    expect(plainJumpTarget(rule.split(" "))).toBe(expected);
  });
});

const UFW_LIKE = [
  "*filter",
  ":INPUT DROP [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  ":empty - [0:0]",
  ":logs - [0:0]",
  ":returns - [0:0]",
  ":nested - [0:0]",
  ":acting - [0:0]",
  "-A INPUT -j empty",
  "-A INPUT -j logs",
  "-A INPUT -j returns",
  "-A INPUT -j nested",
  "-A INPUT -j acting",
  "-A INPUT -i lo -j empty",
  "[3:180] -A INPUT -j empty",
  "-A OUTPUT -g empty",
  "-A logs -m limit --limit 3/min -j LOG --log-prefix \"[BLOCK] \"",
  "-A returns -j RETURN",
  "-A nested -j empty",
  "-A acting -p tcp --dport 22 -j ACCEPT",
  "COMMIT",
];

describe("jumps to empty chains a source creates", () => {
  test.each<[string, RuleSource[], string[]]>([
    // LOG, RETURN and nested no-op chains change no verdict but their rules count packets: not claimed.
    ["a restore file: only jumps to chains without any rule", [restore(UFW_LIKE)], ["r.v4:9: -j→empty", "r.v4:15: -j→empty", "r.v4:19: -j→empty"]],
    ["a built-in chain is no user chain", [restore(["*filter", ":INPUT ACCEPT [0:0]", ":e - [0:0]", "-A e -j INPUT", "COMMIT"])], []],
    ["a table restored twice in the file", [restore(["*filter", ":e - [0:0]", "-A INPUT -j e", "COMMIT", "*filter", ":e - [0:0]", "-A e -j DROP", "COMMIT"])], []],
    ["a line of the table not read (unbalanced quote)", [restore(["*filter", ":e - [0:0]", "-A INPUT -j e", "-A INPUT -m comment --comment \"x -j DROP", "COMMIT"])], []],
    ["a flush in the table", [restore(["*filter", ":e - [0:0]", "-A INPUT -j e", "-F e", "COMMIT"])], []],
    ["the chain created twice (`:e` and `-N e`)", [restore(["*filter", ":e - [0:0]", "-N e", "-A INPUT -j e", "COMMIT"])], []],
    ["the same name in another table", [restore(["*nat", ":e - [0:0]", "COMMIT", "*filter", ":e - [0:0]", "-A e -j DROP", "-A INPUT -j e", "COMMIT"])], []],
    ["commands: -N, a policy, the jump", [commands(["iptables -N e", "iptables -P INPUT DROP", "iptables -A INPUT -j e", "iptables -I OUTPUT 1 -j e"])], ["s.yaml:12: -j→e", "s.yaml:13: -j→e"]],
    ["commands: a rule added later", [commands(["iptables -N e", "iptables -A INPUT -j e", "iptables -A e -j DROP"])], []],
    ["commands: a flush of all chains", [commands(["iptables -N e", "iptables -A INPUT -j e", "iptables -F"])], []],
    ["commands: a delete", [commands(["iptables -N e", "iptables -A INPUT -j e", "iptables -D INPUT -j e"])], []],
    ["commands: a rename", [commands(["iptables -N d", "iptables -N e", "iptables -A INPUT -j e", "iptables -E d e"])], []],
    ["commands: another program (nft may write ip filter)", [commands(["iptables -N e", "iptables -A INPUT -j e", "nft add rule ip filter e drop"])], []],
    ["commands: the other family's chain", [commands(["ip6tables -N e", "iptables -N f", "iptables -A INPUT -j e", "iptables -A INPUT -j f", "ip6tables -A e -j DROP"])], ["s.yaml:13: -j→f"]],
    ["commands: another table's chain", [commands(["iptables -t nat -N e", "iptables -A INPUT -j e"])], []],
    ["a script with comments and `set -e`", [script(["#!/bin/sh", "set -eu", "# chains", "iptables -N e", "", "iptables -A INPUT -j e"])], ["r.sh:6: -j→e"]],
    ["a script with another command", [script(["iptables -N e", "iptables -A INPUT -j e", "echo done"])], []],
    ["a script with a heredoc", [script(["iptables -N e", "iptables -A INPUT -j e", "iptables-restore --noflush <<EOF", "-A e -j DROP", "EOF"])], []],
  ])("%s", (_, sources, expected) => {
    expect(marks(sources)).toEqual(expected);
  });
});

const run = (host: string, command: string[]): Step => ({ kind: "run", host, command, exit: 0, contains: [], excludes: [], matches: [], location: at }) as Step;
const V6 = ["*filter", ":e6 - [0:0]", "-A INPUT -j e6", "COMMIT"];

describe("claims that nothing else may break", () => {
  test.each<[string, RuleSource[], Step[], string[]]>([
    ["restore files of both families", [restore(["*filter", ":e - [0:0]", "-A INPUT -j e", "COMMIT"]), restore(V6, "ipv6", "r.v6")], [], ["r.v4:3: -j→e", "r.v6:3: -j→e6"]],
    ["a run step that writes no rule, and one on another host", [restore(V6, "ipv6", "r.v6")], [run("server", ["ip", "-6", "neigh", "flush", "all"]), run("remote", ["ping", "-c", "1", "2001:db8::2"]), run("remote", ["sh", "-c", "ip6tables -F"])], ["r.v6:3: -j→e6"]],
    ["a second restore file of the same family", [restore(V6, "ipv6", "r.v6"), restore(["*filter", "-A e6 -j DROP", "COMMIT"], "ipv6", "more.v6")], [], []],
    ["a command list next to the file (it may write any table)", [restore(V6, "ipv6", "r.v6"), commands(["iptables -A INPUT -j ACCEPT"])], [], []],
    ["an nft file next to it (iptables-nft's tables are nft tables)", [restore(V6, "ipv6", "r.v6"), { kind: "nft", path: "/p/r.nft", content: "table ip6 filter {\n}\n" }], [], []],
  ])("%s", (_, sources, extra, expected) => {
    expect(marks(sources, extra)).toEqual(expected);
  });

  test.each<[string, Step]>([
    ["a run step that may write rules", run("server", ["ip6tables", "-A", "e6", "-j", "DROP"])],
    ["`sh -c`", run("server", ["sh", "-c", "ip6tables -A e6 -j DROP"])],
    ["`nsenter`", run("server", ["nsenter", "-t", "1", "-n", "ip6tables", "-A", "e6", "-j", "DROP"])],
    ["`ip netns exec`", run("server", ["ip", "netns", "exec", "x", "ip6tables", "-F"])],
    ["a reboot", { kind: "reboot", host: "server", location: at } as Step],
    ["an apply step later", { kind: "apply", host: "server", sources: [commands(["ip6tables -A e6 -j DROP"])], location: at }],
  ])("none after %s on the host", (_, step) => {
    expect(marks([restore(V6, "ipv6", "r.v6")], [step])).toEqual([]);
  });
});

/** `id` of each mutant claimed as a no-op jump. */
function claimed(scenario: Scenario): string[] {
  return mutantsOf(scenario, OPERATORS).filter((m) => /a no-op wherever it stands/.test(m.staticEquivalence ?? "")).map((m) => m.id);
}

describe("mutants of jumps to empty chains are equivalent from the rules alone", () => {
  test("delete and swap of the jump, swap with it, -I → -A; never the goto, a jump with a match or a jump to a chain with rules", () => {
    expect(claimed(scenarioWith([restore(UFW_LIKE)]))).toEqual([
      "delete@r.v4:9", "delete@r.v4:15", "delete@r.v4:19", "swap@r.v4:9", "swap@r.v4:14",
    ]);
    expect(claimed(scenarioWith([commands(["iptables -N e", "iptables -I INPUT 1 -p tcp --dport 22 -j ACCEPT", "iptables -I INPUT 1 -j e", "iptables -I INPUT 1 -p tcp --dport 80 -j ACCEPT"])]))).toEqual([
      "delete@s.yaml:12", "insert-append@s.yaml:12", "swap@s.yaml:11", "swap@s.yaml:12",
    ]);
  });

  test("the reason names the chain and why it is empty", () => {
    const m = mutantsOf(scenarioWith([restore(UFW_LIKE)]), selectOperators(["delete"])).find((x) => x.id === "delete@r.v4:9")!;
    expect(m.staticEquivalence).toBe("`-j empty` leads to a chain with no rule (created empty by this file, written by nothing else): a no-op wherever it stands");
  });
});

describe("scenario nftables/44 (ufw 0.36.2's iptables-save files) against a real mutation run", () => {
  const run = recordedRun("mut-44-outcomes.txt", "scenarios/nftables/44-ufw-generated-iptables-nft.yaml");
  const NOOP = /a no-op wherever it stands/;

  test("the run's mutants are today's", () => {
    expect(run.outcomes.length).toBe(466);
    expect(run.outcomes.filter((o) => !run.byId.has(o.id))).toEqual([]);
  });

  test("no killed mutant is claimed a no-op (that would be unsound)", () => {
    expect(run.outcomes.filter((o) => o.status === "killed").length).toBe(60);
    expect(run.claimed("killed", NOOP).map((o) => o.id)).toEqual([]);
  });

  test("19 of the 68 survivors are no-op jumps: 8 deletes, 11 swaps", () => {
    const claimedSurvivors = run.claimed("survived", NOOP);
    const by = (op: string) => claimedSurvivors.filter((o) => o.id.startsWith(`${op}@`)).length;
    expect([claimedSurvivors.length, by("delete"), by("swap")]).toEqual([19, 8, 11]);
  });

  test("no killed mutant gets any static equivalence; one more survivor does (two RETURNs swapped)", () => {
    expect(run.claimed("killed", /./).map((o) => o.id)).toEqual([]);
    expect(run.claimed("survived", /./).filter((o) => !NOOP.test(run.byId.get(o.id)!.staticEquivalence!)).map((o) => `${o.id}: ${run.byId.get(o.id)!.staticEquivalence}`)).toEqual([
      "swap@ufw.rules.v4:90: both rules decide RETURN: whichever matches first, a packet's fate is the same",
    ]);
  });
});
