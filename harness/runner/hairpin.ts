/**
 * A port forward used from inside its own network (hairpin NAT), without a
 * SNAT (pure): a dropped probe whose DNAT sent it on to a lab host on the
 * prober's own network, no SNAT or masquerade among the rewrites of its
 * path. That host answers the prober directly, from its own address, which
 * the prober's connection (to the forwarding host's address) does not
 * expect: the prober's kernel resets it, and no chain dropped the answer —
 * the report says so instead of sending a reader through the reply's chains
 * (tester 44b: the laptop got the backend's SYN-ACKs and reset them).
 */
import type { LabHost } from "../lab/types.ts";
import type { Observation } from "../probes/observe.ts";
import { sentOnAddress } from "./vanished.ts";

const SOURCE_NAT = /\b(SNAT|MASQUERADE|snat|masquerade)\b/;

/** The observation with its decision marked `hairpin` (the host that answered directly), or as it was. */
export function withHairpin(o: Observation, ownerOf: (address: string) => Pick<LabHost, "name" | "networks"> | undefined, prober: Pick<LabHost, "name" | "networks">): Observation {
  const d = o.decision;
  if (o.result.verdict !== "dropped" || d?.action !== "accept" || d.sentOnTo === undefined || (d.rewrites ?? []).some((r) => SOURCE_NAT.test(r))) return o;
  const target = ownerOf(sentOnAddress(d.sentOnTo).address);
  if (!target || target.name === prober.name || !target.networks.some((n) => prober.networks.includes(n))) return o;
  return { ...o, decision: { ...d, hairpin: target.name } };
}
