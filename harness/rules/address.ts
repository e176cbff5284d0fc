/**
 * Address normalisation for rule matching: the form iptables-save prints.
 * `127.0.0.1` -> `127.0.0.1/32`, `10.1.2.3/255.0.0.0` -> `10.0.0.0/8`,
 * `::1` -> `::1/128`, `2001:DB8:0:0::1/64` -> `2001:db8::/64`. Host names are
 * never resolved: anything that is not a literal address of the family is kept
 * (lowercased) and so only matches itself.
 */
import type { Family } from "../model/types.ts";

export function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

/** Eight 16-bit words, or null. Accepts `::` compression and a trailing dotted IPv4 part. */
export function parseIPv6(text: string): number[] | null {
  if (text.length === 0 || text.includes("%")) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseSide = (side: string, allowV4: boolean): number[] | null => {
    if (side === "") return [];
    const parts = side.split(":");
    const words: number[] = [];
    for (const [i, p] of parts.entries()) {
      if (allowV4 && i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        words.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        words.push(parseInt(p, 16));
      }
    }
    return words;
  };
  if (halves.length === 1) {
    const words = parseSide(text, true);
    return words && words.length === 8 ? words : null;
  }
  const head = parseSide(halves[0] as string, false);
  const tail = parseSide(halves[1] as string, true);
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** As glibc inet_ntop prints it (what iptables-save shows): RFC 5952 compression, lowercase. */
export function formatIPv6(words: readonly number[]): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      const w6 = words[6] as number;
      const w7 = words[7] as number;
      out += `${w6 >> 8}.${w6 & 0xff}.${w7 >> 8}.${w7 & 0xff}`;
      return out;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

/** A mask of `prefix` leading one bits as `count` words of `width` bits. */
function prefixMask(prefix: number, count: number, width: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const ones = Math.max(0, Math.min(width, prefix - i * width));
    out.push(ones === 0 ? 0 : ((2 ** width - 1) ^ (2 ** (width - ones) - 1)));
  }
  return out;
}

/** Prefix length of a contiguous mask, or null. */
function maskPrefix(words: readonly number[], width: number): number | null {
  let prefix = 0;
  let ended = false;
  for (const w of words) {
    for (let bit = width - 1; bit >= 0; bit--) {
      const set = (w >> bit) & 1;
      if (set && ended) return null;
      if (set) prefix++;
      else ended = true;
    }
  }
  return prefix;
}

function normalizeOne(value: string, family: Family): string {
  const slash = value.indexOf("/");
  const addrText = slash < 0 ? value : value.slice(0, slash);
  const maskText = slash < 0 ? null : value.slice(slash + 1);
  const v4 = family === "ipv4";
  const width = v4 ? 8 : 16;
  const count = v4 ? 4 : 8;
  const bits = v4 ? 32 : 128;
  const addr = v4 ? parseIPv4(addrText) : parseIPv6(addrText);
  if (!addr) return value.toLowerCase();
  let mask: number[];
  let shownMask: string;
  if (maskText === null) {
    mask = prefixMask(bits, count, width);
    shownMask = String(bits);
  } else if (/^\d{1,3}$/.test(maskText) && Number(maskText) <= bits) {
    mask = prefixMask(Number(maskText), count, width);
    shownMask = String(Number(maskText));
  } else {
    const m = v4 ? parseIPv4(maskText) : parseIPv6(maskText);
    if (!m) return value.toLowerCase();
    mask = m;
    const prefix = maskPrefix(m, width);
    shownMask = prefix === null ? (v4 ? m.join(".") : formatIPv6(m)) : String(prefix);
  }
  const net = addr.map((w, i) => w & (mask[i] as number));
  return `${v4 ? net.join(".") : formatIPv6(net)}/${shownMask}`;
}

/** The saved form of an `-s`/`-d` value; a comma list is normalised element by element. */
export function normalizeAddress(value: string, family: Family): string {
  return value
    .split(",")
    .map((v) => normalizeOne(v.trim(), family))
    .join(",");
}

/** `0.0.0.0/0` or `::/0`: matches everything, and iptables-save leaves it out. */
export function isAnyAddress(normalized: string): boolean {
  return normalized === "0.0.0.0/0" || normalized === "::/0";
}
