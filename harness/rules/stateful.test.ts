import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import type { Via } from "./first-packet-text.ts";
import type { ProbePacket } from "./packet-match.ts";
import { parseSave, type SavedRule, type SavedRuleset } from "./saved.ts";
import { meetsPacket, meetsPorts, probeVaryingRule, recordingChains, rewritesPorts, varyingPart, varyingRule, waitedNote } from "./stateful.ts";

const ipt = (text: string, chain = "INPUT"): SavedRule => {
  const target = / -[jg] (\S+)/.exec(text)?.[1] ?? null;
  return { family: "ipv4", table: "filter", chain, position: 1, packets: 0, bytes: 0, text, target, comment: null };
};
const nft = (text: string, chain = "input"): SavedRule => {
  const verdict = /(?:^|\s)(accept|drop|reject|return)(?:\s|$)/.exec(text)?.[1];
  const jump = /(?:^|\s)(?:jump|goto) (\S+)/.exec(text)?.[1];
  return { family: "ipv4", table: "inet f", chain, position: 1, packets: 0, bytes: 0, text, target: jump ?? (verdict ? verdict.toUpperCase() : null), comment: null, handle: 4, counts: true };
};

describe("varyingPart: what makes a rule answer by earlier packets", () => {
  test.each([
    ["-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m limit --limit 1/sec --limit-burst 1 -j ACCEPT", "-m limit"],
    ["-A INPUT -p tcp -m hashlimit --hashlimit-above 5/sec --hashlimit-name ssh -j DROP", "-m hashlimit"],
    ["-A INPUT -p tcp -m tcp --dport 22 -m recent --set --name SSH --rsource", "--set"],
    ["-A INPUT -p tcp -m tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 --name SSH --rsource -j DROP", "--update"],
    ["-A INPUT -p tcp -m connlimit --connlimit-above 2 --connlimit-mask 32 -j REJECT --reject-with tcp-reset", "-m connlimit"],
    ["-A INPUT -m statistic --mode random --probability 0.5 -j DROP", "-m statistic"],
    ["-A INPUT -p tcp -j SET --add-set seen src", "-j SET"],
    ["-A INPUT -m quota --quota 1000 -j ACCEPT", "-m quota"],
    ["-A INPUT -p tcp -m tcp --dport 8080 -j DROP", undefined],
    ["-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", undefined],
    ["-A INPUT -p tcp -m comment --comment \"-m limit here\" -j DROP", undefined],
    ["-A INPUT -j CONNMARK --set-mark 1", undefined],
    ["-A INPUT -m set --match-set blocked src -j DROP", undefined],
  ])("iptables %s: %s", (text, part) => {
    expect(varyingPart(ipt(text))).toBe(part);
  });

  test.each([
    ["tcp dport 22 ct state new limit rate 1/second burst 1 packets counter accept", "limit"],
    ["update @seen4 { ip saddr } counter drop", "update @seen4"],
    ["add @blocked { ip saddr timeout 1m }", "add @blocked"],
    ["ip saddr ct count over 2 reject", "ct count"],
    ["numgen random mod 2 vmap { 0 : accept, 1 : drop }", "numgen"],
    ["quota over 1 mbytes drop", "quota"],
    ["tcp dport 22 meter ssh { ip saddr limit rate 3/minute } accept", "meter"],
    ["tcp dport 22 ct state new xt match recent counter packets 0 bytes 0 jump ufw-user-limit", "xt match recent"],
    ["tcp dport 22 ct state new xt match \"recent\" counter packets 0 bytes 0 jump ufw-user-limit", "xt match recent"],
    ["ip saddr @seen4 accept", undefined],
    ["tcp dport 8080 counter drop comment \"ssh rate limit\"", undefined],
  ])("nft %s: %s", (text, part) => {
    expect(varyingPart(nft(text))).toBe(part);
  });
});

/**
 * A reading as fwspec's readers give it: iptables lists its built-in chains
 * (with a policy) and user chains (policy null); a native nft reading lists its
 * base chains only, its regular chains appear in their rules alone.
 */
const ruleset = (rules: SavedRule[], userChains: [string, string][] = []): SavedRuleset => {
  const user = new Set(userChains.map(([t, c]) => `${t}\0${c}`));
  const base = [...new Set(rules.map((r) => `${r.table}\0${r.chain}`))].filter((k) => !user.has(k)).map((k) => k.split("\0") as [string, string]);
  return {
    family: "ipv4",
    chains: [
      ...base.map(([table, chain]) => ({ table, chain, policy: "ACCEPT", packets: 0, bytes: 0 })),
      ...userChains.filter(([t]) => !t.includes(" ")).map(([table, chain]) => ({ table, chain, policy: null, packets: 0, bytes: 0 })),
    ],
    rules,
  };
};
const on = (rs: SavedRuleset) => new Map([["server", rs]]);
const packet = (dport: number): Omit<ProbePacket, "loopback"> => ({ family: "ipv4", protocol: "tcp", dport });

describe("varyingRule: only where the verdict can differ", () => {
  test("a recent list in a chain only port 22 jumps to (the classic SSH guard): met by probes of 22 alone, its ports those of the jump", () => {
    const guard = ruleset([
      ipt("-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j SSH"),
      ipt("-A SSH -m recent --set --name SSH --rsource", "SSH"),
      ipt("-A SSH -m recent --update --seconds 60 --hitcount 4 --name SSH --rsource -j DROP", "SSH"),
    ], [["filter", "SSH"]]);
    expect(varyingRule(on(guard), meetsPacket(packet(8080)))).toBeUndefined();
    expect(varyingRule(on(guard), meetsPacket(packet(22)))?.ports).toEqual([[22, 22]]);
    expect(varyingRule(on(guard), meetsPorts(8000, 8100))).toBeUndefined();
    expect(varyingRule(on(guard), meetsPorts(1, 1024))?.ports).toEqual([[22, 22]]);
  });

  test("a greylist chain a port-keyed verdict map jumps to: a sweep's ports are the map's keys (tester 39b), a named map's any", () => {
    const grey = [nft("ip saddr @seen4 accept", "grey"), nft("add @seen4 { ip saddr } counter drop", "grey")];
    const keyed = ruleset([nft("tcp dport vmap { 80 : jump grey, 22 : accept, 8000-8010 : goto grey }"), ...grey], [["inet f", "grey"]]);
    expect(varyingRule(on(keyed), meetsPorts(79, 81))?.ports).toEqual([[80, 80], [8000, 8010]]);
    const named = ruleset([nft("tcp dport vmap @m"), ...grey], [["inet f", "grey"]]);
    expect(varyingRule(on(named), meetsPorts(79, 81))?.ports).toBeUndefined();
    expect(varyingRule(on(named), meetsPorts(79, 81))).toBeDefined();
  });

  test("native nft: a limit jumping to a regular chain that only logs changes nothing (regular chains appear in their rules only)", () => {
    const logdrop = ruleset([nft("tcp dport 8080 limit rate 3/minute jump logdrop"), nft("log prefix \"x \"", "logdrop"), nft("tcp dport 8080 drop")], [["inet f", "logdrop"]]);
    expect(logdrop.chains.map((c) => c.chain)).toEqual(["input"]);
    expect(recordingChains(logdrop)).toContain("inet f\0logdrop");
    expect(varyingRule(on(logdrop), meetsPorts(8000, 8100))).toBeUndefined();
  });

  test.each([
    ["a rate-limited ACCEPT before a DROP", [ipt("-A INPUT -p tcp -m limit --limit 1/sec -j ACCEPT"), ipt("-A INPUT -p tcp -j DROP")], [], "-m limit"],
    ["a rate limit that only logs", [ipt("-A INPUT -m limit --limit 1/sec -j LOG --log-prefix \"x \""), ipt("-A INPUT -j NFLOG")], [], undefined],
    ["a rate limit without target", [ipt("-A INPUT -m limit --limit 1/sec")], [], undefined],
    ["a rate limit jumping to a chain that only logs and returns (ufw)", [ipt("-A INPUT -m limit --limit 3/min -j ufw-logging-deny"), ipt("-A ufw-logging-deny -m conntrack --ctstate INVALID -m limit --limit 3/min -j RETURN", "ufw-logging-deny"), ipt("-A ufw-logging-deny -m limit --limit 3/min -j LOG", "ufw-logging-deny")], [["filter", "ufw-logging-deny"]], undefined],
    ["a rate limit jumping to a chain that rejects", [ipt("-A INPUT -m limit --limit 3/min -j lim"), ipt("-A lim -j REJECT", "lim")], [["filter", "lim"]], "-m limit"],
    ["a recent list a rule fills, with no verdict of its own", [ipt("-A INPUT -p tcp -m recent --set --name x")], [], "--set"],
  ] as const)("%s", (_, rules, chains, part) => {
    expect(varyingRule(on(ruleset([...rules], chains.map(([t, c]) => [t, c]))))?.part).toBe(part);
  });

  test.each([
    ["a native limit that only logs", [nft("limit rate 3/minute burst 10 packets counter log prefix \"[UFW BLOCK] \"")], [], undefined],
    ["a native limit returning from a logging chain", [nft("ct state invalid limit rate 3/minute return", "log"), nft("limit rate 3/minute log", "log"), nft("limit rate 3/minute jump log")], [["inet f", "log"]], undefined],
    ["a native limit that accepts", [nft("tcp dport 22 limit rate 1/second accept"), nft("tcp dport 22 drop")], [], "limit"],
    ["a verdict map by chance", [nft("numgen random mod 2 vmap { 0 : accept, 1 : drop }")], [], "numgen"],
    ["greylisting", [nft("ip saddr @seen4 accept"), nft("update @seen4 { ip saddr } counter drop")], [], "update @seen4"],
  ] as const)("%s", (_, rules, chains, part) => {
    expect(varyingRule(on(ruleset([...rules], chains.map(([t, c]) => [t, c]))))?.part).toBe(part);
  });

  test("a probe of another port or protocol does not meet a rate limit, iptables or native; where ports are rewritten, every port may", () => {
    const limited = ruleset([ipt("-A INPUT -p tcp -m tcp --dport 22 -m limit --limit 1/sec -j ACCEPT"), ipt("-A INPUT -p tcp -j DROP")]);
    expect(varyingRule(on(limited), meetsPacket(packet(8080)))).toBeUndefined();
    expect(varyingRule(on(limited), meetsPacket(packet(22)))?.part).toBe("-m limit");
    expect(varyingRule(on(limited), meetsPacket(packet(8080), false))?.part).toBe("-m limit");
    const native = ruleset([nft("tcp dport 22 limit rate 1/second accept"), nft("icmp type echo-request limit rate 5/second accept"), nft("tcp dport { 80, 8000-8002 } ct state new limit rate 50/second accept")]);
    expect(varyingRule(on(native), meetsPacket(packet(8080)))).toBeUndefined();
    expect(varyingRule(on(native), meetsPacket(packet(22)))?.rule.text).toBe("tcp dport 22 limit rate 1/second accept");
    expect(varyingRule(on(native), meetsPacket(packet(8001)))?.rule.text).toBe("tcp dport { 80, 8000-8002 } ct state new limit rate 50/second accept");
    expect(varyingRule(on(native), meetsPacket({ family: "ipv4", protocol: "udp", dport: 22 }))).toBeUndefined();
    // A reject statement naming ICMP is no ICMP match.
    expect(varyingRule(on(ruleset([nft("tcp dport 9 limit rate 1/second reject with icmp type host-prohibited")])), meetsPacket(packet(9)))?.part).toBe("limit");
    // Whether the probe crosses loopback is not judged: a rule on lo may meet it.
    expect(varyingRule(on(ruleset([ipt("-A INPUT -i lo -p tcp -m limit --limit 1/sec -j ACCEPT")])), meetsPacket(packet(8080)))?.part).toBe("-m limit");
  });

  test.each([
    [20, 24, "-m limit"],
    [8000, 8100, undefined],
    [1, 21, undefined],
    [22, 22, "-m limit"],
    [27, 27, "-m limit"],
    [31, 100, undefined],
  ])("a sweep of %i-%i and a rule limiting --dport 22 and --dports 25,26:30: %s", (first, last, part) => {
    const rs = ruleset([ipt("-A INPUT -p tcp -m tcp --dport 22 -m limit --limit 1/sec -j ACCEPT"), ipt("-A INPUT -p tcp -m multiport --dports 25,26:30 -m limit --limit 1/sec -j ACCEPT")]);
    expect(varyingRule(on(rs), meetsPorts(first, last))?.part).toBe(part);
  });

  test("ufw as generated: its logging limits change nothing; its `limit ssh` rules vary for port 22 only", () => {
    const v4 = parseSave(readFileSync(join(PROJECT_ROOT, "fixtures/generated/ufw.rules.v4"), "utf8"), "ipv4");
    expect(recordingChains(v4)).toContain("filter\0ufw-logging-deny");
    expect(varyingRule(on(v4), meetsPacket(packet(80)))).toBeUndefined();
    expect(varyingRule(on(v4), meetsPacket(packet(22)))?.part).toBe("--set");
    expect(varyingRule(on(v4), meetsPorts(23, 1024))).toBeUndefined();
  });

  test("a native rule is named as written, without its handle", () => {
    const v = varyingRule(on(ruleset([nft("tcp dport 22 limit rate 1/second accept # handle 2")])))!;
    expect(waitedNote(v)).toContain("server's rule `tcp dport 22 limit rate 1/second accept` (limit)");
  });

  test("the note says why a probe waited", () => {
    const v = varyingRule(on(ruleset([nft("ip saddr @seen4 accept"), nft("update @seen4 { ip saddr } counter drop")])))!;
    expect(waitedNote(v)).toBe("not decided early: server's rule `update @seen4 { ip saddr } counter drop` (update @seen4) answers by what came before, so a retransmitted packet may be let through; the probe ran to its own end");
  });
});

describe("rewritesPorts", () => {
  const nat = (text: string): SavedRule => ({ ...ipt(text), table: "nat", chain: "PREROUTING" });
  test.each<[string, SavedRule, boolean]>([
    ["the engine's embedded DNS", nat("-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:46079"), false],
    ["a port forward", nat("-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.1.3:80"), true],
    ["a redirect", nat("-A PREROUTING -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8080"), true],
    ["native dnat", { ...nft("tcp dport 8080 dnat ip to 198.18.1.3:80"), chain: "prerouting" }, true],
    ["a filter rule", ipt("-A INPUT -p tcp -j ACCEPT"), false],
  ])("%s: %s", (_, rule, rewrites) => {
    expect(rewritesPorts(on(ruleset([rule])))).toBe(rewrites);
  });
});

describe("probeVaryingRule: the probe's packet, its port judged unless the path rewrites ports", () => {
  const limit = ipt("-A INPUT -p tcp -m tcp --dport 80 -m limit --limit 5/sec -j ACCEPT");
  const forward = { ...ipt("-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 198.18.1.3:80"), table: "nat", chain: "PREROUTING" };
  test.each<[string, SavedRule[], number, boolean]>([
    ["a limit on port 80 and a probe of 8080: not met", [limit], 8080, false],
    ["a limit on port 80 and a probe of 80: met", [limit], 80, true],
    ["a DNAT on the path: 8080 may become 80, so the limit is met", [forward, limit], 8080, true],
    ["another protocol's limit is never met", [ipt("-A INPUT -p udp -m limit --limit 5/sec -j ACCEPT")], 8080, false],
    // The answer's rules (reviewer 39): its state, addresses and source ports not judged; its destination ports only
    // where they leave out every local port (32768-60999), where an answer goes.
    ["a limit on another port behind an interface match: not met (no answer goes to 8082)", [ipt("-A INPUT -i eth0 -p tcp -m tcp --dport 8082 -m recent --name g --rcheck -j ACCEPT")], 8081, false],
    ["an answer's rule: ESTABLISHED from the server's port, no interface named: met", [ipt("-A FORWARD -p tcp -m tcp --sport 8081 -m conntrack --ctstate ESTABLISHED -m recent --name r --rcheck -j ACCEPT", "FORWARD")], 8081, true],
    ["an answer's rule on the local ports: met", [ipt("-A OUTPUT -p tcp -m tcp --dport 32768:60999 -m recent --name r --rcheck -j ACCEPT", "OUTPUT")], 8081, true],
    ["a native answer's rule on the local ports: met", [nft("ip daddr 198.18.0.7 tcp dport 32768-60999 limit rate 1/second accept")], 8081, true],
    ["a limit on its port behind an interface match: met", [ipt("-A INPUT ! -i lo -p tcp -m tcp --dport 8081 -m recent --name g --rcheck -j ACCEPT")], 8081, true],
  ])("%s", (_, rules, dport, met) => {
    expect(probeVaryingRule(on(ruleset(rules)), { family: "ipv4", protocol: "tcp", dport }) !== undefined).toBe(met);
  });

  // A chain reached only through a verdict map (tester 39a): its greylist is met, as through a plain jump.
  const grey = [nft("ip saddr @seen4 accept", "grey"), nft("add @seen4 { ip saddr } counter drop", "grey")];
  test.each<[string, SavedRule, boolean]>([
    ["a port map", nft("tcp dport vmap { 80 : jump grey, 22 : accept }"), true],
    ["an interface map on port 80", nft('tcp dport 80 iifname vmap { "ens18" : jump grey, "ens19" : drop }'), true],
    ["a concatenated map", nft('iifname . tcp dport vmap { "ens18" . 80 : jump grey }'), true],
    ["a named map (its elements not in the rule)", nft("tcp dport 80 iifname vmap @m"), true],
    ["a map by protocol, then a jump by port (reviewer 39)", nft("meta l4proto vmap { tcp : jump grey }"), true],
    ["a map on another port", nft('tcp dport 22 iifname vmap { "ens18" : jump grey }'), false],
    ["a map that jumps elsewhere", nft('tcp dport 80 iifname vmap { "ens18" : jump other }'), false],
  ])("through a verdict map: %s", (_, rule, met) => {
    const rs = ruleset([rule, ...grey, nft("tcp dport 80 counter drop")], [["inet f", "grey"], ["inet f", "other"]]);
    expect(probeVaryingRule(on(rs), { family: "ipv4", protocol: "tcp", dport: 80 }, () => ({ in: "ens18" })) !== undefined).toBe(met);
  });

  // Tester 43a: a rate limit in a chain only a verdict map's 8080 element jumps to held up every drop on the host.
  // A verdict map has no verdict of its own (nft-json.ts targetOf): target null, as read from nft.
  const web43 = [{ ...nft("tcp dport vmap { 22 : accept, 25 : drop, 8080 : jump web_in }"), target: null }, nft("limit rate 50/second accept", "web_in")];
  test.each<[string, number, boolean]>([
    ["the port its element sends there: met", 8080, true],
    ["a port the map drops: not met", 25, false],
    ["a port the map does not name: not met", 3000, false],
  ])("a chain only a verdict map's element reaches: %s", (_, dport, met) => {
    expect(probeVaryingRule(on(ruleset(web43, [["inet f", "web_in"]])), { family: "ipv4", protocol: "tcp", dport }) !== undefined).toBe(met);
  });

  // As a production web server's rules (scenarios/addresses/24-web-server.yaml): the web ports rate-limited in a
  // chain only packets in on ens18 reach; a probe arriving on ens19 never meets the limit, so a DROP taking its first
  // packet decides (the interfaces are those the packet crosses, probes/path-interfaces.ts).
  const web = ipt("-A WEB -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -m limit --limit 50/sec -j ACCEPT", "WEB");
  const jump = (i: string) => ipt(`-A INPUT -i ${i} -p tcp -m multiport --dports 80,443 -j WEB`);
  test.each<[string, SavedRule[], Via | undefined, boolean]>([
    ["reached only from ens18, the packet in on ens19: not met", [jump("ens18"), web], { in: "ens19" }, false],
    ["reached from ens18, the packet in on ens18: met", [jump("ens18"), web], { in: "ens18" }, true],
    ["reached from ens+ (a wildcard), in on ens19: met", [jump("ens+"), web], { in: "ens19" }, true],
    ["reached from anything but ens18 (`! -i`), in on ens19: met", [{ ...jump("ens18"), text: "-A INPUT ! -i ens18 -p tcp -m multiport --dports 80,443 -j WEB" }, web], { in: "ens19" }, true],
    ["the interface not known: met", [jump("ens18"), web], undefined, true],
    ["the limit's own -i names another interface: not met", [{ ...ipt("-A INPUT -i ens18 -p tcp -m tcp --dport 80 -m limit --limit 5/sec -j ACCEPT") }], { in: "ens19" }, false],
    ["an -o on the way in is not judged (the answer's way out is not known here): met", [ipt("-A OUTPUT -o ens18 -p tcp -m limit --limit 5/sec -j ACCEPT", "OUTPUT")], { in: "ens19" }, true],
    // A router (reviewer 39): the probe in on wan0 and out on dmz0; its answer in on dmz0 and out on wan0.
    ["a router's rule for the answer (in dmz0, out wan0): met", [ipt("-A FORWARD -i dmz0 -o wan0 -p tcp -m recent --name r --rcheck -j ACCEPT", "FORWARD")], { in: "wan0", out: "dmz0" }, true],
    ["a router's rule for neither way (in lan1): not met", [ipt("-A FORWARD -i lan1 -o wan0 -p tcp -m recent --name r --rcheck -j ACCEPT", "FORWARD")], { in: "wan0", out: "dmz0" }, false],
    // Reviewer 39: a rule naming an interface had its ports unjudged, so a probe of 8081 waited on a greylist of 8082.
    ["a greylist of another port on the interface the probe came in by: not met", [ipt("-A INPUT -i ens19 -p tcp -m tcp --dport 8082 -m recent --name g --rcheck -j ACCEPT")], { in: "ens19" }, false],
    // Reviewer 39: an answer's rule has its own state and addresses (a SYN-ACK is ESTABLISHED, to the prober).
    ["a router's rule for the answer with ESTABLISHED and the prober's address: met", [ipt("-A FORWARD -d 198.18.0.7/32 -i dmz0 -o wan0 -p tcp -m conntrack --ctstate ESTABLISHED -m recent --name r --rcheck -j ACCEPT", "FORWARD")], { in: "wan0", out: "dmz0" }, true],
    // A DNAT on the path (reviewer 39): the packet may leave by another interface than the probed address's.
    ["a DNAT on the path: interfaces not judged", [{ ...ipt("-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 198.18.1.3:80", "PREROUTING"), table: "nat" }, ipt("-A FORWARD -o back0 -p tcp -m recent --name r --rcheck -j ACCEPT", "FORWARD")], { in: "wan0", out: "dmz0" }, true],
  ])("by interface: %s", (_, rules, via, met) => {
    const viaOf = (h: string) => (h === "server" ? via : undefined);
    expect(probeVaryingRule(on(ruleset(rules, [["filter", "WEB"]])), { family: "ipv4", protocol: "tcp", dport: 80 }, viaOf) !== undefined).toBe(met);
  });
});
