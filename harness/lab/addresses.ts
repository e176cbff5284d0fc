/**
 * Address plan: every automatic lab network gets an IPv4 /24 inside
 * 198.19.128.0/17 (the upper half of the benchmarking range's second /16;
 * the engine's own pools and bridge keep 198.19.0.0/17 and 198.19.255.0/24)
 * and an IPv6 /64 inside 2001:db8:f5::/48 (documentation range). Scenarios
 * declare their subnets in 198.18.0.0/16 and outside 2001:db8:f5::/48
 * (model/cidr.ts DECLARABLE, RESERVED), so an automatic network of any run,
 * test or project on the engine never takes a subnet a scenario declares.
 * A slot number picks both, so two labs with different slots never overlap.
 */

/** Automatic slots: 198.19.128.0/24 … 198.19.254.0/24. */
export const SLOT_COUNT = 127;
const FIRST_THIRD_OCTET = 128;

export interface SubnetPlan {
  readonly slot: number;
  readonly ipv4Subnet: string;
  readonly ipv4Gateway: string;
  readonly ipv6Subnet: string;
  readonly ipv6Gateway: string;
}

export function subnetForSlot(slot: number): SubnetPlan {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
    throw new RangeError(`subnet slot ${slot} is outside 0..${SLOT_COUNT - 1}`);
  }
  const third = FIRST_THIRD_OCTET + slot;
  // Canonical text (RFC 5952), as the kernel and the engine print it: slot 0 is 2001:db8:f5::/64.
  const prefix = slot === 0 ? "2001:db8:f5:" : `2001:db8:f5:${slot.toString(16)}:`;
  return {
    slot,
    ipv4Subnet: `198.19.${third}.0/24`,
    ipv4Gateway: `198.19.${third}.1`,
    ipv6Subnet: `${prefix}:/64`,
    ipv6Gateway: `${prefix}:1`,
  };
}

/** A random slot, avoiding those known to be taken. */
export function pickSlot(taken: ReadonlySet<number>, random: () => number = Math.random): number {
  const free: number[] = [];
  for (let s = 0; s < SLOT_COUNT; s++) if (!taken.has(s)) free.push(s);
  if (free.length === 0) throw new RangeError(`all ${SLOT_COUNT} automatic lab subnets in 198.19.128.0/17 are in use`);
  return free[Math.floor(random() * free.length)]!;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(address: string): boolean {
  return IPV4.test(address);
}

/** Within 198.18.0.0/15? */
export function inBenchmarkRange(address: string): boolean {
  if (!isIPv4(address)) return false;
  const [a, b] = address.split(".").map(Number);
  return a === 198 && (b === 18 || b === 19);
}

/** Within 2001:db8::/32? (addresses as Docker prints them: lower case, compressed) */
export function inDocumentationRange(address: string): boolean {
  return /^2001:db8(:|$)/i.test(address) || /^2001:0db8(:|$)/i.test(address);
}

/** May a probe target this literal address? One definition, shared with `fwspec validate`. */
export { allowedTarget } from "../model/targets.ts";

/** `[2001:db8::2]` for URLs and socat, bare for IPv4. */
export function bracketed(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}
