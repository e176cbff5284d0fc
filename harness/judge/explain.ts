/**
 * The words of a report, from the evidence only: one sentence per verdict
 * cause (a rule, a policy, no listener, no route), a meaning for every
 * mismatch (expected, observed), and the line for a probe stopped early. Every
 * sentence names the deciding rule when there is one and never claims that
 * nothing counted when something did. Pure; table-tested in explain.test.ts.
 */
import { type Decision, nativeTable } from "../model/results.ts";
import type { ExpectedVerdict, Family, Protocol, Refusal, Verdict } from "../model/types.ts";
import { neighbourHint, type UnresolvedNeighbour } from "../probes/neighbour.ts";
import { rejectVerdict } from "../rules/decisive.ts";
import { nftRejectAnswer } from "../rules/nft-listing.ts";
import { tokenizeRule } from "../rules/tokenize.ts";

/** What the explanation may rely on: the deciding rule, and whether a firewall host was on the path at all. */
export interface Evidence {
  readonly decision?: Decision;
  /** The probe's next hop had no link-layer address (probes/neighbour.ts): its packet never left `from`. */
  readonly neighbour?: UnresolvedNeighbour & { readonly from: string; readonly family: Family; readonly target: string };
  /** False when no firewall host is on the probe's path (nothing could count it). */
  readonly watched: boolean;
  /** A watched host on the path has native nftables tables: their chain policies, and rules without a `counter` statement, count nothing. */
  readonly native?: boolean;
  /** netdev chains on watched hosts, not read by fwspec (`netdev filter ingress on server`). */
  readonly netdev?: readonly string[];
  /** No rule was named, yet a native nftables drop or reject rule counted packets while the probe ran. */
  readonly countedNative?: boolean;
  /** Connected, but fwspec's listener never greeted it (probes/greeting.ts): the packets after the SYN were dropped. */
  readonly halfOpen?: boolean;
  /**
   * Connected, and nothing came back on the connection for the whole timeout while the target held no half-open socket
   * (probes/greeting.ts silentConnection): the handshake completed, but no greeting arrived (`open`, never "answered").
   */
  readonly silent?: boolean;
  /** Over IPv6: the prober noted ICMPv6 errors coming back while the tool reported none (fwspec-probe's count). */
  readonly icmpSeen?: boolean;
  /** The probe was IPv6: hints name ip6tables' reject types (`icmp6-port-unreachable`), and ICMPv6. */
  readonly ipv6?: boolean;
}

/**
 * Does the evidence speak of native nftables rules (so hints and names are
 * in nft's words)? The deciding table's kind when a filter chain decided,
 * else whether a native host was watched.
 */
function nftWords(ev: Evidence): boolean {
  const d = ev.decision;
  return d && !d.unfiltered ? nativeTable(d.table) : ev.native === true;
}

/** `a DROP rule` (iptables), `a drop rule` (native nftables). */
function aRule(d: Decision, verdict: "DROP" | "REJECT"): string {
  return `a ${nativeTable(d.table) ? verdict.toLowerCase() : verdict} rule`;
}

/** `server INPUT → ufw-before-input → ufw-user-input: -A ufw-user-input … -j REJECT`, `the INPUT policy DROP on server` (`the input policy drop on server`: native nft), or `no filter chain on router (…)`; then the NAT rules that rewrote the packet. */
export function whereDecided(d: Decision): string {
  return `${decidedAt(d)}${rewritten(d)}`;
}

function decidedAt(d: Decision): string {
  if (d.unfiltered) return `${d.rule} on ${d.host} (it passed ${d.path.length > 0 ? `only ${d.path.join(", ")}` : "no chain of the ruleset"})`;
  // Where it was written, when one line of the scenario's rules did (rules/origin.ts).
  const at = d.origin ? ` (${d.origin.shown}:${d.origin.line})` : "";
  if (d.policy) return `the ${d.path[0]} policy ${d.rule.replace(/^policy /, "")} on ${d.host}${at}`;
  return `${d.host} ${d.path.join(" → ")}: ${d.rule}${at}`;
}

/** `; rewritten by nat PREROUTING: -A PREROUTING … -j DNAT …` (nothing without NAT rules): at the end of a sentence only. */
export function rewritten(d: Decision): string {
  return d.rewrites && d.rewrites.length > 0 ? `; rewritten by ${d.rewrites.join(" and by ")}` : "";
}

/** Where a DNAT sent the packet on after the decision let it through (Decision.sentOnTo), else undefined. */
export function sentOnTo(d: Decision | undefined): string | undefined {
  return d?.action === "accept" ? d.sentOnTo : undefined;
}

/** ` (rewritten by nat PREROUTING: …)`: the rewrite after a sentence that named where it was decided mid-way. */
function rewrittenAfter(d: Decision): string {
  return d.rewrites && d.rewrites.length > 0 ? ` (rewritten by ${d.rewrites.join(" and by ")})` : "";
}

/** The first-packet word of a protocol. */
function firstPacket(protocol: Protocol): string {
  return protocol === "udp" ? "its datagram" : "its SYN";
}

/**
 * A reject answer (rejectAnswer's words) Linux passes to a UDP socket only as
 * a soft error, which a plain socket never reports: ICMP net and host
 * unreachable (nft `no-route`, `host-unreachable`; ICMPv6 no route and
 * address unreachable). Admin prohibited, port and protocol unreachable are
 * hard errors the client reports.
 */
export function softForUdp(answer: string): boolean {
  return /(?:^|[\s-])(?:net-unreachable|host-unreachable|no-route|addr-unreachable)$/.test(answer);
}

/** What a REJECT rule answers (`--reject-with`, the family's default when absent; a native nft rule's `reject with …` in nft's words). */
export function rejectAnswer(d: Decision): string {
  if (!/^\s*-A\s/.test(d.rule)) {
    const nft = nftRejectAnswer(d.rule, d.family);
    if (nft !== undefined) return nft;
  }
  try {
    const tokens = tokenizeRule(d.rule);
    const i = tokens.indexOf("--reject-with");
    if (i >= 0 && tokens[i + 1]) return tokens[i + 1]!;
  } catch {
    // fall through to the default
  }
  return d.family === "ipv6" ? "icmp6-port-unreachable" : "icmp-port-unreachable";
}

function took(d: Decision, protocol: Protocol): string {
  return d.answer ? "the answer" : d.later ? "a later packet of its connection (the handshake's last ACK)" : packetOf(d, protocol);
}

/** The packet a decision is about: a held connection's data, or a probe's first packet. */
function packetOf(d: Decision, protocol: Protocol): string {
  return d.held ? "its data (a held connection's)" : firstPacket(protocol);
}

/** An `open` TCP probe that connected and then heard nothing (Evidence.silent). */
const SILENT = "the handshake completed, but nothing came back on the connection for the whole timeout: no greeting arrived (fwspec's listeners greet each connection at once: a stopped listener whose socket still takes connections, a silent service behind a redirect, or the greeting dropped on its way back)";
/** A connection fwspec's listener never greeted (probes/greeting.ts). */
const HALF_OPEN = "its SYN was answered, but the server never accepted the connection: the handshake's last ACK, or what followed it, was dropped on the way (a rule taking the connection's later packets, such as a DROP of ESTABLISHED or by --tcp-flags; see counted:)";

/** `; a netdev chain, which fwspec does not read, may have taken it: netdev edge ingress on server` (tester 43a). */
function netdevNote(ev: Evidence): string {
  const chains = ev.netdev ?? [];
  return chains.length === 0 ? "" : `; ${chains.length === 1 ? "a netdev chain" : "netdev chains"}, which fwspec does not read, may have taken it: ${chains.join(", ")}`;
}

/**
 * Why nothing counted on a native nftables host: what counts nothing there, and what the trace cannot see (a chain of
 * priority below fwspec's trace table's -400 takes packets before it: tester 44a's raw chain at -500).
 */
const NATIVE_UNCOUNTED = "native nftables chain policies, and rules without a `counter` statement, count nothing; a chain of priority below -400 takes packets before fwspec's trace sees them";

/** One sentence: why the probe got the verdict it got, from the evidence. */
export function verdictCause(actual: Verdict, ev: Evidence, protocol: Protocol = "tcp"): string {
  const d = ev.decision;
  const nothing = !ev.watched
    ? "no firewall host is on its path"
    : ev.countedNative
      // Counted, but not placed: the words say so rather than that nothing counted.
      ? "no rule fwspec could attribute took its first packet: a native nftables drop or reject rule counted packets meanwhile (under counted:), and fwspec names native rules from the nftables trace, which showed none for this probe"
      : `no rule able to take its first packet counted it${ev.native ? ` (${NATIVE_UNCOUNTED})` : ""}${netdevNote(ev)}`;
  if (actual === "error") return "the probe itself failed, so nothing was observed";
  const n = ev.neighbour;
  if (n?.replying) return `its first packet reached ${n.at}, whose answer never left: ${n.at} could not learn the link-layer address of ${n.address} on its way back to ${n.from} (its neighbour entry ${n.state}); ${neighbourHint(n.family)}`;
  if (n?.at !== undefined) return `its first packet reached ${n.at} (the router on its path) and went no further: ${n.at} could not learn the link-layer address of ${n.target === n.address ? n.address : `its next hop ${n.address} (toward ${n.target})`} (its neighbour entry ${n.state}); ${neighbourHint(n.family)}`;
  if (n) return `its first packet never left ${n.from}: ${n.from} could not learn the link-layer address of ${n.target === n.address ? n.address : `its next hop ${n.address} (the router toward ${n.target})`} (its neighbour entry ${n.state}); ${neighbourHint(n.family)}`;
  if (d?.action === "drop") {
    if (actual === "dropped") {
      if (d.policy) return `no rule took ${took(d, protocol)}, so ${decidedAt(d)} discarded it${rewrittenAfter(d)}`;
      return `${aRule(d, "DROP")} took ${took(d, protocol)}: ${whereDecided(d)}`;
    }
    return `${actual}, although ${d.policy ? decidedAt(d) : `${aRule(d, "DROP")} (${decidedAt(d)})`} counted one of its packets${rewrittenAfter(d)}`;
  }
  if (d?.action === "reject") {
    const answer = rejectAnswer(d);
    if (actual === "refused" || actual === "unreachable") {
      const reads = rejectVerdict(d.rule) === "unreachable" && actual === "unreachable" ? `, which the client reports as unreachable` : "";
      return `${aRule(d, "REJECT")} answered ${took(d, protocol)} with ${answer}${reads}: ${whereDecided(d)}`;
    }
    // Linux reports ICMP net and host unreachable to a UDP socket only as soft errors, which it does not pass on: no reply.
    if (actual === "dropped" && protocol === "udp" && softForUdp(answer)) return `${aRule(d, "REJECT")} answered ${took(d, protocol)} with ${answer}, which the client's UDP socket does not report (Linux takes ICMP net and host unreachable as soft errors for UDP): it saw no reply, as an application would: ${whereDecided(d)}`;
    return `${actual}, although ${aRule(d, "REJECT")} (${decidedAt(d)}) ${d.source === "trace" ? "took its first packet" : "counted one of its packets"}${rewrittenAfter(d)}`;
  }
  if (d?.action === "accept") {
    const passed = d.unfiltered
      ? `nothing filtered ${packetOf(d, protocol)}: ${decidedAt(d)}, and netfilter accepts what no chain drops${rewritten(d)}`
      : d.policy ? `no rule took ${packetOf(d, protocol)} and ${decidedAt(d)} let it through${rewrittenAfter(d)}` : `${packetOf(d, protocol)} was let through by ${whereDecided(d)}`;
    // Sent on by a DNAT: what came back (or did not) is the destination's, whose rules fwspec does not follow (tester 41b).
    const sent = sentOnTo(d);
    if (sent && actual === "refused") return `${packetOf(d, protocol)} was sent on to ${sent} by a DNAT and refused there (nothing listening on that port, or a rule there no counter or trace named): ${passed}`;
    if (sent && actual === "unreachable") return `${packetOf(d, protocol)} was sent on to ${sent} by a DNAT, and an ICMP unreachable or prohibited error came back (from the host holding that address, or the network beyond it): ${passed}`;
    if (sent && actual === "dropped" && d.hairpin) return `no answer came back that its connection expects: ${packetOf(d, protocol)} was sent on to ${sent} by a DNAT, and ${d.hairpin}, on the prober's own network, answered it directly (no SNAT on ${d.host}: hairpin NAT): ${passed}`;
    if (sent && actual === "dropped" && !ev.halfOpen) return `no answer came back: ${packetOf(d, protocol)} was sent on to ${sent} by a DNAT (a rule there no counter or trace named, or its answer lost on the way back): ${passed}`;
    switch (actual) {
      case "open":
        return ev.silent ? `${SILENT}; ${passed}` : `the listener answered: ${passed}`;
      case "refused":
        return `nothing listens on the port (the host answered with a reset or port unreachable): ${passed}`;
      case "unreachable":
        return `no route: an ICMP unreachable or prohibited error came from the network, not from a rule (${passed})`;
      case "dropped":
        if (ev.halfOpen) return `${HALF_OPEN}; ${passed}`;
        return `no answer came back, and the answer was lost on its way back or the service never answered; ${passed}`;
    }
  }
  if (ev.halfOpen && actual === "dropped") return `${HALF_OPEN}; ${nothing}`;
  switch (actual) {
    case "open":
      return ev.silent ? `${SILENT}; ${nothing}` : `the listener answered; ${nothing}`;
    case "refused":
      return `nothing listens on the port (the host answered with a reset or port unreachable); ${nothing}`;
    case "unreachable":
      return `no route: an ICMP unreachable or prohibited error came from the network; ${nothing}`;
    case "dropped":
      return `no answer came back; ${nothing}`;
  }
}

/** What a difference between two verdicts needs, in iptables' words. */
const IPTABLES_NEEDS: Readonly<Record<string, string>> = {
  "dropped/refused": "a DROP stays silent; a REJECT or a closed port answers",
  "dropped/unreachable": "a DROP stays silent; an ICMP error came back",
  "refused/dropped": "refused needs an answer: a reset or port unreachable (REJECT --reject-with tcp-reset or icmp-port-unreachable)",
  "refused/unreachable": "refused needs a reset or port unreachable (--reject-with tcp-reset or icmp-port-unreachable)",
  "unreachable/dropped": "unreachable needs an ICMP error (--reject-with icmp-host-prohibited, icmp-admin-prohibited or similar)",
  "unreachable/refused": "unreachable needs --reject-with icmp-host-prohibited, icmp-admin-prohibited or similar",
};

/** The same in nft's words, statements that parse in any table (`icmp type …` only matches IPv4 packets, icmpx both). */
const NFT_NEEDS: Readonly<Record<string, string>> = {
  "dropped/refused": "a drop stays silent; a reject or a closed port answers",
  "dropped/unreachable": "a drop stays silent; an ICMP error came back",
  "refused/dropped": "refused needs an answer: a reset or port unreachable (reject with tcp reset, or reject with icmpx port-unreachable)",
  "refused/unreachable": "refused needs a reset or port unreachable (reject with tcp reset, or reject with icmpx port-unreachable)",
  "unreachable/dropped": "unreachable needs an ICMP error (reject with icmpx admin-prohibited, or reject with icmp type host-prohibited for IPv4 only)",
  "unreachable/refused": "unreachable needs reject with icmpx admin-prohibited, or reject with icmp type host-prohibited for IPv4 only",
};

/** What a difference between two verdicts means, independent of the evidence (the hint in nft's words for native nftables rules). */
function contrast(expected: ExpectedVerdict, actual: Verdict, nft: boolean, ipv6 = false): string {
  if (expected === "open") return `blocked (${actual}) although it should be reachable`;
  if (actual === "open") return "reachable, so the block does not hold (check rule order, the family and the chain)";
  const why = nft ? NFT_NEEDS[`${expected}/${actual}`] : ipv6Words(IPTABLES_NEEDS[`${expected}/${actual}`], ipv6);
  return why ? `${actual}, not ${expected}: ${why}` : `${actual}, not ${expected}`;
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** The meaning line of a failed expectation: what the difference means, then why, naming the deciding rule. */
export function explainMismatch(expected: ExpectedVerdict, actual: Verdict, ev: Evidence, protocol: Protocol = "tcp"): string {
  if (actual === "error") return verdictCause(actual, ev, protocol);
  // A TCP client over IPv6 takes the first ICMPv6 error as soft and reports the one its resent SYN gets, a second later.
  if (actual === "dropped" && ev.icmpSeen && protocol !== "udp" && (expected === "unreachable" || expected === "refused")) {
    return `dropped, not ${expected}: an ICMP error did come back (the probe counted it), but the client reported none before its timeout. Linux takes the first ICMPv6 error of a connecting TCP socket as soft and reports the one its resent SYN gets about a second later: with a timeout under 2 s, or a probe waited out (no early verdict), an IPv6 REJECT reads dropped; give this check a timeout of 2 s or more. ${sentence(verdictCause(actual, ev, protocol))}`;
  }
  return `${contrast(expected, actual, nftWords(ev), ev.ipv6)}. ${sentence(verdictCause(actual, ev, protocol))}`;
}

/** iptables' reject types as ip6tables names them, for an IPv6 probe (reviewer 41: ip6tables refuses the IPv4 names). */
function ipv6Words<T extends string | undefined>(text: T, ipv6: boolean | undefined): T {
  if (!ipv6 || text === undefined) return text;
  return text.replace("icmp-port-unreachable", "icmp6-port-unreachable").replace("icmp-host-prohibited, icmp-admin-prohibited", "icmp6-adm-prohibited, icmp6-addr-unreachable") as T;
}

/** A refusal as the client saw it, in plain words. */
const REFUSAL_WORDS: Readonly<Record<Refusal, string>> = { "tcp-reset": "a TCP reset", "icmp-port-unreachable": "an ICMP port unreachable" };

/** The rule that answers with a refusal, in iptables' and nft's words. */
const REFUSAL_RULE: Readonly<Record<Refusal, { readonly iptables: string; readonly nft: string }>> = {
  "tcp-reset": { iptables: "REJECT --reject-with tcp-reset", nft: "reject with tcp reset" },
  "icmp-port-unreachable": { iptables: "REJECT --reject-with icmp-port-unreachable, REJECT's default", nft: "reject, or reject with icmpx port-unreachable" },
};

/**
 * The meaning line of a `refused:rst` / `refused:icmp` expectation refused the
 * other way (or with a kind not seen): the two refusals, the rule that sends
 * the wanted one (nft's words for native nftables rules), then why, naming the deciding rule.
 */
export function explainRefusal(kind: string, wanted: Refusal, observed: Refusal | undefined, ev: Evidence, protocol: Protocol = "tcp"): string {
  const rule = nftWords(ev) ? REFUSAL_RULE[wanted].nft : ipv6Words(REFUSAL_RULE[wanted].iptables, ev.ipv6);
  const words = (r: Refusal) => (ev.ipv6 ? REFUSAL_WORDS[r].replace("ICMP ", "ICMPv6 ") : REFUSAL_WORDS[r]);
  return `refused with ${observed ? words(observed) : "an answer whose kind was not seen"}, but \`refused:${kind}\` wants ${words(wanted)} (${rule}). ${sentence(verdictCause("refused", ev, protocol))}`;
}

/** The `ended` line of a probe stopped before its timeout: `stopped after 97 ms: a DROP rule took its SYN`. */
export function stoppedLine(ms: number, verdict: Verdict, ev: Evidence, protocol: Protocol): string | undefined {
  const n = ev.neighbour;
  if (n?.replying) return `stopped after ${ms} ms: ${n.at} (its target) could not resolve ${n.address} on its way back (neighbour entry ${n.state}), so its answer never left ${n.at}; rules that counted meanwhile took ${n.at}'s lookups, not the probe`;
  if (n) return `stopped after ${n.at !== undefined ? `${ms} ms: ${n.at} (the router on its path) could not resolve ${n.address} (neighbour entry ${n.state}), so its first packet went no further than ${n.at}; rules beyond it that counted meanwhile took ${n.at}'s lookups, not the probe` : `${ms} ms: ${n.from} could not resolve ${n.address} (neighbour entry ${n.state}), so its first packet never left it; rules that counted meanwhile took those lookups, not the probe`}`;
  const d = ev.decision;
  if (!d) return undefined;
  // Its first packet passed; a rule on the way back took the answer (a router's FORWARD, the prober's INPUT).
  if (d.answer) return d.action === "drop" && verdict === "dropped" ? `stopped after ${ms} ms: ${d.policy ? decidedAt(d) : `${aRule(d, "DROP")} (${decidedAt(d)})`} took the answer on its way back and none had come` : undefined;
  if (d.action === "drop" && verdict === "dropped") {
    return `stopped after ${ms} ms: ${d.policy ? decidedAt(d) : aRule(d, "DROP")} took ${packetOf(d, protocol)} and no answer had come${d.policy ? rewrittenAfter(d) : ""}`;
  }
  if (d.action === "reject" && verdict !== "dropped") {
    return `stopped after ${ms} ms: ${aRule(d, "REJECT")} answered ${packetOf(d, protocol)} with ${rejectAnswer(d)} (the client's answer is read from it)`;
  }
  return undefined;
}
