/**
 * Lab start and removal kept off a run's critical path (runner/run-set.ts):
 * a lab is removed in the background while the next scenario runs
 * (Removals: every removal is awaited before the run returns, whatever way
 * it ends), and the next group's first lab starts while the previous group's
 * scenarios run (Pipeline: at most `parallel` groups run, one more may be
 * starting its lab). Automatic networks have a range of their own that no
 * scenario may declare in (lab/addresses.ts), so a lab with declared
 * subnets starts ahead like any other; only a group whose declared subnets
 * overlap another group's (plan/labs.ts declaresClash: a subnet exists once on
 * the engine) starts alone: after every earlier lab of this run is removed,
 * one such group at a time.
 */
import pLimit from "p-limit";

/** Labs being removed in the background. */
export class Removals {
  readonly #pending = new Set<Promise<void>>();
  readonly #errors: unknown[] = [];

  /** Starts removing `lab` (its asyncDispose) without waiting for it. */
  add(lab: AsyncDisposable): void {
    const removal = (async () => {
      try {
        await lab[Symbol.asyncDispose]();
      } catch (error) {
        this.#errors.push(error);
      }
    })();
    this.#pending.add(removal);
    void removal.finally(() => this.#pending.delete(removal));
  }

  /** Every removal started so far is done (failures are kept for settle). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Waits for every removal; throws the first removal failure, if any. */
  async settle(): Promise<void> {
    await this.idle();
    if (this.#errors.length > 0) throw this.#errors[0];
  }
}

/**
 * Runs `groups` in order: for each, `start` (its first lab) then `run` with
 * that start (run handles a start that failed). Up to `parallel` groups run at once; one more group may be
 * starting ahead. `startsAlone` groups start only under a run slot, after
 * every pending removal, one at a time. Every group's promise is settled before this
 * returns; the first failure is thrown then.
 */
export async function pipeline<G, L>(
  groups: readonly G[],
  parallel: number,
  removals: Removals,
  steps: { readonly start: (group: G) => Promise<L>; readonly run: (group: G, first: Promise<L>) => Promise<void>; readonly startsAlone: (group: G) => boolean },
): Promise<void> {
  const starting = pLimit(parallel + 1);
  const running = pLimit(parallel);
  /** `startsAlone` groups one at a time: a second lab of the same declared subnets cannot exist while the first runs (Docker: "Pool overlaps"). */
  const alone = pLimit(1);
  /** Settles once the last `startsAlone` group that entered has started its lab: no later lab starts ahead of it (it could take its subnets). */
  let gate: Promise<unknown> = Promise.resolve();
  const one = (group: G) =>
    starting(async () => {
      if (steps.startsAlone(group)) {
        let opened!: () => void;
        gate = new Promise<void>((resolve) => (opened = resolve));
        try {
          // Queued for a run slot at once, like every group: run slots are taken in group order (queued later, behind a later
          // group that waits for this one's gate, it would never get one). Then one alone group at a time; the group's run ends
          // with its labs handed to `removals`: the next alone group waits for that removal too.
          await running(async () =>
            await alone(async () => {
              await removals.idle();
              const first = steps.start(group);
              void first.then(opened, opened);
              await steps.run(group, first);
            }),
          );
        } finally {
          opened();
        }
        return;
      }
      // Queued for a run slot before anything is awaited: groups run in order.
      const first = gate.then(() => steps.start(group));
      // Not yet awaited: the group's run handles a failed start; keep it from counting as unhandled meanwhile.
      first.catch(() => undefined);
      await running(async () => await steps.run(group, first));
    });
  const results = await Promise.allSettled(groups.map(one));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
