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

/** iptables matches on the packet's shape (not `-m string`: neither SYN carries a payload). */
const IPT_SHAPE = /(?:^|\s)(-m\s+(?:length|tcpmss|u32|bpf|ttl|hl|osf)|--tcp-option)(?=\s|$)/;
/** Targets that change or note a packet and let it go on (an MSS clamp, a mark): no verdict for either SYN. */
const IPT_PASSING = new Set(["TCPMSS", "MARK", "CONNMARK", "DSCP", "TOS", "TTL", "HL", "CLASSIFY", "CT", "NOTRACK", "LOG", "NFLOG", "ULOG", "AUDIT", "TRACE", "SECMARK", "CONNSECMARK", "CHECKSUM", "IDLETIMER", "LED"]);
/** An nft rule that decides: a verdict statement. */
const NFT_VERDICT = /(?:^|\s)(?:accept|drop|reject|jump|goto|vmap|queue)(?=\s|$)/;
/** nft expressions on the packet's shape (`@th,96,16`: raw payload). */
const NFT_SHAPE = /(?:^|\s)(meta\s+length|ip6?\s+length|ip\s+ttl|ip6\s+hoplimit|tcp\s+(?:option|window|doff|urgptr)|osf|@(?:th|nh|ih|ll))(?=[\s,]|$)/;

/** What makes `rule` tell packets apart by shape (`-m length`, `tcp option`…), or undefined. Its verdict aside. */
export function shapePart(rule: SavedRule): string | undefined {
  const text = blankQuoted(rule.text);
  const native = rule.handle !== undefined;
  // A rule whose target lets the packet go on (an MSS clamp) gives no verdict by shape.
  if (native ? !NFT_VERDICT.test(text) : rule.target === null || IPT_PASSING.has(rule.target)) return undefined;
  const m = (native ? NFT_SHAPE : IPT_SHAPE).exec(text);
  return m?.[1]!.replace(/\s+/g, " ");
}
