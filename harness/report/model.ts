/**
 * The report of a run: per scenario the check results (model/results.ts, as
 * the runner made them), errors outside any check, and parity findings; a
 * summary over all. Built by build.ts; rendered by console.ts, json.ts and
 * junit.ts.
 */
import type { KeptLab } from "../lab/types.ts";
import type { CellStatus, CounterResult, Decision, ExpectationResult, RejectedRuleLine, StepResult } from "../model/results.ts";
import type { RunCoverage, ScenarioCoverage } from "./coverage.ts";

export type ScenarioStatus = CellStatus;

/** Which scenario a report is about. */
export interface ScenarioHeader {
  readonly file: string;
  readonly name: string;
  readonly description: string;
}

/** An IPv4/IPv6 parity finding: a single-family expectation whose other family behaves differently. */
export interface ParityFinding {
  readonly text: string;
  readonly line: number;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  readonly family: string;
  readonly verdict: string;
  readonly otherFamily: string;
  readonly otherVerdict: string;
  readonly command: string;
  /** "warning" by default; "failure" with `parity: fail`. */
  readonly severity: "warning" | "failure";
  /** The rule that decided the expectation's own probe, and the other family's (each with the line that wrote it, rules/origin.ts), when the evidence names one. */
  readonly decision?: Decision;
  readonly otherDecision?: Decision;
  /** The expectation's own probe, and the other family's, got their SYN answered but were held half-open (ExpectationResult.halfOpen). */
  readonly halfOpen?: true;
  readonly otherHalfOpen?: true;
}

export interface ScenarioReport extends ScenarioHeader {
  readonly status: ScenarioStatus;
  readonly expectations: readonly ExpectationResult[];
  readonly counters: readonly CounterResult[];
  readonly steps: readonly StepResult[];
  /** Failures outside any check (the lab did not start, the run crashed). */
  readonly errors: readonly string[];
  /** Rules file lines found bad before its lab started (a jump to nothing): the reason for one of `errors`, line by line. */
  readonly rejected?: readonly RejectedRuleLine[];
  readonly parity: readonly ParityFinding[];
  /** Its lab, left running by `fwspec run --keep` / `--keep-on-failure`. */
  readonly kept?: KeptLab;
  /** Rule coverage (coverage.ts), when the run was asked for it. */
  readonly coverage?: ScenarioCoverage;
}

export interface RunReport {
  readonly scenarios: readonly ScenarioReport[];
  /** Checks (expectations, counter checks, `run` steps) passed and failed; errors also count failed actions and scenario errors. */
  readonly summary: { readonly passed: number; readonly failed: number; readonly errors: number };
  /** Rule coverage over every scenario, when the run was asked for it. */
  readonly coverage?: RunCoverage;
  /**
   * What became of the labs of the scenarios it did not keep (a failure's
   * repro command needs its lab): removed, or (`--reuse`) reset and left warm.
   * Unset when the run was asked to keep labs, or the caller does not say.
   */
  readonly labsLeft?: LabsLeft;
  /**
   * The run was stopped before it ended (Ctrl-C, a signal, its output
   * closed): `scenarios` are those that finished before the stop; `notRun`
   * those that did not run or did not finish (their labs were removed).
   */
  readonly stopped?: StoppedRun;
}

export interface StoppedRun {
  /** What stopped it, as fwspec said it (e.g. `SIGINT`). */
  readonly reason: string;
  readonly notRun: readonly ScenarioHeader[];
}

/** What a run did with the labs it did not keep (`--keep`, `--keep-on-failure`). */
export type LabsLeft = "removed" | "warm";
