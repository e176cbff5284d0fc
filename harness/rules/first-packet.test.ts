/** Unit tests (table-driven, no Docker) for first-packet.ts: the rule that took a probe's first packet, never the busiest. */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { firstPacketDecision, holdsDnat, type Hop, hopsOnPath } from "./first-packet.ts";
import { canTakeFirstPacket, crossesInterfaces } from "./first-packet-text.ts";
import { parseSave, type SavedChain, type SavedRule, type SavedRuleset } from "./saved.ts";

describe("canTakeFirstPacket", () => {
  test.each([
    ["-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", false],
    ["-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT", false],
    ["-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT", false],
    ["-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT", false],
    ["-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", false],
    ["-A INPUT -m conntrack ! --ctstate NEW,INVALID,UNTRACKED,SNAT,DNAT -j ACCEPT", false],
    ["-A INPUT -p tcp ! --syn -j ACCEPT", false],
    ["-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK ACK -j ACCEPT", false],
    ["-A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT", true],
    ["-A INPUT -m conntrack --ctstate INVALID -j DROP", true],
    ["-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT", true],
    ["-A INPUT -m conntrack --ctstate DNAT -j ACCEPT", true],
    ["-A INPUT -m conntrack ! --ctstate ESTABLISHED -j DROP", true],
    ["-A INPUT -p tcp -m multiport --dports 8080,8081 -m conntrack --ctstate NEW -j ACCEPT", true],
    ["-A INPUT -p tcp -m tcp --syn -j ACCEPT", true],
    ["-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT", true],
    ["-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT", true],
    ["-A INPUT -j DROP", true],
    ["-A INPUT -m comment --comment \"--ctstate ESTABLISHED\" -j DROP", true],
    ["-A INPUT -m conntrack --ctstate ESTABLISHED -m conntrack --ctstate NEW -j ACCEPT", false],
  ] as const)("%s -> %s", (rule, can) => {
    expect(canTakeFirstPacket(rule)).toBe(can);
  });

  test.each([
    ["-A ufw6-before-input -p ipv6-icmp -m icmp6 --icmpv6-type 136 -m hl --hl-eq 255 -j ACCEPT", "tcp", false],
    ["-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT", "udp", false],
    ["-A INPUT -p udp -m udp --dport 53 -j ACCEPT", "tcp", false],
    ["-A INPUT -p udp -m udp --dport 53 -j ACCEPT", "udp", true],
    ["-A INPUT -p 6 -j ACCEPT", "tcp", true],
    ["-A INPUT ! -p tcp -j DROP", "tcp", false],
    ["-A INPUT ! -p tcp -j DROP", "udp", true],
    ["-A INPUT -p all -j ACCEPT", "tcp", true],
    ["-A INPUT -i lo -j ACCEPT", "udp", true],
  ] as const)("%s, a %s probe -> %s", (rule, protocol, can) => {
    expect(canTakeFirstPacket(rule, protocol)).toBe(can);
  });
});

const save = (table: string) => parseSave(`*filter\n${table}\nCOMMIT\n`, "ipv4");

/** The multiport case measured in issue 15: the SYN (+1) on the NEW rule, the rest of the handshake (+3) on ESTABLISHED. */
const MULTIPORT_BEFORE = `:INPUT DROP [0:0]
[0:0] -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
[0:0] -A INPUT -p tcp -m multiport --dports 8080,8081 -m conntrack --ctstate NEW -j ACCEPT`;
const MULTIPORT_AFTER = `:INPUT DROP [0:0]
[3:156] -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
[1:60] -A INPUT -p tcp -m multiport --dports 8080,8081 -m conntrack --ctstate NEW -j ACCEPT`;

/** A ufw-generated ruleset (fixtures/ufw: ufw-init's own output) with counters put on the rules a probe moved. */
function ufw(counted: Readonly<Record<string, number>>, policy = 0): string {
  const text = readFileSync(new URL("../../fixtures/ufw/rules.v4", import.meta.url), "utf8");
  return text
    .split("\n")
    .map((line) => {
      if (line.startsWith(":INPUT ")) return `:INPUT DROP [${policy}:${policy * 60}]`;
      if (!line.startsWith("-A ")) return line;
      const n = counted[line] ?? 0;
      return `[${n}:${n * 60}] ${line}`;
    })
    .join("\n");
}
const EST = "-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT";
const LIMIT_ACCEPT = "-A ufw-user-limit-accept -j ACCEPT";
const JUMPS = ["-A INPUT -j ufw-before-logging-input", "-A INPUT -j ufw-before-input", "-A ufw-before-input -j ufw-not-local", "-A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN", "-A ufw-before-input -j ufw-user-input"];
const at = (rules: readonly string[], n: number) => Object.fromEntries(rules.map((r) => [r, n]));

describe("firstPacketDecision", () => {
  const cases: { name: string; before: string; after: string; hooks?: Hop["hooks"]; rule: string | undefined; path?: string[]; action?: string }[] = [
    {
      name: "multiport NEW (+1) decides, not ESTABLISHED (+3)",
      before: MULTIPORT_BEFORE, after: MULTIPORT_AFTER,
      rule: "-A INPUT -p tcp -m multiport --dports 8080,8081 -m conntrack --ctstate NEW -j ACCEPT", path: ["INPUT"], action: "accept",
    },
    {
      name: "ufw limit: ufw-user-limit-accept (+1) decides, not ufw-before-input ESTABLISHED (+3)",
      before: ufw({}), after: ufw({ ...at(JUMPS, 1), [EST]: 3, "-A ufw-user-input -p tcp -m tcp --dport 8080 -m conntrack --ctstate NEW -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource": 1, "-A ufw-user-input -p tcp -m tcp --dport 8080 -j ufw-user-limit-accept": 1, [LIMIT_ACCEPT]: 1 }),
      rule: LIMIT_ACCEPT, path: ["INPUT", "ufw-before-input", "ufw-user-input", "ufw-user-limit-accept"], action: "accept",
    },
    {
      name: "ufw reject: the REJECT in ufw-user-input, with its path",
      before: ufw({}), after: ufw({ ...at(JUMPS, 1), "-A ufw-user-input -p tcp -m tcp --dport 8081 -j REJECT --reject-with tcp-reset": 1 }),
      rule: "-A ufw-user-input -p tcp -m tcp --dport 8081 -j REJECT --reject-with tcp-reset", path: ["INPUT", "ufw-before-input", "ufw-user-input"], action: "reject",
    },
    {
      name: "ufw default deny: a LOG rule counted, the INPUT policy DROP decided",
      before: ufw({}), after: ufw({ ...at(JUMPS, 1), "-A INPUT -j ufw-after-input": 1, "-A INPUT -j ufw-after-logging-input": 1, "-A ufw-after-logging-input -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix \"[UFW BLOCK] \"": 1, "-A INPUT -j ufw-reject-input": 1, "-A INPUT -j ufw-track-input": 1 }, 1),
      rule: "policy DROP", path: ["INPUT"], action: "drop",
    },
    {
      name: "a DROP counted only by retransmits still decides (it is the first able rule)",
      before: ":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      after: ":INPUT ACCEPT [0:0]\n[3:180] -A INPUT -p tcp -m tcp --dport 8080 -j DROP",
      rule: "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", action: "drop",
    },
    {
      name: "the ACCEPT policy when no rule took it",
      before: ":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -p tcp -m tcp --dport 22 -j DROP",
      after: ":INPUT ACCEPT [4:240]\n[0:0] -A INPUT -p tcp -m tcp --dport 22 -j DROP",
      rule: "policy ACCEPT", action: "accept",
    },
    {
      name: "only ESTABLISHED counted: nothing that can take a first packet did",
      before: ":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT",
      after: ":INPUT ACCEPT [0:0]\n[3:156] -A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT",
      rule: undefined,
    },
    {
      name: "the earlier of two able rules in walk order decides",
      before: ":INPUT ACCEPT [0:0]\n:GUARD - [0:0]\n[0:0] -A INPUT -j GUARD\n[0:0] -A INPUT -j ACCEPT\n[0:0] -A GUARD -p tcp -m tcp --dport 8080 -j ACCEPT",
      after: ":INPUT ACCEPT [0:0]\n:GUARD - [0:0]\n[6:360] -A INPUT -j GUARD\n[2:120] -A INPUT -j ACCEPT\n[4:240] -A GUARD -p tcp -m tcp --dport 8080 -j ACCEPT",
      rule: "-A GUARD -p tcp -m tcp --dport 8080 -j ACCEPT", path: ["INPUT", "GUARD"], action: "accept",
    },
    {
      name: "a prober's OUTPUT DROP (hook OUTPUT)",
      before: ":OUTPUT ACCEPT [0:0]\n[0:0] -A OUTPUT -p tcp -m tcp --dport 8080 -j DROP",
      after: ":OUTPUT ACCEPT [0:0]\n[1:60] -A OUTPUT -p tcp -m tcp --dport 8080 -j DROP",
      hooks: ["OUTPUT"], rule: "-A OUTPUT -p tcp -m tcp --dport 8080 -j DROP", action: "drop",
    },
    {
      name: "a rule added between the readings is not attributed",
      before: ":INPUT ACCEPT [0:0]",
      after: ":INPUT ACCEPT [0:0]\n[1:60] -A INPUT -j DROP",
      rule: undefined,
    },
  ];
  test.each(cases)("$name", ({ before, after, hooks, rule, path, action }) => {
    const before4 = before.includes("*filter") ? parseSave(before, "ipv4") : save(before);
    const after4 = after.includes("*filter") ? parseSave(after, "ipv4") : save(after);
    const d = firstPacketDecision([{ host: "server", hooks: hooks ?? ["INPUT"], before: before4, after: after4 }]);
    expect(d?.rule).toBe(rule);
    if (path) expect(d?.path).toEqual(path);
    if (action) expect(d).toMatchObject({ action, host: "server", family: "ipv4", table: "filter", source: "counters" });
  });

  test.each([
    ["DNAT", "-A FORWARD -d 198.18.51.10/32 -i eth0 -o eth1 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT"],
    ["NEW", "-A FORWARD -d 198.18.51.10/32 -i eth0 -o eth1 -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -j ACCEPT"],
  ])("a probe to the router's own port, DNAT'd on to a LAN host: the FORWARD rule that took its SYN (--ctstate %s) decides, not 'nothing counted'", (_, rule) => {
    // /tmp/routerjourney collide-alone.yaml: internet -> gw:8080, `-t nat -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80`.
    const reading = (dnat: number, est: number, fwd: number) => parseSave([
      "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", `:POSTROUTING ACCEPT [${fwd}:60]`,
      `[${dnat}:60] -A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.51.10:80`,
      "[0:0] -A POSTROUTING -s 198.18.51.0/24 -o eth0 -j MASQUERADE", "COMMIT",
      "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
      "[0:0] -A INPUT -i lo -j ACCEPT", "[0:0] -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
      `[${est}:434] -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, "[0:0] -A FORWARD -i eth1 -o eth0 -j ACCEPT",
      `[${fwd}:60] ${rule}`, "COMMIT", "",
    ].join("\n"), "ipv4");
    // The router is the probe's target: hopsOnPath gives it INPUT (and OUTPUT for the answer) only.
    const d = firstPacketDecision([{ host: "gw", protocol: "tcp", hooks: ["INPUT"], replyHooks: ["OUTPUT"], before: reading(0, 0, 0), after: reading(1, 7, 1) }]);
    expect(d).toMatchObject({ host: "gw", table: "filter", path: ["FORWARD"], rule, action: "accept", policy: false, source: "counters" });
    // Not rewritten (no DNAT counted): the FORWARD chain is not the probe's, whatever moved there.
    expect(firstPacketDecision([{ host: "gw", protocol: "tcp", hooks: ["INPUT"], before: reading(0, 0, 0), after: reading(0, 7, 1) }])).toBeUndefined();
  });

  // Tester 41b: a probe a router's DNAT sent on to a firewall host: that host's INPUT DROP or REJECT decides, not the router's FORWARD ACCEPT.
  describe("a probe a DNAT on its target sent on to a firewall host off its path (hopsOnPath offPath)", () => {
    const router = (dnat: number, fwd: number) => parseSave([
      "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]",
      `[${dnat}:60] -A PREROUTING -i eth0 -p tcp -m tcp --dport 8085 -j DNAT --to-destination 198.18.51.10:85`, "COMMIT",
      "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
      `[${fwd}:60] -A FORWARD -p tcp -m conntrack --ctstate DNAT -j ACCEPT`, "COMMIT", "",
    ].join("\n"), "ipv4");
    const backend = (reject: number, policy = 0) => parseSave(["*filter", `:INPUT ACCEPT [${policy}:60]`, ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", `[${reject}:60] -A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset`, "COMMIT", ""].join("\n"), "ipv4");
    const hops = (to: string, reject: number) => hopsOnPath(
      { from: "client", protocol: "tcp", to: { kind: "host", host: "gw" } }, ["backend", "gw"],
      new Map([["gw", router(0, 0)], ["backend", backend(0)]]), new Map([["gw", router(1, 1)], ["backend", backend(reject, reject === 0 ? 1 : 0)]]),
      () => undefined, new Map([["backend", [to]]]),
    );

    test("its REJECT decides when the DNAT that counted the probe names its address", () => {
      expect(firstPacketDecision(hops("198.18.51.10", 1))).toMatchObject({ host: "backend", path: ["INPUT"], rule: "-A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset", action: "reject" });
    });

    test("nothing there took it: the router's accept stays named, with where its DNAT sent it (reviewer: not the host's policy)", () => {
      expect(firstPacketDecision(hops("198.18.51.10", 0))).toMatchObject({ host: "gw", path: ["FORWARD"], action: "accept", sentOnTo: "198.18.51.10:85" });
    });

    test("an IPv6 address in another spelling is the same host (reviewer)", () => {
      const gw = (n: number) => parseSave(["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", `[${n}:80] -A PREROUTING -p tcp -m tcp --dport 8085 -j DNAT --to-destination [2001:db8:51::20]:85`, "COMMIT", "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", `[${n}:80] -A FORWARD -p tcp -m conntrack --ctstate DNAT -j ACCEPT`, "COMMIT", ""].join("\n"), "ipv6");
      const be = (n: number) => parseSave(["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", `[${n}:80] -A INPUT -p tcp -m tcp --dport 85 -j REJECT --reject-with tcp-reset`, "COMMIT", ""].join("\n"), "ipv6");
      const six = hopsOnPath({ from: "client", protocol: "tcp", to: { kind: "host", host: "gw" } }, ["backend", "gw"], new Map([["gw", gw(0)], ["backend", be(0)]]), new Map([["gw", gw(1)], ["backend", be(1)]]), () => undefined, new Map([["backend", ["2001:DB8:51:0::20"]]]));
      expect(firstPacketDecision(six)).toMatchObject({ host: "backend", action: "reject", sentOn: true });
    });

    test("a host the DNAT did not send it to is not judged, whatever counted there: the router's FORWARD ACCEPT decides", () => {
      expect(firstPacketDecision(hops("198.18.51.11", 1))).toMatchObject({ host: "gw", path: ["FORWARD"], action: "accept", sentOnTo: "198.18.51.10:85" });
    });
  });

  test("an ICMPv6 neighbour advertisement ACCEPT that counted during a TCP probe does not decide", () => {
    const nd = "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 136 -j ACCEPT";
    const tcp = "-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT";
    const before = parseSave(`*filter\n:INPUT DROP [0:0]\n[0:0] ${nd}\n[0:0] ${tcp}\nCOMMIT\n`, "ipv6");
    const after = parseSave(`*filter\n:INPUT DROP [0:0]\n[1:72] ${nd}\n[1:80] ${tcp}\nCOMMIT\n`, "ipv6");
    expect(firstPacketDecision([{ host: "server", protocol: "tcp", hooks: ["INPUT"], before, after }])?.rule).toBe(tcp);
  });

  test("a DROP on the target decides over the prober's ACCEPT; the prober's INPUT DROP of the answer decides when both accepted", () => {
    const accepts = { before: save(":OUTPUT ACCEPT [0:0]\n:INPUT DROP [0:0]"), after: save(":OUTPUT ACCEPT [1:60]\n:INPUT DROP [1:60]") };
    const target = { before: save(":INPUT ACCEPT [0:0]\n[0:0] -A INPUT -j DROP"), after: save(":INPUT ACCEPT [0:0]\n[1:60] -A INPUT -j DROP") };
    expect(firstPacketDecision([{ host: "client", hooks: ["OUTPUT"], ...accepts }, { host: "server", hooks: ["INPUT"], ...target }])).toMatchObject({ host: "server", action: "drop", policy: false });
    const open = { before: save(":INPUT ACCEPT [0:0]"), after: save(":INPUT ACCEPT [1:60]") };
    expect(firstPacketDecision([{ host: "client", hooks: ["OUTPUT"], replyHooks: ["INPUT"], ...accepts }, { host: "server", hooks: ["INPUT"], ...open }])).toMatchObject({ host: "client", action: "drop", policy: true, path: ["INPUT"] });
    expect(firstPacketDecision([{ host: "client", hooks: ["OUTPUT"], ...accepts }, { host: "server", hooks: ["INPUT"], ...open }])).toMatchObject({ host: "server", action: "accept", rule: "policy ACCEPT" });
  });

  // A tester's router (legacy): no ESTABLISHED rule, so the server's SYN-ACK meets `-i lan0 -o wan0 -j DROP` on its way back.
  const router = (syn: number, answers: number) => parseSave([
    "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]",
    "[0:0] -A FORWARD -i wan0 -o lan0 -p tcp -m tcp --dport 443 -j ACCEPT",
    `[${answers}:120] -A FORWARD -i lan0 -o wan0 -j DROP`,
    `[${syn}:60] -A FORWARD -i wan0 -o lan0 -p tcp -m tcp --dport 8080 -j ACCEPT`, "COMMIT", "",
  ].join("\n"), "ipv4");
  test.each([
    ["interfaces known: the SYN was accepted; the DROP took the answer on its way back", { in: "wan0", out: "lan0" }, { rule: "-A FORWARD -i lan0 -o wan0 -j DROP", action: "drop", answer: true }],
    ["interfaces not known: the first DROP that counted, as before", undefined, { rule: "-A FORWARD -i lan0 -o wan0 -j DROP", action: "drop" }],
  ])("a router whose FORWARD DROP names the other direction: %s", (_, via, want) => {
    const hop = { host: "gw", protocol: "tcp" as const, hooks: ["FORWARD" as const], replyHooks: via ? ["FORWARD" as const] : [], ...(via ? { via } : {}), before: router(0, 0), after: router(1, 2) };
    const d = firstPacketDecision([hop]);
    expect(d).toMatchObject({ host: "gw", path: ["FORWARD"], ...want });
    if (!via) expect(d?.answer).toBeUndefined();
  });

  // Tester 36d's router: the DROP of established packets sits behind a jump only the first packet's direction takes.
  const guarded = (syn: number, acks: number, native = false) =>
    native
      ? {
          family: "ipv4" as const,
          chains: [{ table: "inet gw", chain: "forward", policy: "DROP", packets: 0, bytes: 0, hook: "forward", type: "filter", priority: 0 }],
          rules: [
            { family: "ipv4" as const, table: "inet gw", chain: "forward", position: 1, packets: syn + acks, bytes: 0, text: 'iifname "lan0" oifname "wan0" jump out # handle 2', target: "out", comment: null, handle: 2, counts: true },
            { family: "ipv4" as const, table: "inet gw", chain: "forward", position: 2, packets: syn, bytes: 0, text: "ct state established,related accept # handle 3", target: "ACCEPT", comment: null, handle: 3, counts: true },
            { family: "ipv4" as const, table: "inet gw", chain: "out", position: 1, packets: acks, bytes: 0, text: "ct state established counter drop # handle 4", target: "DROP", comment: null, handle: 4, counts: true },
            { family: "ipv4" as const, table: "inet gw", chain: "out", position: 2, packets: syn, bytes: 0, text: "tcp dport 8080 counter accept # handle 5", target: "ACCEPT", comment: null, handle: 5, counts: true },
          ],
        }
      : parseSave([
          "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", ":OUT - [0:0]",
          `[${syn + acks}:60] -A FORWARD -i lan0 -o wan0 -j OUT`,
          `[${syn}:60] -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
          `[${acks}:60] -A OUT -m conntrack --ctstate ESTABLISHED -j DROP`,
          `[${syn}:60] -A OUT -p tcp -m tcp --dport 8080 -j ACCEPT`, "COMMIT", "",
        ].join("\n"), "ipv4");
  test.each([
    ["iptables", false, "-A OUT -m conntrack --ctstate ESTABLISHED -j DROP", ["FORWARD", "OUT"]],
    ["native nftables", true, "ct state established counter drop # handle 4", ["forward", "out"]],
  ])("%s router: a DROP behind a jump only the first packet's direction takes took a later packet going that way, not the answer", (_, native, rule, path) => {
    const hop = { host: "gw", protocol: "tcp" as const, hooks: ["FORWARD" as const], replyHooks: ["FORWARD" as const], via: { in: "lan0", out: "wan0" }, before: guarded(0, 0, native), after: guarded(1, 2, native) };
    const d = firstPacketDecision([hop], { laterPackets: true });
    expect(d).toMatchObject({ host: "gw", path, rule, action: "drop", later: true });
    expect(d?.answer).toBeUndefined();
  });

  test("a REJECT whose answer never reached the prober (dropped): the DROP that counted on the answer's way back decides, asked for (tester 42a)", () => {
    const reject = "-A INPUT -p tcp -m tcp --dport 9000 -j REJECT --reject-with tcp-reset";
    const est = "-A OUTPUT -m state --state ESTABLISHED -j ACCEPT";
    const reading = (rej: number, out: number) => parseSave(`*filter\n:INPUT DROP [0:0]\n:OUTPUT DROP [${out}:40]\n[${rej}:60] ${reject}\n[0:0] ${est}\nCOMMIT\n`, "ipv4");
    const hop = { host: "server", protocol: "tcp" as const, hooks: ["INPUT" as const], replyHooks: ["OUTPUT" as const], before: reading(0, 0), after: reading(1, 1) };
    const lost = { laterPackets: true, rejectAnswerLost: true };
    expect(firstPacketDecision([hop], lost)).toMatchObject({ host: "server", path: ["OUTPUT"], rule: "policy DROP", action: "drop", policy: true, answer: true });
    // Not asked (the client saw the REJECT's answer, or an ICMP error came back), or nothing counted on the way back: the REJECT.
    expect(firstPacketDecision([hop])).toMatchObject({ rule: reject, action: "reject" });
    expect(firstPacketDecision([hop], { laterPackets: true })).toMatchObject({ rule: reject, action: "reject" });
    expect(firstPacketDecision([{ ...hop, after: reading(1, 0) }], lost)).toMatchObject({ rule: reject, action: "reject" });
  });

  test("a router's REJECT whose answer was lost: only hops the answer crossed (the router's own OUTPUT, the prober), never the target beyond it (reviewer)", () => {
    const reject = "-A FORWARD -p tcp -m tcp --dport 81 -j REJECT --reject-with tcp-reset";
    const router = (rej: number, out: number) => parseSave(`*filter\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [${out}:40]\n[${rej}:60] ${reject}\nCOMMIT\n`, "ipv4");
    const server = (out: number) => parseSave(`*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT DROP [${out}:40]\nCOMMIT\n`, "ipv4");
    const client = (inp: number) => parseSave(`*filter\n:INPUT DROP [${inp}:40]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n`, "ipv4");
    const hops = (routerOut: number, clientIn: number) => [
      { host: "client", protocol: "tcp" as const, hooks: ["OUTPUT" as const], replyHooks: ["INPUT" as const], before: client(0), after: client(clientIn) },
      { host: "gw", protocol: "tcp" as const, hooks: ["FORWARD" as const], replyHooks: ["FORWARD" as const], before: router(0, 0), after: router(1, routerOut) },
      // Other traffic counted on the target's OUTPUT policy (neighbour discovery): the answer never came near it.
      { host: "server", protocol: "tcp" as const, hooks: ["INPUT" as const], replyHooks: ["OUTPUT" as const], before: server(0), after: server(1) },
    ];
    const lost = { laterPackets: true, rejectAnswerLost: true };
    expect(firstPacketDecision(hops(0, 1), lost)).toMatchObject({ host: "client", path: ["INPUT"], rule: "policy DROP", answer: true });
    expect(firstPacketDecision(hops(1, 0), lost)).toMatchObject({ host: "gw", path: ["OUTPUT"], rule: "policy DROP", answer: true });
    expect(firstPacketDecision(hops(0, 0), lost)).toMatchObject({ host: "gw", rule: reject, action: "reject" });
  });

  test("a dropped probe whose SYN and SYN-ACK passed: the DROP only a later packet meets (the handshake's last ACK) decides, asked for", () => {
    const est = "-A INPUT -p tcp -m tcp --dport 8080 -m conntrack --ctstate ESTABLISHED -j DROP";
    const accept = "-A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT";
    const reading = (acks: number, syn: number) => parseSave(`*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [${syn}:60]\n[${acks}:364] ${est}\n[${syn}:60] ${accept}\nCOMMIT\n`, "ipv4");
    const hop = { host: "server", protocol: "tcp" as const, hooks: ["INPUT" as const], replyHooks: ["OUTPUT" as const], before: reading(0, 0), after: reading(7, 1) };
    expect(firstPacketDecision([hop], { laterPackets: true })).toMatchObject({ host: "server", rule: est, action: "drop", later: true, policy: false });
    // Not asked (the probe was not dropped: such a count is other traffic's), or UDP: the ACCEPT that took its first packet.
    expect(firstPacketDecision([hop])).toMatchObject({ rule: accept, action: "accept" });
    expect(firstPacketDecision([hop])?.later).toBeUndefined();
    expect(firstPacketDecision([{ ...hop, protocol: "udp" }], { laterPackets: true })?.later).toBeUndefined();
  });

  test("native nftables: a counted drop in the target's output chain took the answer; one behind a jump, only a later packet meets, took the last ACK", () => {
    const base = (chain: string, hook: string): SavedChain => ({ table: "inet fw", chain, policy: "ACCEPT", packets: 0, bytes: 0, hook, type: "filter", priority: 0 });
    const rule = (chain: string, position: number, text: string, target: string | null, packets: number): SavedRule => ({ family: "ipv4", table: "inet fw", chain, position, packets, bytes: packets * 60, text, target, comment: null, handle: 10 + position, counts: true });
    const reading = (answers: number, acks: number): SavedRuleset => ({
      family: "ipv4",
      chains: [base("in", "input"), base("out", "output"), { table: "ip nat", chain: "pre", policy: "ACCEPT", packets: 0, bytes: 0, hook: "prerouting", type: "nat", priority: -100 }],
      rules: [
        rule("in", 1, "tcp dport 8080 jump guard # handle 11", "guard", acks),
        rule("guard", 1, "ct state established counter drop # handle 11", "DROP", acks),
        rule("out", 1, "tcp sport 8080 counter drop # handle 11", "DROP", answers),
      ],
    });
    const hop = (after: SavedRuleset) => ({ host: "server", protocol: "tcp" as const, hooks: ["INPUT" as const], replyHooks: ["OUTPUT" as const], before: reading(0, 0), after });
    expect(firstPacketDecision([hop(reading(1, 0))], { laterPackets: true })).toMatchObject({ host: "server", table: "inet fw", path: ["out"], rule: "tcp sport 8080 counter drop # handle 11", action: "drop", answer: true });
    expect(firstPacketDecision([hop(reading(0, 3))], { laterPackets: true })).toMatchObject({ host: "server", table: "inet fw", path: ["in", "guard"], rule: "ct state established counter drop # handle 11", action: "drop", later: true });
    // The ACK's drop is no first packet's: not asked for, nothing decides (a native ACCEPT is never final).
    expect(firstPacketDecision([hop(reading(0, 3))])).toBeUndefined();
  });

  test("native nftables router: a counted dnat sends the probe to the router on; the forward chain's counted drop of its answer decides", () => {
    const base = (chain: string, hook: string, type = "filter"): SavedChain => ({ table: "inet router", chain, policy: hook === "forward" ? "DROP" : "ACCEPT", packets: 0, bytes: 0, hook, type, priority: type === "nat" ? -100 : 0 });
    const rule = (chain: string, position: number, text: string, target: string | null, packets: number): SavedRule => ({ family: "ipv4", table: "inet router", chain, position, packets, bytes: packets * 60, text, target, comment: null, handle: 20 + position, counts: true });
    const reading = (forwarded: number, answers: number): SavedRuleset => ({
      family: "ipv4",
      chains: [base("prerouting", "prerouting", "nat"), base("forward", "forward")],
      rules: [
        rule("prerouting", 1, 'iifname "wan0" tcp dport 8002 counter dnat ip to 198.18.5.9 # handle 21', null, forwarded),
        rule("forward", 1, 'iifname "lan0" oifname "wan0" tcp sport 8002 counter drop # handle 21', "DROP", answers),
        rule("forward", 2, "ct state established,related accept # handle 22", "ACCEPT", 0),
        rule("forward", 3, "ct status dnat counter accept # handle 23", "ACCEPT", forwarded),
      ],
    });
    const hop = { host: "router", protocol: "tcp" as const, hooks: ["INPUT" as const], replyHooks: ["OUTPUT" as const], via: { in: "wan0" }, before: reading(0, 0), after: reading(1, 1) };
    expect(firstPacketDecision([hop], { laterPackets: true })).toMatchObject({ host: "router", path: ["forward"], rule: 'iifname "lan0" oifname "wan0" tcp sport 8002 counter drop # handle 21', action: "drop", answer: true });
  });

  test("a counted rule for another protocol meets none of a TCP probe's packets: not named for its answer, nor a later packet (the reviewer's cases)", () => {
    const base = (chain: string, hook: string, policy = "ACCEPT"): SavedChain => ({ table: "inet fw", chain, policy, packets: 0, bytes: 0, hook, type: "filter", priority: 0 });
    const rule = (chain: string, text: string, packets: number): SavedRule => ({ family: "ipv4", table: "inet fw", chain, position: 1, packets, bytes: packets * 60, text, target: "DROP", comment: null, handle: 30, counts: true });
    const reading = (n: number): SavedRuleset => ({ family: "ipv4", chains: [base("in", "input", "DROP"), base("out", "output")], rules: [rule("in", "udp dport 5353 counter drop # handle 30", n), rule("out", "udp dport 514 counter drop # handle 30", n)] });
    const hop = { host: "server", protocol: "tcp" as const, hooks: ["INPUT" as const], replyHooks: ["OUTPUT" as const], before: reading(0), after: reading(2) };
    expect(firstPacketDecision([hop], { laterPackets: true })).toBeUndefined();
    // iptables alike.
    const save = (n: number) => parseSave(`*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n[${n}:60] -A INPUT -p udp -m udp --dport 5353 -j DROP\n[${n}:60] -A OUTPUT -p udp -m udp --dport 514 -j DROP\nCOMMIT\n`, "ipv4");
    expect(firstPacketDecision([{ ...hop, before: save(0), after: save(2) }], { laterPackets: true })).toBeUndefined();
  });

  test("native base chains take their place among iptables' tables by priority: a native prerouting drop comes before iptables' filter INPUT", () => {
    const ipt = "[1:60] -A INPUT -p tcp -m tcp --dport 8080 -j DROP";
    const reading = (n: number): SavedRuleset => {
      const saved = parseSave(`*filter\n:INPUT ACCEPT [0:0]\n${n ? ipt : ipt.replace("[1:60]", "[0:0]")}\nCOMMIT\n`, "ipv4");
      return {
        ...saved,
        chains: [...saved.chains, { table: "inet early", chain: "pre", policy: "ACCEPT", packets: 0, bytes: 0, hook: "prerouting", type: "filter", priority: -200 }],
        rules: [...saved.rules, { family: "ipv4", table: "inet early", chain: "pre", position: 1, packets: n, bytes: n * 60, text: "tcp dport 8080 counter drop # handle 2", target: "DROP", comment: null, handle: 2, counts: true }],
      };
    };
    expect(firstPacketDecision([{ host: "server", protocol: "tcp", hooks: ["INPUT"], before: reading(0), after: reading(1) }])).toMatchObject({ table: "inet early", path: ["pre"], rule: "tcp dport 8080 counter drop # handle 2" });
  });

  test("native chains reached from a verdict map are walked", () => {
    const reading = (n: number): SavedRuleset => ({
      family: "ipv4",
      chains: [{ table: "inet fw", chain: "in", policy: "ACCEPT", packets: 0, bytes: 0, hook: "input", type: "filter", priority: 0 }],
      rules: [
        { family: "ipv4", table: "inet fw", chain: "in", position: 1, packets: 0, bytes: 0, text: 'iifname vmap { "eth0" : jump lan } # handle 3', target: null, comment: null, handle: 3, counts: false },
        { family: "ipv4", table: "inet fw", chain: "lan", position: 1, packets: n, bytes: n * 60, text: "tcp dport 8080 counter drop # handle 5", target: "DROP", comment: null, handle: 5, counts: true },
      ],
    });
    expect(firstPacketDecision([{ host: "server", protocol: "tcp", hooks: ["INPUT"], before: reading(0), after: reading(1) }])).toMatchObject({ path: ["in", "lan"], rule: "tcp dport 8080 counter drop # handle 5", action: "drop" });
  });

  test("a router whose interfaces are known and whose answers pass: the ACCEPT that took the SYN decides", () => {
    const open = (syn: number) => parseSave(["*filter", ":FORWARD DROP [0:0]", "[0:0] -A FORWARD -i lan0 -o wan0 -m conntrack --ctstate ESTABLISHED -j ACCEPT", `[${syn}:60] -A FORWARD -i wan0 -o lan0 -p tcp -m tcp --dport 8080 -j ACCEPT`, "COMMIT", ""].join("\n"), "ipv4");
    expect(firstPacketDecision([{ host: "gw", protocol: "tcp", hooks: ["FORWARD"], replyHooks: ["FORWARD"], via: { in: "wan0", out: "lan0" }, before: open(0), after: open(1) }])).toMatchObject({ action: "accept", rule: "-A FORWARD -i wan0 -o lan0 -p tcp -m tcp --dport 8080 -j ACCEPT" });
  });
});

describe("a rule naming the probe's port one way only (tester 45a)", () => {
  // A router without interface matches: FORWARD sees the SYN, the answer and the last ACK alike.
  const forward = (rule: string, n: number) => parseSave(["*filter", `:FORWARD ACCEPT [${n}:60]`, `[${n}:40] ${rule}`, "COMMIT", ""].join("\n"), "ipv4");
  const hop = (rule: string) => ({ host: "gw", protocol: "tcp" as const, port: 7009, hooks: ["FORWARD" as const], replyHooks: ["FORWARD" as const], via: { in: "wan0", out: "lan0" }, before: forward(rule, 0), after: forward(rule, 1) });
  test.each([
    ["its destination port: a later packet going its way (the handshake's last ACK), not the answer", "-A FORWARD -p tcp -m tcp --dport 7009 --tcp-flags ACK ACK -j DROP", { later: true }],
    ["its source port: the answer", "-A FORWARD -p tcp -m tcp --sport 7009 -j DROP", { answer: true }],
  ])("%s", (_what, rule, marked) => {
    const d = firstPacketDecision([hop(rule)], { laterPackets: true });
    expect(d).toMatchObject({ rule, action: "drop", ...marked });
    expect(d?.answer === true).toBe("answer" in marked);
  });
});

test("a REJECT whose answer never came: an ICMP DROP on a router on the way back took it (tester 45a), not another protocol's rule", () => {
  const router = (icmp: number) => parseSave(["*filter", ":FORWARD ACCEPT [2:120]", `[${icmp}:56] -A FORWARD -p icmp -m icmp --icmp-type 3/3 -j DROP`, "COMMIT", ""].join("\n"), "ipv4");
  const server = (n: number) => parseSave(["*filter", ":INPUT ACCEPT [0:0]", `[${n}:60] -A INPUT -p tcp -m tcp --dport 7012 -j REJECT --reject-with icmp-port-unreachable`, "COMMIT", ""].join("\n"), "ipv4");
  const hops = [
    { host: "gw", protocol: "tcp" as const, port: 7012, hooks: ["FORWARD" as const], replyHooks: ["FORWARD" as const], via: { in: "wan0", out: "lan0" }, before: router(0), after: router(1) },
    { host: "server", protocol: "tcp" as const, port: 7012, hooks: ["INPUT" as const], replyHooks: ["OUTPUT" as const], before: server(0), after: server(1) },
  ];
  expect(firstPacketDecision(hops, { laterPackets: true, rejectAnswerLost: true })).toMatchObject({ host: "gw", rule: "-A FORWARD -p icmp -m icmp --icmp-type 3/3 -j DROP", answer: true });
  // Not a lost REJECT answer: an ICMP rule takes none of a TCP probe's packets.
  expect(firstPacketDecision(hops, { laterPackets: true })).toMatchObject({ host: "server", action: "reject" });
  // A REJECT that resets: its answer is TCP, no ICMP rule took it (reviewer).
  const resets = (n: number) => parseSave(["*filter", ":INPUT ACCEPT [0:0]", `[${n}:60] -A INPUT -p tcp -m tcp --dport 7012 -j REJECT --reject-with tcp-reset`, "COMMIT", ""].join("\n"), "ipv4");
  const resetting = [hops[0]!, { ...hops[1]!, before: resets(0), after: resets(1) }];
  expect(firstPacketDecision(resetting, { laterPackets: true, rejectAnswerLost: true })).toMatchObject({ host: "server", action: "reject" });
});

describe("crossesInterfaces", () => {
  test.each([
    ["-A FORWARD -i lan0 -o wan0 -j DROP", { in: "wan0", out: "lan0" }, false],
    ["-A FORWARD -i wan0 -o lan0 -j DROP", { in: "wan0", out: "lan0" }, true],
    ["-A FORWARD -i eth+ -j DROP", { in: "eth1" }, true],
    ["-A FORWARD -i eth+ -j DROP", { in: "wan0" }, false],
    ["-A INPUT ! -i lo -j DROP", { in: "lo", out: "lo" }, false],
    ["-A INPUT ! -i lo -j DROP", { in: "eth0" }, true],
    ["-A OUTPUT -o eth0 -j DROP", { out: "eth1" }, false],
    // Not known: admitted.
    ["-A FORWARD -i lan0 -j DROP", { out: "lan0" }, true],
    ["-A FORWARD -i lan0 -j DROP", undefined, true],
    ["-A INPUT -p tcp -j DROP", { in: "eth0" }, true],
  ] as const)("%s via %j: %s", (rule, via, crosses) => expect(crossesInterfaces(rule, via)).toBe(crosses));
});

describe("holdsDnat: only then are the hosts beyond a probed router read", () => {
  const nat = (rule: string) => parseSave(["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", rule, "COMMIT", ""].filter((l) => l !== "").join("\n"), "ipv4");
  test.each([
    ["a DNAT", "[0:0] -A PREROUTING -p tcp -m tcp --dport 8085 -j DNAT --to-destination 198.18.51.10:85", true],
    ["a REDIRECT keeps it on the host", "[0:0] -A PREROUTING -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080", false],
    ["no nat rule", "", false],
  ] as const)("%s", (_what, rule, want) => {
    expect(holdsDnat(nat(rule))).toBe(want);
  });
});
