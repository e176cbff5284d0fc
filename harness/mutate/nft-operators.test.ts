/**
 * Each mutation operator on native nftables rulesets — the shipped fixtures
 * (fixtures/nftables/*.nft, fixtures/nat/router-nat.nft) and a Debian-style
 * /etc/nftables.conf with separate ip and ip6 tables — gives exactly the
 * intended rule change, addressed by the file's line; the mutant's content
 * differs from the original in those lines only and keeps every line number.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import type { RuleSource, Scenario } from "../scenario/model.ts";
import { describeChange, mutantsOf } from "./mutants.ts";
import { nftFileLines, nftTokens } from "./nft-lines.ts";
import { selectOperators } from "./operators.ts";

type NftSource = Extract<RuleSource, { kind: "nft" }>;
const fixture = (rel: string): NftSource => ({ kind: "nft", path: path.join(PROJECT_ROOT, rel), content: readFileSync(path.join(PROJECT_ROOT, rel), "utf8") });
const inline = (name: string, ...lines: string[]): NftSource => ({ kind: "nft", path: `/p/${name}`, content: `${lines.join("\n")}\n` });

function scenarioWith(source: RuleSource): Scenario {
  return {
    file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }],
    steps: [{ kind: "apply", host: "server", sources: [source], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
  };
}

/** The mutants of one operator as `id | file:line: before → after; …`. */
function changes(op: string, source: NftSource): string[] {
  const base = path.dirname(source.path);
  return mutantsOf(scenarioWith(source), selectOperators([op])).map((m) => `${m.id} | ${m.changes.map((c) => describeChange(c, base)).join("; ")}`);
}

const localhostOnly = fixture("fixtures/nftables/localhost-only.nft");
const blockPort = fixture("fixtures/nftables/block-8080.nft");
const firewalld = fixture("fixtures/nftables/firewalld-style.nft");
const router = fixture("fixtures/nat/router-nat.nft");
const debian = inline("nftables.conf",
  "#!/usr/sbin/nft -f",
  "flush ruleset",
  "table ip filter4 {",
  "\tchain input {",
  "\t\ttype filter hook input priority 0; policy drop;",
  "\t\tiif lo accept",
  "\t\ttcp dport { 22, 80 } counter accept # ssh and web",
  "\t\ttcp dport 8081 reject with tcp reset",
  "\t}",
  "}",
  "table ip6 filter6 {",
  "\tchain input {",
  "\t\ttype filter hook input priority 0;",
  "\t\tpolicy drop;",
  "\t\tiif lo accept",
  "\t\ttcp dport { 22, 80 } counter accept",
  "\t\ttcp dport 8081 reject",
  "\t}",
  "}",
  "add rule ip filter4 input udp dport 53 drop",
);

describe("reading an nft file", () => {
  test("words: quoted strings whole, a # comment outside quotes dropped", () => {
    expect(nftTokens(`\t\ttcp dport 8080 counter drop comment "a # b" # note`)).toEqual(["tcp", "dport", "8080", "counter", "drop", "comment", '"a # b"']);
  });

  test("rules, policies and set elements with their table, chain, families and position", () => {
    const where = { step: 0, source: 0, host: "server", kind: "nft" as const, afterReboot: false };
    const read = (s: NftSource) => nftFileLines(where, s.path, s.content)
      .map((l) => `${l.line} ${l.nft.role} ${l.table}${l.chain ? ` ${l.chain}` : ""} ${l.nft.families.join("+")}${l.nft.position ? ` #${l.nft.position}` : ""}${l.nft.counts ? " counts" : ""}`);
    expect(read(localhostOnly)).toEqual([
      "10 policy inet filter input ipv4+ipv6",
      "11 rule inet filter input ipv4 #1 counts",
      "12 rule inet filter input ipv6 #2 counts",
      "13 rule inet filter input ipv4+ipv6 #3 counts",
    ]);
    expect(read(debian)).toEqual([
      "5 policy ip filter4 input ipv4",
      "6 rule ip filter4 input ipv4 #1",
      "7 rule ip filter4 input ipv4 #2 counts",
      "8 rule ip filter4 input ipv4 #3",
      "14 policy ip6 filter6 input ipv6",
      "15 rule ip6 filter6 input ipv6 #1",
      "16 rule ip6 filter6 input ipv6 #2 counts",
      "17 rule ip6 filter6 input ipv6 #3",
      "20 rule ip filter4 input ipv4 #4",
    ]);
    expect(read(firewalld).filter((l) => !l.includes(" rule "))).toEqual(["13 elements inet firewalld ipv4+ipv6", "17 policy inet firewalld filter_INPUT ipv4+ipv6"]);
  });
});

test("a statement over several lines is left alone, and the lines after it are still read in their chain", () => {
  const multi = inline("multi.nft",
    "table inet t {",
    "\tset s {",
    "\t\ttype inet_service",
    "\t\telements = { 22,",
    "\t\t\t80 }",
    "\t}",
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy accept;",
    "\t\ttcp dport {",
    "\t\t\t22, 80",
    "\t\t} accept",
    "\t\ttcp dport 8080 drop",
    "\t}",
    "}",
  );
  expect(changes("delete", multi)).toEqual(["delete@multi.nft:12 | multi.nft:12: tcp dport 8080 drop → (deleted)"]);
  expect(changes("set-element", multi)).toEqual([]);
  expect(changes("policy", multi)).toEqual(["policy@multi.nft:8 | multi.nft:8: type filter hook input priority filter; policy accept; → type filter hook input priority filter; policy drop;"]);
});

test("a delete or policy change no packet can notice is known from the rules: an unconditional rule right after, or at the chain's end", () => {
  const reasons = (op: string) => mutantsOf(scenarioWith(firewalld), selectOperators([op])).filter((m) => m.staticEquivalence).map((m) => `${m.id}: ${m.staticEquivalence}`);
  expect(reasons("delete")).toEqual([
    "delete@firewalld-style.nft:26: the next rule, `goto filter_IN_public`, takes every packet that reaches it and decides the same (`goto filter_IN_public`)",
  ]);
  expect(reasons("policy")).toEqual([
    "policy@firewalld-style.nft:17: the chain's last rule, `counter name public_rejects reject with icmpx admin-prohibited`, takes every packet that reaches it: the policy is never used",
  ]);
  expect(mutantsOf(scenarioWith(localhostOnly), selectOperators(["policy", "delete"])).filter((m) => m.staticEquivalence)).toEqual([]);
});

describe("operators on nft rulesets", () => {
  test.each([
    ["delete", localhostOnly, [
      `delete@localhost-only.nft:11 | localhost-only.nft:11: ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)" → (deleted)`,
      `delete@localhost-only.nft:12 | localhost-only.nft:12: ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)" → (deleted)`,
      `delete@localhost-only.nft:13 | localhost-only.nft:13: tcp dport 8080 counter drop comment "8080 from anywhere else" → (deleted)`,
    ]],
    ["accept-drop", blockPort, [
      "accept-drop@block-8080.nft:11 | block-8080.nft:11: tcp dport 8080 counter drop → tcp dport 8080 counter accept",
    ]],
    ["drop-reject", firewalld, [
      "drop-reject@firewalld-style.nft:19 | firewalld-style.nft:19: ct state invalid counter drop → ct state invalid counter reject",
      "drop-reject@firewalld-style.nft:22 | firewalld-style.nft:22: counter name public_rejects reject with icmpx admin-prohibited → counter name public_rejects drop",
    ]],
    ["reject-type", debian, [
      "reject-type@nftables.conf:8 | nftables.conf:8: tcp dport 8081 reject with tcp reset → tcp dport 8081 reject with icmp type port-unreachable",
      "reject-type@nftables.conf:17 | nftables.conf:17: tcp dport 8081 reject → tcp dport 8081 reject with tcp reset",
    ]],
    ["port", debian, [
      "port@nftables.conf:7 dport 22→23 | nftables.conf:7: tcp dport { 22, 80 } counter accept # ssh and web → tcp dport { 23, 80 } counter accept",
      "port@nftables.conf:7 dport 80→81 | nftables.conf:7: tcp dport { 22, 80 } counter accept # ssh and web → tcp dport { 22, 81 } counter accept",
      "port@nftables.conf:8 dport 8081→8082 | nftables.conf:8: tcp dport 8081 reject with tcp reset → tcp dport 8082 reject with tcp reset",
      "port@nftables.conf:16 dport 22→23 | nftables.conf:16: tcp dport { 22, 80 } counter accept → tcp dport { 23, 80 } counter accept",
      "port@nftables.conf:16 dport 80→81 | nftables.conf:16: tcp dport { 22, 80 } counter accept → tcp dport { 22, 81 } counter accept",
      "port@nftables.conf:17 dport 8081→8082 | nftables.conf:17: tcp dport 8081 reject → tcp dport 8082 reject",
      "port@nftables.conf:20 dport 53→54 | nftables.conf:20: add rule ip filter4 input udp dport 53 drop → add rule ip filter4 input udp dport 54 drop",
    ]],
    ["move-end", localhostOnly, [
      `move-end@localhost-only.nft:11 | localhost-only.nft:11: ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)" → (deleted); localhost-only.nft:13: tcp dport 8080 counter drop comment "8080 from anywhere else" → tcp dport 8080 counter drop comment "8080 from anywhere else"; ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)"`,
      `move-end@localhost-only.nft:12 | localhost-only.nft:12: ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)" → (deleted); localhost-only.nft:13: tcp dport 8080 counter drop comment "8080 from anywhere else" → tcp dport 8080 counter drop comment "8080 from anywhere else"; ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)"`,
    ]],
    ["swap", localhostOnly, [
      `swap@localhost-only.nft:11 | localhost-only.nft:11: ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)" → ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)"; localhost-only.nft:12: ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)" → ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)"`,
      `swap@localhost-only.nft:12 | localhost-only.nft:12: ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)" → tcp dport 8080 counter drop comment "8080 from anywhere else"; localhost-only.nft:13: tcp dport 8080 counter drop comment "8080 from anywhere else" → ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)"`,
    ]],
    ["loopback-iface", localhostOnly, [
      `loopback-iface@localhost-only.nft:11 | localhost-only.nft:11: ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)" → iifname "lo" tcp dport 8080 counter accept comment "8080 from localhost (IPv4)"`,
      `loopback-iface@localhost-only.nft:12 | localhost-only.nft:12: ip6 saddr ::1 tcp dport 8080 counter accept comment "8080 from localhost (IPv6)" → iifname "lo" tcp dport 8080 counter accept comment "8080 from localhost (IPv6)"`,
    ]],
    ["drop-v6", debian, [
      "drop-v6@nftables.conf:15 | nftables.conf:15: iif lo accept → (deleted); nftables.conf:16: tcp dport { 22, 80 } counter accept → (deleted); nftables.conf:17: tcp dport 8081 reject → (deleted)",
    ]],
    ["drop-v6", router, [
      `drop-v6@router-nat.nft:16 | router-nat.nft:16: meta nfproto ipv6 tcp dport 80 counter name "forwarded_http" dnat ip6 to [{{ backend.ipv6 }}]:8080 comment "forward http" → (deleted); router-nat.nft:18: meta nfproto ipv6 udp dport 53 counter name "forwarded_dns" dnat ip6 to [{{ backend.ipv6 }}]:5353 comment "forward dns" → (deleted); router-nat.nft:23: ip6 daddr {{ dmz.ipv6 }} counter name "masqueraded" masquerade comment "masquerade to dmz" → (deleted)`,
    ]],
    ["set-element", firewalld, [
      "set-element@firewalld-style.nft:13 -22 | firewalld-style.nft:13: elements = { 22, 443 } → elements = { 443 }",
      "set-element@firewalld-style.nft:13 -443 | firewalld-style.nft:13: elements = { 22, 443 } → elements = { 22 }",
      "set-element@firewalld-style.nft:18 -established | firewalld-style.nft:18: ct state { established, related } accept → ct state { related } accept",
      "set-element@firewalld-style.nft:18 -related | firewalld-style.nft:18: ct state { established, related } accept → ct state { established } accept",
      "set-element@firewalld-style.nft:31 -icmp | firewalld-style.nft:31: meta l4proto { icmp, ipv6-icmp } accept → meta l4proto { ipv6-icmp } accept",
      "set-element@firewalld-style.nft:31 -ipv6-icmp | firewalld-style.nft:31: meta l4proto { icmp, ipv6-icmp } accept → meta l4proto { icmp } accept",
    ]],
    ["policy", debian, [
      "policy@nftables.conf:5 | nftables.conf:5: type filter hook input priority 0; policy drop; → type filter hook input priority 0; policy accept;",
      "policy@nftables.conf:14 | nftables.conf:14: policy drop; → policy accept;",
    ]],
  ])("%s", (op, source, want) => {
    expect(changes(op, source)).toEqual(want);
  });

  test("verdicts change only where nft takes them: nothing in a nat chain, no policy in a nat chain", () => {
    for (const op of ["accept-drop", "drop-reject", "reject-type", "loopback-iface", "policy"]) expect(changes(op, router)).toEqual([]);
  });

  test("user-chosen names that are also JavaScript object keys are plain words", () => {
    const odd = inline("odd.nft", "table inet constructor {", "chain toString {", "type filter hook input priority 0; policy accept;", "jump constructor", "ip saddr 127.0.0.1 accept", "}", "chain constructor {", "}", "}");
    expect(changes("loopback-iface", odd)).toEqual([`loopback-iface@odd.nft:5 | odd.nft:5: ip saddr 127.0.0.1 accept → iifname "lo" accept`]);
  });

  test("a named verdict map's elements, on a line of their own, are removed one by one as a named set's are", () => {
    const mapped = inline("m.nft", "table inet t {", "map ports {", "type inet_service : verdict", "elements = { 8000 : accept, 8095 : drop }", "}", "chain c {", "type filter hook input priority 0; policy drop;", "tcp dport vmap @ports", "}", "}");
    expect(changes("set-element", mapped)).toEqual([
      "set-element@m.nft:4 -8000 : accept | m.nft:4: elements = { 8000 : accept, 8095 : drop } → elements = { 8095 : drop }",
      "set-element@m.nft:4 -8095 : drop | m.nft:4: elements = { 8000 : accept, 8095 : drop } → elements = { 8000 : accept }",
    ]);
  });

  test("drop-reject leaves a verdict map alone: nft allows no reject among its elements", () => {
    expect(changes("drop-reject", inline("v.nft", "table inet t {", "chain c {", "meta l4proto vmap { 6 : drop, 17 : drop }", "tcp dport 23 drop", "}", "}"))).toEqual([
      "drop-reject@v.nft:4 | v.nft:4: tcp dport 23 drop → tcp dport 23 reject",
    ]);
  });

  test("a reject is given tcp reset only when the rule matches TCP", () => {
    expect(changes("reject-type", firewalld)).toEqual([]);
    expect(changes("reject-type", inline("r.nft", "table inet t {", "chain c {", "meta l4proto tcp reject with icmpx type admin-prohibited", "}", "}"))).toEqual([
      "reject-type@r.nft:3 | r.nft:3: meta l4proto tcp reject with icmpx type admin-prohibited → meta l4proto tcp reject with tcp reset",
    ]);
  });

  test("the mutant's file differs in the changed lines only and keeps every line number (a deleted rule becomes an empty line)", () => {
    const original = localhostOnly.content.split("\n");
    const [moved] = mutantsOf(scenarioWith(localhostOnly), selectOperators(["move-end"]));
    const step = moved!.scenario.steps[0]!;
    if (step.kind !== "apply") throw new Error("no apply step");
    const after = (step.sources[0] as { content: string }).content.split("\n");
    expect(after).toHaveLength(original.length);
    const differing = after.flatMap((l, i) => (l === original[i] ? [] : [`${i + 1}: ${l}`]));
    expect(differing).toEqual([
      "11: ",
      `13: \t\ttcp dport 8080 counter drop comment "8080 from anywhere else"; ip saddr 127.0.0.1 tcp dport 8080 counter accept comment "8080 from localhost (IPv4)"`,
    ]);
  });

  test("order changes that cannot matter are known from the rules: same verdict, different ports, different families (the router's DNAT rules are all disjoint)", () => {
    const reasons = (op: string, s: NftSource) => mutantsOf(scenarioWith(s), selectOperators([op])).map((m) => `${m.id}: ${m.staticEquivalence ?? "-"}`);
    expect(reasons("swap", localhostOnly)).toEqual([
      "swap@localhost-only.nft:11: the rules match different families (ipv4 and ipv6): no packet matches both",
      "swap@localhost-only.nft:12: -",
    ]);
    expect(reasons("swap", debian)).toEqual([
      "swap@nftables.conf:6: both rules decide `accept`: whichever matches first, a packet's fate is the same",
      "swap@nftables.conf:7: the rules match different destination ports (22,80 and 8081): no packet matches both",
      "swap@nftables.conf:8: the rules match different destination ports (8081 and 53): no packet matches both",
      "swap@nftables.conf:15: both rules decide `accept`: whichever matches first, a packet's fate is the same",
      "swap@nftables.conf:16: the rules match different destination ports (22,80 and 8081): no packet matches both",
    ]);
    expect(reasons("swap", firewalld).filter((r) => !r.endsWith(": -"))).toEqual([
      "swap@firewalld-style.nft:18: the rules match disjoint conntrack states (established,related and invalid): a packet is in one state only",
      "swap@firewalld-style.nft:26: both rules decide `goto filter_IN_public`: whichever matches first, a packet's fate is the same",
      "swap@firewalld-style.nft:31: both rules decide `accept`: whichever matches first, a packet's fate is the same",
    ]);
    expect(reasons("move-end", router).map((r) => r.split(": ")[0] + (r.endsWith("-") ? " -" : " static"))).toEqual([
      "move-end@router-nat.nft:15 static", "move-end@router-nat.nft:16 static", "move-end@router-nat.nft:17 static", "move-end@router-nat.nft:22 static",
    ]);
  });

  /** The static equivalence of `op` on the first of two rules in one chain, or "-". */
  const pairReason = (op: string, first: string, second: string) => {
    const source = inline("t.nft", "table inet t {", "\tset seen { type ipv4_addr; flags dynamic; }", "\tchain c {", `\t\t${first}`, `\t\t${second}`, "\t}", "}");
    return mutantsOf(scenarioWith(source), selectOperators([op])).find((m) => m.id === `${op}@t.nft:4`)?.staticEquivalence ?? "-";
  };
  test.each([
    { op: "swap", first: "tcp dport 22 counter accept", second: "udp dport 53 counter accept", proven: true },
    { op: "swap", first: "meta mark set 1 accept", second: "tcp dport 22 accept", proven: false },
    { op: "swap", first: "ct mark set 0x2 accept", second: "tcp dport 22 accept", proven: false },
    { op: "swap", first: "tcp dport 22 log prefix \"ssh \" accept", second: "tcp dport 22 accept", proven: false },
    { op: "swap", first: "tcp dport 22 limit rate 3/minute accept", second: "tcp dport 22 accept", proven: false },
    { op: "swap", first: "quota over 10 mbytes drop", second: "tcp dport 23 drop", proven: false },
    { op: "swap", first: "add @seen { ip saddr } accept", second: "tcp dport 22 accept", proven: false },
    { op: "swap", first: "update @seen { ip saddr } accept", second: "tcp dport 22 accept", proven: false },
    { op: "swap", first: "ct count over 3 drop", second: "tcp dport 23 drop", proven: false },
    { op: "swap", first: "numgen random mod 2 0 drop", second: "tcp dport 23 drop", proven: false },
    { op: "swap", first: "limit rate 1/second tcp dport 22 accept", second: "tcp dport 80 drop", proven: false },
    { op: "swap", first: "limit rate 1/second ip saddr 10.0.0.1 accept", second: "ip6 saddr ::1 drop", proven: false },
    { op: "swap", first: "log prefix \"x\" ct state invalid drop", second: "ct state established accept", proven: false },
    { op: "swap", first: "tcp dport 22 accept", second: "meta mark set 1 tcp dport 80 accept", proven: false },
    { op: "swap", first: "tcp dport 22 limit rate 1/second accept", second: "tcp dport 80 drop", proven: true },
    { op: "swap", first: "meta nfproto ipv4 tcp dport 80 dnat ip to 10.0.0.2", second: "meta nfproto ipv6 tcp dport 80 dnat ip6 to [2001:db8::2]", proven: true },
    { op: "swap", first: "ct state invalid drop", second: "ct state established log accept", proven: true },
    { op: "swap", first: "ct state { established, related } accept", second: "ct status dnat accept", proven: true },
    { op: "swap", first: "ct status { snat, dnat } accept", second: "tcp dport 22 accept", proven: true },
    // A verdict map's elements are no verdict of the rule: `drop` ends this map, yet port 22 is accepted before a `tcp dport 22 drop`.
    { op: "swap", first: "tcp dport vmap { 22 : accept, 80 : drop }", second: "tcp dport 22 drop", proven: false },
    { op: "swap", first: "tcp dport vmap { 22 : accept, 80 : drop }", second: "tcp dport vmap { 443 : accept, 8080 : drop }", proven: true },
    { op: "swap", first: "tcp dport vmap { 22 : accept, 80 : drop }", second: "tcp dport 8080 drop", proven: true },
    { op: "swap", first: "tcp dport vmap { 22 : accept, 80 : drop }", second: "tcp dport vmap { 80 : accept }", proven: false },
    { op: "swap", first: "tcp dport vmap { 22 : accept, 8000-8090 : drop }", second: "tcp dport 8080 accept", proven: false },
    { op: "delete", first: "counter accept", second: "accept", proven: true },
    { op: "delete", first: "meta mark set 1 accept", second: "accept", proven: false },
    { op: "delete", first: "limit rate 3/minute accept", second: "accept", proven: false },
  ])("$op of `$first` before `$second`: proven equivalent $proven (a statement besides matches, a counter and a verdict withholds every proof but a disjoint match before it)", ({ op, first, second, proven }) => {
    expect(pairReason(op, first, second) !== "-").toBe(proven);
  });
});
