/**
 * What each swept port's answer means (pure): nmap's reason read the way the
 * single probes read the same answer (classify.ts: an RST or ICMP port
 * unreachable is `refused`, ICMP host/net/admin prohibited, protocol unreachable or no route is
 * `unreachable`, no answer is `dropped` once evidence says so, EPERM from the
 * sender's own OUTPUT rules is `dropped`), and which answers could come either
 * from a REJECT rule or from the target's kernel (nothing listening).
 */
import type { Verdict } from "../../model/types.ts";
import type { SweepProtocol } from "./nmap.ts";

export type AnswerClass =
  /** SYN-ACK (TCP) or a UDP reply: something listens and the firewall let it through. */
  | "open"
  /** TCP RST, or ICMP port unreachable for UDP: a REJECT rule, or the kernel with nothing listening. */
  | "refused-or-admitted"
  /** An answer only a REJECT (or a router) sends: ICMP port unreachable for TCP. */
  | "refused"
  /** ICMP host/net/admin prohibited, host/net unreachable, no route. */
  | "unreachable"
  /** No answer: dropped, once counters or the timeout say so. */
  | "silent"
  /** The sender's own OUTPUT rules refused the packet (EPERM), as single probes report `dropped`. */
  | "eperm"
  /** Anything else: an error, never a verdict. */
  | "unknown";

const UNREACHABLE = new Set(["host-unreach", "net-unreach", "proto-unreach", "admin-prohibited", "host-prohibited", "net-prohibited", "no-route", "addr-unreach", "reject-route", "beyond-scope"]);

export function answerClass(reason: string, protocol: SweepProtocol): AnswerClass {
  if (reason === "no-response") return "silent";
  if (reason === "perm-denied") return "eperm";
  if (UNREACHABLE.has(reason)) return "unreachable";
  if (protocol === "tcp") {
    if (reason === "syn-ack") return "open";
    if (reason === "reset") return "refused-or-admitted";
    if (reason === "port-unreach") return "refused";
  } else {
    if (reason === "udp-response") return "open";
    if (reason === "port-unreach") return "refused-or-admitted";
  }
  return "unknown";
}

/**
 * ICMP answers Linux passes to a UDP socket only as soft errors, which a
 * plain socket never reports (judge/explain.ts softForUdp): IPv4 net and host
 * unreachable, ICMPv6 no route, beyond scope and address unreachable (nmap
 * reads that one as host-unreach). A UDP single probe sees no reply and reads
 * `dropped`; so does a swept port that got one (a REJECT's answer all the
 * same, attributed as any other). Admin prohibited, port and protocol
 * unreachable are hard errors.
 */
const SOFT_FOR_UDP = new Set(["net-unreach", "host-unreach", "no-route", "beyond-scope", "addr-unreach"]);

/** Does a UDP client's socket see this answer as no reply at all? */
export function unseenByUdpClient(reason: string, protocol: SweepProtocol): boolean {
  return protocol === "udp" && SOFT_FOR_UDP.has(reason);
}

/** The verdict a single probe gets from the same answer (silent ports: `dropped`, once evidence decides). */
export function wireVerdict(c: AnswerClass): Verdict {
  switch (c) {
    case "open":
      return "open";
    case "refused-or-admitted":
    case "refused":
      return "refused";
    case "unreachable":
      return "unreachable";
    case "silent":
    case "eperm":
      return "dropped";
    case "unknown":
      return "error";
  }
}

/** Size in bytes of one probe packet nmap sends (IP header + TCP header with its MSS option), to tell it from other dropped packets. */
export const SYN_BYTES = { ipv4: 44, ipv6: 64 } as const;

/** The bytes of the RST a kernel (or a REJECT's tcp-reset) answers a SYN with, as iptables counts it: IP header and a bare TCP header. */
export const RST_BYTES = { ipv4: 40, ipv6: 60 } as const;
