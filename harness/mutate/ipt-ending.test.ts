/**
 * Swaps of two rules sending packets to one chain (ipt-ending.ts, nft-dead.ts,
 * operators.ts, nft-operators.ts): equivalent from the rules when the chain
 * gives every packet entering it a verdict (no RETURN, nothing falls off its
 * end), or when both rules `goto` it; not when the walk can come back after
 * the jumping rule. A counters check on the target chain's rules has the
 * mutant run (observed-rules.ts). No Docker.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import { defineScenario } from "../scenario/load.ts";
import type { RuleSource, Scenario } from "../scenario/model.ts";
import { mutantsOf } from "./mutants.ts";
import { rulesObserved } from "./observed-rules.ts";
import { selectOperators } from "./operators.ts";

const at = { file: "/p/s.yaml", line: 3, column: 1 };

function scenarioWith(...sources: RuleSource[]): Scenario {
  return {
    file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }],
    steps: [{ kind: "apply", host: "server", sources, location: at }],
  };
}

const commands = (...lines: string[]): RuleSource => ({ kind: "commands", commands: lines.map((l) => l.split(" ")), locations: lines.map((_, i) => ({ ...at, line: 10 + i })) });
const restore = (...lines: string[]): RuleSource => ({ kind: "restore", family: "ipv4", path: "/p/r.v4", content: `*filter\n${lines.join("\n")}\nCOMMIT\n` });
const nft = (...lines: string[]): RuleSource => ({ kind: "nft", path: "/p/r.nft", content: `table inet t {\n${lines.join("\n")}\n}\n` });

/** `line: reason` of each swap or policy mutant claimed from the rules (line: the first changed line). */
function claims(op: "swap" | "policy", ...sources: RuleSource[]): string[] {
  return mutantsOf(scenarioWith(...sources), selectOperators([op])).flatMap((m) => (m.staticEquivalence ? [`${m.changes[0]!.line}: ${m.staticEquivalence}`] : []));
}

const AFTER = ["iptables -A after -p udp --dport 68 -j skip", "iptables -A after -m addrtype --dst-type BROADCAST -j skip"];
const ENDS = /^12: both rules jump to skip, a chain every packet entering ends in/;

describe("iptables: two jumps to one chain", () => {
  test.each<[string, string[], RegExp[]]>([
    ["it only drops (ufw-skip-to-policy-input)", ["iptables -N skip", "iptables -A skip -j DROP"], [ENDS]],
    ["it logs, then rejects", ["iptables -N skip", "iptables -A skip -j LOG", "iptables -A skip -j REJECT --reject-with tcp-reset"], [ENDS]],
    ["it jumps to a chain that drops", ["iptables -N skip", "iptables -N inner", "iptables -A skip -j inner", "iptables -A inner -j DROP"], [ENDS]],
    ["it may RETURN", ["iptables -N skip", "iptables -A skip -m limit --limit 3/min -j RETURN", "iptables -A skip -j DROP"], []],
    ["packets fall off its end", ["iptables -N skip", "iptables -A skip -p tcp -j DROP"], []],
    ["it goes to a chain packets fall off", ["iptables -N skip", "iptables -N inner", "iptables -A skip -p tcp -g inner", "iptables -A skip -j DROP", "iptables -A inner -j LOG"], []],
    ["this source does not create it", ["iptables -A skip -j DROP"], []],
    ["its table is flushed", ["iptables -N skip", "iptables -A skip -j DROP", "iptables -F"], []],
  ])("the chain: %s", (_, chain, want) => {
    const got = claims("swap", commands(...chain, ...AFTER)).filter((c) => c.startsWith(`${10 + chain.length}:`));
    expect(got.length).toBe(want.length);
    got.forEach((c, i) => expect(c.replace(/^\d+/, "12")).toMatch(want[i]!));
  });

  test("two gotos to one chain: the walk goes on after the calling chain either way", () => {
    expect(claims("swap", commands("iptables -N x", "iptables -A x -j LOG", "iptables -A INPUT -p tcp -g x", "iptables -A INPUT -s 198.18.0.9 -g x"))).toEqual([
      "12: both rules go to x (-g: wherever x leaves a packet, it goes on after the chain that called theirs, not after either rule): whichever matches first, a packet's fate is the same",
    ]);
  });

  test("a second source of the family may write the chain: no claim", () => {
    const file = restore(":skip - [0:0]", "-A skip -j DROP", "-A after -p udp --dport 68 -j skip", "-A after -m addrtype --dst-type BROADCAST -j skip");
    expect(claims("swap", file).map((c) => c.slice(0, 29))).toEqual(["4: both rules jump to skip, a"]);
    expect(claims("swap", file, commands("iptables -A skip -j RETURN"))).toEqual([]);
  });

  test("ufw 0.36.2's own file: swap@ufw.rules.v4:61 (udp 68 and BROADCAST, both to ufw-skip-to-policy-input, `-j DROP` only)", () => {
    const file = "fixtures/generated/ufw.rules.v4";
    const source: RuleSource = { kind: "restore", family: "ipv4", path: path.join(PROJECT_ROOT, file), content: readFileSync(path.join(PROJECT_ROOT, file), "utf8") };
    expect(claims("swap", source).filter((c) => c.startsWith("61:"))).toEqual([
      "61: both rules jump to ufw-skip-to-policy-input, a chain every packet entering ends in (a verdict on every path: no RETURN, nothing falls off its end): whichever matches first, a packet's fate is the same",
    ]);
  });
});

const NFT_CHAINS = [
  "chain ends {", "counter drop", "}",
  "chain back {", "tcp dport 22 accept", "}",
];

describe("nft: two jumps to one chain decide alike only into a chain every packet ends in", () => {
  test.each<[string, string, string | undefined]>([
    ["jump to a chain that drops", "jump ends", "both rules decide `jump ends`"],
    ["jump to a chain packets fall off (old code claimed it)", "jump back", undefined],
    ["goto a chain packets fall off", "goto back", "both rules decide `goto back`"],
  ])("%s", (_, verdict, want) => {
    const got = claims("swap", nft(...NFT_CHAINS, "chain input {", "type filter hook input priority 0; policy accept;", `iifname "eth0" ${verdict}`, `ip saddr 198.18.0.9 ${verdict}`, "}"));
    expect(got).toEqual(want === undefined ? [] : [`10: ${want}: whichever matches first, a packet's fate is the same`]);
  });

  test.each<[string, string, boolean]>([
    ["a jump to a chain that drops", "jump ends", true],
    ["a jump to a chain packets fall off: back to the policy (firewalld's OUTPUT, 43's policy@95)", "jump back", false],
    ["a goto from the base chain to a chain packets fall off: back to the policy", "goto back", false],
  ])("the policy behind %s: claimed never used = %s", (_, last, want) => {
    expect(claims("policy", nft(...NFT_CHAINS, "chain output {", "type filter hook output priority 0; policy accept;", last, "}")).length).toBe(want ? 1 : 0);
  });
});

describe("a counters check on the target chain's rules has the swap run, not claimed before", () => {
  const scenario = (counted: string) => defineScenario({
    name: "s", description: "d",
    hosts: { server: { firewall: true, listen: ["udp/68"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -N skip", "iptables -A skip -j DROP", "iptables -A INPUT -p udp --dport 68 -j skip", "iptables -A INPUT -m addrtype --dst-type BROADCAST -j skip"] } },
      { counters: [{ host: "server", rule: counted, family: "ipv4", packets: 1 }] },
    ],
  });
  test.each<[string, RegExp | undefined]>([
    ["-A skip -j DROP", /counters check/],
    ["-A OUTPUT -j ACCEPT", undefined],
  ])("%s", (counted, want) => {
    const s = scenario(counted);
    const swap = mutantsOf(s, selectOperators(["swap"])).find((m) => m.staticEquivalence?.startsWith("both rules jump to skip"))!;
    const got = rulesObserved(swap, s);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
});
