/** Where a rules script failed, from `sh -e -x`'s trace (pure, table-driven). */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { afterLastTrace, BASH_TRACE_ENV, BASH_TRACE_PS4, failingCommand, labLimitHint, SCRIPT_TRACE_MARK, scriptShell, shellErrorLine, splitTrace } from "./script-trace.ts";

const t = (line: string) => `${SCRIPT_TRACE_MARK}${line}`;
const GW = "#!/bin/sh\nWAN=eth0\nLAN=eth1\n\niptables -P FORWARD DROP\niptables -A FORWARD -i $LAN -o $WAM -j ACCEPT\niptables -A FORWARD -i ${WAN} -o $LAN -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n";

describe("splitTrace", () => {
  test("the shell's trace lines apart from what the commands printed", () => {
    expect(splitTrace([t("WAN=eth0"), t("iptables -A FORWARD -i eth1 -o -j ACCEPT"), "Bad argument `ACCEPT'", "Try `iptables -h' or 'iptables --help' for more information.", ""].join("\n"))).toEqual({
      trace: ["WAN=eth0", "iptables -A FORWARD -i eth1 -o -j ACCEPT"],
      lines: [undefined, undefined],
      output: "Bad argument `ACCEPT'\nTry `iptables -h' or 'iptables --help' for more information.\n",
    });
  });
});

describe("failingCommand", () => {
  test.each<[string, string, string[], { command: string; line?: number } | undefined]>([
    ["an unset variable ($WAM for $WAN): the line found by expanding the script's own assignments", GW, ["WAN=eth0", "LAN=eth1", "iptables -P FORWARD DROP", "iptables -A FORWARD -i eth1 -o -j ACCEPT"], { command: "iptables -A FORWARD -i eth1 -o -j ACCEPT", line: 6 }],
    ["${NAME} braces expand too", GW, ["WAN=eth0", "LAN=eth1", "iptables -P FORWARD DROP", "iptables -A FORWARD -i eth1 -o -j ACCEPT", "iptables -A FORWARD -i eth0 -o eth1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"], { command: "iptables -A FORWARD -i eth0 -o eth1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT", line: 7 }],
    ["a command no line matches (a loop, a function): the command, no line", "for p in 80 443; do iptables -A INPUT -p tcp --dport $p -j DROPP; done\n", ["iptables -A INPUT -p tcp --dport 80 -j DROPP"], { command: "iptables -A INPUT -p tcp --dport 80 -j DROPP" }],
    ["two lines alike: no line (never a guess)", "iptables -A INPUT -j X\niptables -A INPUT -j X\n", ["iptables -A INPUT -j X", "iptables -A INPUT -j X"], { command: "iptables -A INPUT -j X" }],
    ["no trace (the shell did not get that far): nothing", "iptables -F\n", [], undefined],
  ])("%s", (_, script, trace, found) => {
    expect(failingCommand(script, trace)).toEqual(found);
  });
});

describe("shellErrorLine: the line the shell named in its own error", () => {
  test.each([
    ["/tmp/fwspec/gw-3f809c7b.sh: 1: cannot create /proc/sys/net/ipv4/ip_forward: Read-only file system\n", 1],
    ["iptables v1.8.9 (nf_tables): unknown option\n/tmp/fwspec/gw-3f809c7b.sh: 7: wat: not found\n", 7],
    ["iptables: Bad rule (does a matching rule exist in that chain?).\n", undefined], // a command's own failure: the trace names it
    ["/tmp/fwspec/other-1.sh: 3: x: not found\n", undefined], // another script's
    // An error the script went on past (`… || true`): the command traced after it failed, not line 1.
    [`/tmp/fwspec/gw-3f809c7b.sh: 1: cannot create /proc/sys/net/ipv4/ip_forward: Read-only file system\n${t("true")}\n${t("iptables -A INPUT -j ACCEPTX")}\niptables v1.8.9: unknown target\n`, undefined],
    [`${t("iptables -P INPUT DROP")}\n/tmp/fwspec/gw-3f809c7b.sh: 4: wat: not found\n`, 4],
  ])("%j", (output, line) => expect(shellErrorLine(output, "/tmp/fwspec/gw-3f809c7b.sh")).toBe(line));

test("afterLastTrace: what the failing command printed, not what earlier ones did", () => {
  expect(afterLastTrace(`sysctl: permission denied on key "x"\n${t("true")}\n${t("iptables -A INPUT -j ACCEPTX")}\nunknown target\n`)).toBe("unknown target\n");
});
});

describe("labLimitHint", () => {
  test.each([
    ["/tmp/fwspec/gw.sh: 1: cannot create /proc/sys/net/ipv4/ip_forward: Read-only file system", true],
    ["sysctl: setting key \"net.ipv6.conf.all.forwarding\": Read-only file system", true],
    ['sysctl: permission denied on key "net.ipv6.conf.all.forwarding"', true],
    ["iptables: No chain/target/match by that name.", false],
  ])("%j", (output, hinted) => expect(labLimitHint(output) !== undefined).toBe(hinted));
});

describe("bash scripts", () => {
  test.each([
    ["#!/bin/bash\nset -euo pipefail\n", "bash"],
    ["#!/usr/bin/bash\n", "bash"],
    ["#!/usr/bin/env bash\n", "bash"],
    ["#! /bin/bash -e\n", "bash"],
    ["#!/usr/bin/env -S bash -e\n", "bash"],
    ["#!/bin/sh\n", "sh"],
    ["#!/bin/dash\n", "sh"],
    ["#!/bin/bashful\n", "sh"],
    ["iptables -F\n#!/bin/bash\n", "sh"],
    ["", "sh"],
  ])("%j runs in %s", (content, shell) => expect(scriptShell(content)).toBe(shell));

  test("bash repeats the mark's first character per level of nesting: still trace lines, the mark taken off", () => {
    const mark = SCRIPT_TRACE_MARK;
    expect(splitTrace(`${mark}a\n@${mark}b\n@@${mark}c\nout\n${mark.slice(1)}not a trace line`)).toEqual({ trace: ["a", "b", "c"], lines: [undefined, undefined, undefined], output: `out\n${mark.slice(1)}not a trace line` });
    expect(afterLastTrace(`${mark}a\n@${mark}b\nwhat b printed`)).toBe("what b printed");
  });

  test("bash's own errors name the line as `line N`", () => {
    expect(shellErrorLine(`${SCRIPT_TRACE_MARK}echo a\n/tmp/fwspec/s.sh: line 5: WNA: unbound variable\n`, "/tmp/fwspec/s.sh")).toBe(5);
    expect(shellErrorLine("/tmp/fwspec/s.sh: line 3: syntax error near unexpected token `fi'\n", "/tmp/fwspec/s.sh")).toBe(3);
  });
});

describe("failingCommand: the redirections a line has and the trace does not show", () => {
  test.each([
    ["iptables -D INPUT -j X 2>/dev/null", "iptables -D INPUT -j X", 1],
    ["iptables -D INPUT -j X >/dev/null 2>&1", "iptables -D INPUT -j X", 1],
    ["iptables -D INPUT -j X > /dev/null", "iptables -D INPUT -j X", 1],
    ["iptables-restore < /etc/iptables/rules.v4", "iptables-restore", 1],
    ["iptables-save >> /var/log/fw.log", "iptables-save", 1],
    ["iptables -D INPUT -j X &>/dev/null", "iptables -D INPUT -j X", 1],
  ])("%j is line %i of %j", (line, traced, n) => {
    expect(failingCommand(`# first\n${line}\n`, [traced])).toEqual({ command: traced, line: n + 1 });
  });
});

test("the lab image's BASH_ENV file sets PS4 to the mark fwspec reads, untraced", () => {
  const text = readFileSync(new URL("../../docker/fwspec-trace.bash", import.meta.url), "utf8");
  expect(text).toContain(`{ PS4='${BASH_TRACE_PS4}'; unset BASH_ENV; } 2>/dev/null\n`);
  expect(readFileSync(new URL("../../docker/Dockerfile", import.meta.url), "utf8")).toContain(`COPY fwspec-trace.bash ${BASH_TRACE_ENV}\n`);
});

describe("failingCommand: an action the script set for its end ran after the failing command", () => {
  const mark = (lines: string[]) => lines;
  test.each([
    [["rollback() { iptables -F INPUT; }", "trap rollback EXIT", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -A INPUT -j DROPP"], mark(["trap rollback EXIT", "iptables -A INPUT -p tcp --dport 22 -j ACCEPT", "iptables -A INPUT -j DROPP", "rollback", "iptables -F INPUT"]), "iptables -A INPUT -j DROPP", 4],
    [["trap 'iptables -F INPUT; echo rolled back' EXIT INT", "iptables -A INPUT -j DROPP"], mark(["trap iptables -F INPUT; echo rolled back EXIT INT", "iptables -A INPUT -j DROPP", "iptables -F INPUT", "echo rolled back"]), "iptables -A INPUT -j DROPP", 2],
    [["trap cleanup ERR", "cleanup() { echo x; }", "false"], mark(["trap cleanup ERR", "false", "cleanup", "echo x"]), "false", 3],
    // A trap for other signals does not run at the end: the last command is the one that failed.
    [["trap cleanup TERM", "iptables -A INPUT -j DROPP"], mark(["trap cleanup TERM", "iptables -A INPUT -j DROPP"]), "iptables -A INPUT -j DROPP", 2],
    // The action did not run (yet): the last command.
    [["trap rollback EXIT", "iptables -A INPUT -j DROPP"], mark(["trap rollback EXIT", "iptables -A INPUT -j DROPP"]), "iptables -A INPUT -j DROPP", 2],
  ])("%j", (lines, trace, command, line) => {
    expect(failingCommand(lines.join("\n"), trace)).toEqual({ command, line });
  });
});

describe("bash says each traced command's line (BASH_TRACE_PS4: the mark, @LINENO)", () => {
  const b = (line: number, command: string, level = 0) => `${"@".repeat(level)}${SCRIPT_TRACE_MARK}@${line} ${command}`;
  test("splitTrace takes the line off each command", () => {
    expect(splitTrace([b(2, "echo a"), "a", b(6, "echo hi", 1), b(6, "x=hi"), t("dash's, no line")].join("\n"))).toEqual({ trace: ["echo a", "echo hi", "x=hi", "dash's, no line"], lines: [2, 6, 6, undefined], output: "a" });
  });
  const SCRIPT = ["#!/bin/bash", "set -o pipefail", "f() {", "  iptables -A INPUT -j DROPP", "}", "x=$(iptables -A INPUT -p tcp --dport 80800 -j DROP)", "iptables-save | grep -q fwspec", "iptables -A INPUT \\", "  -p tcp --dport 80800 -j DROP", "f", "iptables -A INPUT -j DROPP", "iptables -A INPUT -j DROPP"].join("\n");
  test.each<[string, string[], number[], { command: string; line: number; written?: string }]>([
    ["a function's command: its own line, though the call is elsewhere", ["f", "iptables -A INPUT -j DROPP"], [10, 4], { command: "iptables -A INPUT -j DROPP", line: 4 }],
    ["a command substitution: the line as written, not `x=`", ["iptables -A INPUT -p tcp --dport 80800 -j DROP", "x="], [6, 6], { command: "x=", line: 6, written: "x=$(iptables -A INPUT -p tcp --dport 80800 -j DROP)" }],
    ["a pipeline (pipefail): the line as written, not its last command", ["iptables-save", "grep -q fwspec"], [7, 7], { command: "grep -q fwspec", line: 7, written: "iptables-save | grep -q fwspec" }],
    ["a command continued with `\\`: its first line, the command as the shell ran it", ["iptables -A INPUT -p tcp --dport 80800 -j DROP"], [8], { command: "iptables -A INPUT -p tcp --dport 80800 -j DROP", line: 8 }],
    ["two lines alike: the one the shell said", ["iptables -A INPUT -j DROPP"], [12], { command: "iptables -A INPUT -j DROPP", line: 12 }],
  ])("%s", (_, trace, lines, found) => {
    expect(failingCommand(SCRIPT, trace, lines)).toEqual(found);
  });
});
