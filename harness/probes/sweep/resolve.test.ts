/** Unit tests (table-driven, no Docker) for resolve.ts and answers.ts: deciding swept ports from counters. */
import { describe, expect, test } from "vitest";
import { answerClass, unseenByUdpClient, wireVerdict } from "./answers.ts";
import { foreignTables, stillHidden } from "./sweep.ts";
import type { SavedRule, SavedRuleset } from "../../rules/saved.ts";
import type { Family } from "../../model/types.ts";
import { confirms, countedDecision, decideAnswered, decideSilent, type HostCount, lastResort, mayCountPort, portHypothesis, rejectAnswer, ruleName, rulePorts } from "./resolve.ts";

const policy = (packets: number, bytes = packets * 44): HostCount => ({ host: "server", family: "ipv4", table: "filter", chain: "INPUT", position: null, kind: "DROP", text: "policy DROP", packets, bytes });
const rule = (position: number, text: string, kind: "DROP" | "REJECT", packets: number, bytes = packets * 44): HostCount => ({ host: "server", family: "ipv4", table: "filter", chain: "INPUT", position, kind, text, packets, bytes });
const RESET = "-A INPUT -p tcp -m tcp --dport 113 -j REJECT --reject-with tcp-reset";
const UNREACH = "-A INPUT -p tcp -m tcp --dport 25 -j REJECT --reject-with icmp-port-unreachable";
const DROP23 = "-A INPUT -p tcp -m tcp --dport 23 -j DROP";
/** A counted rule of a native nft table, as nft-saved.ts names it (table `inet fw`, printed text with its handle). */
const nftRule = (position: number, text: string, packets: number, bytes = packets * 44): HostCount => ({ host: "server", family: "ipv4", table: "inet fw", chain: "input", position, kind: "REJECT", text, packets, bytes });
const NFT_RESET = "tcp dport 8081 counter reject with tcp reset # handle 12";

describe("answers read as single probes read them", () => {
  test.each([
    ["syn-ack", "tcp", "open", "open"],
    ["reset", "tcp", "refused-or-admitted", "refused"],
    ["port-unreach", "tcp", "refused", "refused"],
    ["port-unreach", "udp", "refused-or-admitted", "refused"],
    ["admin-prohibited", "tcp", "unreachable", "unreachable"],
    ["host-prohibited", "tcp", "unreachable", "unreachable"],
    ["no-route", "tcp", "unreachable", "unreachable"],
    // REJECT --reject-with icmp-proto-unreachable: a single probe's `Protocol not available`.
    ["proto-unreach", "tcp", "unreachable", "unreachable"],
    ["proto-unreach", "udp", "unreachable", "unreachable"],
    ["no-response", "tcp", "silent", "dropped"],
    ["perm-denied", "tcp", "eperm", "dropped"],
    ["udp-response", "udp", "open", "open"],
    ["time-exceeded", "tcp", "unknown", "error"],
  ] as const)("%s over %s", (reason, protocol, cls, verdict) => {
    expect(answerClass(reason, protocol)).toBe(cls);
    expect(wireVerdict(answerClass(reason, protocol))).toBe(verdict);
  });
});

describe("answers a UDP client's socket never reports (soft errors): no reply, as a single UDP probe reads them", () => {
  test.each([
    ["host-unreach", "udp", true],
    ["net-unreach", "udp", true],
    ["no-route", "udp", true],
    ["addr-unreach", "udp", true],
    ["beyond-scope", "udp", true],
    ["host-unreach", "tcp", false],
    ["admin-prohibited", "udp", false],
    ["host-prohibited", "udp", false],
    ["port-unreach", "udp", false],
    ["proto-unreach", "udp", false],
  ] as const)("%s over %s: %s", (reason, protocol, unseen) => {
    expect(unseenByUdpClient(reason, protocol)).toBe(unseen);
  });
});

describe("decideSilent", () => {
  test("one probe-sized packet per silent port: dropped, attributed to the one rule", () => {
    const d = decideSilent([1, 2, 3], [policy(3)], "tcp", "ipv4");
    expect(d.kind === "decided" && d.attributed && [...d.ports.values()].map((x) => x.outcome)).toEqual(["dropped", "dropped", "dropped"]);
  });
  test.each([
    ["too few packets (a SYN-ACK came late)", [policy(2)]],
    ["too many (a stray packet)", [policy(4, 4 * 44)]],
    ["the right number, wrong sizes (a neighbour solicitation instead of a SYN)", [policy(3, 2 * 44 + 72)]],
    ["nothing counted", []],
  ])("%s: split", (_what, counts) => {
    expect(decideSilent([1, 2, 3], counts, "tcp", "ipv4").kind).toBe("split");
  });
  // Tester 45a: the SYN-ACK port 7007's target resent a second later, counted by `-A OUTPUT -p tcp --sport 7007 -j DROP`.
  test.each<[string, string, "decided" | "split"]>([
    ["a rule for another port (as source): its count is not these ports'", "-A OUTPUT -p tcp -m tcp --sport 7007 -j DROP", "split"],
    ["a rule for another port (as destination)", "-A INPUT -p tcp -m tcp --dport 9000:9010 -j DROP", "split"],
    ["a rule for two of them that counted three: one is another port's", "-A INPUT -p tcp -m tcp --dport 1:2 -j DROP", "split"],
    ["a rule for all three", "-A INPUT -p tcp -m tcp --dport 1:3 -j DROP", "decided"],
    ["a rule for the sweep's source port (its answers' destination)", "-A INPUT -p tcp -m tcp --dport 60000 -j DROP", "decided"],
    ["a rule naming no port", "-A INPUT -p tcp -j DROP", "decided"],
  ])("%s", (_what, text, kind) => {
    expect(decideSilent([1, 2, 3], [rule(1, text, "DROP", 3)], "tcp", "ipv4", { from: "remote", target: "server", sourcePort: 60000 }).kind).toBe(kind);
  });

  test("mayCountPort: a rule for another port never holds this port's packet", () => {
    const c = rule(1, "-A OUTPUT -p tcp -m tcp --sport 7007 -j DROP", "DROP", 2);
    expect([mayCountPort(c, 7006, 60000), mayCountPort(c, 7007, 60000), mayCountPort(rule(1, "-A INPUT -j DROP", "DROP", 2), 7006, 60000)]).toEqual([false, true, true]);
  });

  test("several DROP rules: dropped but not attributed", () => {
    const d = decideSilent([1, 2, 23], [policy(2), rule(5, DROP23, "DROP", 1)], "tcp", "ipv4");
    expect(d.kind === "decided" && d.attributed).toBe(false);
  });

  // An anti-scan guide's `-A OUTPUT -p tcp --tcp-flags RST RST -j DROP` (tester 44f): the resets never reach the prober.
  describe("resets a DROP took on their way back", () => {
    const STEALTH = "-A OUTPUT -p tcp -m tcp --tcp-flags RST RST -j DROP";
    const out = (packets: number, bytes: number, over: Partial<HostCount> = {}): HostCount => ({ ...rule(1, STEALTH, "DROP", packets, bytes), chain: "OUTPUT", ...over });
    const ends = { from: "remote", target: "server" };
    test.each<[string, readonly HostCount[], "ipv4" | "ipv6", string]>([
      ["the target's OUTPUT counted one reset per silent port: dropped, by that rule", [out(3, 120)], "ipv4", "decided"],
      ["IPv6 resets are 60 bytes", [out(3, 180, { family: "ipv6" })], "ipv6", "decided"],
      ["resets and probe-sized drops adding up to the silent ports", [out(2, 80), policy(1)], "ipv4", "decided"],
      ["the prober's INPUT (nmap reads answers before its rules: an answered port's reset, never a silent one's): split", [out(3, 120, { host: "remote", chain: "INPUT" })], "ipv4", "split"],
      ["reset-sized in the target's INPUT (the prober's own resets to open ports go that way): split", [out(3, 120, { chain: "INPUT" })], "ipv4", "split"],
      ["in a user chain (which way is not known): split", [out(3, 120, { chain: "stealth" })], "ipv4", "split"],
      ["a native nft table: split", [out(3, 120, { table: "inet fw", chain: "output" })], "ipv4", "split"],
      ["one reset too few: split", [out(2, 80)], "ipv4", "split"],
      ["sizes that are not resets: split", [out(3, 130)], "ipv4", "split"],
    ])("%s", (_what, counts, family, kind) => {
      expect(decideSilent([1, 2, 3], counts, "tcp", family, ends).kind).toBe(kind);
    });
    test("not without the sweep's ends, nor for a sweep of the prober itself", () => {
      expect(decideSilent([1, 2, 3], [out(3, 120)], "tcp", "ipv4").kind).toBe("split");
      expect(decideSilent([1, 2, 3], [out(3, 120)], "tcp", "ipv4", { from: "server", target: "server" }).kind).toBe("split");
      expect(decideSilent([1, 2, 3], [out(3, 120, { host: "remote", chain: "INPUT" })], "tcp", "ipv4", { from: "remote" }).kind).toBe("split");
    });
    test("the evidence says the resets were taken on their way back", () => {
      const d = decideSilent([1, 2, 3], [out(3, 120)], "tcp", "ipv4", ends);
      expect(d.kind === "decided" && d.ports.get(1)).toEqual({ outcome: "dropped", evidence: `no answer; DROP rules counted 3 reset(s) on their way back (40 bytes each) for the 3 silent port(s) of its batch: server: ipv4 filter OUTPUT #1 ${STEALTH} (+3)`, rules: [`server: ipv4 filter OUTPUT #1 ${STEALTH}`] });
      const mixed = decideSilent([1, 2, 3], [out(2, 80), policy(1)], "tcp", "ipv4", ends);
      expect(mixed.kind === "decided" && mixed.ports.get(1)?.evidence).toMatch(/^no answer; DROP rules and policies on the path counted 1 probe-sized packet\(s\) and 2 reset\(s\) on their way back \(40 bytes each\)/);
    });
  });
});

describe("decideAnswered", () => {
  const ports = [
    { port: 25, answer: "port-unreach", cls: "refused" as const },
    { port: 113, answer: "reset", cls: "refused-or-admitted" as const },
    { port: 443, answer: "reset", cls: "refused-or-admitted" as const },
  ];
  test("REJECTs counted per answer: the RST no REJECT sent is the kernel's (admitted)", () => {
    const d = decideAnswered(ports.filter((p) => p.port !== 113), [rule(4, UNREACH, "REJECT", 1)], [], "tcp", "ipv4");
    expect(Object.fromEntries([...d.decided].map(([p, x]) => [p, x.outcome]))).toEqual({ 25: "refused", 443: "admitted" });
    expect(d.undecided).toEqual([]);
  });
  test("a tcp-reset REJECT that counted fewer RSTs than came: those ports are undecided, the others decided", () => {
    const d = decideAnswered(ports, [rule(4, UNREACH, "REJECT", 1), rule(5, RESET, "REJECT", 1)], [], "tcp", "ipv4");
    expect([...d.decided.keys()]).toEqual([25]);
    expect(d.undecided.map((u) => u.ports)).toEqual([[113, 443]]);
  });
  test("each RST counted by a tcp-reset REJECT: refused", () => {
    const d = decideAnswered(ports.slice(1, 2), [rule(5, RESET, "REJECT", 1)], [], "tcp", "ipv4");
    expect(d.decided.get(113)).toMatchObject({ outcome: "refused", rules: [expect.stringContaining("#5")] });
  });
  test("rules iptables-save cannot show, and no REJECT counted: cannot tell", () => {
    const d = decideAnswered(ports.slice(2), [], ["server: nft table inet native"], "tcp", "ipv4");
    expect(d.decided.get(443)).toMatchObject({ outcome: "undetermined", evidence: expect.stringMatching(/cannot tell.*native/) });
  });
  test("a REJECT count that is not probe-sized (the prober's RST to an open port) decides nothing", () => {
    const d = decideAnswered(ports.slice(2), [rule(5, RESET, "REJECT", 1, 40)], [], "tcp", "ipv4");
    expect(d.decided.size).toBe(0);
    expect(d.undecided.length).toBe(1);
  });
});

describe("rejectAnswer: the answer a REJECT sends, in nmap's words (reason)", () => {
  test.each<[string, Family, string | undefined]>([
    // iptables-save: --reject-with, the family's port unreachable without it
    [RESET, "ipv4", "reset"],
    [UNREACH, "ipv4", "port-unreach"],
    ["-A INPUT -j REJECT", "ipv4", "port-unreach"],
    ["-A INPUT -j REJECT", "ipv6", "port-unreach"],
    ["-A INPUT -j REJECT --reject-with icmp6-adm-prohibited", "ipv6", "admin-prohibited"],
    ["-A INPUT -j REJECT --reject-with icmp-host-prohibited", "ipv4", "host-prohibited"],
    ["-A INPUT -j REJECT --reject-with icmp6-no-route", "ipv6", "no-route"],
    ["-A INPUT -j REJECT --reject-with icmp6-addr-unreachable", "ipv6", "host-unreach"],
    ["-A INPUT -j REJECT --reject-with icmp-proto-unreachable", "ipv4", "proto-unreach"],
    // native nft, as `nft -a list ruleset` prints it (nft's defaults: a bare reject is the family's port unreachable)
    [NFT_RESET, "ipv4", "reset"],
    [NFT_RESET, "ipv6", "reset"],
    ["reject with icmpx admin-prohibited # handle 7", "ipv4", "admin-prohibited"],
    ["reject with icmpx admin-prohibited", "ipv6", "admin-prohibited"],
    ["tcp dport 8083 counter reject # handle 9", "ipv4", "port-unreach"],
    ["tcp dport 8083 counter reject", "ipv6", "port-unreach"],
    ["reject with icmp type host-unreachable", "ipv4", "host-unreach"],
    ["reject with icmp host-prohibited", "ipv4", "host-prohibited"],
    ["reject with icmpv6 type admin-prohibited", "ipv6", "admin-prohibited"],
    ["reject with icmpv6 addr-unreachable", "ipv6", "host-unreach"], // nmap reads ICMPv6 address unreachable as host-unreach
    // icmpx is the family's own code: no-route is IPv4's net unreachable, host-unreachable IPv6's address unreachable
    ["reject with icmpx no-route", "ipv4", "net-unreach"],
    ["reject with icmpx no-route", "ipv6", "no-route"],
    ["reject with icmpx host-unreachable", "ipv6", "host-unreach"],
    ["tcp dport 8081 counter drop # handle 3", "ipv4", undefined],
  ])("%s (%s): %s", (text, family, answer) => {
    expect(rejectAnswer(text, family)).toBe(answer);
  });
});

describe("native nft REJECT rules in a batch", () => {
  const reset = [{ port: 8081, answer: "reset", cls: "refused-or-admitted" as const }];
  const hidden = ["server: nft table inet fw"];
  test("an RST a counted `reject with tcp reset` sent: refused, by that rule (not a stray port-unreachable REJECT)", () => {
    const d = decideAnswered(reset, [nftRule(1, NFT_RESET, 1)], hidden, "tcp", "ipv4", true);
    expect(d.undecided).toEqual([]);
    expect(d.decided.get(8081)).toMatchObject({ outcome: "refused", evidence: expect.stringMatching(/^REJECT rules sending reset counted 1 /), rules: [expect.stringContaining("inet fw input #1 tcp dport 8081")] });
  });
  test("an admin-prohibited a counted `reject with icmpx admin-prohibited` sent: unreachable", () => {
    const d = decideAnswered([{ port: 8084, answer: "admin-prohibited", cls: "unreachable" }], [nftRule(2, "tcp dport 8084 counter reject with icmpx admin-prohibited # handle 13", 1)], hidden, "tcp", "ipv4", true);
    expect(d.decided.get(8084)?.outcome).toBe("unreachable");
  });
  test.each<[string, boolean, RegExp]>([
    ["iptables only", false, /no rule iptables-save shows counted it/],
    ["native nft tables read", true, /no rule of the ruleset \(iptables-save and nft\) counted it/],
  ])("nothing counted (%s): the evidence names what was read", (_what, native, words) => {
    const d = decideAnswered(reset, [], hidden, "tcp", "ipv4", native);
    expect(d.decided.get(8081)).toMatchObject({ outcome: "undetermined", evidence: expect.stringMatching(words) });
    expect(lastResort(8084, "unreachable", [], "why", native).evidence).toMatch(native ? /no rule of the ruleset/ : /no rule iptables-save shows/);
  });
});

describe("rulePorts and the port hypothesis", () => {
  test.each([
    ["-A INPUT -p tcp -m tcp --dport 23 -j DROP", [23]],
    ["-A INPUT -p tcp -m tcp --dport 20:22 -j DROP", [20, 21, 22]],
    ["-A INPUT -p tcp -m multiport --dports 23,135:137 -j DROP", [23, 135, 136, 137]],
    ["-A INPUT -p tcp -m tcp ! --dport 23 -j DROP", undefined],
    ["-A INPUT -p tcp -j DROP", undefined],
  ])("%s", (text, ports) => {
    const got = rulePorts(text);
    expect(got === undefined ? undefined : [...got]).toEqual(ports);
  });
  test("a DROP rule with a port match takes its ports, the policy the rest — if one more batch confirms it", () => {
    const h = portHypothesis([21, 22, 23, 24], [policy(3), rule(5, DROP23, "DROP", 1)]);
    expect(h && [...h.byRule]).toEqual([[expect.stringContaining("#5"), [23]]]);
    expect(h?.residual).toMatch(/policy DROP/);
    expect(confirms(h!, [rule(5, DROP23, "DROP", 1)])).toBe(true);
    expect(confirms(h!, [policy(1)])).toBe(false);
    // Counts that do not fit the port matches: no hypothesis.
    expect(portHypothesis([21, 22, 23, 24], [policy(2), rule(5, DROP23, "DROP", 2)])).toBeUndefined();
  });
});

const DNS_NAT = "table ip nat {\n\tchain OUTPUT {\n\t\ttype nat hook output priority -100; policy accept;\n\t\tip daddr 127.0.0.11 udp dport 53 counter packets 0 bytes 0 dnat to 127.0.0.11:5353\n\t}\n}\n";

describe("foreignTables: rules iptables-save cannot show", () => {
  test.each([
    ["nft", "table ip filter\ntable ip6 filter\ntable ip nat\n", "", []],
    ["nft", "table ip filter\ntable inet fwspec_trace\n", "", []], // fwspec's trace table only marks packets
    ["nft", "table ip filter\ntable inet native\n", "", ["server: nft table inet native"]],
    ["nft", "table ip filter\n", "filter\n", ["server: legacy iptables tables filter"]],
    ["legacy", "", "filter\nnat\n", []],
    ["legacy", "table ip filter\n", "filter\n", ["server: nft table ip filter"]],
    // A legacy host's `nft list ruleset`: the engine's DNS rules reject nothing; a table that may reject stays hidden.
    ["legacy", DNS_NAT, "filter\n", []],
    ["legacy", `${DNS_NAT}table ip filter {\n\tchain INPUT {\n\t\ttcp dport 1 counter packets 0 bytes 0 reject\n\t}\n}\n`, "filter\n", ["server: nft table ip filter"]],
    ["legacy", 'table inet x {\n\tchain input {\n\t\tlog prefix "reject " drop\n\t}\n}\n', "", []],
    // A reject in a verdict map or a map's elements: followed by `,` or `}`.
    ["legacy", "table inet fw {\n\tchain input {\n\t\tudp dport vmap { 53 : reject, 80 : accept }\n\t}\n}\n", "", ["server: nft table inet fw"]],
    ["legacy", "table inet fw {\n\tmap ports {\n\t\ttype inet_service : verdict\n\t\telements = { 22 : accept, 80 : reject }\n\t}\n}\n", "", ["server: nft table inet fw"]],
  ] as const)("%s: %j %j", (backend, nft, legacy, hidden) => {
    expect(foreignTables("server", backend, nft, legacy)).toEqual(hidden);
  });
});

describe("stillHidden: native tables read with their counters hide a REJECT only through one without a counter", () => {
  const nft = (table: string, target: string | null, counts: boolean): SavedRule => ({ family: "ipv4", table, chain: "input", position: 1, packets: 0, bytes: 0, text: "…", target, comment: null, handle: 4, counts });
  const reading = (...rules: SavedRule[]): SavedRuleset => ({ family: "ipv4", chains: [], rules });
  const ALL = ["server: nft table inet fw", "server: nft table ip6 only6", "server: nft table netdev ingress", "server: legacy iptables tables filter"];
  test.each<[string, SavedRuleset, string[]]>([
    ["every reject counts", reading(nft("inet fw", "REJECT", true), nft("inet fw", "DROP", false)), ["server: nft table netdev ingress", "server: legacy iptables tables filter"]],
    ["a reject without a counter", reading(nft("inet fw", "REJECT", false)), ["server: nft table inet fw", "server: nft table netdev ingress", "server: legacy iptables tables filter"]],
    ["no reject at all (and the ip6 table never sees IPv4)", reading(nft("inet fw", "ACCEPT", false)), ["server: nft table netdev ingress", "server: legacy iptables tables filter"]],
  ])("%s", (_what, r, hidden) => {
    expect(stillHidden(ALL, "server", r, "nft")).toEqual(hidden);
  });

  // iptables-nft's REJECT is a compatibility target in nft's JSON (no verdict), printed `reject`: its table reads as rejecting nothing by verdict.
  test("on a legacy host a table named as iptables' own stays hidden while a rule of it may reject as printed (it may be iptables-nft's)", () => {
    const own = ["server: nft table ip filter", "server: nft table inet fw"];
    const printed = (table: string, text: string): SavedRule => ({ ...nft(table, null, true), text });
    const counted = reading(printed("ip filter", "tcp dport 1 counter reject # handle 2"), nft("inet fw", "REJECT", true));
    expect(stillHidden(own, "server", counted, "legacy")).toEqual(["server: nft table ip filter"]);
    expect(stillHidden(own, "server", counted, "nft")).toEqual([]);
    expect(stillHidden(["server: nft table ip filter"], "server", reading(printed("ip filter", 'xt target "CUSTOM" # handle 2')), "legacy")).toEqual(["server: nft table ip filter"]);
  });

  test("on a legacy host the engine's DNS rules (ip nat: dnat and snat of 127.0.0.11) hide no REJECT", () => {
    const printed = (text: string): SavedRule => ({ ...nft("ip nat", null, true), chain: "OUTPUT", text });
    const dns = reading(printed("ip daddr 127.0.0.11 udp dport 53 counter dnat to 127.0.0.11:5353 # handle 2"), printed('ip saddr 127.0.0.11 udp sport 5353 counter snat to :53 comment "reject" # handle 4'));
    expect(stillHidden(["server: nft table ip nat"], "server", dns, "legacy")).toEqual([]);
  });
});

describe("a counted rule's name read back as the decision it names (for the line that wrote it)", () => {
  test.each([
    // [what, the counted rule, the decision's parts]
    ["the chain's DROP policy", policy(3), { table: "filter", path: ["INPUT"], rule: "policy DROP", policy: true, action: "drop" }],
    ["an iptables REJECT rule", rule(5, RESET, "REJECT", 1), { table: "filter", path: ["INPUT"], rule: RESET, policy: false, action: "reject" }],
    ["an iptables DROP rule", rule(2, DROP23, "DROP", 1), { table: "filter", path: ["INPUT"], rule: DROP23, policy: false, action: "drop" }],
    ["a native nft table's rule (a table of two words, its handle kept)", nftRule(1, NFT_RESET, 1), { table: "inet fw", path: ["input"], rule: NFT_RESET, policy: false, action: "reject" }],
    ["an IPv6 rule on another host", { ...rule(4, DROP23, "DROP", 1), host: "router", family: "ipv6", chain: "FORWARD" } as HostCount, { host: "router", family: "ipv6", path: ["FORWARD"], rule: DROP23, action: "drop" }],
  ] as const)("%s", (_what, c, parts) => {
    expect(countedDecision(ruleName(c))).toMatchObject({ host: "server", family: "ipv4", source: "counters", ...parts });
  });

  test("a name not of that form names nothing", () => {
    expect(countedDecision("no rule iptables-save shows")).toBeUndefined();
  });
});
