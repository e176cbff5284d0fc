/**
 * A suggestion weighed with fwspec's reading of the host's rules (pure; native
 * nft: nft-probe.ts, iptables: ipt-probe.ts): its check must hold with the rules as written and fail
 * with the mutant, else the first probe that does, from a peer or the host
 * itself, on the rule's ports, the ports the rules name, the ports it listens
 * on or one no rule names.
 *
 * Source matches (`ip saddr`, `ip6 saddr`, sets, `!=`; `-s`) are weighed from where
 * the probe leaves (suggest-senders.ts): a check's own address, a plain peer's
 * declared address or subnet, else the automatic lab subnets. When neither
 * the peer nor the host itself tells the mutant apart, a probe from an address
 * a rule names (or the one past its range) may, with what to declare for it.
 */
import type { Family } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";
import type { Mutant } from "./mutants.ts";
import { isNftLine } from "./nft-lines.ts";
import { type Fate, hostRules, namedPorts, namedSources, type Probe, probeFate } from "./nft-probe.ts";
import { iptHostRules, iptNamedPorts, iptNamedSources, iptProbeFate } from "./ipt-probe.ts";
import type { RuleLine } from "./rule-lines.ts";
import type { Cidr } from "../model/cidr.ts";
import { CHECK, peerOf, suffix, unnamedPort } from "./suggest-probe.ts";
import { rulePort } from "./suggest-rule.ts";
import { parseLabel, senderRange, senders } from "./suggest-senders.ts";

/** What a check of `expected` says about what a probe met: `refused` is either refusal, `blocked` anything but open. */
function agrees(expected: string, seen: string): boolean {
  return expected === seen || (expected === "refused" && seen.startsWith("refused:")) || (expected === "blocked" && seen !== "open");
}

/**
 * Advice the model could not weigh (the host's rules not read whole, or a
 * match or verdict on the probe's way it does not model): said, so a check
 * that fails with the rules as written is not pasted unseen.
 */
export const UNWEIGHED = " (not weighed against the rules: fwspec's reading of this host's nft rules cannot tell how they decide it (a match or verdict it does not model, such as a vmap, jump or goto, IPv6 neighbour discovery they may drop, or rules from more than one source); make sure it holds with the rules as written before adding it)";
/** The same for an iptables host (ipt-probe.ts). */
export const UNWEIGHED_IPT = " (not weighed against the rules: fwspec's reading of this host's iptables rules cannot tell how they decide it (a match or target it does not model, rules in another table than filter or in its OUTPUT chain, IPv6 neighbour discovery they may drop, or rules from more than one apply step, a `run` step or a reboot); make sure it holds with the rules as written before adding it)";

function unweighed(advice: string, line: RuleLine): string {
  return `${advice}${isNftLine(line) ? UNWEIGHED : UNWEIGHED_IPT}`;
}

/** A host's rules as a model reads them, with and without the mutant's change: what decides a probe, the ports and sources they name. */
interface Weighing {
  readonly fate: (changed: boolean, probe: Probe) => Fate | undefined;
  readonly ports: readonly number[];
  readonly sources: readonly Cidr[];
  readonly families: readonly Family[];
}

/** The model for the line's kind of rules (nft-probe.ts, ipt-probe.ts); undefined when it cannot read the host's rules. */
function weighing(line: RuleLine, mutant: Mutant, scenario: Scenario): Weighing | undefined {
  if (isNftLine(line)) {
    const [original, changed] = [hostRules(scenario, line.host), hostRules(scenario, line.host, mutant.changes)];
    if (!original || !changed) return undefined;
    return { fate: (c, probe) => probeFate(c ? changed : original, probe), ports: namedPorts(original), sources: namedSources(original), families: line.nft.families };
  }
  const [original, changed] = [iptHostRules(scenario, line.host), iptHostRules(mutant.scenario, line.host)];
  if (!original || !changed) return undefined;
  return { fate: (c, probe) => iptProbeFate(c ? changed : original, probe), ports: iptNamedPorts(original), sources: iptNamedSources(original), families: [line.family] };
}

/** `refused:rst` as a check says it when the other verdict is no refusal: `refused`. */
function loose(seen: string): string {
  return seen.replace(/:.*$/, "");
}

/**
 * The advice, weighed with fwspec's reading of a native nft host's rules (nft-probe.ts): kept when its check holds
 * with the rules as written and fails with the mutant, or when the model cannot tell that check; else the first
 * probe that does (see the top); null when every probe tried is decided alike with and without the change; and when
 * none is told apart but some cannot be decided, that.
 */
export function weighed(advice: string, mutant: Mutant, scenario: Scenario): string | null {
  const line = mutant.lines[0]!;
  const m = CHECK.exec(advice);
  if (!m) return advice;
  const host = line.host;
  const model = weighing(line, mutant, scenario);
  if (!model) return unweighed(advice, line);
  const [whole, written, from, to, port, protocol, v, expected] = m as unknown as [string, string, string, string, string, "tcp" | "udp", string, string];
  const listen = scenario.hosts.find((h) => h.name === host)?.listen ?? [];
  /** What the probe's check would see, with and without the change, when the model decides both (every suggested check comes with a listener on its port: suggest-probe.ts withListener). */
  const fates = (probe: Probe): [string, string] | undefined => {
    const seen = (f: Fate | undefined) => (f !== "accepted" ? f : "open");
    const [a, b] = [seen(model.fate(false, probe)), seen(model.fate(true, probe))];
    return a === undefined || b === undefined ? undefined : [a, b];
  };
  const family: Family = v === "4" ? "ipv4" : "ipv6";
  const sender = parseLabel(from).host;
  const loopback = sender === host && to === "localhost";
  if (!loopback && !(to === host && sender !== host)) return advice;
  const source = loopback ? undefined : senderRange(scenario, from, host, family);
  const own = fates({ family, protocol, port: Number(port), loopback, source });
  if (own === undefined) return unweighed(advice, line);
  if (agrees(expected, own[0]) && !agrees(expected, own[1])) return advice;
  // The check gives the same verdict either way (or fails with the rules as written): look for one that tells.
  const [, , was, moved] = /\s(\S+) (\d+)→(\d+)(?:#\d+)?$/.exec(mutant.id) ?? [];
  const ports = [...new Set([...mutant.lines.map(rulePort), was, moved, port, ...model.ports, ...listen.filter((l) => l.protocol === protocol).map((l) => l.port), unnamedPort(scenario, host)]
    .filter((p) => p !== undefined).map(Number))];
  const families: Family[] = [...new Set([family, ...model.families])];
  const peer = peerOf(scenario, host);
  const lead = ["swap", "insert-append", "move-end"].includes(mutant.operator) ? "add a probe the reordered rules both match: " : "add ";
  // The peer, the host itself, then sources the rules name (their families only).
  const named = senders(scenario, host, peer, model.sources);
  let undecided = false;
  for (const p of ports) {
    for (const f of families) {
      const tried = [{ from: peer, source: senderRange(scenario, peer, host, f), note: undefined }, { from: host, source: undefined, note: undefined }, ...named.filter((s) => s.source.family === f)];
      for (const s of tried) {
        const self = s.from === host;
        const seen = fates({ family: f, protocol, port: p, loopback: self, source: s.source });
        if (seen === undefined) undecided = true;
        if (seen === undefined || seen[0] === seen[1]) continue;
        const [before, after] = loose(seen[0]) === loose(seen[1]) ? seen : seen.map(loose);
        // A port nothing listens on gets its listener from withListener.
        return `${lead}\`${self ? `${host} -> localhost` : `${s.from} -> ${host}`}:${p}${suffix(protocol, f)} ${before}\` (with this change it is ${after}${s.note ? `; ${s.note}` : ""})`;
      }
    }
  }
  if (!undecided) return null;
  return `no check found: as fwspec reads the rules, \`${whole.slice(written.length + 1, -1)}\` ${agrees(expected, own[0]) ? "holds with this change too" : `fails with the rules as written (${own[0]})`}, and it cannot tell how they decide some other probes (a match or verdict it does not model, or IPv6 neighbour discovery they may drop); find one by hand, or accept it as a known gap`;
}
