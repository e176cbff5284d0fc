/**
 * What each lab of a run takes its scenarios from (pure). The parts one lab
 * shape is split into (plan/labs.ts planLabs, which deals a shape's scenarios
 * to its labs by estimate) share one queue of the shape's shareable
 * scenarios, longest estimated first (on one lab, as written): a lab of the shape that is free takes
 * the next, so the shape's labs end together however long each scenario
 * turns out to take (estimates are off by tenths of a second on a loaded
 * machine). A part's last scenario that is not shareable (it may leave
 * state no reset undoes) stays that part's own, run on its lab after the
 * shared queue is empty. A scenario alone on its lab has a queue of its own.
 * Scenarios of smaller shapes folded into a lab (plan/absorb.ts) are that
 * lab's alone, run after the shared ones and before its last.
 */
import type { Scenario } from "../scenario/model.ts";
import { estimatedMs } from "./cost.ts";
import { labScenarioOf } from "./absorb.ts";
import { shareable } from "./labs.ts";
import { shapeKey } from "./shape.ts";

export interface LabQueue {
  /** Shareable scenarios of the lab's shape, taken from the front by every lab of the shape (one array for all its parts). */
  readonly shared: Scenario[];
  /** This lab's shareable scenarios of smaller shapes folded into it (plan/absorb.ts), after the shared ones. */
  readonly extra: Scenario[];
  /** This part's own: its last scenario when that one is not shareable (or a lone scenario). */
  readonly own: Scenario[];
  /** The shape's parts not yet done (one object for all its parts): the last one reports what nobody could run. */
  readonly parts: { left: number };
  /** The lab's shape (plan/shape.ts shapeKey of the scenario it is started as). */
  readonly shape: string;
}

/** Each group's queue (keyed by the group as planLabs returned it). */
export function labQueues(groups: readonly (readonly Scenario[])[]): Map<readonly Scenario[], LabQueue> {
  const byShape = new Map<string, { readonly shared: Scenario[]; readonly parts: { left: number } }>();
  const queues = new Map<readonly Scenario[], LabQueue>();
  for (const group of groups) {
    const shape = shapeKey(labScenarioOf(group));
    const mine = group.filter((s) => shareable(s) && shapeKey(s) === shape);
    const extra = group.filter((s) => shareable(s) && shapeKey(s) !== shape);
    const own = group.filter((s) => !shareable(s));
    if (mine.length === 0) {
      queues.set(group, { shared: [], extra, own, parts: { left: 1 }, shape });
      continue;
    }
    const pool = byShape.get(shape) ?? { shared: [], parts: { left: 0 } };
    byShape.set(shape, pool);
    pool.shared.push(...mine);
    pool.parts.left += 1;
    queues.set(group, { shared: pool.shared, extra, own, parts: pool.parts, shape });
  }
  // A shape on several labs: longest first (a stable sort keeps the written order among equals), as a long scenario
  // taken last would run on alone. On one lab the written order stays.
  for (const { shared, parts } of byShape.values()) {
    if (parts.left < 2) continue;
    const ms = new Map(shared.map((s) => [s, estimatedMs(s)]));
    shared.sort((a, b) => ms.get(b)! - ms.get(a)!);
  }
  return queues;
}

/**
 * The next scenario for a lab whose last scenario was `last`: none after one
 * that is not shareable (it is the last on its lab, even when another lab put
 * a scenario back into the shared queue meanwhile), else the shared queue's
 * next, then the lab's folded-in ones, then the part's own.
 */
export function takeNext(q: LabQueue, last: Scenario | undefined): Scenario | undefined {
  if (last !== undefined && !shareable(last)) return undefined;
  return q.shared.shift() ?? q.extra.shift() ?? q.own.shift();
}

/** Is anything left for the group's labs? */
export function hasLeft(q: LabQueue): boolean {
  return q.shared.length + q.extra.length + q.own.length > 0;
}

/** A scenario taken but not run (its lab could not be reused) goes back to the front of the queue it came from. */
export function putBack(q: LabQueue, scenario: Scenario): void {
  (!shareable(scenario) ? q.own : shapeKey(scenario) === q.shape ? q.shared : q.extra).unshift(scenario);
}

/** The lab's own scenarios (folded-in and last) when its lab did not start: nobody else runs them. */
export function takeOwn(q: LabQueue): Scenario[] {
  return [...q.extra.splice(0), ...q.own.splice(0)];
}

/** A part is done: the shared scenarios nobody is left to run when it was its shape's last part (they are reported as not run). */
export function finishPart(q: LabQueue): Scenario[] {
  q.parts.left -= 1;
  return q.parts.left === 0 ? q.shared.splice(0) : [];
}
