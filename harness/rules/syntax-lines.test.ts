/** Unit tests (table-driven, no Docker) for syntax-lines.ts. */
import { describe, expect, it, test } from "vitest";
import type { Backend } from "../model/types.ts";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { backendTool, blankLine, commandFamily, isRuleLine, natPlacement, nftCommandProblem, restoreErrorLine, scriptCommands, syntaxJobs, toolMessage, withStandIns } from "./syntax-lines.ts";

describe("restoreErrorLine", () => {
  it.each([
    ['iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"\nError occurred at line: 6\nTry `iptables-restore -h\' for more information.', 6],
    ["iptables-restore: line 12 failed\n", 12],
    // iptables-nft's load, a rule the kernel refused (a NAT target in a chain it cannot be used from).
    ["iptables-restore v1.8.9 (nf_tables): \nline 4: RULE_APPEND failed (Invalid argument): rule in chain PREROUTING\n", 4],
    ["ip6tables-restore v1.8.9 (legacy): Couldn't load target `X'\n\nError occurred at line: 3\n", 3],
    ["something else entirely", undefined],
    ["", undefined],
  ])("%j → %s", (stderr, line) => {
    expect(restoreErrorLine(stderr)).toBe(line);
  });
});

describe("natPlacement", () => {
  it.each([
    ["-A PREROUTING -p tcp -m tcp --dport 80 -j MASQUERADE", "MASQUERADE works only in nat POSTROUTING, not PREROUTING"],
    ["-A OUTPUT -j SNAT --to-source 198.18.0.1", "SNAT works only in nat POSTROUTING and INPUT, not OUTPUT"],
    ["-A POSTROUTING -p tcp -j DNAT --to-destination 198.18.0.2", "DNAT works only in nat PREROUTING and OUTPUT, not POSTROUTING"],
    ["-I INPUT 1 -p tcp -j REDIRECT --to-ports 8081", "REDIRECT works only in nat PREROUTING and OUTPUT, not INPUT"],
    ["-A POSTROUTING -o eth0 -j MASQUERADE", undefined],
    ["-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 198.18.0.2:8080", undefined],
    // A user chain: where it is jumped from decides, not known from the line.
    ["-A MYNAT -j MASQUERADE", undefined],
    ["-A INPUT -p tcp -j ACCEPT", undefined],
  ])("%s", (line, said) => {
    const r = natPlacement(line);
    if (said === undefined) expect(r).toBeUndefined();
    else expect(r).toContain(said);
  });
});

describe("toolMessage", () => {
  it.each([
    ['iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"\nError occurred at line: 6\nTry `iptables-restore -h\' or \'iptables-restore --help\' for more information.\n', 'iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"'],
    ["iptables: a\n\nb\n", "iptables: a; b"],
    ["iptables-restore: line 4 failed\n", "rejected (no message)"],
  ])("%j", (stderr, message) => {
    expect(toolMessage(stderr)).toBe(message);
  });
});

describe("rule lines", () => {
  it.each([
    ["-A INPUT -j DROP", true],
    ["  -I INPUT 1 -j ACCEPT", true],
    ["COMMIT", false],
    ["*filter", false],
    [":INPUT ACCEPT [0:0]", false],
    ["# -A comment", false],
    [undefined, false],
  ])("%j → %s", (line, rule) => {
    expect(isRuleLine(line)).toBe(rule);
  });

  it("blanking keeps the other lines' numbers", () => {
    expect(blankLine("a\nb\nc\n", 2)).toBe("a\n\nc\n");
    expect(blankLine("a\nb", 9)).toBe("a\nb");
  });
});

describe("commandFamily", () => {
  it.each([
    [["iptables", "-A", "INPUT"], "ipv4"],
    [["ip6tables", "-A", "INPUT"], "ipv6"],
    [["ip", "route"], undefined],
    [["iptables-restore"], undefined],
    [[], undefined],
  ])("%j → %s", (argv, family) => {
    expect(commandFamily(argv)).toBe(family);
  });
});

describe("scriptCommands", () => {
  it("numbers the iptables lines of a plain script, skipping comments, blanks and set -e", () => {
    const script = "#!/bin/sh\nset -eu\n\n# ssh\niptables -A INPUT -p tcp --dport 22 -j ACCEPT\nip6tables -A INPUT -m comment --comment 'web in' -j DROP\n";
    expect(scriptCommands(script)).toEqual([
      { line: 5, argv: ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"], family: "ipv4" },
      { line: 6, argv: ["ip6tables", "-A", "INPUT", "-m", "comment", "--comment", "web in", "-j", "DROP"], family: "ipv6" },
    ]);
  });

  it("numbers nft lines too; shell syntax inside single quotes is literal", () => {
    const script = "set -e\nnft add table inet fw\nnft 'add chain inet fw input { type filter hook input priority 0; }'\niptables -F\n";
    expect(scriptCommands(script)).toEqual([
      { line: 2, argv: ["nft", "add", "table", "inet", "fw"], family: "nft" },
      { line: 3, argv: ["nft", "add chain inet fw input { type filter hook input priority 0; }"], family: "nft" },
      { line: 4, argv: ["iptables", "-F"], family: "ipv4" },
    ]);
  });

  it.each([
    ["another program", "iptables -F\nsysctl -w net.ipv4.ip_forward=1\n"],
    ["a variable in double quotes", 'nft add rule inet fw input ip saddr "$ADMIN" accept\n'],
    ["braces outside quotes", "nft add rule inet fw input tcp dport { 80, 443 } accept\n"],
    ["a semicolon after a quote", "nft 'add table inet fw'; nft list ruleset\n"],
    ["a variable", "iptables -A INPUT -s $ADMIN -j ACCEPT\n"],
    ["a pipe", "iptables-save | grep x\n"],
    ["a loop", "for p in 22 80; do iptables -A INPUT --dport $p -j ACCEPT; done\n"],
    ["a continuation", "iptables -A INPUT \\\n  -j DROP\n"],
    ["an unclosed quote", "iptables -A INPUT -m comment --comment 'x -j DROP\n"],
  ])("is not checked when it has %s", (_what, script) => {
    expect(scriptCommands(script)).toBeUndefined();
  });
});

describe("syntaxJobs", () => {
  const at = (line: number) => ({ file: "/s.yaml", line, column: 1 });
  const apply = (...sources: RuleSource[]): Step => ({ kind: "apply", host: "fw", sources, location: at(3) });
  const scenario = (backend: Backend, ...steps: Step[]): Scenario => ({
    file: "/s.yaml", name: "s", description: "", timeoutSeconds: 2, hosts: [{ name: "fw", firewall: true, backend, listen: [] }], steps,
  });
  const v4 = { kind: "restore", family: "ipv4", path: "/r.v4", content: "*filter\nCOMMIT\n" } as const;
  const cmds = (...commands: string[][]): RuleSource => ({ kind: "commands", commands, locations: commands.map((_, i) => at(10 + i)) });
  const shape = (s: Scenario[]) => syntaxJobs(s).map((j) => (j.kind === "reset" ? "reset" : j.kind === "unchecked" ? `unchecked ${j.file}${j.line === undefined ? "" : `:${j.line}`} (${j.why})` : j.kind === "restore" ? `${j.backend} ${j.family} ${j.file}` : j.kind === "nft" ? `nft ${j.file}` : `${j.backend} ${j.commands.map((c) => `${c.family}@${c.line}`).join(",")}`));

  it.each([
    ["a scenario starts from empty tables, in step order, with its host's backend", [scenario("legacy", apply(v4), apply(cmds(["iptables", "-N", "X"], ["ip6tables", "-F"])))], ["reset", "legacy ipv4 /r.v4", "legacy ipv4@10,ipv6@11"]],
    ["each scenario and each reboot empties the tables", [scenario("nft", apply(v4), { kind: "reboot", host: "fw", location: at(4) }, apply(v4)), scenario("nft")], ["reset", "nft ipv4 /r.v4", "reset", "nft ipv4 /r.v4", "reset"]],
    ["a command list with another program is not checked, nor are the later commands (each named, with why)", [scenario("nft", apply(cmds(["ipset", "create", "s"])), apply(cmds(["iptables", "-A", "INPUT", "-m", "set"])), apply(v4))], ["reset", "unchecked /s.yaml:10 (`ipset` is not iptables, ip6tables or nft)", "unchecked /s.yaml:10 (after a source that was not checked)", "nft ipv4 /r.v4"]],
    ["a script with shell syntax is not checked: its first such line is named", [scenario("nft", apply({ kind: "script", path: "/gw.sh", content: "#!/bin/sh\nset -e\nWAN=eth0\niptables -A INPUT -i $WAN -j DROP\n" }))], ["reset", "unchecked /gw.sh:3 (shell syntax or another program: `WAN=eth0`)"]],
    ["a plain iptables script is checked with its own line numbers", [scenario("nft", apply({ kind: "script", path: "/r.sh", content: "set -e\niptables -F\n" }))], ["reset", "nft ipv4@2"]],
    ["a commands source without locations falls back to the step's line", [scenario("nft", apply({ kind: "commands", commands: [["iptables", "-F"]] }))], ["reset", "nft ipv4@3"]],
    ["inline nft commands are checked in order with the iptables ones", [scenario("nft", apply(cmds(["nft", "add", "table", "inet", "fw"], ["iptables", "-F"])), apply(v4))], ["reset", "nft nft@10,ipv4@11", "nft ipv4 /r.v4"]],
    ["an nft ruleset file is checked in step order, and later commands still are", [scenario("legacy", apply({ kind: "nft", path: "/r.nft", content: "flush ruleset\n" }), apply(cmds(["iptables", "-F"])))], ["reset", "nft /r.nft", "legacy ipv4@10"]],
  ])("%s", (_what, scenarios, jobs) => {
    expect(shape(scenarios)).toEqual(jobs);
  });

  it.each([
    ["ipv4", "nft", false, "iptables-nft"],
    ["ipv6", "legacy", true, "ip6tables-legacy-restore"],
  ] as const)("backendTool(%s, %s, %s) = %s", (family, backend, restore, tool) => {
    expect(backendTool(family, backend, restore)).toBe(tool);
  });
});

test("an nft file's lab-address placeholders are tested as addresses of their family", () => {
  const s: Scenario = { file: "/s.yaml", name: "s", description: "", timeoutSeconds: 2, hosts: [{ name: "fw", firewall: true, backend: "nft", listen: [] }], steps: [
    { kind: "apply", host: "fw", sources: [{ kind: "nft", path: "/r.nft", content: "ip saddr {{ admin.ipv4 }} accept\nip6 saddr {{ lan.ipv6 }} accept\n" }], location: { file: "/s.yaml", line: 3, column: 1 } },
  ] };
  expect(syntaxJobs([s])[1]).toEqual({ kind: "nft", file: "/r.nft", content: "ip saddr 198.18.0.1 accept\nip6 saddr 2001:db8::1 accept\n", written: "ip saddr {{ admin.ipv4 }} accept\nip6 saddr {{ lan.ipv6 }} accept\n" });
});

describe("withStandIns", () => {
  test.each([
    ["-A INPUT -s {{ inside.ipv4 }}/25 -j ACCEPT", "-A INPUT -s 198.18.0.1/25 -j ACCEPT"],
    ["-A INPUT -s {{lan.ipv6}} -j DROP", "-A INPUT -s 2001:db8::1 -j DROP"],
    ["-A INPUT -d {{ db.dmz.ipv4 }} -j ACCEPT", "-A INPUT -d 198.18.0.1 -j ACCEPT"],
    ["no placeholder {{ here }}", "no placeholder {{ here }}"],
    ["-A INPUT -i {{ gw.wan.interface }} -j DROP", "-A INPUT -i eth0 -j DROP"],
  ])("%s", (text, expected) => {
    expect(withStandIns(text)).toBe(expected);
  });
});

describe("nftCommandProblem: a failed nft command's own fault, or the ruleset's state (left to the run)", () => {
  test.each([
    // nft's messages (1.0.6, in the lab image) for a bad command
    ["Error: syntax error, unexpected newline\nadd rule inet fw input tcp dport\n                                ^\n", "syntax error, unexpected newline"],
    ["Error: syntax error, unexpected string\nadd rule inet fw input tcp dprot 80 drop\n                           ^^^^^\n", "syntax error, unexpected string"],
    ["Error: Could not resolve service: Servname not supported for ai_socktype\nadd rule inet fw input tcp dport fooo drop\n", "Could not resolve service: Servname not supported for ai_socktype"],
    ["Error: Could not resolve hostname: Name or service not known\n", "Could not resolve hostname: Name or service not known"],
    ["", "rejected (no message)"],
    // … and for the ruleset's state: the run judges those
    ["Error: No such file or directory; did you mean table ‘fw’ in family inet?\nadd rule inet nosuch input tcp dport 80 drop\n", undefined],
    ["Error: Could not process rule: No such file or directory\ndelete rule inet fw input handle 99\n", undefined],
    ["Error: Could not process rule: File exists\n", undefined],
    ["Error: Could not open file \"/etc/nftables.conf\": No such file or directory\n", undefined],
  ])("%j -> %j", (stderr, problem) => {
    expect(nftCommandProblem(stderr)).toBe(problem);
  });
});
