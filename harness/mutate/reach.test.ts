/**
 * Mutants beyond the lab's reach (pure): which changed rules can match only
 * packets no lab carries (addresses outside the lab ranges, link-local or
 * multicast TCP/UDP, router advertisements, redirects without a router, type 0
 * routing headers, `lo` in a forward hook), per operator, and when the claim
 * is withheld (a counters check or a run step that could see it, a router
 * for redirects, reachable addresses, router solicitations).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import type { HostSpec } from "../model/types.ts";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";
import { beyondReach, reachClaims } from "./reach.ts";

const at = { file: "/p/s.yaml", line: 3, column: 1 };
const server: HostSpec = { name: "server", firewall: true, backend: "nft", listen: [] };
/** The address and interface arguments about forward hooks and FORWARD are made for a host that forwards. */
const router: HostSpec = { ...server, router: true };
const forwards = (source: RuleSource) => "content" in source && /hook forward|^-A FORWARD/m.test(source.content);

function scenario(source: RuleSource, more: readonly Step[] = [], hosts: readonly HostSpec[] = [forwards(source) ? router : server]): Scenario {
  return { file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2, hosts, steps: [{ kind: "apply", host: "server", sources: [source], location: at }, ...more] };
}

const nft = (rules: readonly string[], hook = "input"): RuleSource => ({
  kind: "nft", path: "/p/fw.nft",
  content: ["table inet filter {", "\tchain c {", `\t\ttype filter hook ${hook} priority filter; policy accept;`, ...rules.map((r) => `\t\t${r}`), "\t}", "}"].join("\n"),
});
const restore6 = (rules: readonly string[]): RuleSource => ({ kind: "restore", family: "ipv6", path: "/p/rules.v6", content: ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ...rules, "COMMIT"].join("\n") });
const restore4 = (rules: readonly string[]): RuleSource => ({ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: ["*filter", ":INPUT ACCEPT [0:0]", ...rules, "COMMIT"].join("\n") });

/** The reason (or undefined) for the mutant with this id. */
function reach(s: Scenario, operator: string, id: string): string | undefined {
  const m = mutantsOf(s, selectOperators([operator])).find((x) => x.id === id);
  if (!m) throw new Error(`no mutant ${id}: ${mutantsOf(s, selectOperators([operator])).map((x) => x.id).join(", ")}`);
  return beyondReach(m, s);
}

const SIX_TO_FOUR = "ip6 daddr { ::/96, ::ffff:0.0.0.0/96, 2002::/24, 2002:a00::/24 } reject with icmpv6 addr-unreachable";

describe("a changed rule that matches only packets the lab never carries", () => {
  test.each([
    // [what, source, operator, mutant id, reason contains (undefined: not beyond reach)]
    ["a destination set with ::/96 (it holds ::1) in an input hook", nft(["tcp dport 22 accept", SIX_TO_FOUR]), "delete", "delete@fw.nft:5", undefined],
    ["in a forward hook (no loopback packet is forwarded): delete", nft(["tcp dport 22 accept", SIX_TO_FOUR], "forward"), "delete", "delete@fw.nft:5", "IPv6 destinations in ::/96, ::ffff:0.0.0.0/96, 2002::/24, 2002:a00::/24: no lab packet has such a destination"],
    ["the same: drop-reject", nft([SIX_TO_FOUR], "forward"), "drop-reject", "drop-reject@fw.nft:4", "no loopback packet reaches the rule"],
    ["the same: move-end", nft([SIX_TO_FOUR, "tcp dport 22 accept"], "forward"), "move-end", "move-end@fw.nft:4", "2002::/24"],
    ["the same: swapped with a reachable neighbour", nft(["tcp dport 22 accept", SIX_TO_FOUR], "forward"), "swap", "swap@fw.nft:4", "order matters only for packets both match"],
    ["in an output hook behind `oifname \"lo\" accept`", nft(['oifname "lo" accept', SIX_TO_FOUR, "tcp dport 22 accept"], "output"), "delete", "delete@fw.nft:5", "2002::/24"],
    ["the same, swapped with the next rule", nft(['oifname "lo" accept', SIX_TO_FOUR, "tcp dport 22 accept"], "output"), "swap", "swap@fw.nft:5", "2002::/24"],
    ["the same, swapped with the lo accept (then ::1 meets it first)", nft(['oifname "lo" accept', SIX_TO_FOUR], "output"), "swap", "swap@fw.nft:4", undefined],
    ["in an output hook before `oifname \"lo\" accept`", nft([SIX_TO_FOUR, 'oifname "lo" accept'], "output"), "delete", "delete@fw.nft:4", undefined],
    ["a set element outside the lab removed (input hook)", nft([SIX_TO_FOUR]), "set-element", "set-element@fw.nft:4 -2002::/24", "the removed element's rule matches only IPv6 destinations in 2002::/24"],
    ["::/96 removed (it holds ::1)", nft([SIX_TO_FOUR]), "set-element", "set-element@fw.nft:4 -::/96", undefined],
    ["a destination set that holds a lab subnet", nft(["ip6 daddr { 2002::/24, 2001:db8:7::/64 } drop"]), "delete", "delete@fw.nft:4", undefined],
    ["its lab element removed", nft(["ip6 daddr { 2002::/24, 2001:db8:7::/64 } drop"]), "set-element", "set-element@fw.nft:4 -2001:db8:7::/64", undefined],
    ["a negated destination set", nft(["ip6 daddr != { 2002::/24 } drop"]), "delete", "delete@fw.nft:4", undefined],
    ["a named set", nft(["ip saddr @admins drop"]), "delete", "delete@fw.nft:4", undefined],
    ["::/96 as destination in a forward hook: `::` is a source only", nft(["ip6 daddr ::/96 drop"], "forward"), "delete", "delete@fw.nft:4", "IPv6 destinations in ::/96"],
    ["`::` as a source: DAD neighbour solicitations", nft(["ip6 saddr ::/96 drop"], "forward"), "delete", "delete@fw.nft:4", undefined],
    ["UDP to link-local", nft(["ip6 daddr fe80::/64 udp dport 546 accept"]), "accept-drop", "accept-drop@fw.nft:4", "TCP/UDP packets with IPv6 destinations in fe80::/64"],
    ["UDP to link-local: another port", nft(["ip6 daddr fe80::/64 udp dport 546 accept"]), "port", "port@fw.nft:4 dport 546→547", "fe80::/64"],
    ["link-local without TCP/UDP: neighbour discovery", nft(["ip6 daddr fe80::/64 accept"]), "delete", "delete@fw.nft:4", undefined],
    ["link-local sources of ICMPv6: MLD", restore6(["-A INPUT -s fe80::/10 -p ipv6-icmp -m icmp6 --icmpv6-type 130 -j ACCEPT"]), "delete", "delete@rules.v6:4", undefined],
    ["UDP link-local to link-local (ufw's DHCPv6)", restore6(["-A INPUT -s fe80::/10 -d fe80::/10 -p udp -m udp --sport 547 --dport 546 -j ACCEPT"]), "port", "port@rules.v6:4 --dport 546→547", "IPv6 sources in fe80::/10"],
    ["UDP to IPv4 multicast (mDNS)", restore4(["-A INPUT -d 224.0.0.251/32 -p udp -m udp --dport 5353 -j ACCEPT"]), "port", "port@rules.v4:3 --dport 5353→5354", "IPv4 destinations in 224.0.0.251/32"],
    ["UDP to IPv6 multicast (SSDP)", restore6(["-A INPUT -d ff02::f/128 -p udp -m udp --dport 1900 -j ACCEPT"]), "delete", "delete@rules.v6:4", "ff02::f/128"],
    ["IPv4 multicast without TCP/UDP: IGMP", restore4(["-A INPUT -d 224.0.0.251/32 -j ACCEPT"]), "delete", "delete@rules.v4:3", undefined],
    ["a negated destination", restore4(["-A INPUT ! -d 224.0.0.251/32 -p udp -j ACCEPT"]), "delete", "delete@rules.v4:3", undefined],
    ["a lab destination", restore4(["-A INPUT -d 198.18.4.0/24 -p udp -j ACCEPT"]), "delete", "delete@rules.v4:3", undefined],
    ["loopback", restore4(["-A INPUT -s 127.0.0.1 -p tcp -j ACCEPT"]), "delete", "delete@rules.v4:3", undefined],
    ["a swap with the mDNS rule (ufw-not-local)", restore4(["-A INPUT -j DROP", "-A INPUT -d 224.0.0.251/32 -p udp -m udp --dport 5353 -j ACCEPT"]), "swap", "swap@rules.v4:3", "224.0.0.251/32"],
    ["router advertisements accepted (nft)", nft(["icmpv6 type nd-router-advert accept"]), "accept-drop", "accept-drop@fw.nft:4", "router advertisements (134)"],
    ["router advertisements (ip6tables)", restore6(["-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 134 -m hl --hl-eq 255 -j ACCEPT"]), "delete", "delete@rules.v6:4", "router advertisements (134)"],
    ["router advertisement removed from an ND set", nft(["icmpv6 type { nd-router-advert, nd-neighbor-solicit } accept"], "prerouting"), "set-element", "set-element@fw.nft:4 -nd-router-advert", "router advertisements"],
    ["neighbour solicitation removed from it", nft(["icmpv6 type { nd-router-advert, nd-neighbor-solicit } accept"], "prerouting"), "set-element", "set-element@fw.nft:4 -nd-neighbor-solicit", undefined],
    ["redirects, no router in the scenario", nft(["icmpv6 type nd-redirect accept"]), "delete", "delete@fw.nft:4", "redirects (137)"],
    ["router solicitations: sent again and again while a scenario runs", restore6(["-A OUTPUT -p ipv6-icmp -m icmp6 --icmpv6-type 133 -m hl --hl-eq 255 -j ACCEPT"]), "delete", "delete@rules.v6:4", undefined],
    ["a type 0 routing header (ip6tables)", restore6(["-A INPUT -m rt --rt-type 0 -j DROP"]), "accept-drop", "accept-drop@rules.v6:4", "type 0 routing header"],
    ["a swap with it (ufw's `-i lo` first)", restore6(["-A INPUT -i lo -j ACCEPT", "-A INPUT -m rt --rt-type 0 -j DROP"]), "swap", "swap@rules.v6:4", "type 0 routing header"],
    ["a type 0 routing header (nft)", nft(["rt type 0 drop"]), "delete", "delete@fw.nft:4", "type 0 routing header"],
    ["`iifname lo` in a forward hook", nft(['iifname "lo" accept', "ct state invalid drop"], "forward"), "move-end", "move-end@fw.nft:4", "arrived on lo"],
    ["`iifname lo` in an input hook", nft(['iifname "lo" accept'], "input"), "delete", "delete@fw.nft:4", undefined],
    ["`-i lo` in FORWARD", restore6(["-A FORWARD -i lo -j ACCEPT"]), "delete", "delete@rules.v6:4", "arrived on lo"],
    ["a policy never", nft(["tcp dport 22 accept"]), "policy", "policy@fw.nft:3", undefined],
  ] as const)("%s", (_what, source, operator, id, reason) => {
    const why = reach(scenario(source), operator, id);
    if (reason === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(reason);
  });
});

describe("the claim is withheld when the scenario could see the rule or send other traffic", () => {
  const rules = nft([SIX_TO_FOUR], "forward");
  const run = (command: string[]): Step => ({ kind: "run", host: "server", command, exit: 0, contains: [], notContains: [], location: { ...at, line: 9 } }) as unknown as Step;
  const counters = (rule: string): Step => ({ kind: "counters", checks: [{ host: "server", families: ["ipv6"], selector: { kind: "text", rule }, packets: { op: ">=", value: 1 }, location: { ...at, line: 8 } }], location: { ...at, line: 8 } }) as unknown as Step;
  test.each([
    ["a run step that lists the rules", [run(["nft", "list", "ruleset"])], undefined],
    ["a counters check on the host (any nft selector sees the rule)", [counters("ip6 daddr")], undefined],
    ["a run step of an unknown program (it may send anything)", [run(["nc", "-u", "2002::1", "9"])], undefined],
    ["a ping to a lab host", [run(["ping", "-c", "1", "{{ remote.ipv6 }}"])], "2002::/24"],
    ["a ping to a lab literal", [run(["ping", "-c", "1", "2001:db8:1::2"])], "2002::/24"],
    ["a ping beyond the lab ranges", [run(["ping", "-c", "1", "2002::1"])], undefined],
    ["a quiet program on another host", [run(["ip", "-6", "route"])], "2002::/24"],
    ["a plain nmap scan of a lab address (43's XMAS probe)", [run(["nmap", "-6", "-n", "-Pn", "-sX", "-p", "23", "--max-retries", "1", "2001:db8:43::2"])], "2002::/24"],
    ["an nmap scan with a script (it may send anything, to anywhere)", [run(["nmap", "-6", "--script", "broadcast-dhcp6-discover", "2001:db8:43::2"])], undefined],
    ["an nmap scan with a spoofed source", [run(["nmap", "-6", "-S", "2002::1", "2001:db8:43::2"])], undefined],
  ] as const)("%s", (_what, steps, reason) => {
    const s = scenario(rules, steps as unknown as Step[]);
    const why = reach(s, "delete", "delete@fw.nft:4");
    if (reason === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(reason);
  });

  test("a mutant run because a check reads its rule, with every check held: the packet argument alone decides", () => {
    const s = scenario(rules, [counters("ip6 daddr")]);
    const m = mutantsOf(s, selectOperators(["delete"])).find((x) => x.id === "delete@fw.nft:4")!;
    expect(reachClaims(s)(m)).toBeUndefined();
    expect(reachClaims(s, true)(m)).toContain("2002::/24");
    // A run step that may send anything still withholds it.
    const noisy = scenario(rules, [counters("ip6 daddr"), run(["nc", "2002::1", "9"])]);
    expect(reachClaims(noisy, true)(mutantsOf(noisy, selectOperators(["delete"])).find((x) => x.id === "delete@fw.nft:4")!)).toBeUndefined();
  });

  test("redirects are claimed only where no host of the scenario routes", () => {
    const s = scenario(nft(["icmpv6 type nd-redirect accept"]), [], [{ ...server, router: true }]);
    expect(reach(s, "delete", "delete@fw.nft:4")).toBeUndefined();
    expect(reach(scenario(nft(["icmpv6 type nd-redirect accept"])), "delete", "delete@fw.nft:4")).toContain("137");
  });
});

describe("address claims are withheld when the lab may carry other addresses (NAT, added addresses and routes)", () => {
  const rules = nft([SIX_TO_FOUR], "forward");
  const apply = (source: RuleSource): Step => ({ kind: "apply", host: "server", sources: [source], location: { ...at, line: 7 } });
  const run = (command: string): Step => ({ kind: "run", host: "server", command: command.split(" "), exit: 0, contains: [], notContains: [], location: { ...at, line: 9 } }) as unknown as Step;
  const nat4 = (rule: string) => apply({ kind: "restore", family: "ipv4", path: "/p/nat.v4", content: ["*nat", ":PREROUTING ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", rule, "COMMIT"].join("\n") });
  const nat6 = (rule: string) => apply({ kind: "restore", family: "ipv6", path: "/p/nat.v6", content: ["*nat", ":PREROUTING ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", rule, "COMMIT"].join("\n") });
  const nftNat = (rule: string) => apply({ kind: "nft", path: "/p/nat.nft", content: ["table inet nat {", "\tchain pre {", "\t\ttype nat hook prerouting priority dstnat;", `\t\t${rule}`, "\t}", "}"].join("\n") });
  const claimed = "2002::/24";
  test.each([
    // [what, extra steps, reason contains (undefined: withheld)]
    ["DNAT to an address outside the lab", [nat4("-A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:80")], undefined],
    ["DNAT to a lab address", [nat4("-A PREROUTING -p tcp -j DNAT --to-destination 198.18.4.2:80")], claimed],
    ["DNAT to a lab host's placeholder", [nat4("-A PREROUTING -p tcp -j DNAT --to-destination {{ remote.ipv4 }}:80")], claimed],
    ["SNAT (ip6tables) to 6to4", [nat6("-A POSTROUTING -j SNAT --to-source 2002::1")], undefined],
    ["SNAT to a range leaving the lab", [nat4("-A POSTROUTING -j SNAT --to-source 198.18.4.2-10.0.0.1")], undefined],
    ["NETMAP", [nat4("-A PREROUTING -j NETMAP --to 10.0.0.0/24")], undefined],
    ["MASQUERADE (no address named)", [nat6("-A POSTROUTING -o eth0 -j MASQUERADE")], undefined],
    ["nft dnat outside the lab", [nftNat("dnat ip6 to [2002::1]:80")], undefined],
    ["nft dnat to a lab address", [nftNat("tcp dport 80 dnat ip to 198.18.4.2:8080")], claimed],
    ["nft dnat through a map", [nftNat("dnat ip to ip daddr map { 198.18.4.2 : 198.18.4.3 }")], undefined],
    ["nft snat outside the lab", [nftNat("snat to 10.0.0.1")], undefined],
    ["nft masquerade", [nftNat("masquerade")], undefined],
    ["nft `ip6 daddr set` outside the lab", [nftNat("ip6 daddr set 2002::1")], undefined],
    ["nft `ip6 daddr set` to a lab address", [nftNat("ip6 daddr set 2001:db8:4::2")], claimed],
    ["nft raw payload write", [nftNat("@nh,128,32 set 0x0a000001")], undefined],
    ["`ct status dnat` is a match, no rewrite", [nftNat("ct status dnat accept")], claimed],
    ["a script's heredoc with a dnat", [apply({ kind: "script", path: "/p/nat.sh", content: "nft -f - <<EOF\ntable ip nat { chain pre { type nat hook prerouting priority dstnat; dnat to 10.0.0.1; } }\nEOF\n" })], undefined],
    ["commands adding an address", [apply({ kind: "commands", commands: [["ip", "addr", "add", "10.9.9.9/24", "dev", "eth0"]] })], undefined],
    ["run: ip addr add outside the lab", [run("ip addr add 10.9.9.9/24 dev eth0")], undefined],
    ["run: ip -6 a add (abbreviated) outside the lab", [run("ip -6 a add 2002::1/64 dev eth0")], undefined],
    ["run: ip address replace inside the lab", [run("ip address replace 198.18.9.9/24 dev eth0")], claimed],
    ["run: ip route add outside the lab", [run("ip route add 10.0.0.0/8 via 198.18.1.1")], undefined],
    ["run: ip r change inside the lab", [run("ip -6 r change 2001:db8:9::/64 via 2001:db8:1::1")], claimed],
    ["run: ip link add of a tunnel to outside the lab", [run("ip link add vx0 type vxlan id 1 remote 10.0.0.1 dstport 4789")], undefined],
    ["run: ip link add of a dummy (no address)", [run("ip link add d0 type dummy")], claimed],
    ["run: ip -batch (commands not shown)", [run("ip -batch /tmp/cmds")], undefined],
    ["run: ping from an address outside the lab", [run("ping -c 1 -I 2002::1 2001:db8:1::2")], undefined],
    ["run: ping from a lab address", [run("ping -c 1 -I 2001:db8:1::5 2001:db8:1::2")], claimed],
    ["run: ping from an interface", [run("ping -c 1 -I eth0 2001:db8:1::2")], claimed],
    ["run: iptables adding a DNAT outside the lab", [run("iptables -t nat -A PREROUTING -j DNAT --to-destination 10.0.0.1")], undefined],
    ["run: nft adding a dnat outside the lab", [run("nft add rule ip nat pre dnat to 10.0.0.1")], undefined],
    ["run: nft -f (rules not shown)", [run("nft -f /tmp/more.nft")], undefined],
  ] as const)("%s", (_what, steps, reason) => {
    const s = scenario(rules, steps as unknown as Step[]);
    // ran: every check held, so the packet argument alone decides (no step reading the rules withholds it).
    const why = reachClaims(s, true)(mutantsOf(s, selectOperators(["delete"])).find((x) => x.id === "delete@fw.nft:4")!);
    if (reason === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(reason);
  });

  test("reasons that rest on no address stay: a type 0 routing header, lo in FORWARD", () => {
    const dnat = nat6("-A PREROUTING -j DNAT --to-destination 2002::1");
    expect(reach(scenario(restore6(["-A INPUT -m rt --rt-type 0 -j DROP"]), [dnat]), "delete", "delete@rules.v6:4")).toContain("type 0 routing header");
    expect(reach(scenario(restore6(["-A FORWARD -i lo -j ACCEPT"]), [dnat]), "delete", "delete@rules.v6:4")).toContain("arrived on lo");
  });
});

describe("the forward path of a host that forwards nothing in the lab", () => {
  const fwd = (rules: readonly string[]) => nft(rules, "forward");
  const sysctl = (host: string): Step => ({ kind: "run", host, command: ["sysctl", "-w", "net.ipv4.ip_forward=1"], exit: 0, contains: [], notContains: [], location: { ...at, line: 9 } }) as unknown as Step;
  const other: HostSpec = { name: "other", firewall: false, backend: "nft", listen: [] };
  test.each([
    // [what, source, operator, mutant id, hosts, more steps, reason contains (undefined: not claimed)]
    ["a forward hook's policy, no router", fwd(["tcp dport 22 accept"]), "policy", "policy@fw.nft:3", [server], [], "its policy is in a forward hook (chain c) of server, which forwards nothing"],
    ["a forward hook's rule, no router", fwd(["tcp dport 22 accept"]), "delete", "delete@fw.nft:4", [server], [], "declare it `router: true`"],
    ["the same rule, the host a router", fwd(["tcp dport 22 accept"]), "delete", "delete@fw.nft:4", [router], [], undefined],
    ["the same policy, the host a router", fwd(["tcp dport 22 accept"]), "policy", "policy@fw.nft:3", [router], [], undefined],
    ["another host routes, not this one", fwd(["tcp dport 22 accept"]), "delete", "delete@fw.nft:4", [server, { ...other, router: true }], [], "of server, which forwards nothing"],
    ["a run step switches forwarding on for the host", fwd(["tcp dport 22 accept"]), "delete", "delete@fw.nft:4", [server, other], [sysctl("server")], undefined],
    ["a quiet run step on the host", fwd(["tcp dport 22 accept"]), "delete", "delete@fw.nft:4", [server], [{ ...(sysctl("server") as object), command: ["ip", "-6", "route"] }], "of server"],
    ["an input hook's policy: never", nft(["tcp dport 22 accept"]), "policy", "policy@fw.nft:3", [server], [], undefined],
    ["iptables FORWARD, no router", restore4([":FORWARD DROP [0:0]", "-A FORWARD -p tcp --dport 22 -j ACCEPT"]), "accept-drop", "accept-drop@rules.v4:4", [server], [], "its rule is in the FORWARD chain of server"],
    ["iptables FORWARD swapped with INPUT? no: only lines all in the forward path", restore4(["-A INPUT -p tcp --dport 80 -j ACCEPT", "-A FORWARD -p tcp --dport 22 -j ACCEPT"]), "delete", "delete@rules.v4:3", [server], [], undefined],
  ] as const)("%s", (_what, source, operator, id, hosts, steps, reason) => {
    const why = reach(scenario(source, steps as unknown as Step[], hosts), operator, id);
    if (reason === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(reason);
  });

  test("a script that switches forwarding on keeps the claim off", () => {
    const script: RuleSource = { kind: "script", path: "/p/fw.sh", content: "sysctl -w net.ipv4.ip_forward=1\niptables -A FORWARD -p tcp --dport 22 -j ACCEPT\n" };
    const s = scenario(script, [], [server]);
    expect(reach(s, "delete", "delete@fw.sh:2")).toBeUndefined();
    const quiet: RuleSource = { kind: "script", path: "/p/fw.sh", content: "iptables -A FORWARD -p tcp --dport 22 -j ACCEPT\n" };
    expect(reach(scenario(quiet, [], [server]), "delete", "delete@fw.sh:1")).toContain("FORWARD chain of server");
  });
});

describe("the shipped generated rulesets (issue 17's survivors)", () => {
  const fixtures = path.join(import.meta.dirname, "../../fixtures/generated");
  // As generated on a machine that routes nothing: the host is no router.
  const firewalld = scenario({ kind: "nft", path: path.join(fixtures, "firewalld.nft"), content: readFileSync(path.join(fixtures, "firewalld.nft"), "utf8") }, [], [server]);
  const ufw = scenario({ kind: "restore", family: "ipv6", path: path.join(fixtures, "ufw.rules.v6"), content: readFileSync(path.join(fixtures, "ufw.rules.v6"), "utf8") });
  const all = (s: Scenario) => {
    const claim = reachClaims(s);
    return mutantsOf(s).filter((m) => claim(m) !== undefined).map((m) => m.id);
  };

  test("firewalld.nft: the 6to4/mapped reject rules, UDP to link-local, `lo` in FORWARD, router advertisements and redirects", () => {
    const ids = all(firewalld);
    for (const id of ["delete@firewalld.nft:89", "drop-reject@firewalld.nft:98", "move-end@firewalld.nft:89", "swap@firewalld.nft:89", "swap@firewalld.nft:98", "set-element@firewalld.nft:98 -2002::/24", "delete@firewalld.nft:153", "accept-drop@firewalld.nft:87", "swap@firewalld.nft:87", "set-element@firewalld.nft:69 -nd-router-advert", "delete@firewalld.nft:282", "accept-drop@firewalld.nft:283"]) expect(ids).toContain(id);
    expect(ids).not.toContain("set-element@firewalld.nft:69 -nd-neighbor-solicit");
    // 97 `oifname "lo" accept` swapped with 98: ::1 then meets the reject (s6 killed it).
    expect(ids).not.toContain("swap@firewalld.nft:97");
    // ::/96 holds ::1, but every ::1 packet in filter_OUTPUT was accepted by 97 already.
    expect(ids).toContain("set-element@firewalld.nft:98 -::/96");
    // Policies only by the forward argument: filter_FORWARD's (the host routes nothing), never input's or output's.
    expect(ids.filter((id) => id.startsWith("policy@"))).toEqual(["policy@firewalld.nft:84"]);
  });

  test("ufw.rules.v6: multicast and link-local UDP, routing header type 0 swaps; router solicitations stay reachable", () => {
    const ids = all(ufw);
    for (const id of ["port@ufw.rules.v6:102 --dport 546→547", "port@ufw.rules.v6:103 --dport 5353→5354", "port@ufw.rules.v6:104 --dport 1900→1901", "swap@ufw.rules.v6:72", "swap@ufw.rules.v6:106"]) expect(ids).toContain(id);
    expect(ids).not.toContain("delete@ufw.rules.v6:115");
    expect(ids).not.toContain("accept-drop@ufw.rules.v6:115");
    expect(ids).not.toContain("delete@ufw.rules.v6:113"); // echo requests (128)
  });
});
