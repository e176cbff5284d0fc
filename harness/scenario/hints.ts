/**
 * The words of scenario hints: what a missing key, a value of the wrong shape
 * or a bad list item should look like, by the key it is written under.
 */
import { EXPECTED_VERDICTS } from "../model/types.ts";
import { EXPECTATION_GRAMMAR_HELP, HELD_GRAMMAR_HELP } from "./expectation.ts";
import type { Path } from "./locate.ts";
import { lastKey } from "./values.ts";

const EXPECTED_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "`true` or `false`",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  null: "nothing",
};

export function expectedWord(expected: string): string {
  return EXPECTED_WORDS[expected] ?? expected;
}

/** What to write when a required key is missing. */
const MISSING_HINTS: Record<string, string> = {
  name: "add `name: <a one-line title>`",
  description: "add `description: <why: what this scenario proves>`",
  hosts: "add `hosts:` with at least one host, e.g. `server: { firewall: true, listen: [tcp/8080] }`",
  steps: "add `steps:` with at least one `- apply: ...` or `- expect: ...` item",
  command: "add `command: <a command line or an argument list>`, e.g. `command: iptables -S INPUT`",
  held: "add `held: <the name of an earlier hold step>`",
  from: "add `from: <host>`: the host the probe starts from",
  to: "add `to: <host, localhost or address>`",
  port: "add `port: <1..65535>`",
  verdict: `add \`verdict: <${EXPECTED_VERDICTS.join(" | ")}>\``,
};

/** Missing keys of a `hold` step, where `name`, `from` and `to` mean something else than elsewhere. */
const HOLD_MISSING_HINTS: Record<string, string> = {
  name: "add `name: <a name for later `held NAME VERDICT` expectations>`, e.g. `name: session`",
  from: "add `from: <host>`: the host that opens the connection",
  to: "add `to: <host>`: the lab host it connects to",
  port: "add `port: <1..65535>`: a tcp/ or udp/ listener of the `to` host",
};

/** Shapes of the keys of a `hold` step. */
const HOLD_SHAPE_HINTS: Record<string, string> = {
  name: "write a name like a host name, e.g. `name: session`",
  from: "write the name of the host that opens the connection, e.g. `from: remote`",
  to: "write the name of the lab host it connects to, e.g. `to: server`",
};

export const STEPS_HELP = "`- apply: ...`, `- expect: ...`, `- counters: ...`, `- run: ...`, `- reboot: ...` or `- hold: ...`";

export function missingHint(parent: Path, key: string): string | undefined {
  if (lastKey(parent) === "hold" && parent[parent.length - 1] === "hold") return HOLD_MISSING_HINTS[key] ?? MISSING_HINTS[key];
  return MISSING_HINTS[key];
}

/** What a value of this key looks like, for type errors. */
export const SHAPE_HINTS: Record<string, string> = {
  name: "write a one-line title, e.g. `name: Only localhost reaches the dev server`",
  description: "write a sentence saying why, e.g. `description: Port 8080 answers on loopback only`",
  hosts: "write a mapping of host names, e.g. `hosts: { server: { firewall: true }, remote: {} }`",
  steps: `write a list of steps, each item ${STEPS_HELP}`,
  firewall: "write `firewall: true` or `firewall: false` (without quotes)",
  listen: "write a list, e.g. `listen: [tcp/8080, udp/5353, http/3000]`",
  timeout: "write whole seconds from 1 to 30, e.g. `timeout: 2`",
  port: "write a port number from 1 to 65535 without quotes, e.g. `port: 8080`",
  position: "write a rule position from 1, e.g. `position: 1`",
  apply: "write `apply: path/to/rules.sh`, or `apply: { host: server, script: path/to/rules.sh }`",
  expect: `write a list of expectations, each item \`- FROM -> TARGET:PORT VERDICT\`, e.g. \`- remote -> server:8080 dropped\``,
  counters: "write a list of checks, e.g. `- { rule: -A INPUT -p tcp --dport 8080 -j DROP, packets: \">= 1\" }`",
  commands: "write a list of commands, e.g. `commands: [\"iptables -A INPUT -j DROP\"]`",
  restore: "write `restore: { ipv4: path/to/rules.v4, ipv6: path/to/rules.v6 }`",
  packets: "write a comparison such as `\">= 1\"`, `\"== 0\"` or a bare number",
  bytes: "write a comparison such as `\"> 0\"`, `\"== 0\"` or a bare number",
  networks: "write a list of network names, e.g. `networks: [lan, dmz]`",
  router: "write `router: true` or `router: false` (without quotes)",
  parity: "write `parity: warn` (a difference between the IPv4 and IPv6 verdicts is a warning), `parity: fail`, or `parity: off` (the other family is not probed)",
  run: "write `run: iptables -S INPUT`, or `run: { host: server, command: iptables -S INPUT, contains: \"-P INPUT ACCEPT\" }`",
  reboot: "write the name of the host to reboot, e.g. `reboot: server` (one host per step)",
  hold: "write `hold: { name: session, from: remote, to: server, port: 8080 }`",
  command: "write a command line, e.g. `command: iptables -S INPUT`, or an argument list, e.g. `command: [iptables, -S, INPUT]`",
  exit: "write the expected exit status: a whole number from 0 to 255 (default 0), or `nonzero` for any failure",
  contains: "write a text or a list of texts the output must contain, e.g. `contains: \"-j DROP\"`",
  excludes: "write a text or a list of texts the output must not contain, e.g. `excludes: \"-j ACCEPT\"`",
  matches: "write a regular expression or a list of them, e.g. `matches: \"^-A INPUT .*-j DROP$\"`",
  mutate: "write `mutate: { equivalent: [{ mutant: \"delete@rules.nft:12\", rule: \"tcp dport 8080 drop\", because: \"the rule after it decides alike\" }] }`",
  equivalent: "write a list, e.g. `- { mutant: \"delete@rules.nft:12\", rule: \"tcp dport 8080 drop\", because: \"line 13 rejects the same packets alike\" }`",
  mutant: "write the mutant's id exactly as `fwspec mutate` prints it, e.g. `mutant: \"delete@rules.nft:12\"`",
  because: "write why no packet's fate can differ, naming the rule lines that make it so",
};

/** What one item of this list looks like. */
const ITEM_HINTS: Record<string, string> = {
  listen: "write PROTOCOL/PORT, e.g. `tcp/8080`, `udp/5353` or `http/3000`",
  steps: `a step is a mapping with one key: ${STEPS_HELP}`,
  expect: `${EXPECTATION_GRAMMAR_HELP}; or ${HELD_GRAMMAR_HELP}`,
  counters: "a counter check is a mapping, e.g. `- { rule: -A INPUT -p tcp --dport 8080 -j DROP, packets: \">= 1\" }`",
  commands: "a command is a line (`iptables -A INPUT -j DROP`) or an argument list starting with the program (`[iptables, -A, INPUT, -j, DROP]`)",
  command: "one argument per item, starting with the program, e.g. `[iptables, -S, INPUT]`",
  networks: "a network name is a lowercase letter, then up to 30 lowercase letters, digits or dashes, e.g. `dmz`",
  contains: "each item is a non-empty text the output must contain",
  excludes: "each item is a non-empty text the output must not contain",
  matches: "each item is a JavaScript regular expression, e.g. `\"^-P INPUT DROP$\"`",
};

/** Hints for keys under `mutate.equivalent` items whose names other keys share. */
const DECLARED_EQUIVALENT_HINTS: Record<string, string> = {
  rule: "write the text of the rule the mutant changes, as in the rules file, e.g. `rule: \"tcp dport 8080 drop\"`",
};

/** The hint for a value at this path: about the item when the path ends in a list index. */
export function hintFor(p: Path): string | undefined {
  const k = lastKey(p);
  if (k === undefined) return undefined;
  const last = p[p.length - 1];
  if (typeof last === "number") return p[p.length - 2] === k ? ITEM_HINTS[k] : undefined;
  if (p[p.length - 2] === "hold") return HOLD_SHAPE_HINTS[k] ?? SHAPE_HINTS[k];
  if (p[0] === "mutate") return DECLARED_EQUIVALENT_HINTS[k] ?? SHAPE_HINTS[k];
  return SHAPE_HINTS[k];
}

export const COMPARISON_HELP = "write an operator (>=, <=, ==, !=, >, <) and a whole number, e.g. `\">= 1\"` (quote it: YAML reads a leading `>` as a block scalar); a bare number means ==";
