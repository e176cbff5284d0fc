/** Unit tests (table-driven, no Docker) for load.ts. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { EXIT, InputError } from "../errors.ts";
import { defineScenario, formatDiagnostic, loadScenario, loadScenarioSync, parseScenarioText, ScenarioError } from "./load.ts";
import type { Diagnostic } from "./load.ts";
import type { ApplyStep, CountersStep, ExpectStep, HoldStep, RunStep, Scenario } from "./model.ts";

const DIR = path.join(import.meta.dirname, "testdata");
/** Scenario texts are parsed as if they were this file: fixtures resolve against testdata/. */
const FILE = path.join(DIR, "case.yaml");

/** Marks where the diagnostic must point; removed before parsing. */
const MARK = "‸";

function marked(src: string): { text: string; line: number; column: number } {
  const i = src.indexOf(MARK);
  if (i < 0) throw new Error(`no ${MARK} in case:\n${src}`);
  const before = src.slice(0, i);
  return { text: src.replace(MARK, ""), line: before.split("\n").length, column: i - (before.lastIndexOf("\n") + 1) + 1 };
}

function diagnosticsOf(fn: () => unknown): Diagnostic[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    const e = error as ScenarioError;
    expect(e).toBeInstanceOf(InputError);
    expect(e.exitCode).toBe(EXIT.badInput);
    expect(e.message).toBe(e.diagnostics.map(formatDiagnostic).join("\n"));
    return e.diagnostics;
  }
  throw new Error("expected a ScenarioError, the scenario was accepted");
}

function parse(text: string, file = FILE): Scenario {
  return parseScenarioText(text, file);
}

const HEAD = `name: T
description: D
hosts:
  server: { firewall: true, listen: [tcp/8080, http/3000, udp/5353] }
  remote: {}
`;

interface Malformed {
  readonly title: string;
  /** The scenario, with ‸ where the diagnostic must point. */
  readonly yaml: string;
  readonly message: string | RegExp;
  readonly hint: string | RegExp;
}

const MALFORMED: readonly Malformed[] = [
  // --- keys and types
  {
    title: "misspelt top-level key",
    yaml: `name: T\n‸descrption: D\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "unknown key `descrption` at the top level",
    hint: /did you mean `description`\?.*allowed keys at the top level: name, description, family, timeout, parity, networks, subnets, hosts, steps/,
  },
  {
    title: "misspelt host key",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { ‸firewal: true }\nsteps: [{ expect: [server -> localhost:1 open] }]\n`,
    message: "unknown key `firewal` in `hosts.server`",
    hint: /did you mean `firewall`\?.*firewall, backend, listen/,
  },
  {
    title: "misspelt key in an expectation object",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: remote, to: server, port: 8080, ‸verdit: open }\n`,
    message: "unknown key `verdit` in `steps[0].expect[0]`",
    hint: "did you mean `verdict`?",
  },
  {
    title: "misspelt key in a counter check",
    yaml: `${HEAD}steps:\n  - counters:\n      - rule: -A INPUT -j DROP\n        ‸packet: 1\n`,
    message: "unknown key `packet` in `steps[0].counters[0]`",
    hint: "did you mean `packets`?",
  },
  {
    title: "a step at the top level",
    yaml: `${HEAD}steps: [{ apply: fixtures/rules.sh }]\n‸expect: [remote -> server:8080 open]\n`,
    message: "unknown key `expect` at the top level",
    hint: "put it under `steps:`",
  },
  {
    title: "timeout as text",
    yaml: `${HEAD}timeout: ‸2s\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: '`timeout` must be a number, got the text "2s"',
    hint: "whole seconds from 1 to 30",
  },
  {
    title: "timeout out of range",
    yaml: `${HEAD}timeout: ‸60\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`timeout` must be at most 30, got the number 60",
    hint: "whole seconds from 1 to 30",
  },
  {
    title: "port as quoted text in an expectation object",
    yaml: `${HEAD}steps:\n  - expect: [{ from: remote, to: server, port: ‸"8080", verdict: open }]\n`,
    message: '`steps[0].expect[0].port` must be a number or a port range FIRST-LAST, got the text "8080"',
    hint: "write the number without quotes: 8080",
  },
  {
    title: "firewall as quoted text",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: ‸"yes" }\nsteps: [{ expect: [server -> localhost:1 open] }]\n`,
    message: '`hosts.server.firewall` must be `true` or `false`, got the text "yes"',
    hint: "without quotes",
  },
  {
    title: "empty name",
    yaml: `name: ‸""\ndescription: D\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`name` must not be empty",
    hint: "one-line title",
  },
  {
    title: "blank description",
    yaml: `name: T\ndescription: ‸"   "\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`description` is blank",
    hint: "saying why",
  },
  {
    title: "missing description",
    yaml: `# a comment line first\n‸name: T\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "missing required key `description` at the top level",
    hint: "add `description:",
  },
  {
    title: "missing hosts",
    yaml: `‸name: T\ndescription: D\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "missing required key `hosts` at the top level",
    hint: "add `hosts:`",
  },
  {
    title: "missing steps",
    yaml: `‸name: T\ndescription: D\nhosts: { server: { firewall: true } }\n`,
    message: "missing required key `steps` at the top level",
    hint: "add `steps:`",
  },
  {
    title: "no steps",
    yaml: `${HEAD}steps: ‸[]\n`,
    message: "`steps` needs at least 1 item",
    hint: "- apply: ...",
  },
  {
    title: "no hosts",
    yaml: `name: T\ndescription: D\nhosts: ‸{}\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`hosts` needs at least one host",
    hint: "server: { firewall: true",
  },
  {
    title: "missing key in an expectation object",
    yaml: `${HEAD}steps:\n  - expect: [‸{ from: remote, to: server, verdict: open }]\n`,
    message: "missing required key `port` in `steps[0].expect[0]`",
    hint: "add `port: <1..65535>`",
  },
  {
    title: "IPv6 address unquoted in an expectation object",
    yaml: `${HEAD}steps:\n  - expect: [{ from: remote, to: ‸[2001:db8::9], port: 80, verdict: dropped }]\n`,
    message: "`steps[0].expect[0].to` must be text, got a list",
    hint: "quote the value",
  },
  {
    title: "apply is a number",
    yaml: `${HEAD}steps:\n  - apply: ‸5\n`,
    message: "`steps[0].apply` must be text or a mapping, got the number 5",
    hint: "apply: path/to/rules.sh",
  },
  {
    title: "expect is a single line, not a list",
    yaml: `${HEAD}steps:\n  - expect: ‸remote -> server:8080 open\n`,
    message: '`steps[0].expect` must be a list, got the text "remote -> server:8080 open"',
    hint: "(a list, even of one item)",
  },
  {
    title: "two kinds in one step (a missing dash)",
    yaml: `${HEAD}steps:\n  - apply: fixtures/rules.sh\n    ‸expect: [remote -> server:8080 open]\n`,
    message: "one step holds one of `apply`, `expect`, `counters`, `run`, `reboot` or `hold`, this one has `apply` and `expect`",
    hint: "put `- ` before `expect:`",
  },
  {
    title: "empty step",
    yaml: `${HEAD}steps:\n  - ‸{}\n`,
    message: "empty step",
    hint: "- apply: ...",
  },
  {
    title: "null step",
    yaml: `${HEAD}steps:\n  ‸-\n  - apply: fixtures/rules.sh\n`,
    message: "`steps[0]` must be a mapping, got nothing (null)",
    hint: "a step is a mapping with one key",
  },
  {
    title: "bad family word",
    yaml: `${HEAD}family: ‸ipv5\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`family` must be `ipv4`, `ipv6` or `both`, got the text \"ipv5\"",
    hint: "did you mean `ipv4`?",
  },
  // --- hosts
  {
    title: "host name with capitals and underscore",
    yaml: `name: T\ndescription: D\nhosts:\n  ‸Web_1: { firewall: true }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "invalid host name `Web_1`",
    hint: "e.g. `web-1`",
  },
  {
    title: "host name starting with a digit",
    yaml: `name: T\ndescription: D\nhosts:\n  ‸1server: { firewall: true }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "invalid host name `1server`",
    hint: "a host name is a lowercase letter",
  },
  {
    title: "host name with a shell character",
    yaml: `name: T\ndescription: D\nhosts:\n  ‸"a;b": { firewall: true }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "host name `a;b` contains `;`",
    hint: "lowercase letters, digits or dashes",
  },
  {
    title: "a host named like the default network",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true }\n  ‸lan: {}\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "host `lan` has the name of a network (the lab's one network is `lan` when none is declared)",
    hint: "`{{ lan.ipv4 }}` would be ambiguous",
  },
  {
    title: "a host named like a declared network",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  server: { firewall: true, networks: [lan, dmz], router: true }\n  ‸dmz: { networks: [dmz] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "host `dmz` has the name of a network",
    hint: "rename the host, e.g. `dmz-host`",
  },
  {
    title: "localhost as a host name",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true }\n  ‸localhost: {}\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`localhost` cannot be a host name",
    hint: "own loopback",
  },
  {
    title: "duplicate host (YAML duplicate key)",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true }\n  remote: {}\n  ‸remote: {}\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "duplicate key `remote`",
    hint: "each key may appear once",
  },
  {
    title: "listener with a colon",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [‸tcp:8080] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "invalid listener `tcp:8080`",
    hint: "did you mean `tcp/8080`?",
  },
  {
    title: "listener without a protocol",
    yaml: `name: T\ndescription: D\nhosts:\n  server:\n    firewall: true\n    listen:\n      - tcp/80\n      - ‸"8080"\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "invalid listener `8080`",
    hint: "say the protocol: `tcp/8080`",
  },
  {
    title: "listener with a misspelt protocol",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [‸tpc/80] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "invalid listener `tpc/80`",
    hint: "did you mean `tcp/80`?",
  },
  {
    title: "listener port out of range",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [tcp/80, ‸udp/70000] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "port 70000 of listener `udp/70000` is not from 1 to 65535",
    hint: "from 1 to 65535",
  },
  {
    title: "listener port 0",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [‸tcp/0] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "port 0 of listener `tcp/0` is not from 1 to 65535",
    hint: "from 1 to 65535",
  },
  {
    title: "duplicate listener",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [tcp/80, udp/80, ‸tcp/80] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "duplicate listener `tcp/80` on `server`",
    hint: "remove the repeated listener",
  },
  {
    title: "tcp and http on the same port",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [http/80, ‸tcp/80] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`tcp/80` and `http/80` both listen on TCP port 80 of `server`",
    hint: "keep one of them",
  },
  {
    title: "one TCP port written twice",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [tcp/22, ‸tcp/022] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`tcp/022` and `tcp/22` name the same TCP port 22 of `server`",
    hint: "remove one of them",
  },
  {
    title: "one UDP port written twice",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [udp/53, ‸udp/0053] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`udp/0053` and `udp/53` name the same UDP port 53 of `server`",
    hint: "remove one of them",
  },
  {
    // Tester 44d: accepted as a host `hi` (a Node warning on stderr); a list key was named at 1:1.
    title: "a !!binary key",
    yaml: `name: n\ndescription: D\nhosts:\n  server: { firewall: true }\n  ? !!binary ‸aGk=\n  : {}\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "a key here is binary data (a `!!binary` tag); scenario keys are plain words",
    hint: "write the key as plain text",
  },
  {
    title: "a list as a key",
    yaml: `name: n\ndescription: D\nhosts:\n  server: { firewall: true }\n  ? ‸[ a ]\n  : {}\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "a key here is a list or mapping; scenario keys are plain words",
    hint: "write the key as plain text",
  },
  {
    // Tester 44d: read as an empty mapping, the host was a plain host without a word.
    title: "a !!set host",
    yaml: `name: n\ndescription: D\nhosts:\n  server: !!set ‸{ firewall }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`hosts.server` is a YAML `!!set`, which a scenario has no use for",
    hint: "remove the tag",
  },
  {
    title: "an !!omap step",
    yaml: `name: n\ndescription: D\nhosts:\n  server: { firewall: true }\nsteps:\n  - !!omap ‸[ { apply: fixtures/rules.sh } ]\n`,
    message: "`steps.0` is a YAML `!!omap` (or `!!pairs`), which a scenario has no use for",
    hint: "remove the tag",
  },
  {
    title: "a !!binary name",
    yaml: `name: !!binary ‸aGVsbG8=\ndescription: D\nhosts:\n  server: { firewall: true }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`name` must be text, got binary data (a `!!binary` YAML tag)",
    hint: "remove the `!!binary` tag: scenarios are plain YAML text",
  },
  {
    title: "backend on a plain host",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true }\n  remote: { ‸backend: legacy }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`backend` is set on `remote`, which is not a firewall host",
    hint: "add `firewall: true` to `remote`, or remove `backend`",
  },
  {
    title: "misspelt backend",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, backend: ‸legasy }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`hosts.server.backend` must be `nft` or `legacy`, got the text \"legasy\"",
    hint: "did you mean `legacy`?",
  },
  {
    title: "host is a bare word",
    yaml: `name: T\ndescription: D\nhosts:\n  server: ‸firewall\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: '`hosts.server` must be a mapping, got the text "firewall"',
    hint: "`server: { firewall: true }`",
  },
  // --- apply
  {
    title: "apply to a host that is not a firewall",
    yaml: `${HEAD}steps:\n  - apply: { host: ‸remote, script: fixtures/rules.sh }\n`,
    message: "host `remote` is not a firewall host",
    hint: "firewall hosts (`server`)",
  },
  {
    title: "apply to an unknown host",
    yaml: `${HEAD}steps:\n  - apply: { host: ‸servr, script: fixtures/rules.sh }\n`,
    message: "unknown host `servr`",
    hint: "did you mean `server`?",
  },
  {
    title: "string apply with two firewall hosts",
    yaml: `name: T\ndescription: D\nhosts:\n  a: { firewall: true }\n  b: { firewall: true }\nsteps:\n  - apply: ‸fixtures/rules.sh\n`,
    message: "several firewall hosts (`a` and `b`): say which one",
    hint: "`apply: { host: a, script: fixtures/rules.sh }`",
  },
  {
    title: "string apply with no firewall host",
    yaml: `name: T\ndescription: D\nhosts:\n  a: {}\nsteps:\n  - apply: ‸fixtures/rules.sh\n`,
    message: "there is no firewall host",
    hint: "`firewall: true`",
  },
  {
    title: "script file missing (with a near name)",
    yaml: `${HEAD}steps:\n  - apply: { host: server, script: ‸fixtures/rules.shh }\n`,
    message: /^file not found: `fixtures\/rules.shh` \(looked for .*testdata\/fixtures\/rules.shh\)$/,
    hint: "did you mean `fixtures/rules.sh`?",
  },
  {
    title: "script is a directory",
    yaml: `${HEAD}steps:\n  - apply: ‸fixtures/adir\n`,
    message: "`fixtures/adir` is a directory, not a regular file",
    hint: "name a script or rules file",
  },
  {
    title: "script is empty",
    yaml: `${HEAD}steps:\n  - apply: ‸fixtures/empty.sh\n`,
    message: "`fixtures/empty.sh` is empty",
    hint: "write the rules into the file",
  },
  {
    title: "script is binary",
    yaml: `${HEAD}steps:\n  - apply: ‸fixtures/binary.sh\n`,
    message: "`fixtures/binary.sh` is a binary file (it contains NUL bytes, the first on line 1, character 9)",
    hint: "name a text file",
  },
  {
    title: "script path escaping the project",
    yaml: `${HEAD}steps:\n  - apply: ‸../../../../etc/shadow\n`,
    message: "`../../../../etc/shadow` is outside the project",
    hint: "files a scenario reads (rules files, scripts) must be inside the project",
  },
  {
    title: "script path with shell characters",
    yaml: `${HEAD}steps:\n  - apply: ‸"fixtures/rules.sh; rm -rf /"\n`,
    message: "file path `fixtures/rules.sh; rm -rf /` contains `;`",
    hint: "without quotes or shell syntax",
  },
  {
    title: "restore file missing",
    yaml: `${HEAD}steps:\n  - apply:\n      host: server\n      restore:\n        ipv4: fixtures/rules.v4\n        ipv6: ‸fixtures/missing.v6\n`,
    message: "file not found: `fixtures/missing.v6`",
    hint: "relative to the scenario file's directory",
  },
  {
    title: "an iptables-save file loaded as a script",
    yaml: `${HEAD}steps:\n  - apply: { host: server, script: ‸fixtures/rules.v4 }\n`,
    message: "`fixtures/rules.v4` looks like an iptables-save file (iptables-restore input)",
    hint: "restore: { ipv4: fixtures/rules.v4 }",
  },
  {
    title: "an nft ruleset loaded as iptables-restore input",
    yaml: `${HEAD}steps:\n  - apply:\n      host: server\n      restore:\n        ipv4: ‸fixtures/rules.nft\n`,
    message: "`fixtures/rules.nft` looks like an nftables ruleset (nft -f input)",
    hint: "nft: fixtures/rules.nft",
  },
  {
    title: "restore without files",
    yaml: `${HEAD}steps:\n  - apply: { host: server, restore: ‸{} }\n`,
    message: "`restore` names no file",
    hint: "ipv4: path/to/rules.v4",
  },
  {
    title: "apply with two sources",
    yaml: `${HEAD}steps:\n  - apply: { host: server, script: fixtures/rules.sh, ‸restore: { ipv4: fixtures/rules.v4 } }\n`,
    message: "one `apply` step takes one of `script`, `restore`, `nft` or `commands`, this one has `script` and `restore`",
    hint: "split them into two apply steps",
  },
  {
    title: "apply with an nft file and commands",
    yaml: `${HEAD}steps:\n  - apply: { host: server, nft: fixtures/rules.nft, ‸commands: [nft list ruleset] }\n`,
    message: "one `apply` step takes one of `script`, `restore`, `nft` or `commands`, this one has `nft` and `commands`",
    hint: "split them into two apply steps",
  },
  {
    title: "apply without a source",
    yaml: `${HEAD}steps:\n  - apply: ‸{ host: server }\n`,
    message: "`apply` needs one of `script`, `restore`, `nft` or `commands`",
    hint: "script: ../fixtures/rules.sh",
  },
  {
    title: "command with `;`",
    yaml: `${HEAD}steps:\n  - apply: { host: server, commands: ["iptables -F‸; iptables -X"] }\n`,
    message: "shell operator `;` (command separator) in a command",
    hint: "put shell syntax in a script file",
  },
  {
    title: "command with `&&`",
    yaml: `${HEAD}steps:\n  - apply:\n      host: server\n      commands:\n        - iptables -F ‸&& iptables -X\n`,
    message: "shell operator `&` (background / `&&`) in a command",
    hint: "script file",
  },
  {
    title: "command with a pipe",
    yaml: `${HEAD}steps:\n  - apply:\n      commands:\n        - iptables -S ‸| grep DROP\n`,
    message: "shell operator `|` (pipe) in a command",
    hint: "script file",
  },
  {
    title: "command with a redirection",
    yaml: `${HEAD}steps:\n  - apply:\n      commands:\n        - iptables-save ‸> /tmp/x\n`,
    message: "shell operator `>` (redirection) in a command",
    hint: "script file",
  },
  {
    title: "command with $( )",
    yaml: `${HEAD}steps:\n  - apply:\n      commands:\n        - iptables -A INPUT -s ‸$(hostname -i) -j DROP\n`,
    message: "shell expansion `$(` (command substitution) in a command",
    hint: "nothing is expanded",
  },
  {
    title: "command with a variable",
    yaml: `${HEAD}steps:\n  - apply:\n      commands:\n        - 'iptables -A INPUT -s ‸$PEER -j DROP'\n`,
    message: "shell expansion `$` (variable expansion) in a command",
    hint: "nothing is expanded",
  },
  {
    title: "command with backticks",
    yaml: `${HEAD}steps:\n  - apply:\n      commands:\n        - 'iptables -A INPUT -s ‸\`hostname -i\` -j DROP'\n`,
    message: "shell command substitution (backtick) in a command",
    hint: "script file",
  },
  {
    title: "empty command",
    yaml: `${HEAD}steps:\n  - apply: { host: server, commands: [‸"  "] }\n`,
    message: "empty command",
    hint: "iptables -A INPUT",
  },
  {
    title: "empty argument list",
    yaml: `${HEAD}steps:\n  - apply: { host: server, commands: [‸[]] }\n`,
    message: "`steps[0].apply.commands[0]` needs at least 1 item",
    hint: "argument list starting with the program",
  },
  // --- expectations
  {
    title: "expectation without an arrow",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote‸ server:8080 open\n`,
    message: "missing `->` between the source host and the target (in `remote server:8080 open`)",
    hint: "FROM -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT",
  },
  {
    title: "expectation with a bad port",
    yaml: `${HEAD}steps:\n  - expect:\n      - "remote -> server:‸80800 open"\n`,
    message: "port `80800` is not a number from 1 to 65535",
    hint: "from 1 to 65535",
  },
  {
    title: "unknown source host",
    yaml: `${HEAD}steps:\n  - expect:\n      - ‸remot -> server:8080 dropped\n`,
    message: "unknown host `remot`",
    hint: "did you mean `remote`? hosts are `server` and `remote`",
  },
  {
    title: "unknown target host",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> ‸sever:8080 dropped\n`,
    message: "unknown host `sever`",
    hint: "did you mean `server`?",
  },
  {
    title: "misspelt verdict",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> server:8080 ‸blokced\n`,
    message: "unknown verdict `blokced`",
    hint: "did you mean `blocked`?",
  },
  {
    title: "misspelt protocol",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> server:8080/‸tpc open\n`,
    message: "unknown protocol `tpc`",
    hint: "did you mean `tcp`?",
  },
  {
    title: "port without a listener",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> server:‸9090 open\n`,
    message: "`server` does not listen on tcp/9090",
    hint: "server listens on tcp/8080, http/3000, udp/5353",
  },
  {
    title: "udp probe to a tcp listener",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> server:‸8080/udp blocked\n`,
    message: "`server` does not listen on udp/8080",
    hint: "listen: [udp/8080]",
  },
  {
    title: "http probe to a tcp listener",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> server:‸8080/http open\n`,
    message: "`server` does not listen on http/8080",
    hint: "an http probe needs an `http/8080` listener",
  },
  {
    title: "localhost probes the source's own listeners",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> localhost:‸8080 open\n`,
    message: "`remote` (localhost is the probing host's own loopback) does not listen on tcp/8080",
    hint: "remote declares no listeners",
  },
  {
    title: "IPv4 literal with an IPv6 suffix",
    yaml: `${HEAD}steps:\n  - expect:\n      - remote -> 198.18.0.9:80/tcp‸6 dropped\n`,
    message: "`/tcp6` asks for IPv6 but `198.18.0.9` is an IPv4 address",
    hint: "drop the suffix",
  },
  {
    title: "expectation read as a mapping",
    yaml: `${HEAD}steps:\n  - expect:\n      - ‸remote -> server:8080: open\n`,
    message: "this expectation was read as a mapping because of a `: ` in it",
    hint: "quote the whole line",
  },
  {
    title: "object: family conflicting with the protocol suffix",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: remote, to: server, port: 8080, protocol: tcp6, family: ‸ipv4, verdict: dropped }\n`,
    message: "`family: ipv4` conflicts with `protocol: tcp6`",
    hint: "drop the suffix or the `family` key",
  },
  {
    title: "object: IPv4 literal with family ipv6",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: remote, to: 198.18.0.9, port: 80, family: ‸ipv6, verdict: dropped }\n`,
    message: "`family: ipv6` conflicts with the IPv4 address `198.18.0.9`",
    hint: "remove `family`",
  },
  {
    title: "object: IPv6 literal with an IPv4 suffix",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: remote, to: "2001:db8::9", port: 80, protocol: ‸udp4, verdict: dropped }\n`,
    message: "`protocol: udp4` asks for IPv4 but `2001:db8::9` is an IPv6 address",
    hint: "`protocol: udp`",
  },
  {
    title: "object: bad verdict word",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: remote, to: server, port: 8080, verdict: ‸droped }\n`,
    message: "unknown verdict `droped`",
    hint: "did you mean `dropped`? verdicts are `open`, `refused`, `unreachable`, `dropped` or `blocked`",
  },
  {
    title: "object: bad protocol",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: remote, to: server, port: 8080, protocol: ‸icmp, verdict: dropped }\n`,
    message: "`steps[0].expect[0].protocol` must be",
    hint: "write one of `tcp`",
  },
  {
    title: "object: port in `to`",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: remote, to: ‸"server:8080", port: 8080, verdict: dropped }\n`,
    message: "`to` is a host, `localhost` or an address",
    hint: "write the port in `port:`",
  },
  {
    title: "object: unknown source",
    yaml: `${HEAD}steps:\n  - expect:\n      - { from: ‸remtoe, to: server, port: 8080, verdict: dropped }\n`,
    message: "unknown host `remtoe`",
    hint: "did you mean `remote`?",
  },
  // --- counters
  {
    title: "counter check without packets or bytes",
    yaml: `${HEAD}steps:\n  - counters:\n      - ‸rule: -A INPUT -p tcp --dport 8080 -j DROP\n`,
    message: "a counter check needs `packets` or `bytes` (or both)",
    hint: 'packets: ">= 1"',
  },
  {
    title: "bad comparison",
    yaml: `${HEAD}steps:\n  - counters:\n      - rule: -A INPUT -j DROP\n        packets: ‸"=> 1"\n`,
    message: "invalid comparison `=> 1`",
    hint: "did you mean `>=`?",
  },
  {
    title: "comparison in words",
    yaml: `${HEAD}steps:\n  - counters:\n      - rule: -A INPUT -j DROP\n        bytes: ‸at least 1\n`,
    message: "invalid comparison `at least 1`",
    hint: "write an operator (>=, <=, ==, !=, >, <) and a whole number",
  },
  {
    title: "counter check on an unknown host",
    yaml: `${HEAD}steps:\n  - counters:\n      - { host: ‸srever, rule: -A INPUT -j DROP, packets: 1 }\n`,
    message: "unknown host `srever`",
    hint: "did you mean `server`?",
  },
  {
    title: "counter check on a plain host",
    yaml: `${HEAD}steps:\n  - counters:\n      - { host: ‸remote, rule: -A INPUT -j DROP, packets: 1 }\n`,
    message: "host `remote` is not a firewall host",
    hint: "set `firewall: true` on `remote`",
  },
  {
    title: "counter position 0",
    yaml: `${HEAD}steps:\n  - counters:\n      - { chain: INPUT, position: ‸0, packets: 1 }\n`,
    message: "`steps[0].counters[0].position` must be at least 1, got the number 0",
    hint: "a rule position from 1",
  },
  {
    title: "counter chain without position",
    yaml: `${HEAD}steps:\n  - counters:\n      - { ‸chain: INPUT, packets: 1 }\n`,
    message: "`chain` needs a `position`",
    hint: "{ chain: INPUT, position: 1 }",
  },
  {
    title: "counter with two selectors",
    yaml: `${HEAD}steps:\n  - counters:\n      - { rule: -A INPUT -j DROP, ‸comment: x, packets: 1 }\n`,
    message: "a counter check selects one rule one way; this one has both `rule` and `comment`",
    hint: "select the rule by",
  },
  {
    title: "counter without a selector",
    yaml: `${HEAD}steps:\n  - counters:\n      - ‸{ packets: 1 }\n`,
    message: "a counter check needs a rule selector",
    hint: "`rule:",
  },
  {
    title: "counter rule written as a command",
    yaml: `${HEAD}steps:\n  - counters:\n      - { rule: ‸iptables -A INPUT -j DROP, packets: 1 }\n`,
    message: "`rule` must be written as `iptables -S` prints it",
    hint: "without `iptables`",
  },
  {
    title: "counter table given twice (beside the rule and in it)",
    yaml: `${HEAD}steps:\n  - counters:\n      - { rule: -t nat -A PREROUTING -j DROP, ‸table: nat, packets: 1 }\n`,
    message: "`table: nat` and the rule's own `-t nat`",
    hint: "name the table once",
  },
  // --- names
  {
    title: "scenario name with a line break",
    yaml: `name: ‸"two\\nlines"\ndescription: D\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`name` contains a line break",
    hint: "write the name on one line",
  },
  {
    title: "scenario name with a carriage return",
    yaml: `name: ‸"one\\rtwo"\ndescription: D\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`name` contains a line break",
    hint: "say more in `description`",
  },
  {
    title: "scenario name longer than a title (tester 44d: a 900 KB name was accepted)",
    yaml: `name: ‸${"x".repeat(201)}\ndescription: D\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`name` is 201 characters long, more than the 200 it may have",
    hint: "shorten it to at most 200 characters",
  },
  // --- networks (scenario level)
  {
    title: "network name with capitals",
    yaml: `${HEAD}networks: [lan, ‸DMZ]\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "invalid network name `DMZ`",
    hint: "e.g. `dmz`",
  },
  {
    title: "network name with a shell character",
    yaml: `${HEAD}networks: [lan, ‸"d;mz"]\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "network name `d;mz` contains `;`",
    hint: "a network name is a lowercase letter",
  },
  {
    title: "duplicate network",
    yaml: `${HEAD}networks: [lan, dmz, ‸lan]\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "duplicate network `lan`",
    hint: "each network is declared once",
  },
  {
    title: "networks as one word, not a list",
    yaml: `${HEAD}networks: ‸lan\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: '`networks` must be a list, got the text "lan"',
    hint: "`networks: [lan, dmz]` (a list, even of one item)",
  },
  {
    title: "empty networks list",
    yaml: `${HEAD}networks: ‸[]\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`networks` needs at least 1 item",
    hint: "networks: [lan, dmz]",
  },
  // --- networks (host level)
  {
    title: "host networks without scenario networks",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, ‸networks: [lan] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`networks` is set on `server`, but the scenario declares no networks",
    hint: "declare them at the top level first, e.g. `networks: [lan, dmz]`",
  },
  {
    title: "host on an undeclared network",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  server: { firewall: true, networks: [lan, ‸dmx] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "unknown network `dmx`",
    hint: "did you mean `dmz`? the scenario declares `lan` and `dmz`",
  },
  {
    title: "host on the same network twice",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  server: { firewall: true, networks: [lan, ‸lan] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "duplicate network `lan` on `server`",
    hint: "remove the repeated name",
  },
  {
    title: "host networks as a number",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  server: { firewall: true, networks: ‸5 }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`hosts.server.networks` must be a list, got the number 5",
    hint: "networks: [lan, dmz]",
  },
  // --- routers
  {
    title: "router that is not a firewall host",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  server: { firewall: true }\n  gw: { ‸router: true, networks: [lan, dmz] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`router` is set on `gw`, which is not a firewall host",
    hint: "routers need NET_ADMIN for FORWARD rules; add `firewall: true` to `gw`",
  },
  {
    title: "router on one network",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  gw: { firewall: true, router: true, networks: ‸[lan] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "router `gw` is on one network (`lan`); a router needs at least two",
    hint: "`networks: [lan, dmz]`",
  },
  {
    title: "router on the default network only",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  gw: { firewall: true, ‸router: true }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "router `gw` is on one network (`lan`); a router needs at least two",
    hint: "attach it to the networks it routes between",
  },
  {
    title: "router without scenario networks",
    yaml: `name: T\ndescription: D\nhosts:\n  gw: { firewall: true, ‸router: true }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "router `gw` needs at least two networks, but the scenario declares none",
    hint: "declare them at the top level, e.g. `networks: [lan, dmz]`",
  },
  {
    title: "router as quoted text",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  gw: { firewall: true, router: ‸"yes", networks: [lan, dmz] }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: '`hosts.gw.router` must be `true` or `false`, got the text "yes"',
    hint: "without quotes",
  },
  // --- reachability between networks
  {
    title: "probe between networks without a router",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  client: { networks: [lan] }\n  server: { firewall: true, networks: [dmz], listen: [tcp/8080] }\nsteps:\n  - expect:\n      - client -> ‸server:8080 open\n`,
    message: "server is not reachable from client: no shared network and no router between lan and dmz",
    hint: "`hosts: { gw: { firewall: true, router: true, networks: [lan, dmz] } }`",
  },
  {
    title: "object probe to a host behind a router on other networks",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz, wan]\nhosts:\n  client: { networks: [lan] }\n  gw: { firewall: true, router: true, networks: [lan, wan] }\n  server: { networks: [dmz], listen: [tcp/8080] }\nsteps:\n  - expect:\n      - { from: client, to: ‸server, port: 8080, verdict: open }\n`,
    message: "server is not reachable from client: no shared network and no router between lan and dmz",
    hint: "or attach `server` to lan as well",
  },
  {
    title: "hold between networks without a router",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  client: { networks: [lan] }\n  server: { firewall: true, networks: [dmz], listen: [tcp/8080] }\nsteps:\n  - hold: { name: s, from: client, to: ‸server, port: 8080 }\n`,
    message: "server is not reachable from client: no shared network and no router between lan and dmz",
    hint: "router: true",
  },
  // --- who can answer: the probe must be able to get to the host named in `answered-by`
  {
    title: "answered-by a host the target does not forward to (not a router)",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  client: { networks: [lan] }\n  gw: { firewall: true, networks: [lan, dmz], listen: [tcp/80] }\n  backend: { networks: [dmz], listen: [tcp/8080] }\nsteps:\n  - expect:\n      - client -> gw:80 open answered-by ‸backend:8080 seen-from gw\n`,
    message: "backend cannot answer a probe of gw from client: gw is not a router, so it does not forward the probe it rewrites to backend",
    hint: "add `router: true` to `gw` (it is on `lan` and `dmz`)",
  },
  {
    title: "object probe answered by a host on no network of the router",
    yaml: `name: T\ndescription: D\nnetworks: [lan, dmz, wan]\nhosts:\n  client: { networks: [lan] }\n  gw: { firewall: true, router: true, networks: [lan, wan] }\n  backend: { networks: [dmz], listen: [tcp/8080] }\nsteps:\n  - expect:\n      - { from: client, to: gw, port: 80, verdict: open, answeredBy: ‸"backend:8080" }\n`,
    message: "backend cannot answer a probe of gw from client: backend is not reachable from gw: they share no network",
    hint: "attach `backend` to lan as well (`networks: [dmz, lan]`)",
  },
  // --- parity
  {
    title: "misspelt parity",
    yaml: `${HEAD}parity: ‸fial\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: '`parity` must be `warn`, `fail` or `off`, got the text "fial"',
    hint: "did you mean `fail`?",
  },
  {
    title: "parity as a boolean",
    yaml: `${HEAD}parity: ‸true\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "`parity` must be `warn`, `fail` or `off`, got `true`",
    hint: "write one of `warn`, `fail` or `off`",
  },
  {
    title: "parity under a host",
    yaml: `name: T\ndescription: D\nhosts:\n  server: { firewall: true, ‸parity: fail }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    message: "unknown key `parity` in `hosts.server`",
    hint: "allowed keys in `hosts.server`: firewall, backend, listen, networks, router",
  },
  // --- run
  {
    title: "run command with a pipe",
    yaml: `${HEAD}steps:\n  - run: "iptables -S ‸| grep DROP"\n`,
    message: "shell operator `|` (pipe) in a command",
    hint: "script file",
  },
  {
    title: "run command with a variable",
    yaml: `${HEAD}steps:\n  - run: { host: remote, command: 'echo ‸$HOME' }\n`,
    message: "shell expansion `$` (variable expansion) in a command",
    hint: "nothing is expanded",
  },
  {
    title: "run on an unknown host",
    yaml: `${HEAD}steps:\n  - run: { host: ‸servr, command: iptables -S }\n`,
    message: "unknown host `servr`",
    hint: "did you mean `server`?",
  },
  {
    title: "run string form with two firewall hosts",
    yaml: `name: T\ndescription: D\nhosts:\n  a: { firewall: true }\n  b: { firewall: true }\nsteps:\n  - run: ‸iptables -S\n`,
    message: "several firewall hosts (`a` and `b`): say which one",
    hint: "`run: { host: a, command: iptables -S }`",
  },
  {
    title: "run string form without a firewall host",
    yaml: `name: T\ndescription: D\nhosts:\n  a: {}\nsteps:\n  - run: ‸iptables -S\n`,
    message: "there is no firewall host",
    hint: "name the host to run on",
  },
  {
    title: "run exit out of range",
    yaml: `${HEAD}steps:\n  - run: { host: server, command: iptables -S, exit: ‸256 }\n`,
    message: "`steps[0].run.exit` must be a whole number from 0 to 255 or `nonzero`, got the number 256",
    hint: "`nonzero` for any failure",
  },
  {
    title: "run exit as a word",
    yaml: `${HEAD}steps:\n  - run: { host: server, command: iptables -S, exit: ‸fail }\n`,
    message: '`steps[0].run.exit` must be a whole number from 0 to 255 or `nonzero`, got the text "fail"',
    hint: "a whole number from 0 to 255",
  },
  {
    title: "run exit as a quoted number",
    yaml: `${HEAD}steps:\n  - run: { host: server, command: iptables -S, exit: ‸"1" }\n`,
    message: "`steps[0].run.exit` must be a whole number from 0 to 255 or `nonzero`",
    hint: "write the number without quotes: 1",
  },
  {
    title: "run with an invalid regular expression",
    yaml: `${HEAD}steps:\n  - run:\n      host: server\n      command: iptables -S\n      matches: [ok, ‸"(-j DROP"]\n`,
    message: "invalid regular expression `(-j DROP`: Unterminated group",
    hint: "escape special characters",
  },
  {
    title: "run without a command",
    yaml: `${HEAD}steps:\n  - run: ‸{ host: server, contains: x }\n`,
    message: "missing required key `command` in `steps[0].run`",
    hint: "add `command:",
  },
  {
    title: "run with a misspelt key",
    yaml: `${HEAD}steps:\n  - run: { host: server, command: iptables -S, ‸contain: DROP }\n`,
    message: "unknown key `contain` in `steps[0].run`",
    hint: /did you mean `contains`\?.*host, command, exit, contains, excludes, matches/,
  },
  {
    title: "run with an empty contains",
    yaml: `${HEAD}steps:\n  - run: { host: server, command: iptables -S, contains: ‸"" }\n`,
    message: "`steps[0].run.contains` must not be empty",
    hint: "texts the output must contain",
  },
  {
    title: "run with the same text in contains and excludes",
    yaml: `${HEAD}steps:\n  - run: { host: server, command: iptables -S, contains: DROP, excludes: [ACCEPT, ‸DROP] }\n`,
    message: "`DROP` is in both `contains` and `excludes`",
    hint: "remove one of them",
  },
  {
    title: "run with an empty argument list",
    yaml: `${HEAD}steps:\n  - run: { host: server, command: ‸[] }\n`,
    message: "`steps[0].run.command` needs at least 1 item",
    hint: "command: [iptables, -S, INPUT]",
  },
  // --- reboot
  {
    title: "reboot an unknown host",
    yaml: `${HEAD}steps:\n  - reboot: ‸sever\n`,
    message: "unknown host `sever`",
    hint: "did you mean `server`?",
  },
  {
    title: "reboot a list of hosts",
    yaml: `${HEAD}steps:\n  - reboot: ‸[server, remote]\n`,
    message: "`steps[0].reboot` must be text, got a list",
    hint: "one host per step",
  },
  {
    title: "reboot localhost",
    yaml: `${HEAD}steps:\n  - reboot: ‸localhost\n`,
    message: "`localhost` is not a host to reboot",
    hint: "name a lab host: `server` or `remote`",
  },
  {
    title: "reboot with nothing",
    yaml: `${HEAD}steps:\n  - ‸reboot:\n`,
    message: "`steps[0].reboot` must be text, got nothing (null)",
    hint: "reboot: server",
  },
  // --- hold
  {
    title: "hold without a port",
    yaml: `${HEAD}steps:\n  - hold: ‸{ name: s, from: remote, to: server }\n`,
    message: "missing required key `port` in `steps[0].hold`",
    hint: "a tcp/ or udp/ listener of the `to` host",
  },
  {
    title: "hold without a name",
    yaml: `${HEAD}steps:\n  - hold: ‸{ from: remote, to: server, port: 8080 }\n`,
    message: "missing required key `name` in `steps[0].hold`",
    hint: "e.g. `name: session`",
  },
  {
    title: "hold to localhost",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: server, to: ‸localhost, port: 8080 }\n`,
    message: "a hold goes to a lab host, not `localhost`",
    hint: "name a lab host",
  },
  {
    title: "hold to an address",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: remote, to: ‸198.18.0.9, port: 8080 }\n`,
    message: "a hold goes to a lab host, not an address (`198.18.0.9`)",
    hint: "not supported (yet)",
  },
  {
    title: "hold from an unknown host",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: ‸remot, to: server, port: 8080 }\n`,
    message: "unknown host `remot`",
    hint: "did you mean `remote`?",
  },
  {
    title: "hold over http",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: remote, to: server, port: 3000, protocol: ‸http }\n`,
    message: '`steps[0].hold.protocol` must be `tcp` or `udp`, got the text "http"',
    hint: "write one of `tcp` or `udp`",
  },
  {
    title: "hold with family both",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: remote, to: server, port: 8080, family: ‸both }\n`,
    message: '`steps[0].hold.family` must be `ipv4` or `ipv6`, got the text "both"',
    hint: "write one of `ipv4` or `ipv6`",
  },
  {
    title: "hold to a port without a listener",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: remote, to: server, port: ‸9999 }\n`,
    message: "`server` does not listen on tcp/9999",
    hint: "listen: [tcp/9999]",
  },
  {
    title: "udp hold to a tcp listener",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: remote, to: server, port: ‸8080, protocol: udp }\n`,
    message: "`server` does not listen on udp/8080",
    hint: "server listens on tcp/8080, http/3000, udp/5353",
  },
  {
    title: "invalid hold name",
    yaml: `${HEAD}steps:\n  - hold: { name: ‸Session_1, from: remote, to: server, port: 8080 }\n`,
    message: "invalid hold name `Session_1`",
    hint: "e.g. `session-1`",
  },
  {
    title: "duplicate hold name",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: remote, to: server, port: 8080 }\n  - hold: { name: ‸s, from: remote, to: server, port: 5353, protocol: udp }\n`,
    message: "duplicate hold name `s`",
    hint: "the hold at line 7 is named `s` already",
  },
  {
    title: "hold with a misspelt key",
    yaml: `${HEAD}steps:\n  - hold: { name: s, from: remote, to: server, ‸prot: 8080 }\n`,
    message: "unknown key `prot` in `steps[0].hold`",
    hint: /did you mean `port`\?.*name, from, to, port, protocol, family/,
  },
  // --- held
  {
    title: "held: unknown hold name",
    yaml: `${HEAD}steps:\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n  - expect:\n      - held ‸sesion open\n`,
    message: "unknown hold `sesion`",
    hint: "did you mean `session`? holds declared before this step: `session`",
  },
  {
    title: "held: no hold at all",
    yaml: `${HEAD}steps:\n  - expect:\n      - held ‸session open\n`,
    message: "unknown hold `session`",
    hint: "no `hold` step comes before this one",
  },
  {
    title: "held before its hold",
    yaml: `${HEAD}steps:\n  - expect:\n      - held ‸session open\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n`,
    message: "hold `session` is declared in a later step (line 9)",
    hint: "move the `hold` step before this one",
  },
  {
    title: "held: misspelt verdict",
    yaml: `${HEAD}steps:\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n  - expect:\n      - held session ‸opne\n`,
    message: "unknown verdict `opne`",
    hint: "did you mean `open`?",
  },
  {
    title: "held: missing verdict",
    yaml: `${HEAD}steps:\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n  - expect:\n      - held session‸\n`,
    message: "missing the verdict after `held session`",
    hint: "end the line with `open`",
  },
  {
    title: "held: `hold` instead of `held`",
    yaml: `${HEAD}steps:\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n  - expect:\n      - ‸hold session open\n`,
    message: "`hold` is not `held`, and the line has no `->`",
    hint: "did you mean `held session open`?",
  },
  {
    title: "held object: unknown hold name",
    yaml: `${HEAD}steps:\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n  - expect:\n      - { held: ‸sesion, verdict: open }\n`,
    message: "unknown hold `sesion`",
    hint: "did you mean `session`?",
  },
  {
    title: "held object: bad verdict",
    yaml: `${HEAD}steps:\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n  - expect:\n      - { held: session, verdict: ‸opne }\n`,
    message: "`steps[1].expect[0].verdict` must be `open`, `refused`, `unreachable`, `dropped` or `blocked`",
    hint: "did you mean `open`?",
  },
  {
    title: "held object: a probe key as well",
    yaml: `${HEAD}steps:\n  - hold: { name: session, from: remote, to: server, port: 8080 }\n  - expect:\n      - { held: session, verdict: open, ‸port: 8080 }\n`,
    message: "unknown key `port` in `steps[1].expect[0]`",
    hint: "allowed keys in `steps[1].expect[0]`: held, verdict",
  },
  // --- the file itself
  {
    title: "top-level list",
    yaml: `‸- name: T\n- description: D\n`,
    message: "the top level is a list; a scenario is a mapping",
    hint: "without a leading `- `",
  },
  {
    title: "top-level scalar",
    yaml: `‸just some words\n`,
    message: 'the top level is the text "just some words"; a scenario is a mapping',
    hint: "at the top level",
  },
  {
    title: "unclosed quote (YAML's own position)",
    yaml: `name: "T\ndescription: D\n‸`,
    message: /^YAML syntax error: Missing closing "quote/,
    hint: "is not closed",
  },
  {
    title: "tab indentation (YAML's own position)",
    yaml: `name: T\nhosts:\n‸\tserver: {}\n`,
    message: /^YAML syntax error: Tabs are not allowed as indentation/,
    hint: "indent with spaces",
  },
  {
    title: "bad indentation (YAML's own position)",
    yaml: `name: ‸T\n  description: D\n`,
    message: /^YAML syntax error/,
    hint: "indentation",
  },
  {
    title: "two documents",
    yaml: `name: T\n‸---\nname: U\n`,
    message: "the file holds more than one YAML document (a second `---`)",
    hint: "one YAML document",
  },
  {
    title: "empty file",
    yaml: `‸`,
    message: "the scenario file is empty",
    hint: "start with `name:`",
  },
  {
    title: "only comments",
    yaml: `‸# yaml-language-server: $schema=../schema/scenario.schema.json\n# nothing else\n`,
    message: "the scenario file has no content (only comments)",
    hint: "start with `name:`",
  },
  {
    title: "binary file",
    yaml: `name: T\ndescription: ‸\u0000\u0001\n`,
    message: "the scenario file is binary (it contains NUL bytes)",
    hint: "YAML text file",
  },
];

describe("malformed scenarios: a diagnostic with line, column and hint", () => {
  test("there are at least 20 distinct cases", () => {
    expect(new Set(MALFORMED.map((c) => c.title)).size).toBe(MALFORMED.length);
    expect(MALFORMED.length).toBeGreaterThanOrEqual(20);
  });

  test.each(MALFORMED.map((c) => [c.title, c] as const))("%s", (_title, c) => {
    const { text, line, column } = marked(c.yaml);
    const diagnostics = diagnosticsOf(() => parse(text));
    const found = diagnostics.find((d) => (typeof c.message === "string" ? d.message.includes(c.message) : c.message.test(d.message)));
    expect(found, `no diagnostic matches ${String(c.message)}; got:\n${diagnostics.map(formatDiagnostic).join("\n")}`).toBeDefined();
    const d = found as Diagnostic;
    expect({ line: d.line, column: d.column }, formatDiagnostic(d)).toEqual({ line, column });
    expect(d.file).toBe(FILE);
    expect(d.hint, formatDiagnostic(d)).toBeDefined();
    if (typeof c.hint === "string") expect(d.hint).toContain(c.hint);
    else expect(d.hint).toMatch(c.hint);
  });

  test("every diagnostic of every case names a position and has a hint", () => {
    for (const c of MALFORMED) {
      for (const d of diagnosticsOf(() => parse(marked(c.yaml).text))) {
        expect(d.line, c.title).toBeGreaterThanOrEqual(1);
        expect(d.column, c.title).toBeGreaterThanOrEqual(1);
        expect(d.hint, `${c.title}: ${d.message}`).toBeTruthy();
      }
    }
  });

  test("a file larger than 1 MiB", () => {
    const text = `name: T\ndescription: "${"x".repeat(1024 * 1024)}"\n`;
    const [d, ...rest] = diagnosticsOf(() => parse(text));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ line: 1, column: 1, message: expect.stringContaining("larger than 1 MiB") });
    expect(d?.hint).toBeTruthy();
  });
});

describe("all problems of a file are reported, in order", () => {
  test("one diagnostic per problem, sorted by position", () => {
    const text = [
      "name: T", // 1
      "description: D", // 2
      "timeout: 0", // 3
      "hosts:", // 4
      "  server: { firewall: true, listen: [tcp/8080, tcp:9] }", // 5
      "  remote: { backend: nft }", // 6
      "steps:", // 7
      "  - apply: { host: remote, script: fixtures/nope.sh }", // 8
      "  - expect:", // 9
      "      - remote -> server:8080 opne", // 10
      "      - remote -> servr:8080 open", // 11
      "      - remote -> server:8080 open", // 12
      "  - counters:", // 13
      "      - { rule: -A INPUT -j DROP, packets: '~1' }", // 14
      "",
    ].join("\n");
    const ds = diagnosticsOf(() => parse(text));
    expect(ds.map((d) => `${d.line}:${d.column} ${d.message.split(" (")[0]}`)).toEqual([
      "3:10 `timeout` must be at least 1, got the number 0",
      "5:48 invalid listener `tcp:9`",
      "6:13 `backend` is set on `remote`, which is not a firewall host",
      "8:20 host `remote` is not a firewall host",
      "8:36 file not found: `fixtures/nope.sh`",
      "10:31 unknown verdict `opne`",
      "11:19 unknown host `servr`",
      "14:44 invalid comparison `~1`",
    ]);
  });

  test("a misspelt required key is reported once, as the unknown key", () => {
    const ds = diagnosticsOf(() => parse("name: T\ndescripton: D\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n"));
    expect(ds).toHaveLength(1);
    expect(ds[0]?.message).toBe("unknown key `descripton` at the top level");
  });

  test("duplicate keys are reported and validation goes on", () => {
    const ds = diagnosticsOf(() => parse(`${HEAD}steps:\n  - expect:\n      - remote -> server:8080 open\n      - remote -> server:1 open\nname: U\n`));
    expect(ds.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual(["9:26 `server` does not listen on tcp/1", "10:1 duplicate key `name`"]);
  });

  test("formatDiagnostic", () => {
    expect(formatDiagnostic({ file: "scenarios/x.yaml", line: 12, column: 9, message: "unknown host `remot`", hint: "did you mean `remote`?" })).toBe(
      "scenarios/x.yaml:12:9: unknown host `remot`\n  hint: did you mean `remote`?",
    );
    expect(formatDiagnostic({ file: "x.yaml", line: 1, column: 1, message: "m" })).toBe("x.yaml:1:1: m");
  });

  test("formatDiagnostic names a file inside the folder fwspec runs in relative to it, like bad rule lines; others as given", () => {
    const at = (file: string) => formatDiagnostic({ file, line: 2, column: 3, message: "m" });
    expect(at(path.join(process.cwd(), "scenarios", "x.yaml"))).toBe("scenarios/x.yaml:2:3: m");
    expect(at("/elsewhere-not-here/x.yaml")).toBe("/elsewhere-not-here/x.yaml:2:3: m");
    expect(at("scenarios/x.yaml")).toBe("scenarios/x.yaml:2:3: m");
  });

  test("the diagnostic names the file as given", () => {
    const ds = diagnosticsOf(() => parseScenarioText("name: [", "scenarios/x.yaml"));
    expect(ds[0]?.file).toBe("scenarios/x.yaml");
  });
});

describe("valid scenarios normalise", () => {
  const full = path.join(DIR, "full.yaml");

  test("an nft ruleset file is one source of kind nft, read as written", () => {
    const s = parseScenarioText(`${HEAD}steps:\n  - apply: { host: server, nft: fixtures/rules.nft }\n`, path.join(DIR, "nft.yaml"));
    const nft = path.join(DIR, "fixtures/rules.nft");
    expect((s.steps[0] as ApplyStep).sources).toEqual([{ kind: "nft", path: nft, content: readFileSync(nft, "utf8") }]);
  });

  test("the full example", async () => {
    const s = await loadScenario(full);
    expect(s.file).toBe(full);
    expect(s.name).toBe("Only localhost reaches the dev server");
    expect(s.description).toBe("Port 8080 answers on loopback and nowhere else, on IPv4 and IPv6.");
    expect(s.timeoutSeconds).toBe(3);
    expect(s.hosts).toEqual([
      {
        name: "server",
        firewall: true,
        backend: "legacy",
        listen: [
          { protocol: "tcp", port: 8080 },
          { protocol: "tcp", port: 8081 },
          { protocol: "udp", port: 5353 },
          { protocol: "http", port: 3000 },
        ],
      },
      { name: "remote", firewall: false, backend: "nft", listen: [] },
    ]);
    expect(s.steps.map((x) => [x.kind, x.location.line, x.location.column])).toEqual([
      ["apply", 10, 5],
      ["apply", 11, 5],
      ["apply", 12, 5],
      ["apply", 13, 5],
      ["expect", 14, 5],
      ["counters", 25, 5],
    ]);
    const [a1, a2, a3, a4] = s.steps as ApplyStep[];
    const script = path.join(DIR, "fixtures/rules.sh");
    expect(a1).toMatchObject({ host: "server", sources: [{ kind: "script", path: script, content: "iptables -A INPUT -p tcp --dport 8080 -j DROP\n" }] });
    expect(a2?.sources).toEqual(a1?.sources);
    expect(a3?.sources.map((x) => (x.kind === "restore" ? [x.family, x.path, x.content.startsWith("*filter")] : x.kind))).toEqual([
      ["ipv4", path.join(DIR, "fixtures/rules.v4"), true],
      ["ipv6", path.join(DIR, "fixtures/rules.v6"), true],
    ]);
    expect(a4?.sources).toEqual([
      {
        kind: "commands",
        commands: [
          ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", "8080", "-j", "DROP"],
          ["ip6tables", "-A", "INPUT", "-j", "DROP"],
        ],
        locations: [expect.objectContaining({ line: 13, column: 39 }), expect.objectContaining({ line: 13, column: 88 })],
      },
    ]);
    const ex = (s.steps[4] as ExpectStep).expectations;
    expect(ex.map((e) => [e.text, e.from, e.to, e.port, e.protocol, e.families, e.expected, e.location.line, e.location.column])).toEqual([
      ["server -> localhost:8080 open", "server", { kind: "localhost" }, 8080, "tcp", ["ipv4", "ipv6"], "open", 15, 9],
      ["remote -> server:8080 dropped", "remote", { kind: "host", host: "server" }, 8080, "tcp", ["ipv4", "ipv6"], "dropped", 16, 9],
      ["remote -> server:8081 open", "remote", { kind: "host", host: "server" }, 8081, "tcp", ["ipv4", "ipv6"], "open", 17, 9],
      ["remote -> server:8080/tcp6 dropped", "remote", { kind: "host", host: "server" }, 8080, "tcp", ["ipv6"], "dropped", 18, 9],
      ["remote -> server:3000/http open", "remote", { kind: "host", host: "server" }, 3000, "http", ["ipv4", "ipv6"], "open", 19, 9],
      ["remote -> server:3000 open", "remote", { kind: "host", host: "server" }, 3000, "tcp", ["ipv4", "ipv6"], "open", 20, 9],
      ["remote -> server:5353/udp4 blocked", "remote", { kind: "host", host: "server" }, 5353, "udp", ["ipv4"], "blocked", 21, 9],
      ["remote -> 198.18.0.9:80 dropped", "remote", { kind: "address", address: "198.18.0.9" }, 80, "tcp", ["ipv4"], "dropped", 22, 9],
      ["remote -> [2001:db8::9]:80 dropped", "remote", { kind: "address", address: "2001:db8::9" }, 80, "tcp", ["ipv6"], "dropped", 23, 9],
      ["remote -> server:8080/tcp6 dropped", "remote", { kind: "host", host: "server" }, 8080, "tcp", ["ipv6"], "dropped", 24, 9],
    ]);
    expect(ex.every((e) => e.location.file === full)).toBe(true);
    const checks = (s.steps[5] as CountersStep).checks;
    expect(checks).toEqual([
      {
        host: "server",
        families: ["ipv4"],
        familyGiven: true,
        selector: { kind: "text", rule: "-A INPUT -p tcp --dport 8080 -j DROP" },
        packets: { op: ">=", value: 1, text: ">= 1" },
        bytes: { op: ">", value: 0, text: "> 0" },
        location: { file: full, line: 26, column: 9 },
      },
      {
        host: "server",
        families: ["ipv4"],
        selector: { kind: "position", table: "filter", chain: "INPUT", position: 2 },
        packets: { op: "==", value: 0, text: "0" },
        location: { file: full, line: 31, column: 9 },
      },
      {
        host: "server",
        families: ["ipv4", "ipv6"],
        familyGiven: true,
        selector: { kind: "comment", comment: "my comment" },
        bytes: { op: "!=", value: 0, text: "!= 0" },
        location: { file: full, line: 32, column: 9 },
      },
    ]);
  });

  test("loadScenarioSync gives the same scenario", async () => {
    expect(loadScenarioSync(full)).toEqual(await loadScenario(full));
  });

  test("the shipped scenarios and examples are valid", () => {
    const root = path.resolve(import.meta.dirname, "../..");
    const files = ["scenarios", "examples"].flatMap((dir) =>
      (readdirSync(path.join(root, dir), { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(root, dir, f)),
    );
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      const s = loadScenarioSync(f);
      expect(s.steps.length, f).toBeGreaterThan(0);
    }
  });

  test("defaults: family both, timeout 2, plain hosts, nft backend", () => {
    const s = parse(`name: T\ndescription: D\nhosts:\n  server: { firewall: true, listen: [tcp/80] }\n  remote:\nsteps:\n  - expect: [remote -> server:80 open]\n`);
    expect(s.timeoutSeconds).toBe(2);
    expect(s.hosts).toEqual([
      { name: "server", firewall: true, backend: "nft", listen: [{ protocol: "tcp", port: 80 }] },
      { name: "remote", firewall: false, backend: "nft", listen: [] },
    ]);
    expect((s.steps[0] as ExpectStep).expectations[0]?.families).toEqual(["ipv4", "ipv6"]);
  });

  test("the scenario's family is the default of every expectation without a suffix", () => {
    const s = parse(`${HEAD}family: ipv6\nsteps:\n  - expect:\n      - remote -> server:8080 open\n      - remote -> server:8080/tcp4 open\n      - remote -> 198.18.0.9:80 open\n      - { from: remote, to: server, port: 8080, verdict: open }\n      - { from: remote, to: server, port: 8080, family: both, verdict: open }\n`);
    const ex = (s.steps[0] as ExpectStep).expectations;
    expect(ex.map((e) => [e.text, e.families])).toEqual([
      ["remote -> server:8080 open", ["ipv6"]],
      ["remote -> server:8080/tcp4 open", ["ipv4"]],
      ["remote -> 198.18.0.9:80 open", ["ipv4"]],
      ["remote -> server:8080 open", ["ipv6"]],
      ["remote -> server:8080 open", ["ipv4", "ipv6"]],
    ]);
  });

  test("object expectations render to the compact form", () => {
    const s = parse(
      `${HEAD}steps:\n  - expect:\n      - { from: remote, to: server, port: 3000, protocol: http6, verdict: open }\n      - { from: server, to: localhost, port: 5353, protocol: udp, verdict: refused }\n      - { from: remote, to: "[2001:db8::9]", port: 80, verdict: blocked }\n      - { from: remote, to: "2001:db8::9", port: 80, family: ipv6, verdict: blocked }\n`,
    );
    const ex = (s.steps[0] as ExpectStep).expectations;
    expect(ex.map((e) => [e.text, e.protocol, e.families, e.to])).toEqual([
      ["remote -> server:3000/http6 open", "http", ["ipv6"], { kind: "host", host: "server" }],
      ["server -> localhost:5353/udp refused", "udp", ["ipv4", "ipv6"], { kind: "localhost" }],
      ["remote -> [2001:db8::9]:80 blocked", "tcp", ["ipv6"], { kind: "address", address: "2001:db8::9" }],
      ["remote -> [2001:db8::9]:80 blocked", "tcp", ["ipv6"], { kind: "address", address: "2001:db8::9" }],
    ]);
  });

  test("quoted commands split like a shell, without one", () => {
    const s = parse(
      `${HEAD}steps:\n  - apply:\n      commands:\n        - iptables -A INPUT -m comment --comment 'drop $all; really' -j DROP\n        - iptables -A INPUT -m comment --comment "a \\"b\\"" -j DROP\n        - iptables -A INPUT ! -s 127.0.0.1 -j DROP\n`,
    );
    const src = (s.steps[0] as ApplyStep).sources[0];
    expect(src).toEqual({
      kind: "commands",
      commands: [
        ["iptables", "-A", "INPUT", "-m", "comment", "--comment", "drop $all; really", "-j", "DROP"],
        ["iptables", "-A", "INPUT", "-m", "comment", "--comment", 'a "b"', "-j", "DROP"],
        ["iptables", "-A", "INPUT", "!", "-s", "127.0.0.1", "-j", "DROP"],
      ],
      locations: [9, 10, 11].map((line) => ({ file: FILE, line, column: 11 })),
    });
  });

  test("a scenario may start with the yaml-language-server comment", () => {
    const s = parse(`# yaml-language-server: $schema=../../../schema/scenario.schema.json\n${HEAD}steps: [{ apply: fixtures/rules.sh }]\n`);
    expect(s.steps[0]?.location).toEqual({ file: FILE, line: 7, column: 9 });
  });

  test("YAML anchors and aliases are read", () => {
    const s = parse(`${HEAD}steps:\n  - counters:\n      - &c { rule: -A INPUT -j DROP, packets: 1 }\n      - *c\n`);
    expect((s.steps[0] as CountersStep).checks).toHaveLength(2);
  });
});

describe("networks, routers, parity, run, reboot, hold and held normalise", () => {
  const ROUTED = `name: T
description: D
networks: [lan, dmz]
parity: fail
hosts:
  client: {}
  gw: { firewall: true, router: true, networks: [lan, dmz], listen: [tcp/22] }
  server: { firewall: true, networks: [dmz], listen: [tcp/8080, udp/5353] }
steps:
  - hold: { name: session, from: client, to: server, port: 8080 }
  - expect:
      - client -> server:8080 open
      - { from: client, to: server, port: 5353, protocol: udp, verdict: blocked }
      - client -> gw:22 open
      - server -> gw:22 open
      - held session open
`;

  test("networks: declared list, hosts default to the first, routers join them", () => {
    const s = parse(ROUTED);
    expect(s.networks).toEqual(["lan", "dmz"]);
    expect(s.parity).toBe("fail");
    expect(s.hosts).toEqual([
      { name: "client", firewall: false, backend: "nft", listen: [], networks: ["lan"] },
      { name: "gw", firewall: true, backend: "nft", listen: [{ protocol: "tcp", port: 22 }], networks: ["lan", "dmz"], router: true },
      {
        name: "server",
        firewall: true,
        backend: "nft",
        listen: [
          { protocol: "tcp", port: 8080 },
          { protocol: "udp", port: 5353 },
        ],
        networks: ["dmz"],
      },
    ]);
    expect(s.steps.map((x) => x.kind)).toEqual(["hold", "expect"]);
    expect((s.steps[1] as ExpectStep).expectations.map((e) => e.text)).toEqual([
      "client -> server:8080 open",
      "client -> server:5353/udp blocked",
      "client -> gw:22 open",
      "server -> gw:22 open",
      "held session open",
    ]);
  });

  test("without networks: one default network, nothing set on hosts; parity defaults to warn", () => {
    const s = parse(`${HEAD}steps:\n  - expect: [remote -> server:8080 open]\n`);
    expect(s.networks).toBeUndefined();
    expect(s.parity).toBe("warn");
    expect(s.hosts.every((h) => h.networks === undefined && h.router === undefined)).toBe(true);
    expect(s).not.toHaveProperty("networks");
  });

  test("a host may sit on several networks and reach hosts on each without a router", () => {
    const s = parse(
      `name: T\ndescription: D\nnetworks: [a, b]\nhosts:\n  x: { networks: [a] }\n  y: { networks: [b, a], listen: [tcp/1] }\n  z: { networks: [b] }\nsteps:\n  - expect: [x -> y:1 open, z -> y:1 open, y -> localhost:1 open, x -> 198.18.0.9:1 dropped]\n`,
    );
    expect(s.hosts.map((h) => h.networks)).toEqual([["a"], ["b", "a"], ["b"]]);
  });

  test("run: the string form on the only firewall host, the object form with every field", () => {
    const s = parse(
      `${HEAD}steps:\n  - run: iptables -C INPUT -p tcp --dport 8080 -j DROP\n  - run:\n      host: remote\n      command: [sh, -c, "exit 3"]\n      exit: 3\n  - run: { host: server, command: "iptables -S INPUT", exit: nonzero, contains: "-P INPUT ACCEPT", excludes: [ACCEPT all, "-j LOG"], matches: "^-A INPUT .*-j DROP$" }\n  - run: { command: iptables --version, matches: [nf_tables, '\\(legacy\\)|\\(nf_tables\\)'] }\n`,
    );
    const [r1, r2, r3, r4] = s.steps as RunStep[];
    expect(r1).toEqual({
      kind: "run",
      host: "server",
      command: ["iptables", "-C", "INPUT", "-p", "tcp", "--dport", "8080", "-j", "DROP"],
      exit: 0,
      contains: [],
      excludes: [],
      matches: [],
      location: { file: FILE, line: 7, column: 5 },
    });
    expect(r2).toMatchObject({ host: "remote", command: ["sh", "-c", "exit 3"], exit: 3, contains: [], location: { line: 8 } });
    expect(r3).toMatchObject({
      host: "server",
      command: ["iptables", "-S", "INPUT"],
      exit: "nonzero",
      contains: ["-P INPUT ACCEPT"],
      excludes: ["ACCEPT all", "-j LOG"],
      matches: ["^-A INPUT .*-j DROP$"],
    });
    expect(r4).toMatchObject({ host: "server", command: ["iptables", "--version"], exit: 0, matches: ["nf_tables", "\\(legacy\\)|\\(nf_tables\\)"] });
  });

  test("reboot: any host", () => {
    const s = parse(`${HEAD}steps:\n  - reboot: server\n  - reboot: remote\n`);
    expect(s.steps).toEqual([
      { kind: "reboot", host: "server", location: { file: FILE, line: 7, column: 5 } },
      { kind: "reboot", host: "remote", location: { file: FILE, line: 8, column: 5 } },
    ]);
  });

  test("hold: defaults tcp and ipv4 (whatever the scenario's family); held copies the hold", () => {
    const s = parse(
      `${HEAD}family: ipv6\nsteps:\n  - hold: { name: web, from: remote, to: server, port: 3000 }\n  - hold: { name: dns, from: remote, to: server, port: 5353, protocol: udp, family: ipv6 }\n  - apply: fixtures/rules.sh\n  - expect:\n      - held web open\n      - { held: dns, verdict: dropped }\n      - held   web   blocked\n`,
    );
    const [web, dns] = s.steps as HoldStep[];
    expect(web).toEqual({
      kind: "hold",
      name: "web",
      from: "remote",
      to: { kind: "host", host: "server" },
      port: 3000,
      protocol: "tcp",
      family: "ipv4",
      location: { file: FILE, line: 8, column: 5 },
    });
    expect(dns).toMatchObject({ name: "dns", port: 5353, protocol: "udp", family: "ipv6" });
    const ex = (s.steps[3] as ExpectStep).expectations;
    expect(ex).toEqual([
      {
        held: "web",
        from: "remote",
        to: { kind: "host", host: "server" },
        port: 3000,
        protocol: "tcp",
        families: ["ipv4"],
        expected: "open",
        text: "held web open",
        location: { file: FILE, line: 12, column: 9 },
      },
      {
        held: "dns",
        from: "remote",
        to: { kind: "host", host: "server" },
        port: 5353,
        protocol: "udp",
        families: ["ipv6"],
        expected: "dropped",
        text: "held dns dropped",
        location: { file: FILE, line: 13, column: 9 },
      },
      expect.objectContaining({ held: "web", expected: "blocked", text: "held   web   blocked" }),
    ]);
  });

  test("a host named `held` still probes with the arrow grammar", () => {
    const s = parse(`name: T\ndescription: D\nhosts:\n  held: {}\n  server: { listen: [tcp/1] }\nsteps:\n  - expect: [held -> server:1 open]\n`);
    expect((s.steps[0] as ExpectStep).expectations[0]).toMatchObject({ from: "held", text: "held -> server:1 open" });
    expect((s.steps[0] as ExpectStep).expectations[0]).not.toHaveProperty("held");
  });

  test("a held line on an invalid hold reports the hold only", () => {
    const ds = diagnosticsOf(() => parse(`${HEAD}steps:\n  - hold: { name: s, from: remote, to: server, port: 9 }\n  - expect: [held s open]\n`));
    expect(ds.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual(["7:54 `server` does not listen on tcp/9"]);
  });

  test("an undeclared network on a host does not also make probes unreachable", () => {
    const ds = diagnosticsOf(() =>
      parse(`name: T\ndescription: D\nnetworks: [lan, dmz]\nhosts:\n  c: {}\n  s: { networks: [dzm], listen: [tcp/1] }\nsteps:\n  - expect: [c -> s:1 open]\n`),
    );
    expect(ds.map((d) => d.message)).toEqual(["unknown network `dzm`"]);
  });

  test("name and description may contain quotes, `;` and `$(`: they never reach a shell", () => {
    const s = parse(
      `name: 'The "DROP" rule; it''s \`first\` $(really)'\ndescription: "It's \\"quoted\\"; and\\nmulti-line"\nhosts: { server: { firewall: true } }\nsteps: [{ apply: fixtures/rules.sh }]\n`,
    );
    expect(s.name).toBe("The \"DROP\" rule; it's `first` $(really)");
    expect(s.description).toBe("It's \"quoted\"; and\nmulti-line");
  });

  test("defineScenario takes the new keys and gives the same scenario as YAML", () => {
    const yaml = parse(ROUTED);
    const ts = defineScenario(
      {
        name: "T",
        description: "D",
        networks: ["lan", "dmz"],
        parity: "fail",
        hosts: {
          client: {},
          gw: { firewall: true, router: true, networks: ["lan", "dmz"], listen: ["tcp/22"] },
          server: { firewall: true, networks: ["dmz"], listen: ["tcp/8080", "udp/5353"] },
        },
        steps: [
          { hold: { name: "session", from: "client", to: "server", port: 8080 } },
          {
            expect: [
              "client -> server:8080 open",
              { from: "client", to: "server", port: 5353, protocol: "udp", verdict: "blocked" },
              "client -> gw:22 open",
              "server -> gw:22 open",
              "held session open",
            ],
          },
        ],
      },
      { file: FILE },
    );
    const strip = (s: Scenario): unknown => JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === "location" ? undefined : v)));
    expect(strip(ts)).toEqual(strip(yaml));
  });

  test("defineScenario: a run step and a held expectation, with path-named errors", () => {
    const ds = diagnosticsOf(() =>
      defineScenario(
        {
          name: "T",
          description: "D",
          hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
          steps: [{ run: { command: "iptables -S", exit: "nonzero", matches: "[" } }, { expect: [{ held: "nope", verdict: "open" }] }],
        },
        { file: "scenarios/x.ts" },
      ),
    );
    expect(ds.map((d) => d.message)).toEqual([
      "steps[0].run.matches: invalid regular expression `[`: Unterminated character class",
      "steps[1].expect[0].held: unknown hold `nope`",
    ]);
  });
});

describe("defineScenario (TypeScript)", () => {
  test("valid input gives the same scenario as YAML", () => {
    const yaml = parse(`${HEAD}steps:\n  - apply: fixtures/rules.sh\n  - expect: [remote -> server:8080 dropped]\n`);
    const ts = defineScenario(
      {
        name: "T",
        description: "D",
        hosts: { server: { firewall: true, listen: ["tcp/8080", "http/3000", "udp/5353"] }, remote: {} },
        steps: [{ apply: "fixtures/rules.sh" }, { expect: ["remote -> server:8080 dropped"] }],
      },
      { file: FILE },
    );
    const strip = (s: Scenario): unknown => JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === "location" ? undefined : v)));
    expect(strip(ts)).toEqual(strip(yaml));
    expect(ts.steps[0]?.location).toEqual({ file: FILE, line: 1, column: 1 });
  });

  test("errors point at the file's line 1 column 1 and name the path", () => {
    const ds = diagnosticsOf(() =>
      defineScenario(
        {
          name: "T",
          description: "D",
          hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
          steps: [{ expect: ["remote -> servr:8080 open", { from: "remote", to: "server", port: 9, verdict: "open" }] }],
        },
        { file: "scenarios/x.ts" },
      ),
    );
    expect(ds.map(formatDiagnostic)).toEqual([
      "scenarios/x.ts:1:1: steps[0].expect[0]: unknown host `servr`\n  hint: did you mean `server`? hosts are `server` and `remote`",
      expect.stringMatching(/^scenarios\/x\.ts:1:1: steps\[0\]\.expect\[1\]\.port: `server` does not listen on tcp\/9\n {2}hint: /),
    ]);
  });

  test("without a file: <inline>, paths relative to baseDir", () => {
    const s = defineScenario(
      { name: "T", description: "D", hosts: { server: { firewall: true } }, steps: [{ apply: "fixtures/rules.sh" }] },
      { baseDir: DIR },
    );
    expect(s.file).toBe("<inline>");
    expect(s.steps[0]).toMatchObject({ sources: [{ path: path.join(DIR, "fixtures/rules.sh") }] });
  });

  test("type errors from plain JavaScript are diagnostics too", () => {
    const ds = diagnosticsOf(() => defineScenario({ name: 1, hosts: [] } as never, { file: "x.ts" }));
    expect(ds.map((d) => d.message)).toEqual([
      "name: `name` must be text, got the number 1",
      "missing required key `description` at the top level",
      "hosts: `hosts` must be a mapping, got a list",
      "missing required key `steps` at the top level",
    ]);
  });
});

describe("files on disk", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "fwspec-scenario-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  // A project of its own: package.json marks the root.
  const project = path.join(tmp, "project");
  mkdirSync(path.join(project, "scenarios"), { recursive: true });
  mkdirSync(path.join(project, "fixtures"), { recursive: true });
  writeFileSync(path.join(project, "package.json"), "{}\n");
  writeFileSync(path.join(project, "fixtures", "ok.sh"), "iptables -F\n");
  writeFileSync(path.join(project, "fixtures", "huge.sh"), Buffer.alloc(32 * 1024 * 1024 + 1, "#"));
  // A blocklist's size: read (scripts and rules files may be up to 32 MiB; the scenario file itself 1 MiB).
  writeFileSync(path.join(project, "fixtures", "large.sh"), Buffer.alloc(2 * 1024 * 1024, "#"));
  writeFileSync(path.join(tmp, "outside.sh"), "iptables -F\n");
  symlinkSync(path.join(tmp, "outside.sh"), path.join(project, "fixtures", "link.sh"));
  const head = "name: T\ndescription: D\nhosts: { server: { firewall: true } }\nsteps:\n";

  function write(name: string, text: string | Buffer): string {
    const f = path.join(project, "scenarios", name);
    writeFileSync(f, text);
    return f;
  }

  test("fixtures resolve relative to the scenario file", async () => {
    const s = await loadScenario(write("ok.yaml", `${head}  - apply: ../fixtures/ok.sh\n`));
    expect(s.steps[0]).toMatchObject({ sources: [{ kind: "script", path: path.join(project, "fixtures", "ok.sh"), content: "iptables -F\n" }] });
  });

  test("the project root is the nearest directory with package.json", () => {
    const f = write("escape.yaml", `${head}  - apply: ../../outside.sh\n`);
    const ds = diagnosticsOf(() => loadScenarioSync(f));
    expect(ds).toMatchObject([{ line: 5, column: 12, message: `\`../../outside.sh\` is outside the project root, ${project}, the nearest directory with package.json` }]);
    expect(ds[0]?.hint).toContain("--root");
  });

  test("a file outside the project named by several steps (written differently): each is reported, not the first alone", () => {
    const f = write("escape3.yaml", `${head}  - apply: ../../outside.sh\n  - apply: ${path.join(tmp, "outside.sh")}\n  - apply: ../../scenarios/../outside.sh\n  - apply: ../../outside.sh\n`);
    const ds = diagnosticsOf(() => loadScenarioSync(f));
    expect(ds.map((d) => `${d.line} ${d.message.split(" is outside")[0]}`)).toEqual(["5 `../../outside.sh`", `6 \`${path.join(tmp, "outside.sh")}\``, "7 `../../scenarios/../outside.sh`", "8 `../../outside.sh`"]);
  });

  test("a symbolic link leading out of the project", () => {
    const f = write("link.yaml", `${head}  - apply: ../fixtures/link.sh\n`);
    const ds = diagnosticsOf(() => loadScenarioSync(f));
    expect(ds[0]?.message).toMatch(/^`..\/fixtures\/link.sh` leads outside the project/);
  });

  test("a fixture larger than 32 MiB is refused; one of 2 MiB (a blocklist) is read", () => {
    const f = write("huge.yaml", `${head}  - apply: ../fixtures/huge.sh\n`);
    expect(diagnosticsOf(() => loadScenarioSync(f))).toMatchObject([{ line: 5, column: 12, message: "`../fixtures/huge.sh` is larger than 32 MiB (33554433 bytes)", hint: "scripts and rules files may be up to 32 MiB (about 600 000 iptables rules); is this the right file?" }]);
    const large = write("large.yaml", `${head}  - apply: ../fixtures/large.sh\n`);
    expect(loadScenarioSync(large).steps).toHaveLength(1);
  });

  test("a missing scenario file", async () => {
    const f = path.join(project, "scenarios", "nope.yaml");
    await expect(loadScenario(f)).rejects.toThrow(ScenarioError);
    expect(diagnosticsOf(() => loadScenarioSync(f))).toMatchObject([{ file: f, line: 1, column: 1, message: "scenario file not found" }]);
  });

  test("a scenario path that is a directory", () => {
    expect(diagnosticsOf(() => loadScenarioSync(path.join(project, "scenarios")))[0]?.message).toBe("the scenario path is a directory, not a file");
  });

  test("a binary scenario file", async () => {
    const f = write("bin.yaml", Buffer.from("name: T\n\u0000\u0001\u0002"));
    await expect(loadScenario(f)).rejects.toMatchObject({ diagnostics: [{ line: 2, column: 1, message: "the scenario file is binary (it contains NUL bytes)" }] });
  });

  test("a scenario file larger than 1 MiB is not read", () => {
    const f = write("big.yaml", Buffer.alloc(1024 * 1024 + 1, "#"));
    expect(diagnosticsOf(() => loadScenarioSync(f))[0]?.message).toBe("the scenario file is larger than 1 MiB (1048577 bytes)");
  });

  test("a scenario file that is not UTF-8", () => {
    const f = write("latin1.yaml", Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(diagnosticsOf(() => loadScenarioSync(f))[0]?.message).toBe("the scenario file is not UTF-8 text");
  });
});
