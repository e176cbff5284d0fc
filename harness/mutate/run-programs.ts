/**
 * What a scenario's `run` step may do, from its program (pure): the two
 * hand-kept lists mutation's equivalence arguments rest on.
 * - sendsNoPackets: it sends no packet a rule could count (classify.ts: a
 *   rule that counted no probed packet counted none at all);
 * - writesNoRules: it writes no firewall rule (no-op chain claims,
 *   noop-claims.ts: a chain the file left empty stays empty); an nmap with
 *   only plain scan options (scanTargets: no scripts) sends probes and reads
 *   answers, nothing else;
 * - sendsOnlyIcmpEcho: `ping`/`ping6` to an address (no name to resolve, so
 *   no DNS query): only ICMP echo requests, their answers and errors, and
 *   neighbour discovery leave or reach the host, so a rule that matches TCP or
 *   UDP only cannot count them.
 * - readsNoRules: it cannot list or check firewall rules (observed-rules.ts:
 *   a mutant whose rule text a step could read is run, not claimed).
 * - pingTargets, scanTargets: the addresses a ping, or an nmap with only plain
 *   scan options, sends to from the host's own address (reach.ts: traffic
 *   between lab addresses only); pingSource: the address or interface a
 *   ping's `-I` sends from.
 * A program that runs another program is neither: `ip … exec` (`ip netns
 * exec`, `ip vrf exec`), and every wrapper (`nsenter`, `sh -c`, `bash -c`,
 * `env`, `timeout`, …), which no list names.
 */

/** Programs that send no packet a rule could count. */
const QUIET_PROGRAMS = new Set(["iptables", "ip6tables", "iptables-save", "ip6tables-save", "cat", "nft", "ss", "ip", "true"]);

/** Programs that write no firewall rule. */
const RULELESS_PROGRAMS = new Set(["ip", "ping", "ping6", "ss", "cat", "true", "sleep", "conntrack", "sysctl"]);

/** Programs that read no firewall rule: they send or show traffic, addresses, sockets, conntrack entries. */
const RULE_BLIND_PROGRAMS = new Set(["ip", "ping", "ping6", "ss", "true", "sleep", "conntrack", "sysctl", "nc", "curl", "nmap"]);

/** `ip netns exec NS cmd`, `ip vrf exec VRF cmd`: another program runs (ip is the only listed program that can). */
function runsAnother(command: readonly string[]): boolean {
  return command[0] === "ip" && command.includes("exec");
}

export function sendsNoPackets(command: readonly string[]): boolean {
  return QUIET_PROGRAMS.has(command[0] ?? "") && !runsAnother(command);
}

export function writesNoRules(command: readonly string[]): boolean {
  return (RULELESS_PROGRAMS.has(command[0] ?? "") && !runsAnother(command)) || scanTargets(command) !== undefined;
}

export function readsNoRules(command: readonly string[]): boolean {
  return RULE_BLIND_PROGRAMS.has(command[0] ?? "") && !runsAnother(command);
}

/** iputils ping's options that take a value (the value is no target). */
const PING_VALUE_OPTIONS = new Set(["-c", "-W", "-w", "-i", "-s", "-t", "-I", "-l", "-p", "-Q", "-M", "-m", "-S", "-F", "-T", "-e"]);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;
const ADDRESS_PLACEHOLDER = /^\{\{\s*[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)?\.ipv[46]\s*\}\}$/;

/** The targets of a `ping`/`ping6` whose every target is an address (literal or `{{ host.ipv4 }}`: it resolves no name); else undefined. */
export function pingTargets(command: readonly string[]): string[] | undefined {
  if (command[0] !== "ping" && command[0] !== "ping6") return undefined;
  const targets: string[] = [];
  for (let i = 1; i < command.length; i++) {
    const w = command[i]!;
    if (PING_VALUE_OPTIONS.has(w)) i++;
    else if (!w.startsWith("-")) targets.push(w);
  }
  return targets.length > 0 && targets.every((t) => IPV4.test(t) || IPV6.test(t) || isAddressPlaceholder(t)) ? targets : undefined;
}

/** The `-I` value of a `ping`/`ping6` (a source address or an interface), or undefined. */
export function pingSource(command: readonly string[]): string | undefined {
  if (command[0] !== "ping" && command[0] !== "ping6") return undefined;
  const i = command.findIndex((w) => w.startsWith("-I"));
  if (i < 0) return undefined;
  return command[i] === "-I" ? command[i + 1] : command[i]!.slice(2);
}

/** `{{ server.ipv4 }}`, `{{ server.inside.ipv6 }}`: a lab host's address. */
export function isAddressPlaceholder(word: string): boolean {
  return ADDRESS_PLACEHOLDER.test(word);
}

/** nmap options that only shape a plain scan from the host's own address (no spoofing, decoys, scripts or raw payloads); those with a value. */
const NMAP_SCAN_OPTIONS = new Set(["-n", "-Pn", "-6", "-sS", "-sT", "-sU", "-sX", "-sF", "-sN", "-sA", "-v", "--reason", "--open", "-T0", "-T1", "-T2", "-T3", "-T4", "-T5"]);
const NMAP_VALUE_OPTIONS = new Set(["-p", "--max-retries", "--host-timeout", "--max-rtt-timeout", "--initial-rtt-timeout", "--scan-delay"]);

/** The targets of an nmap run with only plain scan options (NMAP_SCAN_OPTIONS) at addresses (literal or placeholder); else undefined. */
export function scanTargets(command: readonly string[]): string[] | undefined {
  if (command[0] !== "nmap") return undefined;
  const targets: string[] = [];
  for (let i = 1; i < command.length; i++) {
    const w = command[i]!;
    if (NMAP_VALUE_OPTIONS.has(w)) i++;
    else if (w.startsWith("-")) {
      if (!NMAP_SCAN_OPTIONS.has(w)) return undefined;
    } else targets.push(w);
  }
  return targets.length > 0 && targets.every((t) => IPV4.test(t) || IPV6.test(t) || isAddressPlaceholder(t)) ? targets : undefined;
}

/** `ping`/`ping6` whose every target is an address (literal or `{{ host.ipv4 }}`): it resolves no name. */
export function sendsOnlyIcmpEcho(command: readonly string[]): boolean {
  return pingTargets(command) !== undefined;
}
