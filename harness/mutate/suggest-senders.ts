/**
 * Where a weighed probe leaves from (pure), for the nft model's source matches
 * (nft-probe.ts): the range a probe's source lies in, and the sources a probe
 * that must tell a mutant apart may leave from.
 *
 * A check from an address (`remote@198.18.7.25`) leaves from it. A plain
 * peer's probe to a host on one network it shares leaves from its fixed
 * address there, else from that network's declared subnet, else from the
 * automatic lab subnets (model/cidr.ts RESERVED: lab/addresses.ts gives an
 * undeclared network 198.19.128.0/17's /24 and a /64 of 2001:db8:f5::/48);
 * the kernel never picks an extra address by itself. Through a router, or
 * over several shared networks, the source is not known here.
 */
import { bounds, type Cidr, contains, parseCidr, RESERVED } from "../model/cidr.ts";
import { declaredAddresses } from "../model/host-addresses.ts";
import { DEFAULT_NETWORK, type Family, sourceLabel } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";
import { addressIn, declarable, peerAt, type ProbeSource, shown } from "./suggest-source.ts";

/** A source the search may try: the label a check writes, the address it leaves from, and what to declare for it. */
export interface Sender extends ProbeSource {
  readonly source: Cidr;
}

const one = (address: string, family: Family): Cidr | undefined => parseCidr(`${address}/${family === "ipv4" ? 32 : 128}`, family) ?? undefined;

/** `remote`, `remote@198.18.7.25`, `remote@[2001:db8::5]`: the host and the address, if any. */
export function parseLabel(label: string): { readonly host: string; readonly address?: string } {
  const [, host, address] = /^([^@]+)(?:@\[?([^\]]+)\]?)?$/.exec(label) ?? [label, label];
  return address === undefined ? { host: host! } : { host: host!, address };
}

/** The range a probe from `label` to `target` leaves from, in `family`; undefined when not known. */
export function senderRange(scenario: Scenario, label: string, target: string, family: Family): Cidr | undefined {
  const { host, address } = parseLabel(label);
  if (address !== undefined) return one(address, family);
  const spec = scenario.hosts.find((h) => h.name === host);
  const targetNetworks = scenario.hosts.find((h) => h.name === target)?.networks ?? [DEFAULT_NETWORK];
  const shared = (spec?.networks ?? [DEFAULT_NETWORK]).filter((n) => targetNetworks.includes(n));
  if (!spec || shared.length !== 1) return undefined;
  const network = shared[0]!;
  const fixed = declaredAddresses(spec.addresses).find((d) => !d.extra && d.network === network && d.family === family);
  if (fixed) return one(fixed.address, family);
  const subnet = scenario.subnets?.[network]?.[family];
  return subnet === undefined ? RESERVED[family][0] : parseCidr(subnet, family) ?? undefined;
}

/**
 * The sources a probe to `host` may leave from to meet the rules' source matches (`ranges`, nft-probe.ts
 * namedSources): for each range, a host's declared address in it, else an address in it and the tenth past its
 * end (outside it: for `saddr !=`, or past a narrower range before a wider one). A host (not `host`) holding such an
 * address sends it; else `peer`, with what to declare.
 */
export function senders(scenario: Scenario, host: string, peer: string, ranges: readonly Cidr[]): Sender[] {
  const out = new Map<string, Sender>();
  const others = scenario.hosts.filter((h) => h.name !== host).sort((a, b) => Number(a.firewall) - Number(b.firewall));
  for (const range of ranges) {
    const held = others.flatMap((h) => declaredAddresses(h.addresses).filter((d) => d.family === range.family && contains(range, d.address)).map((d) => ({ h: h.name, address: d.address })));
    const past = bounds(range).last + 10n;
    const addresses = [...(held.length > 0 ? [] : [addressIn(range)]), ...(past >> BigInt(range.family === "ipv4" ? 32 : 128) === 0n ? [shown(past, range.family)] : [])];
    for (const { h, address } of held) out.set(`${h} ${address}`, { from: sourceLabel(h, address), source: one(address, range.family)! });
    for (const address of addresses) {
      const source = one(address, range.family)!;
      if (!declarable(source)) continue;
      const holder = others.find((h) => declaredAddresses(h.addresses).some((d) => d.family === range.family && contains(source, d.address)));
      const sender = holder ? { from: sourceLabel(holder.name, address) } : peerAt(address, range.family, scenario, host, peer, " to leave from");
      out.set(`${holder?.name ?? peer} ${address}`, { ...sender, source });
    }
  }
  return [...out.values()];
}
