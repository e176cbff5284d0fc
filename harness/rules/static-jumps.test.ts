/** Unit tests (table-driven, no Docker) for static-jumps.ts: jumps to nothing found without a lab. */
import { describe, expect, it } from "vitest";
import type { Family } from "../model/types.ts";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { IMAGE_TARGETS } from "./image-targets.ts";
import { jumpColumn, staticMissingJumps } from "./static-jumps.ts";

/** A few of the lab image's targets (the real list: image-targets.ts). */
const TARGETS: Readonly<Record<Family, ReadonlySet<string>>> = { ipv4: new Set(["LOG", "REJECT", "MASQUERADE", "TTL"]), ipv6: new Set(["LOG", "REJECT", "HL"]) };

const at = (line: number) => ({ file: "/p/s.yaml", line, column: 9 });
const apply = (...sources: RuleSource[]): Step => ({ kind: "apply", host: "server", sources, location: at(5) });
const restore = (content: string, family: Family = "ipv4", path = `/p/rules.${family === "ipv4" ? "v4" : "v6"}`): RuleSource => ({ kind: "restore", family, path, content });
const script = (content: string, path = "/p/fw.sh"): RuleSource => ({ kind: "script", path, content });
/** A command list written from line 10 of the scenario on. */
const commands = (...lines: string[]): RuleSource => ({ kind: "commands", commands: lines.map((l) => l.split(" ")), locations: lines.map((_, i) => at(10 + i)) });
const run = (command: string, host = "server"): Step => ({ kind: "run", host, command: command.split(" "), exit: 0, contains: [], excludes: [], matches: [], location: at(30) });
const reboot: Step = { kind: "reboot", host: "server", location: at(40) };
const scenario = (...steps: Step[]): Scenario => ({
  file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
  hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }, { name: "client", firewall: false, backend: "nft", listen: [] }],
  steps,
});
const block = (...rules: string[]) => ["*filter", ":INPUT ACCEPT [0:0]", ...rules, "COMMIT", ""].join("\n");

const found = (...scenarios: Scenario[]): string[] => staticMissingJumps(scenarios, TARGETS).map((p) => `${p.file.replace("/p/", "")}:${p.line}: ${p.family}: ${p.message}`);

describe("staticMissingJumps: restore files (a table block starts afresh: only its own chains count)", () => {
  it.each([
    ["a typo of a verdict", [apply(restore(block("-A INPUT -j ACCPET")))], ["rules.v4:3: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)"]],
    ["verdicts, targets, declared, -N and renamed chains, -g", [apply(restore(block(":WEB - [0:0]", "-N LATER", "-A INPUT -j WEB", "-A INPUT -g LATER", "-E WEB SITE", "-A INPUT -j SITE", "-A INPUT -j LOG --log-prefix x", "-A INPUT -j REJECT", "-A INPUT -j RETURN")))], []],
    ["a chain with a typo, with the chain meant", [apply(restore(block(":LOGDROP - [0:0]", "-A INPUT -j LOGDRPO")))], ["rules.v4:4: ipv4: -j LOGDRPO: no chain or target named LOGDRPO (did you mean LOGDROP?)"]],
    ["the family's targets: TTL is IPv4's, HL IPv6's", [apply(restore(block("-A INPUT -j TTL --ttl-set 5", "-A INPUT -j HL --hl-set 5"), "ipv4"), restore(block("-A INPUT -j HL --hl-set 5", "-A INPUT -j TTL --ttl-set 5"), "ipv6"))], [
      "rules.v4:4: ipv4: -j HL: no chain or target named HL",
      "rules.v6:4: ipv6: -j TTL: no chain or target named TTL",
    ]],
    ["a chain of another file, even applied before, is gone (the restore replaces the table; the lab check reports it too)", [apply(restore(block(":LOGDROP - [0:0]"), "ipv4", "/p/a.v4")), apply(restore(block("-A INPUT -j LOGDROP"), "ipv4", "/p/b.v4"))], ["b.v4:3: ipv4: -j LOGDROP: no chain or target named LOGDROP"]],
    ["a chain of another table of the file does not count", [apply(restore(["*nat", ":WEB - [0:0]", "COMMIT", "*filter", "-A INPUT -j WEB", "COMMIT"].join("\n")))], ["rules.v4:5: ipv4: -j WEB: no chain or target named WEB"]],
    ["a placeholder is read as the lab check reads it", [apply(restore(block("-A INPUT -s {{ client.ipv4 }} -j ACCEPT")))], []],
  ])("%s", (_, steps, problems) => {
    expect(found(scenario(...steps))).toEqual(problems);
  });
});

describe("staticMissingJumps: scripts and command lists (any source of the scenario may have made the chain)", () => {
  it.each([
    ["a typo in a command list, at the scenario's line", [apply(commands("iptables -A INPUT -j ACCEPT", "ip6tables -I INPUT 1 -j ACCPET"))], ["s.yaml:11: ipv6: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)"]],
    ["a typo in a script of iptables lines, at its line", [apply(script("#!/bin/sh\nset -e\niptables -N LOGDROP\niptables -A LOGDROP -j LOG\niptables -A INPUT -p tcp --dport 23 -g LOGDRPO\n"))], ["fw.sh:5: ipv4: -g LOGDRPO: no chain or target named LOGDRPO (did you mean LOGDROP?)"]],
    ["chains made by -N (any spelling), -E, a restore file, or another source; -g", [
      apply(restore(block(":FROMFILE - [0:0]"))),
      apply(script("iptables -N A\niptables --new-chain=B\niptables -t nat -NC\niptables -N OLD\niptables -E OLD D\n")),
      apply(commands("iptables -A INPUT -j A", "iptables -A INPUT --jump B", "iptables -t nat -A OUTPUT -j C", "iptables -A INPUT -g D", "iptables -A INPUT -j FROMFILE")),
    ], []],
    ["a chain made later, on another host or in another table or family is not called missing", [
      apply(commands("iptables -A INPUT -j LATER", "ip6tables -A INPUT -j SIX", "iptables -A INPUT -j NATTED")),
      apply(commands("iptables -N LATER", "ip6tables -N SIX", "iptables -t nat -N NATTED")),
    ], []],
    ["only rules that are added (-A, -I, -R); a delete or a check is left to the run", [apply(commands("iptables -D INPUT -j GONE", "iptables -C INPUT -j GONE", "iptables -R INPUT 1 -j GONE"))], ["s.yaml:12: ipv4: -j GONE: no chain or target named GONE"]],
    ["Docker's DNS chains are in every lab host's nat table", [apply(commands("iptables -t nat -A OUTPUT -j DOCKER_OUTPUT"))], []],
    ["a name an nft source writes may be its chain (iptables-nft shares the table)", [apply({ kind: "nft", path: "/p/r.nft", content: "table ip filter {\n  chain NFTMADE {\n  }\n}\n" }), apply(commands("iptables -A INPUT -j NFTMADE", "iptables -A INPUT -j OTHER"))], ["s.yaml:11: ipv4: -j OTHER: no chain or target named OTHER"]],
    ["a script with shell syntax may make any chain: the commands after it are not judged", [apply(script("for c in A B; do iptables -N \"X$c\"; done\n")), apply(commands("iptables -A INPUT -j XA"))], []],
    ["… nor after a reboot (saved rules may come back)", [apply(script("iptables-save > /etc/iptables/rules.v4\n")), reboot, apply(commands("iptables -A INPUT -j SAVED"))], []],
    ["a name such a script writes, though it runs later", [apply(commands("iptables -A INPUT -j LOGDROP")), apply(script("iptables -N LOGDROP || true\n"))], []],
    ["the commands before it still are", [apply(commands("iptables -A INPUT -j ACCPET")), apply(script("WAN=eth0\n"))], ["s.yaml:10: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)"]],
    ["a run step on a firewall host that is no iptables command is like such a script", [run("sh -c iptables-restore</etc/x"), apply(commands("iptables -A INPUT -j FROMRUN"))], []],
    ["an iptables run step makes chains; a run step on a peer (no NET_ADMIN) changes nothing", [run("iptables -N RUNMADE"), run("sh -c true", "client"), apply(commands("iptables -A INPUT -j RUNMADE", "iptables -A INPUT -j ACCPET"))], ["s.yaml:11: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)"]],
    ["a run step's own jump is not judged (it may be meant to fail)", [run("iptables -A INPUT -j ACCPET")], []],
    ["a list with another program is not judged", [apply(commands("iptables -N X", "sh -c true", "iptables -A INPUT -j ACCPET"))], []],
    ["a jump with no name, or an option for a name, is no jump", [apply(commands("iptables -A INPUT -j", "iptables -A INPUT -m comment --comment -j -j ACCEPT"))], []],
  ])("%s", (_, steps, problems) => {
    expect(found(scenario(...steps))).toEqual(problems);
  });

  it("a file applied by several scenarios (or steps) is named once per line", () => {
    const s = scenario(apply(restore(block("-A INPUT -j ACCPET"))), apply(restore(block("-A INPUT -j ACCPET"))));
    expect(found(s, s)).toEqual(["rules.v4:3: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)"]);
  });
});

describe("where each jump to nothing is told", () => {
  const where = (...steps: Step[]) => staticMissingJumps([scenario(...steps)], TARGETS).map((p) => `${p.file.replace("/p/", "")}:${p.line}:${p.column ?? "?"}`);

  it("at the jump's column in a rules file's line, at the command's start in the scenario's list; in step order", () => {
    expect(where(
      apply(commands("iptables -A INPUT -p tcp --dport 22 -j NOPE")),
      apply(script("set -e\n  iptables -A INPUT --jump MISSING\n")),
      apply(restore(block("-A INPUT -p tcp -m comment --comment \"-j X\" -g ALSO_MISSING"))),
    )).toEqual(["s.yaml:10:9", "fw.sh:2:21", "rules.v4:3:45"]);
  });

  it("a placeholder before the jump: the column in the line as written", () => {
    expect(where(apply(restore(block("-A FORWARD -s {{ client.ipv4 }} -j ACCPET"))))).toEqual(["rules.v4:3:33"]);
  });

  it.each([
    ["-A INPUT -j ACCPET", "-j", "ACCPET", 10],
    ["-A INPUT --jump=ACCPET", "-j", "ACCPET", 10],
    ["-A INPUT -g LOG.DRPO", "-g", "LOG.DRPO", 10],
    ["-A INPUT -j ACCPETX -j ACCPET", "-j", "ACCPET", 21],
    ["-A INPUT -j ACCPETX", "-j", "ACCPET", undefined],
  ] as const)("jumpColumn(%j, %s %s): %s", (line, option, name, column) => {
    expect(jumpColumn(line, option, name)).toBe(column);
  });
});

describe("IMAGE_TARGETS (the lab image's list, image-targets.ts)", () => {
  it.each([
    ["ipv4", ["LOG", "REJECT", "MASQUERADE", "DNAT", "SNAT", "REDIRECT", "NOTRACK", "CT", "TCPMSS", "NFLOG", "NFQUEUE", "MARK", "CONNMARK", "TTL"], ["HL", "ACCEPT"]],
    ["ipv6", ["LOG", "REJECT", "MASQUERADE", "DNAT", "SNAT", "REDIRECT", "NOTRACK", "CT", "TCPMSS", "NFLOG", "NFQUEUE", "MARK", "CONNMARK", "HL"], ["TTL", "ACCEPT"]],
  ] as const)("%s: the common targets, not the other family's nor the verdicts", (family, present, absent) => {
    const targets = new Set(IMAGE_TARGETS[family]);
    expect(present.filter((t) => !targets.has(t))).toEqual([]);
    expect(absent.filter((t) => targets.has(t))).toEqual([]);
  });

  it("by default the check uses it", () => {
    expect(staticMissingJumps([scenario(apply(restore(block("-A INPUT -j TCPMSS --clamp-mss-to-pmtu", "-A INPUT -j MASQUERAD"))))]).map((p) => p.message))
      .toEqual(["-j MASQUERAD: no chain or target named MASQUERAD (did you mean MASQUERADE?)"]);
  });
});

describe("staticMissingJumps: nftables files (only one that starts over: rules/nft-static-jumps.ts)", () => {
  const nft = (content: string, path = "/p/fw.nft"): RuleSource => ({ kind: "nft", path, content });
  it.each([
    ["a jump to a misspelt chain, at the jump's column as written", [apply(nft("flush ruleset\ntable inet f {\n  chain input { type filter hook input priority 0; ip saddr {{ client.ipv4 }} jump trsuted; }\n  chain trusted { accept }\n}\n"))], ["fw.nft:3: nft: jump trsuted: no chain trsuted in table inet f (did you mean trusted? chains there: input, trusted); nft refuses the whole file at load time (`Could not process rule: No such file or directory`)"]],
    ["a file that does not start over is not judged", [apply(nft("table inet f {\n  chain input { type filter hook input priority 0; jump elsewhere; }\n}\n"))], []],
  ])("%s", (_, steps, problems) => {
    expect(found(scenario(...steps))).toEqual(problems);
  });

  it("the column is the jump's in the line as written (a placeholder before it)", () => {
    const content = "flush ruleset\ntable inet f {\n  chain input { type filter hook input priority 0; ip saddr {{ client.ipv4 }} jump trsuted; }\n  chain trusted { accept }\n}\n";
    const [p] = staticMissingJumps([scenario(apply(nft(content)))], TARGETS);
    expect(p?.column).toBe(content.split("\n")[2]!.indexOf("jump") + 1);
  });
});

