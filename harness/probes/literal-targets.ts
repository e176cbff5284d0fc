/**
 * Literal probe targets need a host that holds them: silence from an address
 * nobody has would read as `dropped`, and an ICMP error from a router as
 * `unreachable`, whatever the firewall does. A loopback target is the
 * probing host's own. Any other literal is held when the lab knows it (a
 * host's address on one of its networks, or one it declares), else when a
 * host has it now (`ip -j addr show`: an address a run step added); a target
 * no host holds is an error result, never probed.
 */
import type { LabHost, RunningLab } from "../lab/types.ts";
import { addressValue } from "../model/cidr.ts";
import { findDeclared } from "../model/host-addresses.ts";
import { isLoopbackTarget, NO_HOLDER_HINT } from "../model/targets.ts";
import type { Family, ProbeSpec } from "../model/types.ts";
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
