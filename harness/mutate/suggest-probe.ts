/**
 * Where a suggested probe goes (pure): the peer it comes from, the family
 * suffix it names, a port no rule names, a listener on such a port, and the
 * listener a check on a port its target does not listen on must declare with
 * it (every probed port needs one: scenario/listeners.ts).
 */
import type { Family } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";

/** `/tcp4`, `/udp6`: a suggested check names the family of the rule it is about. */
export function suffix(protocol: string | undefined, family: Family): string {
  return `/${protocol === "udp" ? "udp" : "tcp"}${family === "ipv4" ? "4" : "6"}`;
}

export function peerOf(scenario: Scenario, host: string): string {
  return scenario.hosts.find((h) => h.name !== host && !h.firewall)?.name ?? scenario.hosts.find((h) => h.name !== host)?.name ?? "client";
}

/**
 * Is a port named anywhere in what the host's apply steps load: any number or
 * range (`8000-8090`, `1000:2000`) in their text, rule or not (a named map's
 * or set's elements, a `define`), so that a port said to be named by no rule
 * is one no rule can decide. Numbers that are no ports (an address's octets, a
 * priority) only make fewer ports count as unnamed.
 */
function namedPorts(scenario: Scenario, host: string): (port: number) => boolean {
  const texts = scenario.steps.flatMap((s) => (s.kind === "apply" && s.host === host ? s.sources.map((src) => (src.kind === "commands" ? src.commands.map((c) => c.join(" ")).join("\n") : src.content)) : []));
  // Not a range: an iptables-save counter (`[152:10948]`), a map's `80 : 8080` (spaced), numbers past 65535.
  const ranges = texts.flatMap((t) => [...t.replace(/\[\d+:\d+\]/g, " ").matchAll(/(\d+)(?:-(\d+)|:(\d+)|\s*-\s*(\d+))?/g)]
    .map((m) => [Number(m[1]), Number(m[2] ?? m[3] ?? m[4] ?? m[1])] as const)
    .filter(([a, b]) => a <= b && b <= 65535));
  return (port) => ranges.some(([a, b]) => a <= port && port <= b);
}

/** A TCP port none of the host's nft rules names and nothing listens on (from 9999 down). */
export function unnamedPort(scenario: Scenario, host: string): number {
  const named = namedPorts(scenario, host);
  const listening = new Set(scenario.hosts.find((h) => h.name === host)?.listen.map((l) => l.port) ?? []);
  let port = 9999;
  while ((named(port) || listening.has(port)) && port > 1) port--;
  return port;
}

/** The host's first listener (TCP and HTTP before UDP) on a port none of its rules names. */
export function unnamedListener(scenario: Scenario, host: string): { readonly protocol: string; readonly port: number } | undefined {
  const named = namedPorts(scenario, host);
  const listen = scenario.hosts.find((h) => h.name === host)?.listen ?? [];
  return [...listen].sort((a, b) => Number(a.protocol === "udp") - Number(b.protocol === "udp")).find((l) => !named(l.port));
}

/** A probe check as a suggestion writes it, with what comes before it: `add …\`from -> to:port/tcp4 verdict\``. */
export const CHECK = /^(add [^`]*)`(\S+) -> (\S+):(\d+)\/(tcp|udp)([46]) (\S+)`/;

/**
 * Every probed port needs a listener (scenario/listeners.ts): a suggested check on a port its target does not
 * listen on says which listener to declare with it, so that it can be pasted as is.
 */
export function withListener(advice: string, scenario: Scenario): string {
  const m = CHECK.exec(advice);
  if (!m) return advice;
  const [whole, , from, to, port, protocol] = m as unknown as [string, string, string, string, string, string];
  const host = to === "localhost" ? from : to;
  const listen = scenario.hosts.find((h) => h.name === host)?.listen ?? [];
  const listens = listen.some((l) => l.port === Number(port) && (l.protocol === protocol || (protocol === "tcp" && l.protocol === "http")));
  if (listens || advice.includes(`listen: [${protocol}/${port}]`)) return advice;
  const note = `with \`listen: [${protocol}/${port}]\` on ${host}`;
  const rest = advice.slice(whole.length);
  return rest.startsWith(" (") ? `${whole} (${note}; ${rest.slice(2)}` : `${whole} (${note})${rest}`;
}
