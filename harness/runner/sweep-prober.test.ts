/** Unit tests (table-driven, pure) for sweep-prober.ts: the prober's own rules that took packets during a sweep. */
import { expect, test } from "vitest";
import type { SavedRule, SavedRuleset } from "../rules/saved.ts";
import { proberTook } from "./sweep-prober.ts";

const rule = (chain: string, text: string, packets: number, target: string | null = / -j (\S+)/.exec(text)?.[1] ?? null): SavedRule => ({ family: "ipv4", table: "filter", chain, position: 1, packets, bytes: packets * 60, text, target, comment: null });
const reading = (policy: { INPUT: number; OUTPUT: number }, rules: SavedRule[], inputPolicy = "DROP"): SavedRuleset => ({
  family: "ipv4",
  chains: [{ table: "filter", chain: "INPUT", policy: inputPolicy, packets: policy.INPUT, bytes: 0 }, { table: "filter", chain: "OUTPUT", policy: "DROP", packets: policy.OUTPUT, bytes: 0 }],
  rules,
});

test.each<[string, SavedRuleset, SavedRuleset, string[]]>([
  ["nothing moved", reading({ INPUT: 5, OUTPUT: 0 }, []), reading({ INPUT: 5, OUTPUT: 0 }, []), []],
  ["the INPUT policy DROP took answers", reading({ INPUT: 5, OUTPUT: 0 }, []), reading({ INPUT: 26, OUTPUT: 0 }, []), ["ipv4 filter INPUT policy DROP (+21 packets)"]],
  ["an INPUT REJECT took answers", reading({ INPUT: 0, OUTPUT: 0 }, [rule("INPUT", "-A INPUT -p tcp -j REJECT", 0)]), reading({ INPUT: 0, OUTPUT: 0 }, [rule("INPUT", "-A INPUT -p tcp -j REJECT", 3)]), ["ipv4 filter INPUT #1 -A INPUT -p tcp -j REJECT (+3 packets)"]],
  ["an INPUT ACCEPT: answers let in", reading({ INPUT: 0, OUTPUT: 0 }, [rule("INPUT", "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", 0)]), reading({ INPUT: 0, OUTPUT: 0 }, [rule("INPUT", "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", 9)]), []],
  ["OUTPUT drops: the sweep's own packets, which nmap sees refused (not answers)", reading({ INPUT: 0, OUTPUT: 0 }, [rule("OUTPUT", "-A OUTPUT -p tcp --dport 9000 -j DROP", 0)]), reading({ INPUT: 0, OUTPUT: 4 }, [rule("OUTPUT", "-A OUTPUT -p tcp --dport 9000 -j DROP", 2)]), []],
  // A native chain's policy counts nothing (rules/nft-saved.ts reads it as 0): no evidence, nothing said (README: not detected there).
  ["a native nft input chain's policy drop, as read", { family: "ipv4", chains: [{ table: "inet fw", chain: "input", policy: "drop", packets: 0, bytes: 0 }], rules: [] }, { family: "ipv4", chains: [{ table: "inet fw", chain: "input", policy: "drop", packets: 0, bytes: 0 }], rules: [] }, []],
  ["a native nft drop rule with a counter", { family: "ipv4", chains: [], rules: [{ ...rule("input", "ct state invalid counter drop", 0, "DROP"), table: "inet fw", handle: 7 }] }, { family: "ipv4", chains: [], rules: [{ ...rule("input", "ct state invalid counter drop", 2, "DROP"), table: "inet fw", handle: 7 }] }, ["ipv4 inet fw input #1 ct state invalid counter drop (+2 packets)"]],
])("%s", (_, before, after, want) => expect(proberTook(before, after).took).toEqual(want));

test.each<[string, string, boolean]>([
  ["an iptables RST-only DROP", "-A INPUT -p tcp -m tcp --tcp-flags RST RST -j DROP", true],
  ["a mask with RST set alone", "-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK,RST RST -j DROP", true],
  ["SYN-ACK", "-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK SYN,ACK -j DROP", false],
  ["any TCP", "-A INPUT -p tcp -j DROP", false],
  ["FIN only: no SYN-ACK either", "-A INPUT -p tcp -m tcp --tcp-flags FIN FIN -j DROP", true],
  ["nft tcp flags rst", "tcp flags rst counter drop", true],
  // Negated: every TCP packet but resets, SYN-ACKs too.
  ["a negated RST match", "-A INPUT -p tcp -m tcp ! --tcp-flags RST RST -j DROP", false],
])("resetsOnly: %s", (_, text, want) => {
  const native = !text.startsWith("-A ");
  const at = (packets: number) => reading({ INPUT: 0, OUTPUT: 0 }, [{ ...rule("INPUT", text, packets, "DROP"), ...(native ? { handle: 4 } : {}) }], "ACCEPT");
  expect(proberTook(at(0), at(3)).resetsOnly).toBe(want);
});
