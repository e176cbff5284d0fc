/**
 * A scenario as a vitest suite: one test per apply step, per expectation and
 * family, and per counter check, in the scenario's order. The lab starts in
 * beforeAll and is disposed in afterAll (and on SIGINT/SIGTERM).
 */
import { afterAll, beforeAll, describe, inject, test, type TestContext } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { imageExists, labImageTag } from "../env/images.ts";
import { EnvironmentError } from "../errors.ts";
import { onInterrupt } from "../interrupt.ts";
import { LabRegistry, newRunId } from "../lab/resources.ts";
import { type Family, FAMILIES } from "../model/types.ts";
import { oneLine, safeText } from "../report/text.ts";
import { loadScenarioSync, ScenarioError } from "../scenario/load.ts";
import { machineAddressTargets, machineInterfaces } from "../scenario/machine-targets.ts";
import { probeFamilies, type Scenario } from "../scenario/model.ts";
import type { FwspecRecord } from "./meta.ts";
import { performStep } from "./execute.ts";
import { counterRecord, counterTitle, expectationRecord, expectationTitle, formatExpectationFailure, parityWarning, stepTitle } from "./records.ts";
import { type CounterOutcome, errorMessage, ScenarioSession } from "./session.ts";

/** Its message (probe output, scenario text) reaches the terminal and CI log: neutralised. */
class ScenarioFailure extends Error {
  override name = "ScenarioFailure";
  constructor(message: string) {
    super(safeText(message));
  }
}

function envFamilies(): readonly Family[] | undefined {
  const v = process.env["FWSPEC_FAMILY"];
  if (!v || v === "both") return v === "both" ? FAMILIES : undefined;
  return FAMILIES.filter((f) => f === v);
}

function envTimeout(): number | undefined {
  const v = Number(process.env["FWSPEC_TIMEOUT"]);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

function runIdFromContext(): string {
  try {
    return inject("fwspecRunId") ?? process.env["FWSPEC_RUN_ID"] ?? newRunId();
  } catch {
    return process.env["FWSPEC_RUN_ID"] ?? newRunId();
  }
}

export function defineScenarioSuite(file: string): void {
  let scenario: Scenario;
  try {
    scenario = loadScenarioSync(file);
    // As in `fwspec run`: no probe at one of this machine's own addresses.
    const machine = machineAddressTargets([scenario], machineInterfaces());
    if (machine.length > 0) throw new ScenarioError(machine);
  } catch (error) {
    describe(file, () => {
      test("scenario is valid", () => {
        throw new ScenarioFailure(errorMessage(error));
      });
    });
    return;
  }
  const registry = new LabRegistry();
  onInterrupt(() => registry.disposeAll());
  const families = envFamilies();
  let session: ScenarioSession | undefined;
  let broken: string | undefined;

  const record = (ctx: TestContext, r: FwspecRecord) => {
    ctx.task.meta.fwspec = r;
  };
  const guard = (ctx: TestContext, line: number, title: string) => {
    if (broken === undefined) return;
    record(ctx, { kind: "step", file: scenario.file, scenario: scenario.name, line, title, status: "error", message: `not run: ${broken}` });
    throw new ScenarioFailure(`not run: ${broken}`);
  };

  describe(oneLine(scenario.name), () => {
    beforeAll(async () => {
      try {
        const docker = await connectEngine();
        const image = labImageTag();
        if (!(await imageExists(docker, image))) throw new EnvironmentError(`lab image ${image} is missing`, { hint: "run `fwspec setup`" });
        session = new ScenarioSession(scenario, {
          docker,
          image,
          runId: runIdFromContext(),
          registry,
          ...(families ? { families } : {}),
          ...(envTimeout() ? { timeoutSeconds: envTimeout()! } : {}),
        });
        await session.start();
      } catch (error) {
        broken = `the lab did not start: ${errorMessage(error)}`;
      }
    }, 180_000);

    afterAll(async () => {
      await session?.[Symbol.asyncDispose]();
    }, 60_000);

    scenario.steps.forEach((step, index) => {
      const title = oneLine(stepTitle(step, index));
      if (step.kind === "apply" || step.kind === "run" || step.kind === "reboot" || step.kind === "hold") {
        test(title, async (ctx) => {
          guard(ctx, step.location.line, title);
          const base = { kind: "step", file: scenario.file, scenario: scenario.name, line: step.location.line, title } as const;
          try {
            const r = await performStep(session!, step, title);
            record(ctx, r);
            if (r.status !== "passed") throw new ScenarioFailure(r.message);
          } catch (error) {
            if (error instanceof ScenarioFailure) throw error;
            // A step that could not be carried out makes the rest of the scenario meaningless.
            broken = `step ${index + 1} (${step.kind}, line ${step.location.line}) failed`;
            const message = errorMessage(error);
            record(ctx, { ...base, status: "error", message });
            throw new ScenarioFailure(message);
          }
        });
      } else if (step.kind === "expect") {
        describe(title, () => {
          for (const e of step.expectations) {
            for (const family of probeFamilies(e, families)) {
              test(expectationTitle(e, family), async (ctx) => {
                guard(ctx, e.location.line, e.text);
                const outcome = await session!.probe(e, family);
                const r = expectationRecord(scenario, outcome);
                record(ctx, r);
                const warning = parityWarning(r);
                if (warning && r.status === "passed") console.warn(`fwspec ${warning}`);
                if (r.status !== "passed") throw new ScenarioFailure(formatExpectationFailure(r));
              });
            }
          }
        });
      } else if (step.kind === "counters") {
        describe(title, () => {
          // One reading for the whole step: every check sees the same deltas.
          let outcomes: Promise<CounterOutcome[]> | undefined;
          for (const c of step.checks) {
            for (const family of c.families) {
              test(counterTitle(c, family), async (ctx) => {
                guard(ctx, c.location.line, counterTitle(c, family));
                outcomes ??= session!.counters(step.checks);
                const o = (await outcomes).find((x) => x.check === c && x.family === family);
                record(ctx, counterRecord(scenario, o!));
                if (o!.status !== "passed") throw new ScenarioFailure(o!.message);
              });
            }
          }
        });
      }
    });
  });
}
