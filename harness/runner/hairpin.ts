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

type Host = Pick<LabHost, "name" | "networks" | "addressOn">;

/**
 * The observation with its decision marked `hairpin` (the host that answered directly), or as it was. Only a
 * decision the trace gave (its rewrites are the packet's, a SNAT among them; counters name no rewrite), with no SNAT
 * or masquerade counting either, and only on the network the probe left by: the one where the prober reached the
 * address it probed (a prober on two networks probing the router's other address gets its answer back through it).
 */
export function withHairpin(o: Observation, ownerOf: (address: string) => Host | undefined, prober: Host): Observation {
  const d = o.decision;
  if (o.result.verdict !== "dropped" || d?.action !== "accept" || d.source !== "trace" || d.sentOnTo === undefined) return o;
  if ((d.rewrites ?? []).some((r) => SOURCE_NAT.test(r)) || o.decidedBy.some((x) => SOURCE_NAT.test(x.rule.text))) return o;
  const family = o.result.spec.family;
  const probed = ownerOf(o.result.address);
  const left = probed && prober.networks.find((n) => probed.addressOn(n, family) === o.result.address);
  const target = ownerOf(sentOnAddress(d.sentOnTo).address);
  if (left === undefined || !target || target.name === prober.name || target.addressOn(left, family) === undefined) return o;
  return { ...o, decision: { ...d, hairpin: target.name } };
}
