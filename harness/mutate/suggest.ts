/**
 * A check that would catch a surviving mutant (pure), derived from the
 * mutant's rule and the scenario's expectations. First rule that applies wins:
 *
 * | the gap                                                          | suggestion                                    |
 * |------------------------------------------------------------------|-----------------------------------------------|
 * | REJECT type changed                                              | `refused:rst` / `refused:icmp` on that check  |
 * | `-s 127.0.0.1` became `-i lo`                                    | probe the host's own address from itself      |
 * | checks on the port exist, none in the rule's family              | make that expectation both families           |
 * | checks on the port exist only after a reboot of the host         | check it before the reboot too                |
 * | a deleted rule counted probes, a later rule decides them alike   | a counters check on the rule                  |
 * | another source port, or destination port of a rule with a fixed  | in words: a probe cannot choose its source    |
 * |   source port (DHCP replies: `--sport 67 --dport 68`)            |   port                                        |
 * | another port                                                     | a check on the port the rule decides, from   |
 * |                                                                  |   where it matches; if checked, the new port  |
 * | a rule of iptables' FORWARD chain (REJECT type: on a forwarded   | a probe the router forwards, between hosts on |
 * |   `refused` check, which refusal)                                |   its networks (suggest-forward.ts)           |
 * | nft: a rule or policy of a forward hook                           | a probe the host forwards; none on a host     |
 * |                                                                  |   that is no router: a known gap              |
 * | nft: a chain policy changed                                      | a probe to a port the host listens on and no  |
 * |                                                                  |   rule names; else one no rule names, with    |
 * |                                                                  |   the listener to declare                     |
 * | nft: a set element removed (a port set)                          | a check on that port, the set's rule's verdict|
 * | anything else                                                    | a check on the rule's port with its verdict   |
 *
 * On a host whose rules fwspec can read (native nft: nft-probe.ts; iptables:
 * ipt-probe.ts), the suggested check must hold with the rules as written and fail with the
 * mutant: else the first probe that does, from a peer or the host itself, on
 * the rule's ports, the ports the rules name, the ports it listens on or one
 * no rule names; or, when every such probe gets the same verdict either way,
 * that no probe tells (an nft forward chain of a host that routes nothing
 * says so at once).
 *
 * A suggested check the scenario already has (it held with the mutant) is
 * replaced by saying so: the change shows only to traffic fwspec's TCP/UDP
 * probes do not send. A suggested check on a port its target does not listen
 * on says which listener to declare with it (the loader refuses it otherwise).
 *
 * A probe the rule's source match must see (`-s 2001:db8::5`, `ip6 saddr …`)
 * leaves from an address in it: a host's declared one, else the peer's, with
 * what to declare for it; only checks from such an address count as the
 * scenario's own (suggest-source.ts).
 *
 * Apart: what a rule line says (suggest-rule.ts), the peer, ports and
 * listeners a probe uses (suggest-probe.ts), and the weighing against the
 * host's rules (suggest-weigh.ts), source matches too (suggest-senders.ts).
 */
import { addressValue } from "../model/cidr.ts";
import type { Family } from "../model/types.ts";
import type { Expectation, Scenario } from "../scenario/model.ts";
import type { Mutant } from "./mutants.ts";
import { type RuleLine, scenarioRuleLines } from "./rule-lines.ts";
import { isNftLine, type NftRuleLine } from "./nft-lines.ts";
import { peerOf, suffix, unnamedListener, unnamedPort, withListener } from "./suggest-probe.ts";
import { counterRule, fixedSourcePort, isLoopbackRule, nftCounterSelector, ruleProtocol, rulePort, sourcePort, verdictOf } from "./suggest-rule.ts";
import { forwardedPair, forwardsThrough } from "./suggest-forward.ts";
import { probeSource, sourceMatches } from "./suggest-source.ts";
import { weighed } from "./suggest-weigh.ts";

interface Placed {
  readonly expectation: Expectation;
  readonly step: number;
}

function expectationsOf(scenario: Scenario): Placed[] {
  return scenario.steps.flatMap((s, step) => (s.kind === "expect" ? s.expectations.map((expectation) => ({ expectation, step })) : []));
}

/** Does the expectation probe `host` (from a peer, or from itself to localhost) on `port`? */
function probes(e: Expectation, host: string, port: number | undefined): boolean {
  const onHost = (e.to.kind === "host" && e.to.host === host) || (e.to.kind === "localhost" && e.from === host);
  return onHost && (port === undefined || e.port === port);
}

/**
 * A base chain's policy changed and nothing noticed: no probe reached the policy. A probe the policy decides: to a
 * port the host listens on and no rule names (every probed port needs a listener, scenario/listeners.ts), else to
 * one no rule names with the listener to declare. Dropped by a drop policy, open under an accept policy; the mutant
 * turns it around.
 */
function policySuggestion(line: NftRuleLine, scenario: Scenario): string {
  const policy = line.words[line.words.indexOf("policy") + 1]?.replace(/;$/, "");
  if (line.nft.hook === "forward") return forwardSuggestion(line, scenario, "the forward chain's policy", policy);
  const host = line.host;
  const listener = unnamedListener(scenario, host);
  const protocol = listener?.protocol === "udp" ? "udp" : "tcp";
  const port = listener?.port ?? unnamedPort(scenario, host);
  const probe = `${peerOf(scenario, host)} -> ${host}:${port}${suffix(protocol, line.family)}`;
  const why = listener ? `${host} listens on ${listener.protocol}/${port} and no rule names the port` : `with \`listen: [tcp/${port}]\` on ${host}; a port no rule names`;
  return policy === "drop"
    ? `add \`${probe} dropped\` (${why}: the ${line.chain} policy decides it)`
    : `add \`${probe} open\` (${why}: the ${line.chain} policy lets it through)`;
}

/**
 * A forward hook sees only packets the host routes for others: a probe to the host goes through input. A host
 * that is no router forwards nothing in the lab (no route leads through it), so no probe reaches the chain.
 */
function forwardSuggestion(line: Pick<RuleLine, "host">, scenario: Scenario, what: string, verdict: string | undefined): string {
  const host = line.host;
  if (scenario.hosts.find((h) => h.name === host)?.router !== true) {
    return `no probe can catch it: ${what} decides only packets ${host} forwards, and ${host} is no router (no \`router: true\`): a probe to it goes through input, and no lab host routes through it; accept it as a known gap`;
  }
  return `add a probe ${host} forwards (from a host on one of its networks to a host on another${verdict ? ", to a port no rule names" : ""}): ${what}${verdict ? ` (${verdict})` : ""} decides it, not a probe to ${host} itself`;
}

/**
 * An iptables FORWARD rule: a probe the router forwards (suggest-forward.ts), on the rule's port with its verdict;
 * a REJECT whose type changed, on a forwarded `refused` check already there: that check says which refusal.
 */
function forwardedAdvice(mutant: Mutant, line: RuleLine, scenario: Scenario, all: readonly Placed[]): string {
  const host = line.host;
  const named = rulePort(line);
  const pair = forwardedPair(line, scenario, named);
  const port = named ?? (pair ? scenario.hosts.find((h) => h.name === pair.to)?.listen[0]?.port : undefined) ?? unnamedPort(scenario, host);
  const routed = (e: Expectation) => e.to.kind === "host" && e.source === undefined && forwardsThrough(line, scenario, e.from, e.to.host) && e.port === port && e.families.includes(line.family);
  if (mutant.operator === "reject-type") {
    const refused = all.find((p) => routed(p.expectation) && p.expectation.expected === "refused");
    if (refused) return `make \`${refused.expectation.text}\` (line ${refused.expectation.location.line}) say which refusal: \`… ${verdictOf(line, true)}\``;
  }
  if (!pair) return forwardSuggestion(line, scenario, `\`${line.text.trim()}\` in the FORWARD chain`, undefined);
  return `add \`${pair.from} -> ${pair.to}:${port}${suffix(ruleProtocol(line), line.family)} ${verdictOf(line, mutant.operator === "reject-type")}\` (a probe ${host} forwards: its FORWARD rule decides it, not a probe to ${host} itself)`;
}

/** One element of a set removed: a check on that element's port with the verdict of the rule that uses the set. */
function setElementSuggestion(line: NftRuleLine, mutant: Mutant, scenario: Scenario): string | undefined {
  const element = /\s-(\S+?)(?:#\d+)?$/.exec(mutant.id)?.[1];
  const rule = line.nft.role === "rule" ? line : scenarioRuleLines(scenario).filter(isNftLine).find((l) => l.host === line.host && l.table === line.table && l.nft.role === "rule" && l.words.some((w) => w === `@${line.nft.set}`));
  if (!element || !/^\d+$/.test(element) || !rule || !rule.words.includes("dport")) return undefined;
  const verdict = verdictOf(rule);
  const listens = scenario.hosts.find((h) => h.name === line.host)?.listen.some((l) => String(l.port) === element);
  const source = probeSource(rule, scenario, peerOf(scenario, line.host));
  return `add \`${source.from} -> ${line.host}:${element}${suffix(ruleProtocol(rule), rule.family)} ${verdict}\` (the set's element ${element}${source.note ? `; ${source.note}` : ""})${verdict === "open" && !listens ? ` with \`listen: [${ruleProtocol(rule) ?? "tcp"}/${element}]\` on ${line.host}` : ""}`;
}

/**
 * One line of advice: what to add or change so this mutant fails a check.
 * `counted`: the deleted rule counted probed packets in the original run (a
 * later rule or the policy decides them the same way without it).
 */
export function suggestCheck(mutant: Mutant, scenario: Scenario, counted = false): string {
  const first = adviceFor(mutant, scenario, counted);
  const advice = weighed(first, mutant, scenario);
  const existing = alreadyChecked(advice ?? first, scenario);
  if (!existing && advice !== null) return withListener(advice, scenario);
  const host = mutant.lines[0]!.host;
  if (!existing) return `no TCP/UDP probe tells it apart: as fwspec reads the rules, every probe from ${peerOf(scenario, host)} and from ${host} itself gets the same verdict with and without this change (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a \`run\` step that sends such traffic, or accept it as a known gap`;
  const e = existing.expectation;
  return `the scenario already checks \`${e.text}\` (line ${e.location.line}) and it held with this change: no TCP/UDP probe from ${e.from} tells it apart (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a \`run\` step that sends such traffic, or accept it as a known gap`;
}

/**
 * The suggestion's check (`add \`from -> host:port/tcp4 verdict\``) when the scenario already has it: same
 * source host, target, port, protocol, family and verdict. Suggesting it again would mislead.
 */
function alreadyChecked(advice: string, scenario: Scenario): Placed | undefined {
  const m = /^add (?:a probe the reordered rules both match: )?`(\S+) -> (\S+):(\d+)\/(tcp|udp)([46]) (\S+)`/.exec(advice);
  if (!m) return undefined;
  const [, label, to, port, protocol, v, verdict] = m as unknown as [string, string, string, string, string, string, string];
  const family: Family = v === "4" ? "ipv4" : "ipv6";
  // `admin@[2001:db8::5]`: the same host leaving from the same address.
  const [, from, address] = /^([^@]+)(?:@\[?([^\]]+)\]?)?$/.exec(label) ?? [label, label];
  const sameSource = (source: string | undefined) => (address === undefined ? source === undefined : source !== undefined && addressValue(source, family) === addressValue(address, family));
  return expectationsOf(scenario).find(({ expectation: e }) => e.sweep === undefined && e.held === undefined && e.from === from && sameSource(e.source)
    && (to === "localhost" ? e.to.kind === "localhost" : e.to.kind === "host" && e.to.host === to)
    && e.port === Number(port) && e.protocol === protocol && e.families.includes(family) && e.expected === verdict);
}

function adviceFor(mutant: Mutant, scenario: Scenario, counted: boolean): string {
  const line = mutant.lines[0]!;
  const host = line.host;
  if (mutant.operator !== "policy" && isNftLine(line) && mutant.lines.every((l) => isNftLine(l) && l.nft.hook === "forward")) {
    return forwardSuggestion(line, scenario, `\`${line.text.trim()}\` in the forward chain`, undefined);
  }
  const all = expectationsOf(scenario);
  if (!isNftLine(line) && line.chain === "FORWARD") return forwardedAdvice(mutant, line, scenario, all);
  const named = rulePort(line) ?? scenario.hosts.find((h) => h.name === host)?.listen[0]?.port;
  // A rule that names no port and a host that listens on none: any port the rule matches, e.g. one no rule names.
  const port = named ?? unnamedPort(scenario, host);
  const proto = ruleProtocol(line);
  const tail = (family: Family) => suffix(proto, family);
  const source = probeSource(line, scenario, peerOf(scenario, host));

  if (mutant.operator === "reject-type") {
    const refused = all.find((p) => probes(p.expectation, host, port) && sourceMatches(p.expectation, line, scenario) && p.expectation.expected === "refused");
    const kind = verdictOf(line, true);
    return refused
      ? `make \`${refused.expectation.text}\` (line ${refused.expectation.location.line}) say which refusal: \`… ${kind}\``
      : withNotes(`add \`${source.from} -> ${host}:${port}${tail(line.family)} ${kind}\``, [source.note]);
  }
  if (mutant.operator === "loopback-iface") {
    const peer = all.find((p) => p.expectation.to.kind === "host" && p.expectation.to.host === host && p.expectation.from !== host && p.expectation.port === port);
    return `add \`${host} -> ${host}:${port}${tail(line.family)} ${peer?.expectation.expected ?? "blocked"}\` (the host's own non-loopback address arrives on lo too, from a non-loopback source)`;
  }
  const reboots = scenario.steps.map((s, i) => ({ s, i })).filter(({ s, i }) => s.kind === "reboot" && s.host === host && i > line.step);
  const windowEnd = reboots[0]?.i ?? scenario.steps.length;
  const onPort = all.filter((p) => probes(p.expectation, host, isLoopbackRule(line) ? port : rulePort(line)) && sourceMatches(p.expectation, line, scenario));
  const inWindow = onPort.filter((p) => p.step > line.step && p.step < windowEnd);
  const otherFamily = inWindow.find((p) => !p.expectation.families.includes(line.family)) ?? onPort.find((p) => !p.expectation.families.includes(line.family));
  if (onPort.length > 0 && onPort.every((p) => !p.expectation.families.includes(line.family)) && otherFamily) {
    return `make \`${otherFamily.expectation.text}\` (line ${otherFamily.expectation.location.line}) both families (\`family: both\`, or no 4/6 suffix), or add it for ${line.family}`;
  }
  if (inWindow.length === 0 && onPort.length > 0 && reboots[0]) {
    const later = onPort[0]!.expectation;
    return `check \`${later.text}\` before \`reboot: ${host}\` (line ${scenario.steps[reboots[0].i]!.location.line}) too: after the reboot the runtime rules are gone anyway`;
  }
  if (mutant.operator === "delete" && counted) {
    return `the rule counted probed packets, but without it a later rule or the policy gives the same verdicts: check that it is the one deciding, e.g. \`counters: [{ host: ${line.host}, ${isNftLine(line) ? nftCounterSelector(line) : `rule: "${counterRule(line)}", family: ${line.family}`}, packets: ">= 1" }]\``;
  }
  if (mutant.operator === "port") {
    // The id's tag names the flag and the change: `--dport 546→547`, `sport 547→548`.
    const [, flag, was, moved] = /\s(\S+) (\d+)→(\d+)(?:#\d+)?$/.exec(mutant.id) ?? [];
    if (!moved) return `add a check on the port this mutant changed (${mutant.id}) with the rule's verdict \`${verdictOf(line)}\``;
    if (/^(--)?s(ource-)?ports?$/.test(flag!)) {
      return `no probe can catch it: the rule's source port ${was} became ${moved}, and a probe cannot choose its source port (fwspec probes come from ephemeral ports); a check needs traffic sent from source port ${was}, or accept it as a known gap`;
    }
    const only = fixedSourcePort(line);
    if (only !== undefined) {
      return `no probe can catch it: the rule matches only source port ${only} (before and after its destination port ${was} became ${moved}), and a probe cannot choose its source port (fwspec probes come from ephemeral ports); a check needs traffic sent from source port ${only}, or accept it as a known gap`;
    }
    return portSuggestion(line, scenario, Number(was), moved, proto);
  }
  if (isNftLine(line) && mutant.operator === "policy") return policySuggestion(line, scenario);
  if (isNftLine(line) && mutant.operator === "set-element") {
    const advice = setElementSuggestion(line, mutant, scenario);
    if (advice) return advice;
  }
  const from = isLoopbackRule(line) ? `${host} -> localhost` : `${source.from} -> ${host}`;
  const verdict = verdictOf(line);
  const what = ["swap", "insert-append", "move-end"].includes(mutant.operator) ? "a probe the reordered rules both match: " : "";
  const notes = [
    ...(named === undefined && verdict === "open" ? [`with \`listen: [${proto ?? "tcp"}/${port}]\` on ${host}`] : []),
    ...(sourcePort(line) ? [`the rule also matches only source port ${sourcePort(line)}, which a probe cannot choose`] : []),
    source.note,
  ];
  return withNotes(`add ${what}\`${from}:${port}${tail(line.family)} ${verdict}\``, notes);
}

/** A suggestion with its notes in parentheses, if any. */
function withNotes(advice: string, notes: readonly (string | undefined)[]): string {
  const given = notes.filter((n) => n !== undefined);
  return given.length > 0 ? `${advice} (${given.join("; ")})` : advice;
}

/**
 * A rule's destination port moved and no check noticed. A check must hold
 * with the rules as written and fail with the mutant. First the port the rule
 * decides (`was`), with the rule's verdict, from where the rule matches (the
 * host itself for a loopback rule); if the scenario checks that already (the
 * rules after it decide it alike), the moved port: a blocking rule now blocks
 * it (open before, if something listens), an accepting one now opens it.
 */
function portSuggestion(line: RuleLine, scenario: Scenario, was: number, moved: string, proto: string | undefined): string {
  const host = line.host;
  const loopback = isLoopbackRule(line);
  const source = probeSource(line, scenario, peerOf(scenario, host));
  const from = loopback ? `${host} -> localhost` : `${source.from} -> ${host}`;
  const verdict = verdictOf(line);
  const tail = suffix(proto, line.family);
  const listensOn = (port: string) => scenario.hosts.find((h) => h.name === host)?.listen.some((l) => String(l.port) === port) === true;
  const listenNote = (port: string) => (listensOn(port) ? undefined : `with \`listen: [${proto ?? "tcp"}/${port}]\` on ${host}`);
  const onWas = expectationsOf(scenario).filter(({ expectation: e }) => probes(e, host, was) && sourceMatches(e, line, scenario) && e.families.includes(line.family) && (loopback ? e.to.kind === "localhost" : e.from !== host));
  const checked = onWas.some(({ expectation: e }) => e.expected === verdict);
  // The scenario checks that port with another verdict, and held: an earlier rule decides it, not this one (tester 43d:
  // a shadowed DROP's port suggested as dropped, open by the ACCEPT above). The moved port is where the mutant differs.
  // Only a check while this rule is loaded (after its apply, before a reboot or a later apply of that host) tells.
  const loadedUntil = scenario.steps.findIndex((st, i) => i > line.step && (st.kind === "reboot" || st.kind === "apply") && st.host === host);
  const whileLoaded = ({ step }: { readonly step: number }) => step > line.step && (loadedUntil < 0 || step < loadedUntil);
  const other = checked ? undefined : onWas.find((p) => whileLoaded(p) && !(p.expectation.expected === "blocked" && verdict !== "open"))?.expectation;
  if (other) {
    return withNotes(`the scenario's line ${other.location.line} checks port ${was} as ${other.expected}, so an earlier rule decides it before this one (\`--coverage\` names a shadowed rule); add a check on port ${moved} with the verdict the rules give it now (\`${from}:${moved}${tail} …\`, not ${verdict}): the mutant makes it ${verdict}`, [source.note]);
  }
  if (!checked) return withNotes(`add a check on port ${was}, which the rule decides: \`${from}:${was}${tail} ${verdict}\``, [verdict === "open" ? listenNote(String(was)) : undefined, source.note]);
  if (verdict !== "open") return withNotes(`add a check on port ${moved}: \`${from}:${moved}${tail} open\``, [listenNote(moved), source.note]);
  return withNotes(`add a check on port ${moved} with the verdict the rules give it now (\`${from}:${moved}${tail} …\`, not open): the mutant opens it`, [source.note]);
}
