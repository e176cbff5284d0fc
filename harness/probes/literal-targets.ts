/**
 * Literal probe targets need a host that holds them: silence from an address
 * nobody has would read as `dropped`, and an ICMP error from a router as
 * `unreachable`, whatever the firewall does. A loopback target is the
 * probing host's own. Any other literal is held when the lab knows it (a
 * host's address on one of its networks, or one it declares), else when a
 * host has it now (`ip -j addr show`: an address a run step added); a target
 * no host holds is an error result, never probed. Likewise after a probe
 * (routeChecked), whatever its target: a packet sent toward a next hop no
 * host holds, or refused by the prober's own routing (no route, a
 * blackhole), tested no firewall rule, and is an error saying so.
 */
import type { LabHost, RunningLab } from "../lab/types.ts";
import { addressValue } from "../model/cidr.ts";
import { findDeclared } from "../model/host-addresses.ts";
import { isLoopbackTarget, NO_HOLDER_HINT } from "../model/targets.ts";
import type { Family, ProbeSpec } from "../model/types.ts";
import { unresolvedNeighbour } from "./neighbour.ts";
import type { ProbeResult } from "./probe.ts";

/** The target of a probe when it is a literal address other than loopback. */
export function literalTarget(spec: Pick<ProbeSpec, "to">): string | undefined {
  return spec.to.kind === "address" && !isLoopbackTarget(spec.to.address) ? spec.to.address : undefined;
}

/** The host the lab knows to hold `address` (on one of its networks, or declared), if any (pure). */
export function knownHolder(lab: RunningLab, address: string, family: Family): LabHost | undefined {
  const value = addressValue(address, family);
  if (value === null) return undefined;
  const same = (on: string | undefined) => on !== undefined && addressValue(on, family) === value;
  return [...lab.hosts.values()].find((h) => h.networks.some((n) => same(h.addressOn(n, family))) || findDeclared(h.spec.addresses, address, family) !== undefined);
}

/** The addresses in `ip -j addr show` output (pure; empty for output that is not its JSON). */
export function addressesIn(ipJson: string): string[] {
  let links: unknown;
  try {
    links = JSON.parse(ipJson);
  } catch {
    return [];
  }
  if (!Array.isArray(links)) return [];
  return links.flatMap((l: { addr_info?: { local?: unknown }[] }) => (l.addr_info ?? []).map((a) => a.local).filter((a): a is string => typeof a === "string"));
}

/**
 * The literal targets of `specs` that no host of the lab holds (as written).
 * Hosts are asked only for targets the lab does not know, one `ip` each.
 */
export async function unheldTargets(lab: RunningLab, specs: readonly Pick<ProbeSpec, "to" | "family">[]): Promise<ReadonlySet<string>> {
  const unknown = new Map<string, Family>();
  for (const spec of specs) {
    const address = literalTarget(spec);
    if (address !== undefined && knownHolder(lab, address, spec.family) === undefined) unknown.set(address, spec.family);
  }
  if (unknown.size === 0) return new Set();
  const held = new Set<string>();
  await Promise.all(
    [...lab.hosts.values()].map(async (h) => {
      const r = await h.run(["ip", "-j", "addr", "show"], `listing the addresses of ${h.name}`, { light: true });
      for (const a of addressesIn(r.stdout)) for (const [address, family] of unknown) if (addressValue(a, family) !== null && addressValue(a, family) === addressValue(address, family)) held.add(address);
    }),
  );
  return new Set([...unknown.keys()].filter((a) => !held.has(a)));
}

/** The error result of a probe whose literal target no host holds. */
export function unheldResult(spec: ProbeSpec): ProbeResult {
  const address = spec.to.kind === "address" ? spec.to.address : "";
  const reason = `no host of the lab holds ${address}, so nothing could answer there: ${NO_HOLDER_HINT}`;
  return { spec, address, verdict: "error", reason, evidence: { command: "", argv: [], exitCode: null, stdout: "", stderr: "", durationMs: 0 } };
}

/**
 * A probe whose packet went toward a next hop no lab host holds — the
 * engine's gateway of the prober's network (or of a router's), where a host
 * without a route to the target sends it and nothing answers — never met a
 * firewall: its `dropped` (the next hop unresolved) says nothing about the
 * rules, so it is an error naming the missing route. A next hop some host
 * holds (a router, an address a run step added) is left as observed: an
 * unanswered lookup there is the rules' doing.
 */
export async function routeChecked(lab: RunningLab, result: ProbeResult): Promise<ProbeResult> {
  if (result.verdict === "unreachable") return await unroutedChecked(lab, result);
  if (result.verdict === "error") return await blackholeChecked(lab, result);
  const n = unresolvedNeighbour(result.evidence.stderr);
  if (result.verdict !== "dropped" || !n || n.replying || n.address === result.address) return result;
  const hop = { to: { kind: "address" as const, address: n.address }, family: result.spec.family };
  // A host that cannot be asked now (busy, gone) leaves the verdict as observed: this check never fails a probe itself.
  const unheld = await unheldTargets(lab, [hop]).catch(() => new Set<string>());
  if (unheld.size === 0) return result;
  const sender = n.at ?? result.spec.from;
  return {
    ...result,
    verdict: "error",
    reason: `${sender} sent the probe's packet toward ${n.address}, which no lab host holds (so nothing answers there: on a lab network, the engine's gateway): the lab has no route from ${sender} to ${result.address}, so no firewall rule was tested; ` +
      "add a router on a network of each (`router: true`), or the route in a run step (`ip route add … via …`)",
  };
}

/**
 * `Network is unreachable` from the prober's own kernel, where it has no
 * route toward the target at all (`ip route get` says so too: not even a
 * default, as for an IPv6 host on a network no router joins): no packet left
 * and no firewall rule was tested, so it is an error naming the missing
 * route, not `unreachable`. A route of type unreachable or prohibit (a run
 * step's) is a route, and its verdict stands.
 */
async function unroutedChecked(lab: RunningLab, result: ProbeResult): Promise<ProbeResult> {
  if (!/Network is unreachable/.test(result.evidence.stderr)) return result;
  const from = lab.host(result.spec.from);
  // `Network is unreachable` is `ip route get`'s answer for no route at all (an unreachable or prohibit route answers otherwise).
  if (!/Network is unreachable/.test(await routeGetError(from, result))) return result;
  return {
    ...result,
    verdict: "error",
    reason: `${from.name} has no route to ${result.address} (its own kernel said Network is unreachable, and so does \`ip route get\`: not even a default), so no packet left and no firewall rule was tested; ` +
      `add a router on a network of each (\`router: true\`), or the route in a run step (\`ip ${result.spec.family === "ipv6" ? "-6 " : ""}route add … via …\`)`,
  };
}

/**
 * `Invalid argument` from the prober's own connect(): its route to the target
 * is a blackhole (a run step's `ip route add blackhole …`; `ip route get` says
 * the same). Still an error (no packet left, no firewall rule was tested),
 * said in those words instead of "output not understood".
 */
async function blackholeChecked(lab: RunningLab, result: ProbeResult): Promise<ProbeResult> {
  if (!/Invalid argument/.test(result.evidence.stderr) || result.address === "") return result;
  const from = lab.host(result.spec.from);
  if (!/Invalid argument/.test(await routeGetError(from, result))) return result;
  return { ...result, reason: `${from.name} routes ${result.address} into a blackhole (a route of type blackhole: \`ip route get\` says Invalid argument), so its own kernel refused the connection and no packet left: no firewall rule was tested` };
}

/**
 * What `ip route get` on the prober says for the probe's target (from its
 * source, if it has one) when it finds no usable route: its error, or "" when
 * a route was found or the command could not run. It follows the routing
 * rules (a run step's policy routing) as the kernel does.
 */
async function routeGetError(from: LabHost, result: ProbeResult): Promise<string> {
  const source = result.spec.source ? ["from", result.spec.source] : [];
  const got = await from.exec(["ip", result.spec.family === "ipv4" ? "-4" : "-6", "route", "get", result.address, ...source], { light: true, timeoutSeconds: 5 }).catch(() => undefined);
  return got === undefined || got.exitCode === 0 ? "" : got.stderr;
}
