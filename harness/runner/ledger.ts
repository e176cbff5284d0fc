/**
 * The counter ledger of a scenario's firewall hosts: the baseline each
 * counters step measures from (the last counters step, apply, reboot or lab
 * start), and, per family, the latest reading while it is still current —
 * nothing but this session's probes of that family has sent a packet since —
 * so that a probe's before-reading is the previous probe's after-reading.
 * Run, reboot and hold steps and held-connection checks make it stale.
 */
import { FAMILIES, type Family } from "../model/types.ts";
import type { CounterReading } from "../rules/read.ts";
import type { SavedRuleset } from "../rules/saved.ts";

export class CounterLedger {
  readonly #baseline = new Map<string, CounterReading>();
  readonly #latest = new Map<Family, Map<string, SavedRuleset>>();

  /** A fresh reading: the next counters step measures from it, and so does the next probe. */
  setBaseline(host: string, reading: CounterReading): void {
    this.#baseline.set(host, reading);
    for (const family of FAMILIES) this.lane(family).set(host, reading[family]);
  }

  baseline(host: string): CounterReading | undefined {
    return this.#baseline.get(host);
  }

  /** The family's latest readings (probes read and update it). */
  lane(family: Family): Map<string, SavedRuleset> {
    let lane = this.#latest.get(family);
    if (!lane) this.#latest.set(family, (lane = new Map()));
    return lane;
  }

  /** Something other than a probe may have sent packets: the next probe (of `family`, or of any) reads counters afresh. */
  forget(family?: Family): void {
    if (family) this.#latest.delete(family);
    else this.#latest.clear();
  }
}
