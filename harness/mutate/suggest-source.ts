/**
 * Where a suggested probe leaves from when the rule matches a source (pure):
 * `-s 2001:db8::5`, `ip6 saddr 198.18.7.0/25`. A probe from a peer without
 * such an address never meets the rule, so its check could not catch the
 * mutant. A host holding a declared address in the rule's range sends it
 * (`admin@[2001:db8::5] -> …`); else the peer does, from an address in the
 * range, and the suggestion says what to declare for it: an extra address
 * of the peer (`addresses: { lan: { extra: [...] } }`, so its other probes keep
 * their source) and, when no declared subnet of its network holds it, the
 * subnet (README, *Address plans* and *Extra addresses and the probe's source*).
 */
import { addressValue, bounds, type Cidr, contains, DECLARABLE, overlaps, parseCidr, RESERVED, within } from "../model/cidr.ts";
import { declaredAddresses } from "../model/host-addresses.ts";
import { LAB_RANGES, LOOPBACK_RANGES } from "../model/targets.ts";
import { DEFAULT_NETWORK, type Family, sourceLabel } from "../model/types.ts";
import { formatIPv6 } from "../rules/address.ts";
import type { Scenario } from "../scenario/model.ts";
import { isNftLine, type NftRuleLine } from "./nft-lines.ts";
import type { RuleLine } from "./rule-lines.ts";

export interface ProbeSource {
  /** The probe's source as a check writes it: `remote`, `admin@198.18.7.10`, `admin@[2001:db8::5]`. */
  readonly from: string;
  /** What the scenario must declare for that source to exist, in words; none when it exists. */
  readonly note?: string;
}

/** The source a rule matches, as written (the first of an anonymous nft set); none when it names none, negates it or names a set. */
export function ruleSource(line: RuleLine): string | undefined {
  if (isNftLine(line)) return nftSource(line);
  const i = line.words.findIndex((w) => w === "-s" || w === "--source" || w === "--src");
  if (i < 0 || line.words[i - 1] === "!") return undefined;
  return line.words[i + 1]?.split(",")[0];
}

function nftSource(line: NftRuleLine): string | undefined {
  const i = line.words.findIndex((w, j) => (w === "ip" || w === "ip6") && line.words[j + 1] === "saddr");
  const v = i < 0 ? undefined : line.words[i + 2];
  const first = v === "{" ? line.words[i + 3] : v;
  return first === undefined || first === "!=" || first.startsWith("@") ? undefined : first.replace(/,$/, "");
}

/** The rule's source as a range of its family; none when it names none, or any lab address matches it (or loopback: the loopback suggestions cover those). */
function sourceRange(line: RuleLine): Cidr | undefined {
  const text = ruleSource(line);
  if (text === undefined) return undefined;
  const family: Family = text.includes(":") ? "ipv6" : "ipv4";
  const range = parseCidr(text.includes("/") ? text : `${text}/${family === "ipv4" ? 32 : 128}`, family);
  if (!range || overlaps(range, parseCidr(LOOPBACK_RANGES[family], family)!)) return undefined;
  return within(parseCidr(LAB_RANGES[family], family)!, range) ? undefined : range;
}

/** An address as a check writes it (IPv6 compressed). */
export function shown(value: bigint, family: Family): string {
  if (family === "ipv4") return [24n, 16n, 8n, 0n].map((s) => (value >> s) & 255n).join(".");
  return formatIPv6([112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((value >> s) & 0xffffn)));
}

/** An address of the range a host may hold: the range's one address, else the tenth after its network address (or the second in a small range). */
export function addressIn(range: Cidr): string {
  const { first, last } = bounds(range);
  const at = first === last ? first : first + 10n < last ? first + 10n : first + 2n <= last ? first + 2n : last;
  return shown(at, range.family);
}

/** A subnet a scenario may declare that holds `address` as a host address (not its network, gateway or IPv4 broadcast address). */
function subnetFor(address: string, family: Family): string | undefined {
  const value = addressValue(address, family)!;
  for (const prefix of family === "ipv4" ? [24, 16] : [64, 48]) {
    const c = parseCidr(`${address}/${prefix}`, family)!;
    const { first, last } = bounds(c);
    const subnet = { ...c, base: first, text: `${shown(first, family)}/${prefix}` };
    const usable = value !== first && value !== first + 1n && (family === "ipv6" || value !== last);
    if (usable && within(subnet, DECLARABLE[family]) && !RESERVED[family].some((r) => overlaps(r, subnet))) return subnet.text;
  }
  return undefined;
}

/** Can a host be given an address in the range (inside the declarable range, not all of it reserved)? */
export function declarable(range: Cidr): boolean {
  const space = DECLARABLE[range.family];
  return overlaps(range, space) && !RESERVED[range.family].some((r) => within(range, r)) && contains(space, addressIn(range));
}

/**
 * Can the expectation's probe match the rule's source: it leaves from an address in the range, or its host's fixed
 * address of that family is in it? Always, when the rule matches any lab source.
 */
export function sourceMatches(e: { readonly from: string; readonly source?: string | undefined }, line: RuleLine, scenario: Scenario): boolean {
  const range = sourceRange(line);
  if (range === undefined) return true;
  if (e.source !== undefined) return contains(range, e.source);
  return declaredAddresses(scenario.hosts.find((h) => h.name === e.from)?.addresses).some((d) => !d.extra && d.family === range.family && contains(range, d.address));
}

/** The YAML a host spec declares an address with: IPv6 quoted, as the README writes it. */
function yamlAddress(address: string, family: Family): string {
  return family === "ipv6" ? `"${address}"` : address;
}

/** What the peer must declare to hold `address` on `network`, in words; `why` says what the address is for. */
function declareNote(scenario: Scenario, peer: string, network: string, address: string, family: Family, why: string): string {
  const lead = `${peer} needs the address ${address}${why}: `;
  const declared = scenario.subnets?.[network]?.[family];
  const subnet = declared === undefined ? undefined : parseCidr(declared, family);
  if (subnet && !contains(subnet, address)) return `${lead}it is outside ${network}'s declared subnet ${declared}: a host on a network whose subnet holds it`;
  const own = scenario.hosts.find((h) => h.name === peer)?.addresses?.[network];
  // An extra address: the peer's other probes keep their source (the kernel never picks an extra one by itself).
  const where = own === undefined ? `\`addresses: { ${network}: { extra: [${yamlAddress(address, family)}] } }\` on ${peer}` : `\`${yamlAddress(address, family)}\` in \`extra:\` of ${peer}'s addresses on ${network}`;
  if (subnet) return `${lead}${where}`;
  const proposed = subnetFor(address, family);
  return proposed === undefined ? `${lead}${where}, in a subnet declared for ${network} that holds it` : `${lead}${where}, with \`subnets: { ${network}: { ${family}: ${proposed} } }\``;
}

/**
 * Where a probe the rule's source match must see leaves from: `peer` when the
 * rule matches any lab source; a host (not `line.host`, peers first) holding
 * a declared address in the rule's range; else `peer` from an address in the
 * range, with what to declare for it.
 */
export function probeSource(line: RuleLine, scenario: Scenario, peer: string): ProbeSource {
  const range = sourceRange(line);
  if (range === undefined) return { from: peer };
  if (!declarable(range)) return { from: peer, note: `the rule matches only sources in ${range.text}, and no lab host can be given such an address (declared addresses lie in ${DECLARABLE[range.family].text})` };
  const others = scenario.hosts.filter((h) => h.name !== line.host).sort((a, b) => Number(a.firewall) - Number(b.firewall));
  for (const h of others) {
    const held = declaredAddresses(h.addresses).find((d) => d.family === range.family && contains(range, d.address));
    if (held) return { from: sourceLabel(h.name, held.address) };
  }
  return peerAt(addressIn(range), range.family, scenario, line.host, peer, ", which the rule's source matches");
}

/** `peer` leaving from `address` (a probe to `host`), with what it must declare to hold it; `why` says what the address is for. */
export function peerAt(address: string, family: Family, scenario: Scenario, host: string, peer: string, why: string): ProbeSource {
  const peerSpec = scenario.hosts.find((h) => h.name === peer);
  const hostNetworks = scenario.hosts.find((h) => h.name === host)?.networks;
  const network = peerSpec?.networks?.find((n) => hostNetworks?.includes(n)) ?? peerSpec?.networks?.[0] ?? DEFAULT_NETWORK;
  return { from: sourceLabel(peer, address), note: declareNote(scenario, peer, network, address, family, why) };
}
