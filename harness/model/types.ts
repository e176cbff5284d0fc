/**
 * The model of intended policy: plain data, no Docker. Everything that runs
 * (lab, probes, counters) consumes these types; nothing here knows how.
 */

export const PROTOCOLS = ["tcp", "udp", "http"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const FAMILIES = ["ipv4", "ipv6"] as const;
export type Family = (typeof FAMILIES)[number];

/** What a probe observed. `error` means the probe itself could not run or be understood. */
export const VERDICTS = ["open", "refused", "unreachable", "dropped", "error"] as const;
export type Verdict = (typeof VERDICTS)[number];

/** How a refused probe was refused on the wire: a TCP reset, or an ICMP/ICMPv6 port unreachable. */
export type Refusal = "tcp-reset" | "icmp-port-unreachable";

/** What a scenario may expect: an observed verdict, or `blocked` (refused, unreachable or dropped). */
export const EXPECTED_VERDICTS = ["open", "refused", "unreachable", "dropped", "blocked"] as const;
export type ExpectedVerdict = (typeof EXPECTED_VERDICTS)[number];

/** The tables iptables knows by name (`-t nat`); on an nft host iptables-nft keeps each as `ip NAME` / `ip6 NAME`. */
export const IPTABLES_TABLES = ["filter", "nat", "mangle", "raw", "security"] as const;

/** Is this one of iptables' tables (`filter`, `nat`, …)? */
export function isIptablesTable(name: string): boolean {
  return (IPTABLES_TABLES as readonly string[]).includes(name);
}

export const BACKENDS = ["nft", "legacy"] as const;
export type Backend = (typeof BACKENDS)[number];

/** A listener a host runs: `tcp/8080`, `udp/5353`, `http/3000`. */
export interface ListenerSpec {
  readonly protocol: Protocol;
  readonly port: number;
}

export interface HostSpec {
  readonly name: string;
  /** Rules may be applied only to firewall hosts; their rules and counters are read and reset (every host has NET_ADMIN alike). */
  readonly firewall: boolean;
  readonly backend: Backend;
  readonly listen: readonly ListenerSpec[];
  /**
   * Lab networks the host is attached to, in order (its first one is its "home").
   * Optional: absent means the lab's single default network.
   */
  readonly networks?: readonly string[];
  /** Forwards packets between its networks (ip_forward on); implies firewall. Optional, default false. */
  readonly router?: boolean;
  /** Fixed addresses by network name (each inside that network's declared subnet); absent ones are automatic. */
  readonly addresses?: Readonly<Record<string, HostNetworkAddresses>>;
  /** Interface names by network name (`wan`, `ens18`); networks not named keep the engine's (`eth0`, `eth1`, …). */
  readonly interfaces?: Readonly<Record<string, string>>;
}

/** An IPv4 and/or IPv6 value (an address, or a subnet in CIDR form); an absent family is automatic. */
export interface FamilyAddresses {
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** A host's addresses on one network: its fixed address per family, and extra addresses (either family) it also holds there. */
export interface HostNetworkAddresses extends FamilyAddresses {
  /** Added after start; a probe may leave from one (`scanner@198.18.7.99 -> …`). Never chosen as a default source. */
  readonly extra?: readonly string[];
}

/** The lab's default network when a scenario declares none. */
export const DEFAULT_NETWORK = "lan";

/** Where a probe goes: another lab host, the prober's own loopback, or a literal address. */
export type ProbeTarget =
  | { readonly kind: "host"; readonly host: string }
  | { readonly kind: "localhost" }
  | { readonly kind: "address"; readonly address: string };

/** One probe job: from a host, to a target, with one protocol and family. */
export interface ProbeSpec {
  readonly from: string;
  /** The address the probe leaves from (one of the host's declared addresses, of the probe's family); absent: the kernel's choice. */
  readonly source?: string | undefined;
  readonly to: ProbeTarget;
  readonly port: number;
  readonly protocol: Protocol;
  readonly family: Family;
  /** Seconds; whole seconds because OpenBSD nc -w accepts nothing else. */
  readonly timeoutSeconds: number;
}

export function isBlocked(verdict: Verdict): boolean {
  return verdict === "refused" || verdict === "unreachable" || verdict === "dropped";
}

/** Does an observed verdict satisfy an expected one? `error` never satisfies anything. */
export function verdictMatches(expected: ExpectedVerdict, actual: Verdict): boolean {
  if (actual === "error") return false;
  if (expected === "blocked") return isBlocked(actual);
  return expected === actual;
}

export function targetLabel(to: ProbeTarget): string {
  switch (to.kind) {
    case "host":
      return to.host;
    case "localhost":
      return "localhost";
    case "address":
      return to.address;
  }
}

/** `scanner` or `scanner@198.18.7.99` / `scanner@[2001:db8:7::99]`: a probe's source as written. */
export function sourceLabel(from: string, source: string | undefined): string {
  return source === undefined ? from : `${from}@${source.includes(":") ? `[${source}]` : source}`;
}

/** `remote -> server:8080/tcp ipv4`, the way reports name a probe. */
export function describeProbe(p: Pick<ProbeSpec, "from" | "source" | "to" | "port" | "protocol" | "family">): string {
  return `${sourceLabel(p.from, p.source)} -> ${targetLabel(p.to)}:${p.port}/${p.protocol} ${p.family}`;
}
