/**
 * A surviving mutant of a rule in a router's FORWARD chain (pure): the
 * chain decides only packets the router forwards, so the check is a probe
 * from a host on one of its networks to a host on another — in on the
 * rule's `-i` interface and out on its `-o` when it names them — never one
 * to the router itself (its INPUT decides that). A rule this cannot place
 * (a negated or wildcard interface, one the lab does not name, a source or
 * destination address match) gets no probe: the caller says it in words.
 */
import type { Scenario } from "../scenario/model.ts";
import type { RuleLine } from "./rule-lines.ts";

type Host = Scenario["hosts"][number];

/** The word after one of `flags` in the rule (`-i wan0`); null when it is negated. */
function valueAfter(words: readonly string[], flags: readonly string[]): string | undefined | null {
  const i = words.findIndex((w) => flags.includes(w));
  if (i < 0) return undefined;
  return words[i - 1] === "!" || words[i + 1] === "!" ? null : words[i + 1];
}

/** The router's networks a forwarded probe comes in on and goes out on, as the rule's interfaces limit them; undefined: not placeable. */
function forwardedNets(line: RuleLine, router: Host): { readonly in: readonly string[]; readonly out: readonly string[] } | undefined {
  const nets = router.networks ?? [];
  if (valueAfter(line.words, ["-s", "--source", "-d", "--destination"]) !== undefined) return undefined;
  const netOf = (iface: string | undefined | null): readonly string[] | undefined => {
    if (iface === undefined) return nets;
    if (iface === null || iface.endsWith("+")) return undefined;
    const named = Object.entries(router.interfaces ?? {}).find(([, i]) => i === iface)?.[0] ?? (/^eth(\d+)$/.test(iface) ? nets[Number(iface.slice(3))] : undefined);
    return named === undefined ? undefined : [named];
  };
  const inNets = netOf(valueAfter(line.words, ["-i", "--in-interface"]));
  const outNets = netOf(valueAfter(line.words, ["-o", "--out-interface"]));
  return inNets && outNets ? { in: inNets, out: outNets } : undefined;
}

/** Does the router forward a probe from `from` to `to` through the rule's interfaces (they share no network, each shares one with it)? */
export function forwardsThrough(line: RuleLine, scenario: Scenario, from: string, to: string): boolean {
  const router = scenario.hosts.find((h) => h.name === line.host);
  const a = scenario.hosts.find((h) => h.name === from);
  const b = scenario.hosts.find((h) => h.name === to);
  if (!router?.router || !a || !b || a === router || b === router) return false;
  const nets = forwardedNets(line, router);
  if (!nets) return false;
  const aNets = a.networks ?? [];
  const bNets = b.networks ?? [];
  return aNets.some((n) => nets.in.includes(n)) && bNets.some((n) => nets.out.includes(n)) && !aNets.some((n) => bNets.includes(n));
}

/** A pair of hosts the router forwards between through the rule (a target listening on `port` first); undefined when there is none. */
export function forwardedPair(line: RuleLine, scenario: Scenario, port?: number): { readonly from: string; readonly to: string } | undefined {
  const others = scenario.hosts.filter((h) => h.name !== line.host);
  const listening = (h: Host) => h.listen.some((l) => l.port === port);
  const targets = [...others.filter(listening), ...others.filter((h) => !listening(h))];
  for (const from of others) {
    const to = targets.find((t) => forwardsThrough(line, scenario, from.name, t.name));
    if (to) return { from: from.name, to: to.name };
  }
  return undefined;
}
