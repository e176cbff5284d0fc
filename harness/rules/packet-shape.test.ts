/** Unit tests (table-driven, pure) for packet-shape.ts: rules that tell nmap's SYN from a client's. */
import { expect, test } from "vitest";
import { shapePart } from "./packet-shape.ts";
import type { SavedRule } from "./saved.ts";

const ipt = (text: string): SavedRule => ({ family: "ipv4", table: "filter", chain: "INPUT", position: 1, packets: 0, bytes: 0, text, target: / -j (\S+)/.exec(text)?.[1] ?? null, comment: null });
const nft = (text: string): SavedRule => ({ ...ipt(text), table: "inet fw", chain: "input", handle: 4, target: null });

test.each<[string, SavedRule, string | undefined]>([
  ["iptables -m length", ipt("-A INPUT -p tcp -m tcp --syn -m length --length 0:52 -j DROP"), "-m length"],
  ["iptables --tcp-option", ipt("-A INPUT -p tcp -m tcp --syn ! --tcp-option 4 -j DROP"), "--tcp-option"],
  ["iptables -m tcpmss", ipt("-A INPUT -p tcp -m tcpmss --mss 1:500 -j DROP"), "-m tcpmss"],
  ["iptables -m ttl", ipt("-A INPUT -m ttl --ttl-lt 40 -j DROP"), "-m ttl"],
  ["iptables -m hl", ipt("-A INPUT -m hl --hl-lt 40 -j DROP"), "-m hl"],
  ["iptables -m u32", ipt('-A INPUT -p tcp -m u32 --u32 "0>>22&0x3C@12>>26&0x3C=0x14" -j DROP'), "-m u32"],
  // Neither SYN carries a payload: a string match cannot tell them apart.
  ["iptables -m string", ipt('-A INPUT -p tcp -m string --string "BitTorrent" --algo bm -j DROP'), undefined],
  // A target that lets the packet go on gives no verdict by shape (the routers' MSS clamp).
  ["an MSS clamp", { ...ipt("-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m tcpmss --mss 1400:1536 -j TCPMSS --clamp-mss-to-pmtu"), table: "mangle" }, undefined],
  ["a DSCP mark by length", { ...ipt("-A PREROUTING -p tcp -m length --length 0:128 -j DSCP --set-dscp 8"), table: "mangle" }, undefined],
  ["nft: a length match that only counts", nft("meta length < 53 counter"), undefined],
  ["iptables -m osf", ipt("-A INPUT -p tcp -m osf --genre Linux -j ACCEPT"), "-m osf"],
  ["nft meta length", nft("meta length < 53 tcp flags syn drop"), "meta length"],
  ["nft tcp option", nft("tcp flags syn tcp option sack-perm missing drop"), "tcp option"],
  ["nft ip ttl", nft("ip ttl < 40 drop"), "ip ttl"],
  ["nft ip6 hoplimit", nft("ip6 hoplimit < 40 drop"), "ip6 hoplimit"],
  ["nft raw payload", nft("@th,96,16 0x5002 drop"), "@th"],
  ["nft tcp window", nft("tcp window < 1000 drop"), "tcp window"],
  // Alike in nmap's SYN and a client's: flags, ports, addresses, state.
  ["iptables --syn and ports", ipt("-A INPUT -p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT"), undefined],
  ["iptables conntrack", ipt("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"), undefined],
  ["a comment naming length", ipt('-A INPUT -p tcp -m comment --comment "-m length" -j ACCEPT'), undefined],
  ["nft tcp flags and dport", nft("tcp flags syn tcp dport 22 accept"), undefined],
  ["nft quoted comment", nft('tcp dport 22 accept comment "meta length"'), undefined],
])("%s", (_, rule, want) => expect(shapePart(rule)).toBe(want));
