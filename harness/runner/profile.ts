/**
 * Where a run's time goes, per scenario (for `npm run bench -- --suite`; no
 * test asserts on it): the wait for its lab on the run's critical path (a lab
 * started for it, or not yet ready), the handoff of a shared lab (reset,
 * listeners, verification), each step, and an own lab's removal when it is in
 * line (fresh labs). Reported through an optional callback of the runner.
 */
import type { Scenario } from "../scenario/model.ts";

export interface ScenarioTiming {
  readonly scenario: Scenario;
  /** Waiting for a lab to be started (0 when a lab was ready). */
  readonly startMs: number;
  /** Making a shared lab ready for this scenario (reset, listeners, checks). */
  readonly resetMs: number;
  /** Each step in order: its kind and wall time. */
  readonly steps: readonly { readonly kind: string; readonly ms: number }[];
  /** Removing its own lab in line (fresh labs; 0 when removed in the background). */
  readonly removeMs: number;
  /** Which lab of the run it ran on (1, 2, … in the order the labs first ran a scenario). */
  readonly lab: number;
  /** When it ended, ms since the run's scenarios began: with `lab`, each lab's timeline. */
  readonly endMs: number;
}

export type TimingSink = (timing: ScenarioTiming) => void;

/** Milliseconds since `t0` (performance.now()). */
export const since = (t0: number): number => performance.now() - t0;
