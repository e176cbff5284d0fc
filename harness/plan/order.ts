/**
 * A seeded order of scenarios (`fwspec run --shuffle SEED`, and every
 * `fwspec stability` run after the first): on a shared lab a scenario then
 * follows other scenarios than in the written order, so state one leaves
 * behind that a handoff misses shows as a changed verdict. The same seed
 * gives the same order, so such a run can be run again. Pure.
 */

/** Seeds `--shuffle` takes: whole numbers from 1 to 2^31 - 1. */
export const MAX_SEED = 2 ** 31 - 1;

/** mulberry32: a small, well-known 32-bit seeded generator; numbers in [0, 1) (also the 1 000-probe check's replayable order). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `items` in the order seed `seed` gives (Fisher–Yates); the input is left as it was. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  if (!Number.isInteger(seed) || seed < 1 || seed > MAX_SEED) throw new RangeError(`a shuffle seed is a whole number from 1 to ${MAX_SEED}, not ${seed}`);
  const out = [...items];
  const next = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
