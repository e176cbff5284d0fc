/**
 * A surviving mutant of a rule in a router's FORWARD chain (pure): the
 * chain decides only packets the router forwards, so the check is a probe
 * from a host on one of its networks to a host on another — in on the
 * rule's `-i` interface and out on its `-o` when it names them — never one
 * to the router itself (its INPUT decides that).
 */
import type { Scenario } from "../scenario/model.ts";
import type { RuleLine } from "./rule-lines.ts";

/** The word after `flag` in the rule (`-i wan0`), unless negated. */
function valueAfter(words: readonly string[], flags: readonly string[]): string | undefined {
  const i = words.findIndex((w) => flags.includes(w));
  return i > 0 && words[i - 1] === "!" ? undefined : i >= 0 ? words[i + 1] : undefined;
}

/** A pair of hosts the router forwards between, the rule's interfaces respected (a target listening on `port` first); undefined when the scenario has none. */
export function forwardedPair(line: RuleLine, scenario: Scenario, port?: number): { readonly from: string; readonly to: string } | undefined {
  const router = scenario.hosts.find((h) => h.name === line.host);
  if (!router?.router) return undefined;
  const nets = router.networks ?? [];
  const netOf = (iface: string | undefined) => (iface === undefined ? undefined : (Object.entries(router.interfaces ?? {}).find(([, i]) => i === iface)?.[0] ?? (/^eth(\d+)$/.exec(iface) ? nets[Number(iface.slice(3))] : undefined)));
  const inNet = netOf(valueAfter(line.words, ["-i", "--in-interface"]));
  const outNet = netOf(valueAfter(line.words, ["-o", "--out-interface"]));
  const others = scenario.hosts.filter((h) => h.name !== router.name);
  const listening = (h: (typeof others)[number]) => h.listen.some((l) => l.port === port);
  const targets = [...others.filter(listening), ...others.filter((h) => !listening(h))];
  for (const from of others) {
    const fromNets = (from.networks ?? []).filter((n) => nets.includes(n) && (inNet === undefined || n === inNet));
    if (fromNets.length === 0) continue;
    const to = targets.find((t) => t !== from && (t.networks ?? []).some((n) => nets.includes(n) && (outNet === undefined || n === outNet)) && !(t.networks ?? []).some((n) => (from.networks ?? []).includes(n)));
    if (to) return { from: from.name, to: to.name };
  }
  return undefined;
}
