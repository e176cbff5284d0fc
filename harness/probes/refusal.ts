/**
 * How a refused probe was refused, from what fwspec-probe saw (pure): it notes
 * on stderr the ICMP/ICMPv6 destination-unreachable messages the prober's
 * network namespace received while the tool ran (docker/fwspec-probe). A
 * refusal with one in the probe's family was an ICMP port unreachable; a TCP
 * refusal without one was a TCP reset; a UDP refusal is always ICMP.
 */
import type { Family, Protocol, Verdict } from "../model/types.ts";
import type { Refusal } from "../model/types.ts";

/** fwspec-probe's note (both families), or the note as a probe's result keeps it (its own family: familyNote). */
const NOTE = /fwspec-probe: icmp destination unreachable received: (?:ipv4 \+(\d+))?(?:, )?(?:ipv6 \+(\d+))?\n?/;

/** How many ICMP (ipv4) or ICMPv6 (ipv6) destination-unreachable messages fwspec-probe noted in a probe's output (0 without its note). */
export function icmpErrorsSeen(family: Family, stderr: string): number {
  const m = NOTE.exec(stderr);
  return Number(m?.[family === "ipv4" ? 1 : 2] ?? 0);
}

/**
 * A probe's output with fwspec-probe's note for its own family only (`… received: ipv6 +1`), or without the note
 * when none came in that family: the namespace's other-family count is another probe's (the other family's lane).
 */
export function familyNote(stderr: string, family: Family): string {
  const m = NOTE.exec(stderr);
  if (!m) return stderr;
  const seen = icmpErrorsSeen(family, stderr);
  return stderr.replace(NOTE, seen > 0 ? `fwspec-probe: icmp destination unreachable received: ${family} +${seen}\n` : "");
}

/** The refusal kind of a probe's output; undefined unless the verdict is `refused`. */
export function refusalOf(verdict: Verdict, protocol: Protocol, family: Family, stderr: string): Refusal | undefined {
  if (verdict !== "refused") return undefined;
  return icmpErrorsSeen(family, stderr) > 0 || protocol === "udp" ? "icmp-port-unreachable" : "tcp-reset";
}

/** The refusal as a REJECT rule's --reject-with names it in the probe's family: `icmp6-port-unreachable` for IPv6. */
export function refusalShown(refusal: Refusal, family: Family): string {
  return refusal === "icmp-port-unreachable" && family === "ipv6" ? "icmp6-port-unreachable" : refusal;
}

/** `Connection refused (tcp-reset: a TCP RST came back)`: the reason with the refusal kind (an ICMPv6 one for `ipv6`). */
export function withRefusal(reason: string, refusal: Refusal | undefined, family: Family = "ipv4"): string {
  if (!refusal) return reason;
  const icmp = family === "ipv6" ? "icmp6 port-unreachable: an ICMPv6 port unreachable came back" : "icmp port-unreachable: an ICMP port unreachable came back";
  return reason.replace(/ \(TCP RST or ICMP port unreachable\)$/, "") + ` (${refusal === "tcp-reset" ? "tcp-reset: a TCP RST came back" : icmp})`;
}
