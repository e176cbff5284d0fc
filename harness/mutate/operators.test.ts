/**
 * Each mutation operator on each input kind — iptables commands (argument
 * arrays), scripts (only the iptables/ip6tables lines), restore files — gives
 * exactly the intended change, and the mutant scenario differs from the
 * original in that change only.
 */
import { describe, expect, test } from "vitest";
import type { RuleSource, Scenario } from "../scenario/model.ts";
import { describeChange, mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";

const at = (line: number) => ({ file: "/p/s.yaml", line, column: 1 });

function scenarioWith(...sources: RuleSource[]): Scenario {
  return {
    file: "/p/s.yaml",
    name: "s",
    description: "",
    timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }],
    steps: [{ kind: "apply", host: "server", sources, location: at(3) }],
  };
}

const commands = (...lines: string[]): RuleSource => ({ kind: "commands", commands: lines.map((l) => l.split(" ")), locations: lines.map((_, i) => at(10 + i)) });
const script = (...lines: string[]): RuleSource => ({ kind: "script", path: "/p/rules.sh", content: `${lines.join("\n")}\n` });
const restore = (family: "ipv4" | "ipv6", ...rules: string[]): RuleSource => ({ kind: "restore", family, path: `/p/rules.${family === "ipv4" ? "v4" : "v6"}`, content: `*filter\n:INPUT ACCEPT [0:0]\n${rules.join("\n")}\nCOMMIT\n` });

/** The sources of the scenario's one apply step. */
function sourcesOf(s: Scenario): readonly RuleSource[] {
  const step = s.steps[0];
  if (step?.kind !== "apply") throw new Error("no apply step");
  return step.sources;
}
const contentOf = (s: Scenario, i = 0): string => (sourcesOf(s)[i] as { content: string }).content;

/** The mutants of one operator as `id: change; change`. */
function changes(op: string, ...sources: RuleSource[]): string[] {
  return mutantsOf(scenarioWith(...sources), selectOperators([op])).map((m) => `${m.id}: ${m.changes.map((c) => describeChange(c, "/p")).join("; ")}`);
}

describe("operators on iptables commands", () => {
  const cmds = commands(
    "iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT",
    "iptables -A INPUT -p tcp --dport 8080 -j DROP",
    "ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset",
    "iptables -F FORWARD",
  );
  test.each([
    ["delete", [
      "delete@s.yaml:10: s.yaml:10: iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT → (deleted)",
      "delete@s.yaml:11: s.yaml:11: iptables -A INPUT -p tcp --dport 8080 -j DROP → (deleted)",
      "delete@s.yaml:12: s.yaml:12: ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset → (deleted)",
    ]],
    ["accept-drop", [
      "accept-drop@s.yaml:10: s.yaml:10: iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT → iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j DROP",
      "accept-drop@s.yaml:11: s.yaml:11: iptables -A INPUT -p tcp --dport 8080 -j DROP → iptables -A INPUT -p tcp --dport 8080 -j ACCEPT",
    ]],
    ["drop-reject", [
      "drop-reject@s.yaml:11: s.yaml:11: iptables -A INPUT -p tcp --dport 8080 -j DROP → iptables -A INPUT -p tcp --dport 8080 -j REJECT",
      "drop-reject@s.yaml:12: s.yaml:12: ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset → ip6tables -I INPUT 1 -p tcp --dport 8080 -j DROP",
    ]],
    ["reject-type", [
      "reject-type@s.yaml:12: s.yaml:12: ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset → ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with icmp6-port-unreachable",
    ]],
    ["port", [
      "port@s.yaml:10 --dport 8080→8081: s.yaml:10: iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT → iptables -A INPUT -p tcp --dport 8081 -s 127.0.0.1 -j ACCEPT",
      "port@s.yaml:11 --dport 8080→8081: s.yaml:11: iptables -A INPUT -p tcp --dport 8080 -j DROP → iptables -A INPUT -p tcp --dport 8081 -j DROP",
      "port@s.yaml:12 --dport 8080→8081: s.yaml:12: ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset → ip6tables -I INPUT 1 -p tcp --dport 8081 -j REJECT --reject-with tcp-reset",
    ]],
    ["insert-append", [
      "insert-append@s.yaml:12: s.yaml:12: ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset → ip6tables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset",
    ]],
    ["drop-v6", [
      "drop-v6@s.yaml:12: s.yaml:12: ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset → (deleted)",
    ]],
    ["loopback-iface", [
      "loopback-iface@s.yaml:10: s.yaml:10: iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT → iptables -A INPUT -p tcp --dport 8080 -i lo -j ACCEPT",
    ]],
    ["swap", [
      "swap@s.yaml:10: s.yaml:10: iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT → iptables -A INPUT -p tcp --dport 8080 -j DROP; s.yaml:11: iptables -A INPUT -p tcp --dport 8080 -j DROP → iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT",
    ]],
  ])("%s", (op, want) => {
    expect(changes(op, cmds)).toEqual(want);
  });

  test("the mutant scenario's command list has the change and nothing else; a deleted command is left out with its location", () => {
    const original = scenarioWith(cmds);
    const [del] = mutantsOf(original, selectOperators(["delete"]));
    const src = sourcesOf(del!.scenario)[0] as Extract<RuleSource, { kind: "commands" }>;
    expect(src.commands.map((c) => c.join(" "))).toEqual([
      "iptables -A INPUT -p tcp --dport 8080 -j DROP",
      "ip6tables -I INPUT 1 -p tcp --dport 8080 -j REJECT --reject-with tcp-reset",
      "iptables -F FORWARD",
    ]);
    expect(src.locations?.map((l) => l.line)).toEqual([11, 12, 13]);
    // The original is untouched.
    expect((sourcesOf(original)[0] as Extract<RuleSource, { kind: "commands" }>).commands).toHaveLength(4);
    expect(del!.scenario.name).toBe("s [mutant delete@s.yaml:10]");
  });

  test("REJECT without --reject-with (port-unreachable by default) gets tcp-reset, only for -p tcp", () => {
    expect(changes("reject-type", commands("iptables -A INPUT -p tcp --dport 1 -j REJECT", "iptables -A INPUT -p udp --dport 2 -j REJECT"))).toEqual([
      "reject-type@s.yaml:10: s.yaml:10: iptables -A INPUT -p tcp --dport 1 -j REJECT → iptables -A INPUT -p tcp --dport 1 -j REJECT --reject-with tcp-reset",
    ]);
  });

  test("multiport lists: one mutant per port, to the next port not in the list", () => {
    expect(changes("port", commands("iptables -A INPUT -p tcp -m multiport --dports 8080,8081 -j DROP"))).toEqual([
      "port@s.yaml:10 --dports 8080→8082: s.yaml:10: iptables -A INPUT -p tcp -m multiport --dports 8080,8081 -j DROP → iptables -A INPUT -p tcp -m multiport --dports 8082,8081 -j DROP",
      "port@s.yaml:10 --dports 8081→8082: s.yaml:10: iptables -A INPUT -p tcp -m multiport --dports 8080,8081 -j DROP → iptables -A INPUT -p tcp -m multiport --dports 8080,8082 -j DROP",
    ]);
  });

  test("a -F between two rules breaks adjacency; rules of different chains or families are not swapped", () => {
    expect(changes("swap", commands("iptables -A INPUT -j ACCEPT", "iptables -F INPUT", "iptables -A INPUT -j DROP", "ip6tables -A INPUT -j DROP", "iptables -A FORWARD -j DROP"))).toEqual([]);
  });
});

describe("operators on scripts: iptables/ip6tables lines change, other lines stay", () => {
  const sh = script(
    "# a comment",
    "iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT",
    "iptables -A INPUT -p tcp --dport 8080 -j DROP",
    "ip6tables -A INPUT -p tcp --dport 8080 -s ::1 -j ACCEPT",
    "ip6tables -A INPUT -p tcp --dport 8080 -j DROP",
    "iptables-save > /etc/iptables.rules",
    "cat >> /etc/network/interfaces <<'EOF'",
    "iptables -A INPUT -j DROP",
    "EOF",
    "netfilter-persistent save",
  );

  test("loopback-iface on both families; the heredoc body and other programs are never mutated", () => {
    expect(changes("loopback-iface", sh)).toEqual([
      "loopback-iface@rules.sh:2: rules.sh:2: iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT → iptables -A INPUT -p tcp --dport 8080 -i lo -j ACCEPT",
      "loopback-iface@rules.sh:4: rules.sh:4: ip6tables -A INPUT -p tcp --dport 8080 -s ::1 -j ACCEPT → ip6tables -A INPUT -p tcp --dport 8080 -i lo -j ACCEPT",
    ]);
    expect(changes("delete", sh).map((c) => c.split(":")[1])).toEqual(["2", "3", "4", "5"]);
  });

  test("drop-v6 removes every ip6tables rule line; the content keeps its other lines and line numbers", () => {
    const [m] = mutantsOf(scenarioWith(sh), selectOperators(["drop-v6"]));
    expect(m!.changes.map((c) => `${c.line} ${c.after}`)).toEqual(["4 null", "5 null"]);
    const content = contentOf(m!.scenario).split("\n");
    expect(content[3]).toBe("");
    expect(content[4]).toBe("");
    expect(content[5]).toBe("iptables-save > /etc/iptables.rules");
    expect(content[7]).toBe("iptables -A INPUT -j DROP");
    expect(content[9]).toBe("netfilter-persistent save");
  });

  test("swap exchanges the two lines in the script", () => {
    const [m] = mutantsOf(scenarioWith(sh), selectOperators(["swap"]));
    const content = contentOf(m!.scenario).split("\n");
    expect(content.slice(1, 3)).toEqual(["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT"]);
    expect(changes("swap", sh)).toHaveLength(2);
  });

  test("quoted words and lab-address placeholders survive a rewrite", () => {
    const m = changes("accept-drop", script(`iptables -A INPUT -s {{ admin.ipv4 }} -m comment --comment "it's me" -j ACCEPT`));
    expect(m).toEqual([`accept-drop@rules.sh:1: rules.sh:1: iptables -A INPUT -s {{ admin.ipv4 }} -m comment --comment "it's me" -j ACCEPT → iptables -A INPUT -s {{admin.ipv4}} -m comment --comment 'it'\\''s me' -j DROP`]);
  });
});

describe("operators on restore files", () => {
  const v4 = restore("ipv4", "-A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT", "[3:180] -A INPUT -p tcp -m tcp --dport 8080 -j DROP");
  const v6 = restore("ipv6", "-A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 8080 -j REJECT");

  test.each([
    ["accept-drop", [
      "accept-drop@rules.v4:3: rules.v4:3: -A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT → -A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DROP",
      "accept-drop@rules.v4:4: rules.v4:4: [3:180] -A INPUT -p tcp -m tcp --dport 8080 -j DROP → [3:180] -A INPUT -p tcp -m tcp --dport 8080 -j ACCEPT",
      "accept-drop@rules.v6:3: rules.v6:3: -A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT → -A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j DROP",
    ]],
    ["reject-type", [
      "reject-type@rules.v6:4: rules.v6:4: -A INPUT -p tcp -m tcp --dport 8080 -j REJECT → -A INPUT -p tcp -m tcp --dport 8080 -j REJECT --reject-with tcp-reset",
    ]],
    ["loopback-iface", [
      "loopback-iface@rules.v4:3: rules.v4:3: -A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT → -A INPUT -i lo -p tcp -m tcp --dport 8080 -j ACCEPT",
      "loopback-iface@rules.v6:3: rules.v6:3: -A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT → -A INPUT -i lo -p tcp -m tcp --dport 8080 -j ACCEPT",
    ]],
    ["drop-v6", [
      "drop-v6@rules.v6:3: rules.v6:3: -A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT → (deleted); rules.v6:4: -A INPUT -p tcp -m tcp --dport 8080 -j REJECT → (deleted)",
    ]],
    ["swap", [
      "swap@rules.v4:3: rules.v4:3: -A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT → -A INPUT -p tcp -m tcp --dport 8080 -j DROP; rules.v4:4: [3:180] -A INPUT -p tcp -m tcp --dport 8080 -j DROP → [3:180] -A INPUT -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j ACCEPT",
      "swap@rules.v6:3: rules.v6:3: -A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT → -A INPUT -p tcp -m tcp --dport 8080 -j REJECT; rules.v6:4: -A INPUT -p tcp -m tcp --dport 8080 -j REJECT → -A INPUT -s ::1/128 -p tcp -m tcp --dport 8080 -j ACCEPT",
    ]],
  ])("%s", (op, want) => {
    expect(changes(op, v4, v6)).toEqual(want);
  });

  test("a deleted restore line becomes empty, so iptables-restore still reads the file and other lines keep their numbers", () => {
    const [m] = mutantsOf(scenarioWith(v4, v6), selectOperators(["delete"]));
    const content = contentOf(m!.scenario);
    expect(content).toBe("*filter\n:INPUT ACCEPT [0:0]\n\n[3:180] -A INPUT -p tcp -m tcp --dport 8080 -j DROP\nCOMMIT\n");
  });
});

describe("equivalence known from the rules alone", () => {
  const staticOf = (op: string, ...lines: string[]) => mutantsOf(scenarioWith(commands(...lines)), selectOperators([op])).map((m) => m.staticEquivalence !== undefined);
  test.each([
    ["-I 1 into an empty chain", ["iptables -I INPUT 1 -p tcp --dport 1 -j DROP"], [true]],
    ["-I 1 after an -A: not at the end", ["iptables -A INPUT -j ACCEPT", "iptables -I INPUT 1 -p tcp --dport 1 -j DROP"], [false]],
    ["-I 2 after one rule: at the end", ["iptables -A INPUT -j ACCEPT", "iptables -I INPUT 2 -p tcp --dport 1 -j DROP"], [true]],
    ["-I 1 after -A and -D: empty again", ["iptables -A INPUT -p tcp --dport 1 -j DROP", "iptables -D INPUT -p tcp --dport 1 -j DROP", "iptables -I INPUT 1 -p tcp --dport 1 -j DROP"], [true]],
    ["-I 1 after -F", ["iptables -A INPUT -j ACCEPT", "iptables -F INPUT", "iptables -I INPUT 1 -j DROP"], [true]],
    ["another family's rules do not count", ["ip6tables -A INPUT -j ACCEPT", "iptables -I INPUT 1 -j DROP"], [true]],
  ])("insert-append: %s", (_name, lines, want) => {
    expect(staticOf("insert-append", ...lines)).toEqual(want);
  });
  test.each([
    ["same target", ["iptables -A INPUT -p tcp --dport 1 -j DROP", "iptables -A INPUT -p tcp --dport 1 -s 198.18.0.9 -j DROP"], [true]],
    ["different ports", ["iptables -A INPUT -p tcp --dport 1 -j ACCEPT", "iptables -A INPUT -p tcp --dport 2 -j DROP"], [true]],
    ["overlapping, different targets", ["iptables -A INPUT -p tcp --dport 1 -s 127.0.0.1 -j ACCEPT", "iptables -A INPUT -p tcp --dport 1 -j DROP"], [false]],
    // `! --dport 7001` matches 7002 (a tester's swap was called equivalent and never run; the scenario killed it).
    ["a negated port", ["iptables -A NEG -p tcp -m tcp ! --dport 7001 -j DROP", "iptables -A NEG -p tcp -m tcp --dport 7002 -j ACCEPT"], [false]],
    ["a negated port, the older spelling", ["iptables -A NEG -p tcp --dport ! 7001 -j DROP", "iptables -A NEG -p tcp --dport 7002 -j ACCEPT"], [false]],
    ["both RETURN (ufw-not-local)", ["iptables -A ufw-not-local -m addrtype --dst-type LOCAL -j RETURN", "iptables -A ufw-not-local -m addrtype --dst-type MULTICAST -j RETURN"], [true]],
    ["RETURN and a jump", ["iptables -A X -m addrtype --dst-type LOCAL -j RETURN", "iptables -A X -m addrtype --dst-type LOCAL -j Y"], [false]],
    ["REJECTs answering differently", ["iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset", "iptables -A INPUT -p tcp -j REJECT"], [false]],
    ["different protocols", ["ip6tables -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 136 -j ACCEPT", "ip6tables -A INPUT -i ens18 -p tcp -m multiport --dports 80,443 -j WEB"], [true]],
    ["one protocol negated", ["iptables -A INPUT ! -p icmp -j ACCEPT", "iptables -A INPUT -p tcp -j DROP"], [false]],
    ["different input interfaces", ["iptables -A INPUT -i ens18 -p tcp -m multiport --dports 80,443 -j WEB", "iptables -A INPUT -i ens19 -j MGMT"], [true]],
    ["an interface wildcard", ["iptables -A INPUT -i ens+ -j ACCEPT", "iptables -A INPUT -i ens19 -j DROP"], [false]],
    ["disjoint conntrack states", ["iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "iptables -A INPUT -m conntrack --ctstate INVALID -j DROP"], [true]],
    ["DNAT goes with ESTABLISHED", ["iptables -A FORWARD -m conntrack --ctstate DNAT -j ACCEPT", "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED -j DROP"], [false]],
    ["overlapping conntrack states", ["iptables -A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT", "iptables -A INPUT -m state --state ESTABLISHED -j DROP"], [false]],
    // A stateful match counts or records every packet that reaches it: proved only disjoint, by a match before it.
    ["-m recent --set before the same target", ["iptables -A INPUT -p tcp --dport 22 -m recent --set --name ssh -j ACCEPT", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT"], [false]],
    ["-m recent --update ... --hitcount, same target", ["iptables -A INPUT -p tcp --dport 22 -m recent --update --seconds 60 --hitcount 4 --name ssh -j DROP", "iptables -A INPUT -s 198.18.0.9 -j DROP"], [false]],
    ["-m limit, same target", ["iptables -A INPUT -p icmp -m limit --limit 1/s -j ACCEPT", "iptables -A INPUT -s 198.18.0.9 -j ACCEPT"], [false]],
    ["-m hashlimit, same target", ["iptables -A INPUT -m hashlimit --hashlimit-above 10/s --hashlimit-name h -j DROP", "iptables -A INPUT -p udp -j DROP"], [false]],
    ["-m quota, same target", ["iptables -A INPUT -m quota --quota 1000 -j ACCEPT", "iptables -A INPUT -p tcp --dport 80 -j ACCEPT"], [false]],
    ["-m statistic, same target", ["iptables -A INPUT -m statistic --mode random --probability 0.5 -j DROP", "iptables -A INPUT -p tcp --dport 23 -j DROP"], [false]],
    ["-m connlimit, same target", ["iptables -A INPUT -p tcp --syn -m connlimit --connlimit-above 3 -j REJECT", "iptables -A INPUT -p tcp --dport 23 -j REJECT"], [false]],
    ["both RETURN, one -m limit", ["iptables -A X -m limit --limit 3/min -j RETURN", "iptables -A X -m addrtype --dst-type LOCAL -j RETURN"], [false]],
    ["-m limit before different ports", ["iptables -A INPUT -m limit --limit 1/s -p tcp --dport 22 -j ACCEPT", "iptables -A INPUT -p tcp --dport 80 -j DROP"], [false]],
    ["-m limit before disjoint conntrack states", ["iptables -A INPUT -m limit --limit 1/s -m conntrack --ctstate INVALID -j DROP", "iptables -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT"], [false]],
    ["-m recent, both to one chain that ends every packet (-g)", ["iptables -A INPUT -m recent --rcheck --name bad -g LOGDROP", "iptables -A INPUT -p tcp --dport 23 -g LOGDROP"], [false]],
    ["-m limit after different ports: the ports decide first", ["iptables -A INPUT -p tcp --dport 22 -m limit --limit 1/s -j ACCEPT", "iptables -A INPUT -p tcp --dport 80 -j DROP"], [true]],
    ["-m limit, different protocols (-p matches first)", ["iptables -A INPUT -m limit --limit 1/s -p icmp -j ACCEPT", "iptables -A INPUT -p tcp -j DROP"], [true]],
  ])("swap: %s", (_name, lines, want) => {
    expect(staticOf("swap", ...lines)).toEqual(want);
  });
});
