/**
 * The one definition of which literal addresses a probe may target: the lab
 * ranges 198.18.0.0/15 and 2001:db8::/32, and loopback (127.0.0.0/8, ::1) —
 * nothing else. Used by `fwspec validate` (scenario loading) and again at probe
 * time. Pure: a table of refused ranges, each with the reason shown to users.
 */

export interface TargetRefusal {
  /** Why, e.g. "a link-local address (169.254.0.0/16)". */
  readonly reason: string;
}

/** The lab ranges per family: every lab subnet is inside them. */
export const LAB_RANGES = { ipv4: "198.18.0.0/15", ipv6: "2001:db8::/32" } as const;
/** Loopback per family. */
export const LOOPBACK_RANGES = { ipv4: "127.0.0.0/8", ipv6: "::1/128" } as const;

export const LAB_RANGES_TEXT = `${LAB_RANGES.ipv4}, ${LAB_RANGES.ipv6} or loopback (${LOOPBACK_RANGES.ipv4}, ::1)`;

/** IPv4 dotted quad, no leading zeros. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function v4(text: string): number | undefined {
  if (!IPV4.test(text)) return undefined;
  return text.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function quad(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Eight 16-bit groups, or undefined if `text` is no plain IPv6 address (zone indexes are refused by the caller). */
export function ipv6Groups(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let body = text;
  const lastColon = body.lastIndexOf(":");
  if (body.slice(lastColon + 1).includes(".")) {
    // An embedded IPv4 tail (`::ffff:8.8.8.8`) is two groups.
    const n = v4(body.slice(lastColon + 1));
    if (n === undefined) return undefined;
    body = `${body.slice(0, lastColon + 1)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const part = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 2 ? known > 7 : known !== 8) return undefined;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest];
}

interface V4Range {
  readonly base: string;
  readonly bits: number;
  /** undefined: allowed. */
  readonly reason: string | undefined;
}

/** First match wins. */
const V4_RANGES: readonly V4Range[] = [
  { base: "127.255.255.255", bits: 32, reason: "the loopback broadcast address" },
  { base: "127.0.0.0", bits: 8, reason: undefined },
  { base: "198.18.0.0", bits: 15, reason: undefined },
  { base: "0.0.0.0", bits: 8, reason: "an unspecified address (0.0.0.0/8)" },
  { base: "255.255.255.255", bits: 32, reason: "the broadcast address" },
  { base: "224.0.0.0", bits: 4, reason: "a multicast address (224.0.0.0/4)" },
  { base: "240.0.0.0", bits: 4, reason: "a reserved address (240.0.0.0/4)" },
  { base: "169.254.0.0", bits: 16, reason: "a link-local address (169.254.0.0/16, e.g. a cloud metadata service)" },
  { base: "10.0.0.0", bits: 8, reason: "a private network address (10.0.0.0/8)" },
  { base: "172.16.0.0", bits: 12, reason: "a private network address (172.16.0.0/12)" },
  { base: "192.168.0.0", bits: 16, reason: "a private network address (192.168.0.0/16)" },
  { base: "100.64.0.0", bits: 10, reason: "a shared address (100.64.0.0/10)" },
];

function inV4(n: number, r: V4Range): boolean {
  const size = 2 ** (32 - r.bits);
  return Math.floor(n / size) === Math.floor(v4(r.base)! / size);
}

function refuseV4(n: number, prefix = ""): TargetRefusal | undefined {
  const range = V4_RANGES.find((r) => inV4(n, r));
  if (range?.reason !== undefined) return { reason: `${prefix}${range.reason}` };
  // Lab networks are /24s: x.y.z.255 is a subnet broadcast address.
  if (range?.base === "198.18.0.0" && n % 256 === 255) return { reason: `${prefix}a lab subnet's broadcast address (x.x.x.255)` };
  if (range === undefined) return { reason: `${prefix}an address outside the lab (an internet address)` };
  return undefined;
}

/** IPv6 prefixes, as groups: first match wins. */
const V6_RANGES: readonly { readonly test: (g: readonly number[]) => boolean; readonly reason: (g: readonly number[]) => string | undefined }[] = [
  { test: (g) => g.every((x) => x === 0), reason: () => "the unspecified address (::)" },
  { test: (g) => g.slice(0, 7).every((x) => x === 0) && g[7] === 1, reason: () => undefined },
  { test: (g) => g[0] === 0x2001 && g[1] === 0x0db8, reason: () => undefined },
  { test: (g) => g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff, reason: (g) => `the IPv4-mapped form of ${quad(g[6]! * 65536 + g[7]!)}` },
  { test: (g) => g.slice(0, 4).every((x) => x === 0) && g[4] === 0xffff && g[5] === 0, reason: (g) => `the IPv4-translated form of ${quad(g[6]! * 65536 + g[7]!)}` },
  { test: (g) => g.slice(0, 6).every((x) => x === 0), reason: (g) => `the IPv4-compatible form of ${quad(g[6]! * 65536 + g[7]!)}` },
  { test: (g) => g[0] === 0x64 && g[1] === 0xff9b && (g.slice(2, 6).every((x) => x === 0) || g[2] === 1), reason: (g) => `a NAT64 form of ${quad(g[6]! * 65536 + g[7]!)}` },
  { test: (g) => g[0] === 0x2002, reason: (g) => `the 6to4 form of ${quad(g[1]! * 65536 + g[2]!)}` },
  { test: (g) => g[0] === 0x2001 && g[1] === 0, reason: () => "a Teredo address (2001::/32)" },
  { test: (g) => g[0]! >> 8 === 0xff, reason: () => "a multicast address (ff00::/8)" },
  { test: (g) => (g[0]! & 0xffc0) === 0xfe80, reason: () => "a link-local address (fe80::/10)" },
  { test: (g) => (g[0]! & 0xfe00) === 0xfc00, reason: () => "a unique local address (fc00::/7)" },
];

/**
 * Why a probe may not target this literal address, or undefined when it may.
 * `address` is bare (no brackets), as written in a scenario or as resolved.
 */
export function targetRefusal(address: string): TargetRefusal | undefined {
  const n = v4(address);
  if (n !== undefined) return refuseV4(n);
  if (address.includes("%")) return { reason: "an address with a zone index (`%`)" };
  const g = ipv6Groups(address);
  if (g === undefined) return { reason: "not an IPv4 or IPv6 address" };
  const range = V6_RANGES.find((r) => r.test(g));
  if (range === undefined) return { reason: "an address outside the lab (an internet address)" };
  return range.reason(g) === undefined ? undefined : { reason: range.reason(g)! };
}

/** May a probe target this literal address? Only the lab ranges and loopback. */
export function allowedTarget(address: string): boolean {
  return targetRefusal(address) === undefined;
}

/** Is this literal target a loopback address (127.0.0.0/8, ::1)? Its probe stays on the probing host. */
export function isLoopbackTarget(address: string): boolean {
  const n = v4(address);
  if (n !== undefined) return n >>> 24 === 127;
  const g = ipv6Groups(address);
  return g !== undefined && g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
}

/** The hint for a literal target no host of the lab holds. */
export const NO_HOLDER_HINT = "name a lab host (`remote -> server:80 open`), or declare the address on the host that should answer (`addresses: { NETWORK: { extra: [ADDRESS] } }`)";

/** The hint for a refused target. */
export const TARGET_HINT = `a literal target must be in ${LAB_RANGES_TEXT}; better, name a lab host (\`remote -> server:80 open\`) and let fwspec pick its address`;
