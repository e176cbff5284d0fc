/**
 * What a scenario test records for reporters. Tests run in vitest workers; the
 * records travel to the main process in `task.meta.fwspec`.
 */
import type { Family, ExpectedVerdict, Protocol, Verdict } from "../model/types.ts";
import type { CellStatus } from "./evaluate.ts";

export interface ExpectationRecord {
  readonly kind: "expectation";
  readonly file: string;
  readonly scenario: string;
  readonly text: string;
  readonly line: number;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly family: Family;
  readonly expected: ExpectedVerdict;
  readonly actual: Verdict;
  readonly status: CellStatus;
  readonly reason: string;
  readonly explanation?: string;
  readonly address: string;
  readonly evidence: {
    readonly command: string;
    readonly exitCode: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly durationMs: number;
    /** Why the probe was ended before its timeout, when it was. */
    readonly stoppedEarly?: string;
  };
  /** Rules whose counters moved during the probe: "ipv4 filter INPUT #2 -A INPUT … -j DROP (+1 packets)". */
  readonly decidedBy: readonly string[];
  /** Single-family expectations: the other family's verdict (a finding when it differs). */
  readonly parity?: { readonly family: Family; readonly verdict: Verdict; readonly reason: string; readonly command: string; readonly differs: boolean };
  /** The held connection this expectation checks. */
  readonly held?: string;
}

export interface CounterRecord {
  readonly kind: "counter";
  readonly file: string;
  readonly scenario: string;
  readonly line: number;
  readonly host: string;
  readonly family: Family;
  readonly selector: string;
  readonly status: CellStatus;
  readonly message: string;
  readonly packets: number | null;
  readonly bytes: number | null;
}

export interface StepRecord {
  readonly kind: "step";
  readonly file: string;
  readonly scenario: string;
  readonly line: number;
  readonly title: string;
  readonly status: CellStatus;
  readonly message: string;
  /** For apply steps: the loaded rulesets and their digest. */
  readonly evidence?: { readonly ipv4: string; readonly ipv6: string; readonly digest: string };
}

export type FwspecRecord = ExpectationRecord | CounterRecord | StepRecord;

export interface ScenarioHeader {
  readonly file: string;
  readonly name: string;
  readonly description: string;
}

declare module "vitest" {
  interface TaskMeta {
    fwspec?: FwspecRecord;
  }
}
