/**
 * The machine's routes (IPv4 and IPv6, from /proc/net/route and
 * /proc/net/ipv6_route): a declared lab subnet must not overlap any of them
 * (scenario/subnets.ts). Default routes are left out (they overlap everything).
 */
import { readFileSync } from "node:fs";
import type { Cidr } from "../model/cidr.ts";
import type { MachineRoute } from "../scenario/subnets.ts";

/** /proc/net/route text → routes (destination and mask are little-endian hex). */
export function parseIPv4Routes(text: string): MachineRoute[] {
  const out: MachineRoute[] = [];
  for (const line of text.split("\n").slice(1)) {
    const [iface, dest, , , , , , mask] = line.trim().split(/\s+/);
    if (!iface || !dest || !mask || !/^[0-9A-Fa-f]{8}$/.test(dest) || !/^[0-9A-Fa-f]{8}$/.test(mask)) continue;
    const le = (hex: string): bigint => BigInt(`0x${hex.match(/../g)!.reverse().join("")}`);
    const prefix = le(mask).toString(2).replace(/0+$/, "").length;
    if (prefix === 0) continue;
    const base = le(dest);
    const text = `${[24n, 16n, 8n, 0n].map((s) => (base >> s) & 255n).join(".")}/${prefix}`;
    out.push({ cidr: { family: "ipv4", base, prefix, text } satisfies Cidr, description: `${text} dev ${iface}` });
  }
  return out;
}

/** /proc/net/ipv6_route text → routes (destination as 32 hex digits, prefix length in hex). */
export function parseIPv6Routes(text: string): MachineRoute[] {
  const out: MachineRoute[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const [dest, plen] = f;
    const iface = f.at(-1);
    if (!dest || !plen || !iface || !/^[0-9a-f]{32}$/i.test(dest) || !/^[0-9a-f]{2}$/i.test(plen)) continue;
    const prefix = parseInt(plen, 16);
    if (prefix === 0) continue;
    const base = BigInt(`0x${dest}`);
    const text = `${dest.match(/..../g)!.join(":")}/${prefix}`;
    out.push({ cidr: { family: "ipv6", base, prefix, text }, description: `${text} dev ${iface}` });
  }
  return out;
}

/** The machine's routes now; an unreadable table gives none (then nothing is rejected for it). */
export function readMachineRoutes(): MachineRoute[] {
  const read = (file: string): string => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  };
  return [...parseIPv4Routes(read("/proc/net/route")), ...parseIPv6Routes(read("/proc/net/ipv6_route"))];
}
