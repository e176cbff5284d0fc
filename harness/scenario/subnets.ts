/**
 * The address plan of a scenario: top-level `subnets` (a network's declared
 * IPv4 and/or IPv6 subnet) and each host's `addresses` (its fixed address on a
 * network, inside that network's declared subnet, and extra addresses there).
 * Pure checks with positions:
 * subnets stay in the declarable ranges, clear of the engine's pools, of each
 * other and of the machine's routes (given by the caller); addresses are
 * inside their subnet, not its network, broadcast or gateway address, and used once.
 */
import { isIPv4, isIPv6 } from "node:net";
import { addressValue, bounds, type Cidr, DECLARABLE, isAligned, overlaps, parseCidr, PREFIX_RANGE, RESERVED, within } from "../model/cidr.ts";
import { DEFAULT_NETWORK, FAMILIES, type Family, type FamilyAddresses, type HostNetworkAddresses } from "../model/types.ts";
import type { CheckBase, Topology } from "./context.ts";
import { checkExtras } from "./extra-addresses.ts";
import type { Path } from "./locate.ts";
import { didYouMean, listWords } from "./suggest.ts";
import { isRecord, truncate } from "./values.ts";

/** A route of the machine (from harness/env/routes.ts), e.g. `198.18.7.0/24 dev eth1`. */
export interface MachineRoute {
  readonly cidr: Cidr;
  readonly description: string;
}

export interface AddressPlan {
  /** Declared subnets by network (only networks with at least one valid declared family). */
  readonly subnets: Record<string, FamilyAddresses>;
  /** Declared host addresses (fixed and extra) by host, then network. */
  readonly addresses: Map<string, Record<string, HostNetworkAddresses>>;
}

const EXAMPLE: Record<Family, { subnet: string; address: string }> = {
  ipv4: { subnet: "198.18.7.0/24", address: "198.18.7.10" },
  ipv6: { subnet: "2001:db8:7::/64", address: "2001:db8:7::10" },
};
const LABEL: Record<Family, string> = { ipv4: "IPv4", ipv6: "IPv6" };
/** Usable addresses of a network's automatic IPv4 /24: all but its network address, the gateway and the broadcast address. */
const AUTOMATIC_IPV4_HOSTS = 253;


/** The network names a scenario has: the declared ones, or the default one. */
function networkNames(ctx: Topology): readonly string[] {
  return ctx.networksDeclared ? (ctx.networkNames ?? []) : [DEFAULT_NETWORK];
}

/** Checks `subnets` and every host's `addresses`; reports each problem at its position. */
export function checkAddressPlan(ctx: CheckBase & Topology, rawSubnets: unknown, rawHosts: unknown, routes: readonly MachineRoute[] = []): AddressPlan {
  const cidrs = checkSubnets(ctx, rawSubnets, routes);
  // A subnet written but invalid is reported once, not again at each address in it.
  const written = (net: string, family: Family): boolean => isRecord(rawSubnets) && isRecord(rawSubnets[net]) && rawSubnets[net][family] !== undefined;
  const subnets: Record<string, FamilyAddresses> = {};
  for (const [net, fams] of cidrs) subnets[net] = Object.fromEntries([...fams].map(([f, c]) => [f, c.text]));
  const addresses = new Map<string, Record<string, HostNetworkAddresses>>();
  if (!isRecord(rawHosts)) return { subnets, addresses };
  const used = new Map<string, string>(); // `net family value` -> host
  for (const [host, value] of Object.entries(rawHosts)) {
    const raw = isRecord(value) ? value["addresses"] : undefined;
    if (!isRecord(raw)) continue; // absent, or zod reported it
    const mine: Record<string, HostNetworkAddresses> = {};
    const onNetworks = ctx.hosts.get(host)?.networks;
    for (const [net, fams] of Object.entries(raw)) {
      const p: Path = ["hosts", host, "addresses", net];
      if (onNetworks && !onNetworks.includes(net)) {
        const suggestion = didYouMean(net, onNetworks);
        ctx.problem(p, `\`${host}\` is not on network \`${truncate(net)}\``, `${suggestion ? `${suggestion} ` : ""}\`${host}\` is on ${listWords(onNetworks, "and")}; give addresses only on those`, { atKey: true });
        continue;
      }
      if (!isRecord(fams)) continue; // zod reported it
      const entry: { ipv4?: string; ipv6?: string; extra?: string[] } = {};
      const usable = (family: Family) => cidrs.get(net)?.has(family) || !written(net, family);
      for (const family of FAMILIES) {
        const text = fams[family];
        if (typeof text !== "string" || !usable(family)) continue;
        const ok = checkAddress(ctx, [...p, family], net, family, text, cidrs.get(net)?.get(family), used, host);
        if (ok) entry[family] = text;
      }
      const extra = checkExtras(ctx, [...p, "extra"], fams["extra"], (family, q, text) => usable(family) && checkAddress(ctx, q, net, family, text, cidrs.get(net)?.get(family), used, host));
      if (extra.length > 0) entry.extra = extra;
      if (entry.ipv4 !== undefined || entry.ipv6 !== undefined || entry.extra !== undefined) mine[net] = entry;
    }
    if (Object.keys(mine).length > 0) addresses.set(host, mine);
  }
  checkCapacity(ctx, cidrs, addresses);
  return { subnets, addresses };
}

/**
 * Each declared subnet holds its hosts: one address per host on the network
 * (fixed or chosen) and each extra address, within the usable ones (all but
 * the network address, the gateway and the IPv4 broadcast address). Else the
 * engine refuses the lab at its start (`no available IPv4 addresses on this
 * network's address pools`); said here, with the count.
 */
function checkCapacity(ctx: CheckBase & Topology, cidrs: ReadonlyMap<string, ReadonlyMap<Family, Cidr>>, addresses: ReadonlyMap<string, Record<string, HostNetworkAddresses>>): void {
  // A network without a declared IPv4 subnet gets an automatic /24 (lab/addresses.ts): 253 hosts at most (tester 44d:
  // 256 hosts passed validate, and the engine's refusal at the lab's start left a network it would not remove).
  for (const net of networkNames(ctx)) {
    if (cidrs.get(net)?.has("ipv4")) continue;
    const hosts = [...ctx.hosts].filter(([, h]) => (h.networks ?? []).includes(net)).map(([name]) => name);
    if (hosts.length <= AUTOMATIC_IPV4_HOSTS) continue;
    ctx.problem(["hosts", hosts[AUTOMATIC_IPV4_HOSTS]!], `${hosts.length} hosts are on \`${net}\`, whose automatic IPv4 subnet (a /24) has ${AUTOMATIC_IPV4_HOSTS} usable addresses: this host is the first one past them`, `declare a wider subnet for it (e.g. \`subnets: { ${net}: { ipv4: 198.18.0.0/22 } }\`), or put fewer hosts on \`${net}\``, { atKey: true });
  }
  for (const [net, fams] of cidrs) {
    const hosts = [...ctx.hosts].filter(([, h]) => (h.networks ?? []).includes(net)).map(([name]) => name);
    for (const [family, cidr] of fams) {
      const { first, last } = bounds(cidr);
      const usable = last - first + 1n - (family === "ipv4" ? 3n : 2n);
      const need = hosts.map((h) => ({ h, n: 1 + (addresses.get(h)?.[net]?.extra ?? []).filter((a) => addressValue(a, family) !== null).length }));
      const total = need.reduce((sum, x) => sum + x.n, 0);
      if (BigInt(total) <= usable) continue;
      const who = need.map((x) => (x.n > 1 ? `${x.h} (${x.n})` : x.h)).join(", ");
      ctx.problem(["subnets", net, family], `\`${net}\`'s ${LABEL[family]} subnet ${cidr.text} has ${usable} usable address(es), but its hosts need ${total}: ${who}`, `widen the subnet (fwspec keeps its network address, the gateway after it${family === "ipv4" ? " and the broadcast address" : ""}), or put fewer hosts on \`${net}\``);
    }
  }
}

function checkAddress(ctx: CheckBase, p: Path, net: string, family: Family, text: string, subnet: Cidr | undefined, used: Map<string, string>, host: string): boolean {
  // Leading zeros (`198.18.072.010`) are no address to the engine (and octal to inet_aton): refused here, as extra addresses are.
  const value = (family === "ipv4" ? isIPv4(text) : isIPv6(text)) ? addressValue(text, family) : null;
  if (value === null) {
    ctx.problem(p, `\`${truncate(text)}\` is not an ${LABEL[family]} address`, `write one address without a prefix length, e.g. \`${family}: ${EXAMPLE[family].address}\``);
    return false;
  }
  if (!subnet) {
    ctx.problem(p, `a fixed ${LABEL[family]} address on \`${net}\` needs a declared ${LABEL[family]} subnet for \`${net}\``, `declare it at the top level, e.g. \`subnets: { ${net}: { ${family}: ${EXAMPLE[family].subnet} } }\``);
    return false;
  }
  if (!within({ family, base: value, prefix: family === "ipv4" ? 32 : 128, text }, subnet)) {
    ctx.problem(p, `address ${text} is outside \`${net}\`'s subnet ${subnet.text}`, `pick an address inside ${subnet.text}, or widen the subnet`);
    return false;
  }
  const { first, last } = bounds(subnet);
  if (value === first + 1n || value === first || (family === "ipv4" && value === last)) {
    const what = value === first ? "network address" : value === last ? "broadcast address" : "gateway (the lab bridge)";
    ctx.problem(p, `address ${text} is the ${what} of ${subnet.text}`, `pick another address inside ${subnet.text}; fwspec keeps the network address${family === "ipv4" ? ", the first address after it (the gateway) and the broadcast address" : " and the first address after it (the gateway)"}`);
    return false;
  }
  const key = `${net} ${family} ${value}`;
  const other = used.get(key);
  if (other !== undefined) {
    ctx.problem(p, `${text} on \`${net}\` is already \`${other}\`'s address`, "give each host its own address");
    return false;
  }
  used.set(key, host);
  return true;
}

/** The declared subnets that passed every check, by network and family. */
function checkSubnets(ctx: CheckBase & Topology, raw: unknown, routes: readonly MachineRoute[]): Map<string, Map<Family, Cidr>> {
  const out = new Map<string, Map<Family, Cidr>>();
  if (!isRecord(raw)) return out; // absent, or zod reported it
  const names = networkNames(ctx);
  const seen: { net: string; cidr: Cidr }[] = [];
  for (const [net, fams] of Object.entries(raw)) {
    const p: Path = ["subnets", net];
    if (ctx.networkNames !== undefined || !ctx.networksDeclared) {
      if (!names.includes(net)) {
        const suggestion = didYouMean(net, names);
        const hint = ctx.networksDeclared ? `the scenario declares ${listWords(names, "and")}` : `without \`networks\` the lab has one network, \`${DEFAULT_NETWORK}\``;
        ctx.problem(p, `unknown network \`${truncate(net)}\``, `${suggestion ? `${suggestion} ` : ""}${hint}`, { atKey: true });
        continue;
      }
    }
    if (!isRecord(fams)) continue;
    for (const family of FAMILIES) {
      const text = fams[family];
      if (typeof text !== "string") continue;
      const cidr = checkSubnet(ctx, [...p, family], family, text, seen, routes);
      if (!cidr) continue;
      seen.push({ net, cidr });
      out.set(net, (out.get(net) ?? new Map<Family, Cidr>()).set(family, cidr));
    }
  }
  return out;
}

function checkSubnet(ctx: CheckBase, p: Path, family: Family, text: string, seen: readonly { net: string; cidr: Cidr }[], routes: readonly MachineRoute[]): Cidr | undefined {
  const cidr = parseCidr(text, family);
  const range = DECLARABLE[family];
  const [min, max] = PREFIX_RANGE[family];
  if (!cidr) {
    ctx.problem(p, `\`${truncate(text)}\` is not an ${LABEL[family]} subnet`, `write an address and a prefix length, e.g. \`${family}: ${EXAMPLE[family].subnet}\``);
    return undefined;
  }
  if (cidr.prefix < min || cidr.prefix > max) {
    ctx.problem(p, `${text}: a declared ${LABEL[family]} subnet is a /${min} to a /${max}`, `e.g. \`${family}: ${EXAMPLE[family].subnet}\``);
    return undefined;
  }
  if (!isAligned(cidr)) {
    ctx.problem(p, `${text} has host bits set`, `write the subnet's network address with its prefix length (the address with every bit after the first ${cidr.prefix} zero)`);
    return undefined;
  }
  const reserved = RESERVED[family].find((r) => overlaps(r, cidr));
  if (!within(cidr, range) || reserved) {
    ctx.problem(
      p,
      reserved ? `${text} is inside ${reserved.text}, which fwspec keeps for ${family === "ipv4" ? "the container engine's own networks" : "automatic lab subnets"}` : `${text} is outside ${range.text}`,
      `lab subnets are ${DECLARABLE.ipv4.text} (IPv4) and ${DECLARABLE.ipv6.text} outside ${RESERVED.ipv6[0]!.text} (IPv6), e.g. \`${family}: ${EXAMPLE[family].subnet}\``,
    );
    return undefined;
  }
  const clash = seen.find((s) => overlaps(s.cidr, cidr));
  if (clash) {
    ctx.problem(p, `${text} overlaps \`${clash.net}\`'s subnet ${clash.cidr.text}`, "give each network a subnet of its own");
    return undefined;
  }
  const route = routes.find((r) => overlaps(r.cidr, cidr));
  if (route) {
    ctx.problem(p, `${text} overlaps a route of this machine (${route.description})`, "a lab subnet must not shadow an address the machine already reaches; pick another subnet, or stop what uses that one (a running lab?)");
    return undefined;
  }
  return cidr;
}
