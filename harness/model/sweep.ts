/**
 * Sweeps as data (no Docker): what a swept port turned out to be, and a
 * sweep's result as every report shows it. A port's outcome says what the
 * firewall did, decided from evidence (probes/sweep/): `admitted` is a port
 * the firewall let through where nothing listens (the target's kernel
 * answered), which on the wire looks like a REJECT with tcp-reset;
 * `undetermined` is an answer whose source the evidence cannot tell.
 */
import type { Decision, RuleOrigin } from "./results.ts";
import type { Verdict } from "./types.ts";

export type PortOutcome = "open" | "admitted" | "refused" | "unreachable" | "dropped" | "undetermined" | "error";

/** How reports name an outcome. */
export const OUTCOME_LABEL: Readonly<Record<PortOutcome, string>> = {
  open: "open",
  admitted: "admitted (nothing listening)",
  refused: "refused",
  unreachable: "unreachable",
  dropped: "dropped",
  undetermined: "refused (REJECT or nothing listening: cannot tell)",
  error: "error",
};

export interface PortFinding {
  readonly port: number;
  readonly outcome: PortOutcome;
  /** What a single probe reports for the same answer (an admitted port: `refused`). */
  readonly verdict: Verdict;
  /** The answer on the wire, as nmap names it: syn-ack, reset, port-unreach, admin-prohibited, no-response… */
  readonly answer: string;
  /** How the outcome was decided. */
  readonly evidence: string;
  /** The rules that decided (several when attribution stayed ambiguous: one of them did). */
  readonly rules: readonly string[];
  /** A port probed alone (not by the batch): that probe's command, its repro. */
  readonly command?: string;
}

/** A port whose outcome broke the expectation (or could not be decided), with its evidence. */
export interface SweepBreak {
  readonly port: number;
  readonly status: "failed" | "error";
  /** What the port should have been: the sweep's verdict, or `admitted` / `open` for an except port. */
  readonly expected: string;
  readonly observed: string;
  readonly answer: string;
  readonly evidence: string;
  readonly rules: readonly string[];
  /** A command a person can paste: nmap on this one port. */
  readonly repro: string;
  /** The rule that took this port's first packet, from the sweep's trace (as the report's `decided:` line words it). */
  readonly decided?: string;
  /** Where that rule (or policy) was written, when exactly one line of the scenario's apply sources says it (rules/origin.ts; as Decision.origin). */
  readonly origin?: RuleOrigin;
  /** The same port probed once more as a single probe (bounded: the first few breaks): its verdict, reason and command. */
  readonly single?: { readonly verdict: Verdict; readonly reason: string; readonly command: string; readonly counted: readonly string[]; readonly decision?: Decision };
}

export interface SweepResult {
  /** `1-1024 except 22,80,443`. */
  readonly ports: string;
  /** `1-1024/tcp ipv4: 1021 dropped, port 22 open, port 80 open, port 443 admitted (nothing listening)`. */
  readonly summary: string;
  /** Ports per outcome. */
  readonly counts: Readonly<Partial<Record<PortOutcome, number>>>;
  readonly broken: readonly SweepBreak[];
  /** How it was decided: scans, re-probes, ports waited out. */
  readonly notes: readonly string[];
  /** The whole sweep as one nmap command to paste. */
  readonly command: string;
  /** What decided the ports, grouped by deciding rule (an nftables trace of the sweep's packets), in port order. */
  readonly decided?: readonly SweepDecided[];
  /** `trace`: every port's first packet traced; `counters`: the range was too large to trace (or no trace came), each port's rules are the counters'. */
  readonly attribution?: "trace" | "counters";
}

/** Ports one rule (or policy, or no filter chain) decided, as the trace named it. */
export interface SweepDecided {
  /** `22,80,443` or `1-21,23-79`. */
  readonly ports: string;
  readonly count: number;
  /** The decision as the report's `decided:` line words it. */
  readonly decided: string;
  /** Where that rule (or policy) was written, when exactly one line of the scenario's apply sources says it (rules/origin.ts; as Decision.origin). */
  readonly origin?: RuleOrigin;
}
