/**
 * Rules that answer by a packet's shape beyond its addresses, protocol and
 * ports: its length, TCP options, window, TTL or raw bytes (pure). A sweep's
 * packet is nmap's raw SYN — 44 bytes over IPv4 with only an MSS option, its
 * own TTL — where a client's SYN carries SACK, timestamps and window scaling
 * (60 bytes): such a rule can take one and let the other through, so the
 * ports it can meet are probed with a client's packet (runner/sweep-varying.ts).
 * Flags (`--syn`), state and addresses are alike in both and are not counted.
 */
import { blankQuoted } from "./nft-canonical.ts";
import type { SavedRule } from "./saved.ts";

/** iptables matches on the packet's shape. */
const IPT_SHAPE = /(?:^|\s)(-m\s+(?:length|tcpmss|u32|string|bpf|ttl|hl|osf)|--tcp-option)(?=\s|$)/;
/** nft expressions on the packet's shape (`@th,96,16`: raw payload). */
const NFT_SHAPE = /(?:^|\s)(meta\s+length|ip6?\s+length|ip\s+ttl|ip6\s+hoplimit|tcp\s+(?:option|window|doff|urgptr)|osf|@(?:th|nh|ih|ll))(?=[\s,]|$)/;

/** What makes `rule` tell packets apart by shape (`-m length`, `tcp option`…), or undefined. Its verdict aside. */
export function shapePart(rule: SavedRule): string | undefined {
  const text = blankQuoted(rule.text);
  const m = (rule.handle !== undefined ? NFT_SHAPE : IPT_SHAPE).exec(text);
  return m?.[1]!.replace(/\s+/g, " ");
}
