/**
 * The runner behind `fwspec run` (through api.ts): scenarios grouped onto
 * shared labs (plan/labs.ts, shared-lab.ts), labs run side by side up to a
 * limit, each scenario's plan run by the step loop (steps.ts) on labs from the
 * LabProvider it is given, one report per scenario. No test framework in
 * between: a lab start costs about half a second, a scenario on a started lab
 * tenths.
 */
import { interrupted } from "../interrupt.ts";
import { errorMessage } from "../errors.ts";
import type { LabProvider } from "../lab/types.ts";
import type { CheckResult } from "../model/results.ts";
import { declaresClash, labNameFor, planLabs, shareable } from "../plan/labs.ts";
import { longestFirst } from "../plan/cost.ts";
import { finishPart, hasLeft, type LabQueue, labQueues, putBack, takeNext, takeOwn } from "../plan/queues.ts";
import { labScenarioOf } from "../plan/absorb.ts";
import { type PlanOptions, planScenario, type ScenarioPlan } from "../plan/plan.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { checksHeld, scenarioReport } from "../report/build.ts";
import { scenarioCoverage } from "../report/coverage.ts";
import type { ScenarioReport } from "../report/model.ts";
import { type KeepMode, keepLab, keepsLab } from "./keep.ts";
import { LabNotReusableError } from "../rules/host-reset.ts";
import type { Scenario } from "../scenario/model.ts";
import { pipeline, Removals } from "./lab-pipeline.ts";
import { rejectedLines, staticJumpError, staticJumpProblems } from "./rule-syntax.ts";
import { type LabLease, ownLab } from "./lease.ts";
import { ScenarioSession } from "./session.ts";
import { SharedLab } from "./shared-lab.ts";
import { runSteps } from "./steps.ts";
import { since, type TimingSink } from "./profile.ts";
import { fwspecCommand } from "../invocation.ts";

export interface RunSetOptions extends PlanOptions {
  readonly provider: LabProvider;
  readonly progress?: Progress | undefined;
  /** Labs running at the same time. */
  readonly labs: number;
  /** Split a group of one lab shape across labs so this many run side by side (default `labs`; 0: one lab per shape group but where a group would run on alone, as each split costs a lab start). */
  readonly spreadLabs?: number | undefined;
  /** End probes early on DROP/REJECT counter evidence (default true). */
  readonly decideEarly?: boolean | undefined;
  /** Leave labs running: every one, or those of scenarios that failed or errored (keep.ts). */
  readonly keep?: KeepMode | undefined;
  /** Give each scenario report its rule coverage (report/coverage.ts). */
  readonly coverage?: boolean | undefined;
  /** One fresh lab per scenario, started when its turn comes and removed before the next (no sharing, nothing ahead or in the background): the baseline `npm run bench -- --suite` compares with. */
  readonly freshLabs?: boolean | undefined;
  /** Side-by-side probes (SessionOptions.parallel). */
  readonly parallelProbes?: boolean | undefined;
  /** A scenario's steps stop after the first step with a failed check (RunOptions.stopAtFirstFailure). */
  readonly stopAtFirstFailure?: boolean | undefined;
  /** Told each scenario's timing when it is done (profile.ts; the bench). */
  readonly timing?: TimingSink | undefined;
  /** Take warm labs an earlier run left, and leave shared labs warm at the end instead of removing them (`fwspec run --reuse`; shared-lab.ts). */
  readonly reuse?: boolean | undefined;
  /** How the user types fwspec, for commands in hints (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
  /** Told each scenario's report once it is final (kept or not), in the order they finish; never after a stop (interrupt.ts). */
  readonly onScenario?: ((report: ScenarioReport) => void) | undefined;
  /** Told each scenario's verdicts as soon as they are known, before a lab it may keep is kept (a stop's report holds them). */
  readonly onVerdicts?: ((report: ScenarioReport) => void) | undefined;
}

/** Every check result of the plan, in order (as runScenario), each step's kind and wall time pushed onto `steps`; with `stopAtFirstFailure`, up to the first step with a failed check. */
async function timedSteps(plan: ScenarioPlan, session: ScenarioSession, steps: { kind: string; ms: number }[], stopAtFirstFailure = false): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let t = performance.now();
  for await (const outcome of runSteps(plan, session)) {
    results.push(...outcome.results);
    steps.push({ kind: outcome.planned.kind === "action" ? outcome.planned.step.kind : outcome.planned.kind, ms: since(t) });
    t = performance.now();
    if (stopAtFirstFailure && outcome.results.some((r) => r.status === "failed")) break;
  }
  return results;
}

/** A group's first lab: a shared one, (a scenario alone) its own lease, or none (the other labs of its shape took every scenario first). */
type FirstLab = { readonly shared: SharedLab } | { readonly own: LabLease } | { readonly none: true };

/** The plans of the scenarios a filter keeps any check of (all without a filter), in order. */
export function selectedPlans(scenarios: readonly Scenario[], options: PlanOptions): ScenarioPlan[] {
  // A filter keeps scenarios with a check it matches; a families override those with a probe (or a run step) left.
  const checksLeft = (p: ScenarioPlan) => p.selected > 0 || (!options.filter && p.scenario.steps.some((s) => s.kind === "run"));
  return scenarios.map((s) => planScenario(s, options)).filter((p) => (!options.filter && !options.families) || checksLeft(p));
}

/** Runs the planned scenarios and returns their reports in the given order. */
export async function runScenarioSet(plans: readonly ScenarioPlan[], options: RunSetOptions): Promise<ScenarioReport[]> {
  const progress = options.progress ?? silentProgress;
  const reports = new Map<Scenario, ScenarioReport>();
  const began = performance.now();
  const labNumbers = new Map<object, number>();
  const planOf = new Map(plans.map((p) => [p.scenario, p]));
  const told = (report: ScenarioReport) => {
    if (!interrupted()) options.onScenario?.(report);
  };
  /** A scenario's report, recorded (and told, unless `final` is false: a lab it may keep changes it still). */
  const done = (s: Scenario, results: readonly CheckResult[], errors: readonly string[], atStart?: LabLease["readings"], rejected?: ScenarioReport["rejected"], final = true): ScenarioReport => {
    const base = scenarioReport(s, results, errors);
    const plain = rejected && rejected.length > 0 ? { ...base, rejected } : base;
    // Coverage needs the results in the order they ran and the rules each firewall host started with.
    const report = options.coverage ? { ...plain, coverage: scenarioCoverage(results, atStart ?? new Map()) } : plain;
    reports.set(s, report);
    const counted = checksHeld(report);
    // A scenario whose lab never started has no check results: its planned checks are what did not hold (tester 43a: "0/1").
    const { held, of } = { held: counted.held, of: Math.max(counted.of, planOf.get(s)?.selected ?? 0) };
    const mark = report.status === "passed" ? "✓" : report.status === "failed" ? "✗" : "!";
    // Once stopping (Ctrl-C), what ends is the cleanup's doing: no progress line for it.
    if (!interrupted()) progress.info(`${mark} ${s.name}: ${held}/${of} checks held (${reports.size}/${plans.length} scenarios)`);
    if (!interrupted()) options.onVerdicts?.(report);
    if (final) told(report);
    return report;
  };

  /** true: ran; "kept": ran, and its lab is kept; false: the lab did not start; a LabNotReusableError: not run, the shared lab cannot be reused. */
  const runOne = async (scenario: Scenario, sharedLab: SharedLab | Promise<LabLease>, startMs = 0): Promise<boolean | "kept" | LabNotReusableError> => {
    let lease: LabLease;
    const t0 = performance.now();
    try {
      lease = sharedLab instanceof SharedLab ? await sharedLab.lease(scenario) : await sharedLab;
    } catch (error) {
      if (sharedLab instanceof SharedLab && error instanceof LabNotReusableError) return error;
      done(scenario, [], [`the lab did not start: ${errorMessage(error)}`]);
      return false;
    }
    const leaseMs = since(t0);
    const steps: { kind: string; ms: number }[] = [];
    let removeMs = 0;
    const timed: LabLease = { ...lease, release: async () => {
      const t1 = performance.now();
      await lease.release();
      removeMs = since(t1);
    } };
    const ran = await (async () => {
      const plan = planOf.get(scenario)!;
      await using session = new ScenarioSession(scenario, timed, { decideEarly: options.decideEarly, timeoutSeconds: plan.timeoutSeconds, parallel: options.parallelProbes, invocation: options.invocation });
      let report: ScenarioReport;
      try {
        report = done(scenario, await timedSteps(plan, session, steps, options.stopAtFirstFailure === true), [], lease.readings, undefined, false);
      } catch (error) {
        report = done(scenario, [], [errorMessage(error)], undefined, undefined, false);
      }
      // Kept before the session releases the lease: a kept lab's disposal leaves it running.
      const kept = keepsLab(options.keep, report.status) ? await keepLab(lease.lab, scenario.name, progress) : undefined;
      if (!kept) {
        told(report);
        return true;
      }
      const withKept = { ...report, kept };
      reports.set(scenario, withKept);
      told(withKept);
      return "kept" as const;
    })();
    const shared = sharedLab instanceof SharedLab;
    // A shared lab shows each scenario only the hosts it casts: the lab is known by the shared lab itself.
    const labKey = sharedLab instanceof SharedLab ? sharedLab : lease.lab;
    if (!labNumbers.has(labKey)) labNumbers.set(labKey, labNumbers.size + 1);
    options.timing?.({ scenario, startMs: shared ? startMs : startMs + leaseMs, resetMs: shared ? leaseMs : 0, steps, removeMs, lab: labNumbers.get(labKey)!, endMs: since(began) });
    return ran;
  };

  // A jump to no chain or target, found without a lab as plain `validate` finds it, would only fail in the lab's
  // apply: the scenario errors now and no lab starts for it; the others run (not exit 2: that is --check-rules').
  const runnable = plans.filter((p) => {
    const error = staticJumpError(p.scenario, options.invocation);
    if (error !== undefined) done(p.scenario, [], [error], undefined, rejectedLines(staticJumpProblems([p.scenario])));
    return error === undefined;
  });

  const removals = new Removals();
  const fresh = options.freshLabs === true;
  // Automatic networks never take a declared subnet (lab/addresses.ts: a range of their own), so a lab with declared subnets need not wait for the others.
  const provider: LabProvider = options.provider;
  /** An own lab's lease whose release removes the lab in the background (in line for fresh labs). */
  const ownLease = async (scenario: Scenario): Promise<LabLease> => {
    const lease = await ownLab(provider, scenario, progress);
    return fresh ? lease : { ...lease, release: async () => removals.add(lease.lab) };
  };
  const alone = (group: readonly Scenario[]) => fresh || (group.length === 1 && !shareable(group[0]!));
  const startShared = async (scenario: Scenario): Promise<SharedLab> =>
    (options.reuse ? await SharedLab.claim(provider, scenario, labNameFor(scenario), progress) : undefined) ?? (await SharedLab.start(provider, scenario, labNameFor(scenario), progress));
  /** What each group's lab takes its scenarios from (plan/queues.ts): the labs of one shape share its shareable scenarios. */
  let queues = new Map<readonly Scenario[], LabQueue>();
  const startFirst = async (group: readonly Scenario[]): Promise<FirstLab> => {
    if (alone(group)) return { own: await ownLease(group[0]!) };
    const q = queues.get(group);
    // Started ahead (lab-pipeline.ts): when its turn came, the shape's other labs had taken every scenario.
    if (q && !hasLeft(q)) return { none: true };
    // Started as the group's largest scenario: those of smaller shapes folded into it fit it (plan/absorb.ts).
    return { shared: await startShared(labScenarioOf(group)) };
  };
  /** A lab the group is done with: removed, or (`reuse`, and it may be: not kept) reset and left warm, in the background. */
  const dispose = async (lab: SharedLab, mayPark: boolean) => {
    if (fresh) return await lab[Symbol.asyncDispose]();
    if (!options.reuse || !mayPark) return removals.add(lab);
    removals.add({
      [Symbol.asyncDispose]: async () => {
        let until: string | undefined;
        try {
          until = await lab.park();
        } catch (error) {
          progress.info(`not leaving the lab of ${lab.lab.name} warm: ${errorMessage(error)}`);
        }
        if (until) progress.info(`left the lab ${lab.lab.name} warm for the next run until ${until}${lab.lab.runId ? ` (\`${fwspecCommand(`cleanup --run ${lab.lab.runId}`, options.invocation)}\` removes it)` : ""}`);
        await lab[Symbol.asyncDispose]();
      },
    });
  };

  const runGroup = async (group: readonly Scenario[], first: Promise<FirstLab>) => {
    if (alone(group)) {
      await runOne(group[0]!, first.then((f) => ("own" in f ? f.own : Promise.reject(new Error("no own lab")))));
      return;
    }
    const q = queues.get(group)!;
    /** Why its last lab did not start: what its scenarios nobody ran are reported with. */
    let unstarted: string | undefined;
    try {
      let next: Promise<FirstLab> | undefined = first;
      while (next !== undefined || hasLeft(q)) {
        let lab: SharedLab;
        const t0 = performance.now();
        let startMs = 0;
        try {
          const started = await (next ?? startFirst(group));
          startMs = since(t0);
          next = undefined;
          // Nothing was left when its start came; something put back since (a lab's handoff failed) is taken now.
          if ("none" in started) continue;
          if (!("shared" in started)) throw new Error("no shared lab");
          lab = started.shared;
        } catch (error) {
          // Its own scenarios are not run; the shared ones only when no other lab of the shape is left to take them (below).
          unstarted = `the lab did not start: ${errorMessage(error)}`;
          for (const s of takeOwn(q)) done(s, [], [unstarted]);
          return;
        }
        /** Left warm only after a shareable scenario that was not kept: a later run's scenario may meet only what a reset undoes. */
        let mayPark = true;
        try {
          for (let scenario = takeNext(q, undefined); scenario !== undefined; scenario = takeNext(q, scenario)) {
            const ran = await runOne(scenario, lab, startMs);
            mayPark = ran !== "kept" && shareable(scenario);
            startMs = 0;
            // A host not as it booted after the reset: this scenario and the rest get a fresh lab.
            if (ran instanceof LabNotReusableError) {
              progress.info(`not reusing the lab for ${scenario.name}, starting a fresh lab: ${ran.message}`);
              putBack(q, scenario);
              break;
            }
            if (!ran) break;
            // Kept with this scenario's state: the rest get a fresh lab.
            if (ran === "kept") break;
          }
        } finally {
          await dispose(lab, mayPark);
        }
      }
    } finally {
      for (const s of finishPart(q)) done(s, [], [unstarted ?? "no lab of its shape was left to run it (their starts or handoffs failed)"]);
    }
  };

  const parallel = Math.max(1, options.labs);
  // Labs side by side: the longest first, so no long lab runs on alone at the end (plan/cost.ts).
  const groups = fresh ? runnable.map((p) => [p.scenario]) : longestFirst(planLabs(runnable.map((p) => p.scenario), parallel, { spread: options.spreadLabs ?? parallel }));
  queues = labQueues(groups);
  progress.step(`running ${runnable.length} scenario(s) on ${groups.length} lab(s), up to ${parallel} at a time${fresh ? " (a fresh lab per scenario)" : ""}`);
  try {
    await pipeline(groups, parallel, removals, {
      start: startFirst,
      run: runGroup,
      // Declared subnets exist once on the engine: a lab whose declared subnets another group's lab declares too waits until no earlier lab holds them. Fresh labs: nothing ahead.
      startsAlone: (group) => fresh || declaresClash(group, groups),
    });
  } finally {
    await removals.settle();
  }
  return plans.map((p) => reports.get(p.scenario)!);
}
