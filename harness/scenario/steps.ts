/**
 * The `steps` list: each item holds exactly one step kind, checked by the
 * module of that kind; holds are passed along in step order (a `held`
 * expectation needs an earlier hold).
 */
import { checkApply } from "./apply.ts";
import type { CheckContext } from "./context.ts";
import { locationOf } from "./context.ts";
import { checkCounter } from "./counters.ts";
import { checkExpectation } from "./expect.ts";
import { STEPS_HELP } from "./hints.ts";
import { checkHold } from "./hold.ts";
import type { HoldsSoFar } from "./hold.ts";
import type { Path } from "./locate.ts";
import type { Step } from "./model.ts";
import { checkReboot } from "./reboot.ts";
import { checkRun } from "./run.ts";
import { STEP_KINDS } from "./schema.ts";
import { listWords } from "./suggest.ts";
import { allChecked, isRecord } from "./values.ts";

/** Every step, in order; undefined (reported) unless all are valid. */
export function checkSteps(ctx: CheckContext, raw: unknown): Step[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const holds: HoldsSoFar = new Map();
  return allChecked(raw, (item, i) => checkStep(ctx, holds, item, ["steps", i]));
}

/** One step: exactly one kind, checked by the module of that kind. */
function checkStep(ctx: CheckContext, holds: HoldsSoFar, item: unknown, p: Path): Step | undefined {
  if (!isRecord(item)) return undefined; // zod reported it
  const kinds = STEP_KINDS.filter((k) => Object.hasOwn(item, k));
  const unknown = Object.keys(item).filter((k) => !(STEP_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0) {
    if (unknown.length === 0) ctx.problem(p, "empty step", `a step is ${STEPS_HELP}`);
    return undefined;
  }
  if (kinds.length > 1) {
    const second = kinds[1] as string;
    ctx.problem(
      [...p, second],
      `one step holds one of ${listWords(STEP_KINDS)}, this one has \`${kinds[0]}\` and \`${second}\``,
      `start a new step: put \`- \` before \`${second}:\``,
      { atKey: true },
    );
    // A hold in a step that is not one is still a hold: later `held` lines need not complain.
    if (kinds.includes("hold")) checkHold(ctx, holds, item["hold"], [...p, "hold"], locationOf(ctx, p));
    return undefined;
  }
  if (unknown.length > 0) {
    if (kinds[0] === "hold") checkHold(ctx, holds, item["hold"], [...p, "hold"], locationOf(ctx, p));
    return undefined; // zod reported them
  }
  const kind = kinds[0] as (typeof STEP_KINDS)[number];
  const value = item[kind];
  const location = locationOf(ctx, p);
  if (kind === "apply") return checkApply(ctx, value, [...p, "apply"], location);
  if (kind === "run") return checkRun(ctx, value, [...p, "run"], location);
  if (kind === "reboot") return checkReboot(ctx, value, [...p, "reboot"], location);
  if (kind === "hold") return checkHold(ctx, holds, value, [...p, "hold"], location);
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (kind === "expect") {
    const expectations = allChecked(value, (e, j) => checkExpectation(ctx, holds, e, [...p, "expect", j]));
    return expectations && { kind: "expect", expectations, location };
  }
  const checks = allChecked(value, (c, j) => checkCounter(ctx, c, [...p, "counters", j]));
  return checks && { kind: "counters", checks, location };
}
