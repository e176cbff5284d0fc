/**
 * How much a shared-lab reset must read (pure): when everything a scenario
 * applied to a host was iptables / ip6tables of the host's own backend
 * (restore input, such commands, or scripts made only of such plain lines),
 * the rules reset (iptables-save view, restored and verified) covers every
 * change it can have made; anything else (another tool, a shell construct,
 * the -legacy/-nft variants) needs the whole network state read and verified.
 */
import type { Scenario } from "../scenario/model.ts";
import type { RuleSource } from "../scenario/model.ts";

const TOOLS = new Set(["iptables", "ip6tables"]);
/** A word the shell passes on as it is: no quoting, expansion, redirection or separator. */
const PLAIN_WORD = /^[A-Za-z0-9_.,:/!=+@%-]+$/;
/** iptables' -M / --modprobe runs a program of the caller's choosing; getopt takes the long one abbreviated (`--modp=…`; tester 38a). */
const RUNS_PROGRAM = /^(--mo(d(p(r(o(b(e)?)?)?)?)?)?(=|$)|-[^-]*M)/;

function iptablesCommand(words: readonly string[]): boolean {
  return words.length > 0 && TOOLS.has(words[0]!) && words.every((w) => PLAIN_WORD.test(w) && !RUNS_PROGRAM.test(w));
}

function iptablesLine(line: string): boolean {
  const text = line.trim();
  return text === "" || text.startsWith("#") || iptablesCommand(text.split(/[ \t]+/));
}

export function iptablesOnly(source: RuleSource): boolean {
  switch (source.kind) {
    case "restore":
      return true;
    case "nft":
      return false;
    case "commands":
      return source.commands.every(iptablesCommand);
    case "script":
      return source.content.split("\n").every(iptablesLine);
  }
}

/** Did `scenario` apply anything to `host` that the rules reset does not cover? */
export function touchesMoreThanIptables(scenario: Scenario, host: string): boolean {
  return scenario.steps.some((s) => s.kind === "apply" && s.host === host && !s.sources.every(iptablesOnly));
}
