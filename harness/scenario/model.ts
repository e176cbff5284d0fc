/**
 * A validated, normalised scenario: what the runner executes. Produced from YAML
 * by `loadScenario`, or from TypeScript by `defineScenario`; both go through the
 * same zod schema, so both give the same errors.
 */
import type { ExpectedVerdict, Family, FamilyAddresses, HostSpec, ProbeTarget, Protocol } from "../model/types.ts";
import type { RefusalKind } from "./refusal.ts";

/** Where a piece of a scenario was written; reports and errors point here. */
export interface SourceLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export interface Expectation {
  /**
   * Set when the expectation is about a connection held open by an earlier
   * `hold` step: from/to/port/protocol/families are copied from that hold, and
   * the verdict says whether the held connection still passes data
   * (`open`) or not (`dropped`, `refused`, `blocked`...).
   */
  readonly held?: string;
  readonly from: string;
  /** The address the probe leaves from (`scanner@198.18.7.99`): one of the host's declared addresses; it fixes the family. */
  readonly source?: string;
  readonly to: ProbeTarget;
  /** The port; for a sweep, the range's first port. */
  readonly port: number;
  /**
   * Set for a sweep (`1-1024 blocked except 22,80`): every port of first..last
   * probed in one batch (probes/sweep/), the `except` ports expected admitted
   * by the firewall. No listener is required on swept ports.
   */
  readonly sweep?: PortSweep;
  readonly protocol: Protocol;
  /** One expectation line may cover both families; the runner makes one probe per family. */
  readonly families: readonly Family[];
  /**
   * The line fixes its family (a `/tcp4` suffix, `family:`, a literal address
   * or a source address): a `--family` override leaves it out rather than
   * probe it in the other family.
   */
  readonly familyFixed?: true;
  readonly expected: ExpectedVerdict;
  /** `refused:rst` / `refused:icmp`: the refusal must come back this way (scenario/refusal.ts). */
  readonly refusal?: RefusalKind;
  /** `answered-by HOST[:PORT]`: the listener that must answer (port: the probed one unless written). */
  readonly answeredBy?: { readonly host: string; readonly port: number };
  /** `seen-from HOST`: the host one of whose addresses the answering listener must see as the source. */
  readonly seenFrom?: string;
  /** The expectation as written (compact form) or rendered from the object form. */
  readonly text: string;
  readonly location: SourceLocation;
  /**
   * The expected verdict is a placeholder (`fwspec diff`/`record` flow
   * matrices): only the observation counts, so the probe starts as one with no
   * expectation (probes/observe.ts graceMs), not as one expecting an answer.
   */
  readonly observeOnly?: true;
}

/** A sweep's ports: first..last, and the exceptions (sorted, inside the range). */
export interface PortSweep {
  readonly first: number;
  readonly last: number;
  readonly except: readonly number[];
}

/**
 * The families an expectation is probed in: the override (`--family`) if
 * given, except for a held connection, which exists in one family only, and a
 * line that fixes its family (a source address, a `/tcp4` suffix, `family:`,
 * a literal address): the override may only leave it out.
 */
export function probeFamilies(expectation: Expectation, override?: readonly Family[]): readonly Family[] {
  // A line that fixes its family (a source address, `/tcp4`, a literal address): an override can only leave that family out.
  if ((expectation.source !== undefined || expectation.familyFixed) && override) return expectation.families.filter((f) => override.includes(f));
  return expectation.held === undefined && override ? override : expectation.families;
}

export type RuleSource =
  /** A shell script run inside the host with `sh -e` (the guides' command lines). */
  | { readonly kind: "script"; readonly path: string; readonly content: string }
  /** iptables-restore / ip6tables-restore input, checked with `--test`, then applied atomically. */
  | { readonly kind: "restore"; readonly family: Family; readonly path: string; readonly content: string }
  /** An nftables ruleset file (`nft -f` input), checked with `nft -c -f`, then applied as one transaction. */
  | {
    readonly kind: "nft";
    readonly path: string;
    readonly content: string;
    /** The file as written, when lab addresses replaced its placeholders in `content` (runner/addresses.ts): nft's columns are mapped back to it. */
    readonly written?: string;
  }
  /** Commands as argument arrays (never through a shell). */
  | {
    readonly kind: "commands";
    readonly commands: readonly (readonly string[])[];
    /** Where each command was written (YAML scenarios); absent: the apply step's location stands for all. */
    readonly locations?: readonly SourceLocation[];
  };

export interface ApplyStep {
  readonly kind: "apply";
  readonly host: string;
  readonly sources: readonly RuleSource[];
  readonly location: SourceLocation;
}

export interface ExpectStep {
  readonly kind: "expect";
  readonly expectations: readonly Expectation[];
  readonly location: SourceLocation;
}

export type RuleSelector =
  | { readonly kind: "text"; readonly rule: string }
  | { readonly kind: "position"; readonly table: string; readonly chain: string; readonly position: number }
  /** The rule carrying this comment, in `table` (iptables `nat`, nftables `inet fw`) and `chain` when given, else in any. */
  | { readonly kind: "comment"; readonly comment: string; readonly table?: string; readonly chain?: string }
  /** A native nftables rule by its text as `nft list ruleset` prints it, in a table (`inet fw`) and chain. */
  | { readonly kind: "nft-text"; readonly table: string; readonly chain: string; readonly rule: string }
  /** A native nftables rule by its handle in a table (and chain, if given). */
  | { readonly kind: "handle"; readonly table: string; readonly handle: number; readonly chain?: string }
  /** A named nftables counter (not a rule), in a table if given. */
  | { readonly kind: "named-counter"; readonly name: string; readonly table?: string };

export type ComparisonOp = ">=" | "<=" | "==" | ">" | "<" | "!=";
export interface Comparison {
  readonly op: ComparisonOp;
  readonly value: number;
  /** As written, e.g. ">= 1". */
  readonly text: string;
}

export interface CounterCheck {
  readonly host: string;
  readonly families: readonly Family[];
  /** `family:` was written (not the default): a rule found in an inet table, which counts both families at once, cannot honour it. */
  readonly familyGiven?: true;
  readonly selector: RuleSelector;
  /** Compared with the packets the rule counted since the previous counters step (or since the last apply). */
  readonly packets?: Comparison;
  readonly bytes?: Comparison;
  readonly location: SourceLocation;
}

export interface CountersStep {
  readonly kind: "counters";
  readonly checks: readonly CounterCheck[];
  readonly location: SourceLocation;
}

/** A command on a host with the expected exit status and output patterns (`iptables -C`, `-S`, `--version`). */
export interface RunStep {
  readonly kind: "run";
  readonly host: string;
  /** Argument array (a string in YAML is split shell-like, without a shell). */
  readonly command: readonly string[];
  /** Expected exit status: a number, or "nonzero" for any failure. */
  readonly exit: number | "nonzero";
  /** Substrings stdout+stderr must contain. */
  readonly contains: readonly string[];
  /** Substrings stdout+stderr must not contain. */
  readonly excludes: readonly string[];
  /** Regular expression sources (multiline flag) stdout+stderr must match. */
  readonly matches: readonly string[];
  readonly location: SourceLocation;
}

/** The host goes through a reboot: fresh network namespace, runtime rules gone, boot-time restores run. */
export interface RebootStep {
  readonly kind: "reboot";
  readonly host: string;
  readonly location: SourceLocation;
}

/** Opens a connection (TCP) or flow (UDP) from a peer and holds it for later `held` expectations. */
export interface HoldStep {
  readonly kind: "hold";
  readonly name: string;
  readonly from: string;
  readonly to: ProbeTarget;
  readonly port: number;
  readonly protocol: "tcp" | "udp";
  readonly family: Family;
  readonly location: SourceLocation;
}

export type Step = ApplyStep | ExpectStep | CountersStep | RunStep | RebootStep | HoldStep;

/** A mutant the scenario declares equivalent (`mutate.equivalent`): `fwspec mutate` reports it, not run; `--run-equivalent` audits it. */
export interface DeclaredEquivalence {
  /** The id exactly as `fwspec mutate` prints it. */
  readonly mutant: string;
  readonly because: string;
  /** The text of the rule the mutant changes, whitespace-normalised (declared.ts compares it with the mutant's). */
  readonly rule?: string;
  /** Where its `mutant` is written in the scenario file (1:1 for TypeScript scenarios). */
  readonly line: number;
  readonly column: number;
}

export interface Scenario {
  /** Absolute path of the scenario file ("<inline>" for TypeScript scenarios without one). */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly hosts: readonly HostSpec[];
  readonly steps: readonly Step[];
  /** Probe timeout in whole seconds (OpenBSD nc -w takes whole seconds). */
  readonly timeoutSeconds: number;
  /**
   * Declared lab networks (optional; absent means one network, DEFAULT_NETWORK).
   * Several networks plus a `router: true` host make a routed topology.
   */
  readonly networks?: readonly string[];
  /** Declared subnets by network name (CIDR); networks or families not named get automatic subnets. */
  readonly subnets?: Readonly<Record<string, FamilyAddresses>>;
  /**
   * IPv4/IPv6 parity: when an expectation checks one family only, the other is
   * probed too; a difference is a warning ("warn", the default) or a failure
   * ("fail"); "off": the other family is not probed.
   */
  readonly parity?: "warn" | "fail" | "off";
  /** Equivalent mutants the author declares (`mutate.equivalent`); only `fwspec mutate` reads them. */
  readonly declaredEquivalent?: readonly DeclaredEquivalence[];
}
