/**
 * The result of each check, one record per kind, used unchanged from the
 * runner to every report: an expectation probed in one family, a counter
 * check in one family, and a step (apply, run, reboot, hold; a `run` step is
 * a check too). `kind` tells them apart; the JSON report leaves it out (its
 * sections say the kind).
 */
import type { SweepResult } from "./sweep.ts";
import type { ExpectedVerdict, Family, Protocol, Refusal, Verdict } from "./types.ts";

/** How one check went: `error` is an error of the run, never a verdict. */
export type CellStatus = "passed" | "failed" | "error";

/** What a probe left behind: a command a person can paste, its exit status, output and duration. */
export interface ResultEvidence {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** Why the probe was ended before its timeout, when it was. */
  readonly stoppedEarly?: string;
}

/** A rule whose counters moved while a probe ran: on which firewall host, where in its ruleset, by how much. */
export interface RuleHit {
  readonly host: string;
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  /** 1-based within its chain. */
  readonly position: number;
  /** The rule as saved: `-A INPUT -p tcp -m tcp --dport 8080 -j DROP`. */
  readonly text: string;
  readonly packets: number;
}

/** A single-family expectation's other family: what the same probe observed there. */
export interface ParityObservation {
  readonly family: Family;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly command: string;
  /** True when the two families gave different verdicts. */
  readonly differs: boolean;
  /** Rules whose counters moved during the other family's probe (as ExpectationResult.decidedBy). */
  readonly decidedBy?: readonly string[];
  /** Rules whose counters moved during the other family's probe. */
  readonly counted?: readonly RuleHit[];
  /** The rule that took the other family's first packet, with the line that wrote it (as ExpectationResult.decision), when the evidence names one. */
  readonly decision?: Decision;
  /** As ExpectationResult.halfOpen, for the other family's probe. */
  readonly halfOpen?: true;
}

/** The rule (or chain policy) that took a probe's first packet on the host that decided it, and how it was found. */
export interface Decision {
  readonly host: string;
  readonly family: Family;
  readonly table: string;
  /** Chains from the hook's chain to the rule's chain: ["INPUT", "ufw-before-input", "ufw-user-input"]. */
  readonly path: readonly string[];
  /** The rule as iptables-save (or `nft list`) prints it; for a chain policy `policy DROP` (a native nft table's as nft prints it: `policy drop`). */
  readonly rule: string;
  readonly action: "accept" | "drop" | "reject";
  /** True when no rule took the packet and the chain's policy did. */
  readonly policy: boolean;
  /**
   * True when the traced packet met no filter chain that decides (only NAT,
   * raw or mangle chains, or none at all): netfilter accepts what no chain
   * drops. Then `rule` is `no filter chain`, `table` is `none` and `path`
   * lists the chains it passed (`nat PREROUTING`).
   */
  readonly unfiltered?: boolean;
  /** True when the packet decided is a held connection's data segment (traced), not a probe's first packet. */
  readonly held?: boolean;
  /** True when the probe's first packet passed and this rule took the first answer on its way back. */
  readonly answer?: boolean;
  /** True when the probe's first packet and its answer passed and this rule, which no first packet meets (`--ctstate ESTABLISHED -j DROP`), took a later packet of its connection going the first packet's way (the handshake's last ACK). */
  readonly later?: boolean;
  /** True when this host is where a DNAT on the probe's path sent its first packet on to (a host off the planned path: its counters decided). */
  readonly sentOn?: boolean;
  /** An accept after which a DNAT on this host sent the packet on to another host's address: where (`198.18.51.10:85`, or the address alone as counters show it). */
  readonly sentOnTo?: string;
  /**
   * A dropped probe the DNAT sent on to this lab host, on the prober's own network, with no SNAT on its way (runner/
   * hairpin.ts): that host answered the prober directly, from its own address, which the prober's connection does not
   * expect (its kernel resets it): no chain dropped the answer (tester 44b).
   */
  readonly hairpin?: string;
  /** `trace`: the packet's nftables trace; `counters`: the first rule on the path able to take a first packet whose counter moved. */
  readonly source: "trace" | "counters";
  /** The nftables rule handle, when a trace named it. */
  readonly handle?: number;
  /** NAT rules that rewrote the traced packet: `nat PREROUTING: -A PREROUTING … -j DNAT --to-destination 198.18.1.3:8080 [handle 4]` (iptables-nft rules by their iptables-save line, native ones as nft prints them). */
  readonly rewrites?: readonly string[];
  /** The traced packet's steps on this host: `ip filter INPUT rule … # handle 4 (verdict jump GUARD)`. */
  readonly steps?: readonly string[];
  /** Where the rule (or policy) was written, when exactly one line of the scenario's apply sources says it (rules/origin.ts). */
  readonly origin?: RuleOrigin;
}

/** A line of a rules file (or of the scenario, for a command list) that wrote a rule. */
export interface RuleOrigin {
  /** Absolute. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** The file as the scenario names it, relative to the scenario's folder (`../firewall/rules.v4`). */
  readonly shown: string;
}

/**
 * Is a decision's table a native nftables one? Those are named `family name`
 * (`inet fw`, rules/trace.ts tableName), as `nft list` names them; iptables
 * tables, also those iptables-nft holds, by name alone (`filter`); `none`
 * when no filter chain decided.
 */
export function nativeTable(table: string): boolean {
  return /^(ip|ip6|inet|arp|bridge|netdev) \S+$/.test(table);
}

export interface ExpectationResult {
  readonly kind: "expectation";
  readonly text: string;
  readonly line: number;
  readonly from: string;
  /** The address the probe left from (`admin@198.18.31.200`), when the expectation chose one. */
  readonly source?: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly family: Family;
  readonly expected: ExpectedVerdict;
  readonly actual: Verdict;
  readonly status: CellStatus;
  readonly reason: string;
  /** A refused probe: how it was refused on the wire (`tcp-reset`, `icmp-port-unreachable`). */
  readonly refusal?: Refusal;
  /** What a mismatch means, naming the rule that decided when one counted the probe. */
  readonly explanation?: string;
  /** A dropped TCP probe whose SYN was answered, its target holding the connection half-open: a later packet was lost. */
  readonly halfOpen?: true;
  /** No firewall host's rules were on its path (two hosts without rules on one network): no rule could count it. */
  readonly unwatched?: true;
  /** The address actually probed. */
  readonly address: string;
  readonly evidence: ResultEvidence;
  /** Rules whose counters moved during the probe: "ipv4 filter INPUT #2 -A INPUT … -j DROP (+1 packets)". */
  readonly decidedBy: readonly string[];
  /** The same rules as records, with the firewall host each is on (what rule coverage is built from). */
  readonly counted?: readonly RuleHit[];
  /** The rule that took the probe's first packet (the one that decided), when the evidence names one. */
  readonly decision?: Decision;
  /** Single-family expectations: the other family's observation (a finding when it differs). */
  readonly parity?: ParityObservation;
  /** The held connection this expectation checks. */
  readonly held?: string;
  /** A sweep (`1-1024 blocked except 22,80`): one check for the whole range, per-port findings for the ports that broke it. */
  readonly sweep?: SweepResult;
  /** An open probe whose listener told who it is: "backend:8080 saw 198.18.1.2:40312 (router)". */
  readonly answer?: string;
  /** The verdict was open, but who answered or the source it saw is not what `answered-by` / `seen-from` say. */
  readonly answerMismatch?: string;
  /** The expect step's nftables traces (the same for each of its expectations): per traced host, the rules named. */
  readonly traced?: readonly TracedHost[];
}

/**
 * One nft-based host's trace over one expect step: the rules any traced packet matched (`nft inet filter input #3`),
 * and whether every probe of the step crossing the host was marked and its whole trace read.
 */
export interface TracedHost {
  readonly host: string;
  readonly complete: boolean;
  readonly rules: readonly string[];
}

export interface CounterResult {
  readonly kind: "counter";
  readonly line: number;
  readonly host: string;
  readonly family: Family;
  readonly selector: string;
  readonly status: CellStatus;
  readonly message: string;
  readonly packets: number | null;
  readonly bytes: number | null;
}

export type StepKind = "apply" | "expect" | "counters" | "run" | "reboot" | "hold";

/** A rules file line a tool refused (its file as the scenario names it, 1-based line and column where the tool said). */
export interface RejectedRuleLine {
  readonly file: string;
  readonly line: number | undefined;
  readonly column?: number | undefined;
  /** `ipv4`, `ipv6` or `nft`. */
  readonly family: string;
  /** The tool as a person runs it: `iptables-restore`, `nft -c` … */
  readonly tool: string;
  readonly message: string;
}

/** How a step result of a step a broken scenario did not run begins (`not run: step 1 (apply, line 8) failed`). */
export const NOT_RUN = "not run: ";

export interface StepResult {
  readonly kind: "step";
  /** The scenario step this is (`expect` and `counters` appear only as "not run" records of a step whose lab broke). */
  readonly step: StepKind;
  readonly line: number;
  readonly title: string;
  readonly status: CellStatus;
  readonly message: string;
  /** What a passed step wants read on the console (an apply whose rules match interfaces the host lacks): also in the message. */
  readonly notes?: readonly string[];
  /** A failed apply step: the rules file lines the tool refused (CI annotates each on its line). */
  readonly rejected?: readonly RejectedRuleLine[];
  /** For apply (and reboot) steps: the loaded rulesets, their digest, and the host they are loaded on. */
  readonly evidence?: { readonly ipv4: string; readonly ipv6: string; readonly digest: string; readonly host?: string; readonly nft?: string; readonly unshown?: string };
}

export type CheckResult = ExpectationResult | CounterResult | StepResult;

/**
 * Is this result a check? Expectations and counter checks are, and so is a
 * `run` step (its exit status and output are judged) and the "not run" record
 * of an expectation or counter check; apply, reboot and hold steps are actions.
 */
export function isCheck(r: CheckResult): boolean {
  return r.kind !== "step" || r.step === "run" || r.step === "expect" || r.step === "counters";
}
