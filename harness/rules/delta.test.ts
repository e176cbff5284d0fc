/** Unit tests (table-driven, no Docker) for delta.ts. */
import { describe, expect, it } from "vitest";
import { FwspecError } from "../errors.ts";
import { counterDeltas } from "./delta.ts";
import { parseSave } from "./saved.ts";

/** An iptables-save text for the filter table from `[p:b] -A ...` lines. */
function save(...lines: string[]): string {
  return `*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${lines.join("\n")}\nCOMMIT\n`;
}

const A = "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT";
const B = "-A INPUT -p tcp -m tcp --dport 8080 -j DROP";
const O = "-A OUTPUT -j ACCEPT";

describe("counterDeltas", () => {
  it.each<[string, string, string, [string, number, number, number][]]>([
    // [why, before, after, [target, position, packets, bytes] of each after-rule, in order]
    ["nothing counted", save(`[0:0] ${A}`), save(`[0:0] ${A}`), [["ACCEPT", 1, 0, 0]]],
    ["counts the difference", save(`[2:120] ${A}`, `[1:60] ${B}`), save(`[5:300] ${A}`, `[1:60] ${B}`), [["ACCEPT", 1, 3, 180], ["DROP", 2, 0, 0]]],
    ["a new rule counts from zero", save(`[2:120] ${A}`), save(`[3:180] ${A}`, `[4:240] ${B}`), [["ACCEPT", 1, 1, 60], ["DROP", 2, 4, 240]]],
    ["zeroed counters count from zero", save(`[10:600] ${A}`), save(`[1:60] ${A}`), [["ACCEPT", 1, 1, 60]]],
    ["bytes going down alone means zeroed", save(`[1:600] ${A}`), save(`[1:60] ${A}`), [["ACCEPT", 1, 1, 60]]],
    ["a rule moved by an insert counts from zero", save(`[2:120] ${A}`), save(`[0:0] ${B}`, `[3:180] ${A}`), [["DROP", 1, 0, 0], ["ACCEPT", 2, 3, 180]]],
    ["same position, other text counts from zero", save(`[2:120] ${A}`), save(`[3:180] ${B}`), [["DROP", 1, 3, 180]]],
    ["chains are paired apart", save(`[1:1] ${A}`, `[7:7] ${O}`), save(`[1:1] ${A}`, `[9:9] ${O}`), [["ACCEPT", 1, 0, 0], ["ACCEPT", 1, 2, 2]]],
    ["a removed rule is left out", save(`[1:1] ${A}`, `[1:1] ${B}`), save(`[1:1] ${A}`), [["ACCEPT", 1, 0, 0]]],
    ["no rules after", save(`[1:1] ${A}`), save(), []],
    ["big counters", save(`[4294967296:1099511627776] ${A}`), save(`[4294967306:1099511628776] ${A}`), [["ACCEPT", 1, 10, 1000]]],
  ])("%s", (_why, before, after, expected) => {
    const deltas = counterDeltas(parseSave(before, "ipv4"), parseSave(after, "ipv4"));
    expect(deltas.map((d) => [d.rule.target, d.rule.position, d.packets, d.bytes])).toEqual(expected);
  });

  it("pairs by table too", () => {
    const twoTables = (n: number) => `*filter\n[${n}:${n}] -A OUTPUT -j ACCEPT\nCOMMIT\n*raw\n[1:1] -A OUTPUT -j ACCEPT\nCOMMIT\n`;
    const deltas = counterDeltas(parseSave(twoTables(1), "ipv4"), parseSave(twoTables(4), "ipv4"));
    expect(deltas.map((d) => [d.rule.table, d.packets])).toEqual([["filter", 3], ["raw", 0]]);
  });

  it("returns the after-reading of the rule", () => {
    const after = parseSave(save(`[5:300] ${A}`), "ipv4");
    const [delta] = counterDeltas(parseSave(save(`[2:120] ${A}`), "ipv4"), after);
    expect(delta?.rule).toBe(after.rules[0]);
  });

  it("refuses readings of different families", () => {
    expect(() => counterDeltas(parseSave(save(), "ipv4"), parseSave(save(), "ipv6"))).toThrow(FwspecError);
  });
});
