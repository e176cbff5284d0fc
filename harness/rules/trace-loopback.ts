/**
 * A host's packets to itself in its nftables trace (pure). A packet a host
 * sends to one of its own addresses (or that a nat OUTPUT REDIRECT keeps on
 * it) leaves by lo and comes back in at prerouting, and the trace shows its way back under a new trace id: first
 * fwspec's `pre` chain with `iif "lo"` (the packet keeps its nftrace mark, so
 * it is traced even after a nat OUTPUT REDIRECT or DNAT changed its
 * destination and fwspec's rule no longer matches it), then the chains that
 * decide it (filter INPUT on lo). Seen with nft 1.0.6 in a lab host:
 *
 *     trace id c1437461 inet fwspec_trace out packet: oif "lo" ip saddr 198.19.196.2 ip daddr 198.19.196.2 … ip id 12608 … tcp sport 41034 tcp dport 8080 tcp flags == syn
 *     trace id c1437461 ip nat OUTPUT rule tcp dport 8080 counter packets 0 bytes 0 redirect to :8081 # handle 11 (verdict accept)
 *     trace id c1437461 ip nat POSTROUTING packet: oif "lo" ip saddr 198.19.196.2 ip daddr 127.0.0.1 … ip id 12608 … tcp sport 41034 tcp dport 8081 tcp flags == syn
 *     trace id 894bc992 inet fwspec_trace pre packet: iif "lo" … ip saddr 198.19.196.2 ip daddr 127.0.0.1 … ip id 12608 … tcp sport 41034 tcp dport 8081 tcp flags == syn
 *     trace id 894bc992 ip filter INPUT rule iifname "lo" tcp dport 8081 counter packets 0 bytes 0 drop # handle 2 (verdict drop)
 *
 * Such a re-entry is never a probe's own packet (a probe's packets are its own
 * by how they were sent, at the output hook: a probe to localhost:8081 does
 * not own a packet sent to server:8080). It continues a trace id that left by
 * lo when the trace shows it is that packet: the same protocol, source address
 * and port, TCP flags, length and IPv4 ID or IPv6 flow label (what a NAT of the
 * destination leaves alone), and a destination that is the leaving packet's
 * last traced one, or the one a NAT rule that trace shows after that line
 * makes (REDIRECT in OUTPUT: the loopback address and its port; DNAT: its
 * address and port). Each re-entry continues one packet; never by time.
 */
import type { Family } from "../model/types.ts";
import type { SavedRule } from "./saved.ts";
import { isTraceTable, type TraceEvent, type TracePacket } from "./trace-events.ts";
import { option } from "./trace-nat.ts";

/** Is this the first line of a packet coming back in on lo (fwspec's prerouting chain, `iif "lo"`)? */
export function isLoopbackReentry(e: TraceEvent): boolean {
  return e.kind === "packet" && isTraceTable(e.table) && e.chain === "pre" && /(?:^|\s)iif "lo"(?:\s|$)/.test(e.text);
}

/**
 * What a NAT of the destination never changes in a traced packet, as one key:
 * protocol, source address and port, IPv4 ID or IPv6 flow label, length, TCP
 * flags. Undefined when the line lacks one of them (packets it cannot tell apart).
 */
export function packetIdentity(e: TraceEvent): string | undefined {
  const p = e.packet;
  const id = /\bip id (\d+)/.exec(e.text)?.[1] ?? /\bip6 flowlabel (\d+)/.exec(e.text)?.[1];
  const length = /\bip6? length (\d+)/.exec(e.text)?.[1];
  if (!p || id === undefined || length === undefined || p.saddr === undefined || p.sport === undefined || p.protocol === undefined) return undefined;
  return `${p.protocol} ${p.saddr} ${p.sport} ${id} ${length} ${/\btcp flags == (\S+)/.exec(e.text)?.[1] ?? ""}`;
}

/** Where a destination NAT rule sends a packet: REDIRECT (to the host itself) or DNAT, with its port range when it names one. */
export interface NatTarget {
  readonly kind: "redirect" | "dnat";
  readonly address?: string;
  readonly ports?: readonly [number, number];
}

function portRange(text: string | undefined): readonly [number, number] | undefined {
  const m = text === undefined ? null : /^(\d+)(?:-(\d+))?$/.exec(text);
  return m ? [Number(m[1]), Number(m[2] ?? m[1])] : undefined;
}

/** A NAT target's `ADDRESS[:PORT[-PORT]]` (`[v6]:port`, a bare v6 address); undefined for an address range, a map or a variable. */
function destination(to: string): NatTarget | undefined {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+(?:-\d+)?))?$/.exec(to);
  const bare6 = /^[0-9a-fA-F:.]+$/.test(to) && (to.match(/:/g) ?? []).length > 1 ? [to, to] : null;
  const m = bracketed ?? bare6 ?? /^([\d.]+)(?::(\d+(?:-\d+)?))?$/.exec(to);
  if (!m) return undefined;
  const ports = portRange(m[2]);
  return { kind: "dnat", address: m[1]!, ...(ports ? { ports } : {}) };
}

/**
 * The destination NAT a traced rule makes: from its iptables-save line when it
 * has one (ip6tables-nft's REDIRECT prints no nft text), else from nft's text
 * (`redirect to :8081`, `dnat to 198.18.1.3:8080`, `dnat ip6 to [2001:db8::3]:80`).
 * Undefined for any other rule, and for a target it cannot read (a map, a range of addresses).
 */
export function natTarget(text: string, saved: SavedRule | undefined): NatTarget | undefined {
  const redirect = (to: string | undefined): NatTarget | undefined => {
    const ports = portRange(to);
    return to !== undefined && !ports ? undefined : { kind: "redirect", ...(ports ? { ports } : {}) };
  };
  if (saved?.target === "REDIRECT") return redirect(option(saved.text, "--to-ports"));
  if (saved?.target === "DNAT") {
    const to = option(saved.text, "--to-destination");
    return to === undefined ? undefined : destination(to);
  }
  if (saved) return undefined;
  const r = /(?:^|\s)redirect(?: to :(\S+))?(?:\s|$)/.exec(text);
  if (r) return redirect(r[1]);
  const d = /(?:^|\s)dnat (?:ip6? )?to (\S+)(?:\s|$)/.exec(text);
  return d ? destination(d[1]!) : undefined;
}

/**
 * The addresses a decision's rewrites (rules/trace.ts: `nat PREROUTING: -A PREROUTING … -j DNAT --to-destination
 * 198.18.1.3:8080 [handle 4]`, `inet gw prerouting: … dnat ip to 198.18.51.10:85 [handle 15]`, a rule the trace does
 * not show: `… its destination now 198.18.32.2 port 8080`) sent the packet on to: DNATs only (a REDIRECT keeps it on
 * the host); a map, a range or a name in a comment is none.
 */
export function dnatAddresses(rewrites: readonly string[] | undefined): string[] {
  return dnatDestinations(rewrites).map((d) => d.address);
}

/** dnatAddresses, each with the destination as the rewrite wrote it (`198.18.51.10:85`, `[2001:db8::10]:85`). */
export function dnatDestinations(rewrites: readonly string[] | undefined): { readonly address: string; readonly shown: string }[] {
  return (rewrites ?? []).flatMap((r) => {
    const text = r.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const to = option(text, "--to-destination") ?? /(?:^|\s)dnat (?:ip6? )?to (\S+)(?:\s|$)/.exec(text)?.[1];
    const target = to !== undefined ? destination(to) : undefined;
    if (target?.address !== undefined) return [{ address: target.address, shown: to! }];
    const now = /\bits destination now (\S+) port (\d+)/.exec(text);
    return now && destination(now[1]!) ? [{ address: now[1]!, shown: `${now[1]!.includes(":") ? `[${now[1]}]` : now[1]}:${now[2]}` }] : [];
  });
}

const LOOPBACK: Readonly<Record<Family, string>> = { ipv4: "127.0.0.1", ipv6: "::1" };

/** 127.0.0.0/8 or ::1 (as nft prints them). */
function isLoopbackAddress(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

/** Could this rewrite have turned the packet that left (`left`) into the one that came back (`back`)? */
function made(target: NatTarget, left: TracePacket, back: TracePacket, family: Family): boolean {
  const port = back.dport !== undefined && (target.ports ? back.dport >= target.ports[0] && back.dport <= target.ports[1] : back.dport === left.dport);
  return port && back.daddr === (target.kind === "redirect" ? LOOPBACK[family] : target.address);
}

/** The addresses of the traced host (`local`) and of the lab's other hosts (`elsewhere`). */
export interface Hosts {
  readonly local?: ReadonlySet<string>;
  readonly elsewhere?: ReadonlySet<string>;
}

/** One re-entry's first line and its place in the trace. */
export interface Reentry {
  readonly id: string;
  readonly event: TraceEvent;
  readonly position: number;
}

/**
 * The re-entry that continues a trace id which left by lo (`own`: its events,
 * fwspec's table's too: with no other chain at the output hooks its `out` line
 * is the packet's last; `start`: the place of its first line), or why
 * none: `loopback` false when the packet did not leave by lo (nothing comes
 * back), `id` undefined when it did and no re-entry can be shown to be it (the
 * trace read before it came back, or not told apart: then nothing after the
 * packet left is known). `candidates`: re-entries by packetIdentity; `used`:
 * those already continuing another packet; `target`: the destination NAT a
 * traced rule makes; `hosts`: the host's own addresses (`local`) and those
 * of the lab's other hosts (`elsewhere`).
 *
 * Only a packet the host sent (its first line fwspec's `out`) leaves by lo.
 * The output hook's lines show the route it was sent on (`oif`), not the one
 * a nat OUTPUT rule re-routed it to, and ip6 nat has no POSTROUTING line
 * showing where it left; so where it went is read from its destination, as
 * last traced or as the traced NAT rule made it: a loopback address (a
 * REDIRECT's) or one of the host's own is back in on lo whatever the route
 * it was sent on; another host's address is left by that host's network
 * (nothing comes back); any other, by the route shown. A packet bound
 * elsewhere whose identity comes back in on lo all the same was kept on the
 * host by a NAT its trace does not show: its fate is not known.
 */
export function reentryOf(own: readonly TraceEvent[], start: number, family: Family, candidates: ReadonlyMap<string, readonly Reentry[]>, used: ReadonlySet<string>, target: (e: TraceEvent) => NatTarget | undefined, hosts: Hosts = {}): { readonly loopback: boolean; readonly id?: string } {
  const sent = own.find((e) => e.kind === "packet");
  const at = own.findLastIndex((e) => e.kind === "packet");
  const left = own[at];
  if (!left?.packet || !sent || !isTraceTable(sent.table) || sent.chain !== "out") return { loopback: false };
  // The destination NAT rules the trace shows after the packet's last line (ip6 nat has no POSTROUTING line showing the new destination).
  const rewrites = own.slice(at + 1).flatMap((e) => (e.kind === "rule" && e.verdict === "accept" ? [target(e)].filter((t) => t !== undefined) : []));
  const to = rewrites.length === 0 ? left.packet.daddr : rewrites.length === 1 ? (rewrites[0]!.kind === "redirect" ? LOOPBACK[family] : rewrites[0]!.address) : undefined;
  const key = packetIdentity(left);
  const later = (key === undefined ? [] : candidates.get(key) ?? []).filter((r) => r.position > start && !used.has(r.id) && r.event.packet);
  const away = (to !== undefined && hosts.elsewhere?.has(to)) || (!(to !== undefined && (isLoopbackAddress(to) || hosts.local?.has(to))) && !/(?:^|\s)oif "lo"(?:\s|$)/.test(left.text));
  // Bound elsewhere, yet the same packet came back in on lo: a NAT the trace does not show (a connection's later packets, a
  // retransmission, pass no nat chain) kept it on the host; where it went is not known.
  if (away) return { loopback: later.length > 0 };
  if (key === undefined) return { loopback: true };
  const back = later.find((r) => {
    const p = r.event.packet!;
    if (rewrites.length === 0) return p.daddr === left.packet!.daddr && p.dport === left.packet!.dport;
    return rewrites.length === 1 && made(rewrites[0]!, left.packet!, p, family);
  });
  return back ? { loopback: true, id: back.id } : { loopback: true };
}
