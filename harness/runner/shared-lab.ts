/**
 * Lab sharing: scenarios of one lab shape (plan/shape.ts: the same networks,
 * subnets and hosts, whatever their names and listeners), and of smaller
 * shapes that fit it (plan/absorb.ts: cast onto some of its hosts, the others
 * idle), run one after another on one started lab. Before each later
 * scenario every firewall host's TCP connections are ended (every socket not
 * listening, on every host: a handshake the previous scenario's rules broke
 * leaves the server in SYN-RECV, resending its SYN-ACK for a minute, and the
 * peer's RSTs would count in the next scenario's rules), its neighbour
 * entries flushed and, where the previous scenario ran commands of its own,
 * its IPsec policies too and its listening sockets checked against its
 * declared listeners (forgetPreviousScenario), then every firewall
 * host the previous scenario used (whether or not the next one uses it) is
 * reset to the ruleset it booted with (per family, the tables that
 * differ restored atomically; conntrack flushed once the old rules are gone,
 * so no NAT mapping outlives them) and the reset is verified (the tables
 * restored read back in the same command, the others read as booted just
 * before); so is the rest of its network state (host-reset.ts:
 * nft tables, legacy tables, addresses, routes, sysctls). A firewall host the
 * previous scenario left idle is as it booted (reset when its last user handed
 * over, or never used): only its conntrack is emptied, or, before a scenario
 * that prints counters, its tables restored to zero them. Then each host gets
 * the scenario's listeners, answering under the scenario's host name
 * (listeners.ts: the previous ones ended and checked closed, the new ones
 * proven on loopback), or, unchanged, is set again where a handoff found
 * one without its socket (a command of a scenario before ended it). The
 * scenario sees the lab under its own host names (cast-lab.ts). A host that cannot be
 * brought back exactly makes the lab not reusable (LabNotReusableError): the
 * runner gives the next scenario a fresh lab. Which scenarios share a lab is
 * planned in plan/labs.ts.
 *
 * Across runs (`fwspec run --reuse`): a lab the run is done with is reset the
 * same way and left warm (`park`, lab/warm.ts) with each host's digest (a
 * firewall host's as booted); a later run takes it (`claim`) only when every
 * host still reads exactly that, and its first scenario gets the handoff of
 * any later one, without the rules reset that reading has just shown to be a no-op.
 *
 * Before a scenario whose run steps print rule counters (plan/labs.ts
 * showsRuleCounters), the reset restores every table of each firewall host,
 * changed or not (a taken warm lab's too), so its counters start at zero as a
 * fresh lab's do; after the neighbour warm-up no empty table is left to
 * count (a legacy host's reset leaves one the boot ruleset lacks empty; an
 * nft host's deletes it): an nft host's are deleted, and a legacy host with
 * one (legacy tables cannot be removed) gives the scenario a fresh lab.
 */
import { errorMessage } from "../errors.ts";
import { warmNeighbours } from "../lab/prepare.ts";
import type { LabHost, LabProvider, RunningLab, WarmLab } from "../lab/types.ts";
import { whyNotWarm } from "../lab/warm.ts";
import { printsEmptyTables, showsRuleCounters } from "../plan/labs.ts";
import { castOf, type Shaped } from "../plan/shape.ts";
import { type ListenerProof, listenersMissingFrom, proveListener, proveListeners } from "../probes/listeners.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { dropEmptyTables, flushConntrack, resetRules } from "../rules/apply.ts";
import { LabNotReusableError, readHostDigest, readHostState, restoreHostState } from "../rules/host-reset.ts";
import { type HostState, stateDigest } from "../rules/host-state.ts";
import { touchesMoreThanIptables } from "../rules/reset-scope.ts";
import { type CounterReading, type HostRules, type LoadedRuleset, readRules } from "../rules/read.ts";
import type { Family } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";
import { CastLab } from "./cast-lab.ts";
import { everyHost, forgetPreviousScenario, type Forgotten, hostShown, layerDigest, leftBy, RESET_ROOTS, shownFor } from "./forget.ts";
import type { LabLease } from "./lease.ts";
import { type ListenerSet, sameListeners, setListeners, unexpectedListeners } from "./listeners.ts";
import type { LayerEntries } from "../lab/writable-layer.ts";

export class SharedLab implements AsyncDisposable {
  /** The lab under the names of the scenario it was started for. */
  readonly lab: RunningLab;
  /** What the lab was started as: the shape later scenarios are cast onto. */
  readonly #shape: Shaped;
  /** Each firewall host's rules as booted (the reset target) and its counters when first read (by lab host name). */
  readonly #booted: ReadonlyMap<string, HostRules>;
  /** Each firewall host's whole network state as booted. */
  readonly #bootState: ReadonlyMap<string, HostState>;
  /** Each lab host's listeners now, and their proofs (by lab host name). */
  readonly #listening = new Map<string, { set: ListenerSet; proofs: readonly ListenerProof[] }>();
  /** Each host's writable layer as the last handoff left it (writable-layer.ts): what the next scenario's commands wrote is told from it. */
  readonly #written = new Map<string, LayerEntries>();
  /** The scenario that ran last and its cast: what it applied decides how much the reset reads. */
  #previous: { readonly scenario: Scenario; readonly cast: ReadonlyMap<string, string> } | undefined;
  /** Lab hosts whose declared listeners a handoff found without a socket (a command of the previous scenario ended one): set again when next cast, whether or not the next scenario leaves them idle. */
  readonly #lostListener = new Set<string>();
  /** A lab taken warm from an earlier run and verified as left: its first scenario gets a handoff (connections ended, conntrack emptied, listeners, neighbours), as a later one does. */
  #taken = false;
  /** False once a reset or listener handoff failed: the lab is removed, never left warm. */
  #reusable = true;

  private constructor(lab: RunningLab, shape: Shaped, proofs: readonly ListenerProof[], booted: ReadonlyMap<string, HostRules>, bootState: ReadonlyMap<string, HostState>) {
    this.lab = lab;
    this.#shape = shape;
    this.#booted = booted;
    this.#bootState = bootState;
    for (const h of lab.hosts.values()) this.#listening.set(h.name, { set: { name: h.name, listen: h.spec.listen }, proofs: proofs.filter((p) => p.host === h.name) });
  }

  /** Starts the lab for `scenario`'s shape (with its names and listeners), proves its listeners and records each firewall host's boot ruleset. */
  static async start(provider: LabProvider, scenario: Scenario, name: string, progress: Progress = silentProgress): Promise<SharedLab> {
    const shape: Shaped = { hosts: scenario.hosts, networks: scenario.networks, subnets: scenario.subnets };
    const lab = await provider.start({ name, hosts: scenario.hosts, ...(scenario.networks ? { networks: scenario.networks } : {}), ...(scenario.subnets ? { subnets: scenario.subnets } : {}), progress });
    try {
      const firewalls = [...lab.hosts.values()].filter((h) => h.spec.firewall);
      // The state reading changes nothing and needs no listener: side by side with their proof.
      const [states, proofs] = await Promise.all([
        Promise.all(firewalls.map(async (h) => [h.name, await readHostState(h)] as const)),
        proveListeners(lab, progress),
      ]);
      const booted = await Promise.all(firewalls.map(async (h) => [h.name, await readRules(h)] as const));
      return new SharedLab(lab, shape, proofs, new Map(booted), new Map(states));
    } catch (error) {
      await lab[Symbol.asyncDispose]();
      throw error;
    }
  }

  /**
   * A warm lab of `scenario`'s shape left by an earlier run (lab/warm.ts), or
   * undefined: none, or one whose firewall hosts no longer read as it was
   * left (then it is removed, and said).
   */
  static async claim(provider: LabProvider, scenario: Scenario, name: string, progress: Progress = silentProgress): Promise<SharedLab | undefined> {
    if (!provider.claimWarm) return undefined;
    let warm: WarmLab | undefined;
    try {
      warm = await provider.claimWarm({ name, hosts: scenario.hosts, ...(scenario.networks ? { networks: scenario.networks } : {}), ...(scenario.subnets ? { subnets: scenario.subnets } : {}), progress });
    } catch (error) {
      progress.info(`could not take a warm lab for ${scenario.name}: ${errorMessage(error)}; starting a fresh one`);
      return undefined;
    }
    if (!warm) return undefined;
    try {
      return await SharedLab.#adopt(warm);
    } catch (error) {
      progress.info(`not using the warm lab ${warm.lab.name}: ${errorMessage(error)}; starting a fresh one`);
      await warm.lab[Symbol.asyncDispose]();
      return undefined;
    }
  }

  /** The warm lab as a shared lab, once every host reads as it was left (rules and network state; a firewall host's reading becomes its boot rules and state) and runs no listener it did not start. */
  static async #adopt({ lab, state }: WarmLab): Promise<SharedLab> {
    const [read, listening] = await Promise.all([
      // Every host, firewall or not: rules someone added on a peer while the lab waited would decide its probes.
      Promise.all(
        [...lab.hosts.values()].map(async (h) => {
          const left = state.digests[h.name];
          if (left === undefined) throw new LabNotReusableError(`${h.name}: the warm lab does not say how this host was left`);
          const changed = () => new LabNotReusableError(`${h.name}: its rules or network state changed while the lab was warm`);
          const layer = state.layers?.[h.name];
          const entries = layer === undefined ? undefined : await h.writableLayer?.(RESET_ROOTS);
          if (layer !== undefined && (entries === undefined || layerDigest(entries) !== layer)) throw new LabNotReusableError(`${h.name}: files outside /etc, /run and /tmp changed while the lab was warm`);
          if (!h.spec.firewall) {
            if ((await readHostDigest(h)) !== left) throw changed();
            return [];
          }
          const [rules, hostState] = await Promise.all([readRules(h), readHostState(h)]);
          if (warmDigest(h, rules, hostState) !== left) throw changed();
          return [{ name: h.name, rules, hostState }];
        }),
      ).then((all) => all.flat()),
      // On every host, firewall or not: a process someone started while the lab waited would answer a scenario's probes.
      Promise.all(
        [...lab.hosts.values()].map(async (h) => {
          const set = state.listening[h.name];
          if (!set) throw new LabNotReusableError(`${h.name}: the warm lab does not say which listeners it runs`);
          const ss = await h.exec(["ss", "-H", "-ltun"], { light: true });
          const extra = unexpectedListeners(set.listen, ss.exitCode === 0 ? ss.stdout : "");
          if (extra.length > 0) throw new LabNotReusableError(`${h.name}: ${extra.join(", ")} listen(s) there, which the lab did not start (changed while it was warm)`);
          return [h.name, set] as const;
        }),
      ),
    ]);
    const shared = new SharedLab(lab, state.shape, [], new Map(read.map((r) => [r.name, r.rules])), new Map(read.map((r) => [r.name, r.hostState])));
    for (const [name, set] of listening) shared.#listening.set(name, { set, proofs: [] });
    shared.#taken = true;
    return shared;
  }

  /**
   * Resets the lab as a handoff does and leaves it warm for a later run;
   * returns until when it waits, or undefined when it cannot be left warm
   * (the caller then removes it). Throws when the reset fails.
   */
  async park(): Promise<string | undefined> {
    if (!this.lab.park || !this.#reusable || whyNotWarm(this.#shape) !== undefined) return undefined;
    const previous = this.#previous;
    // A firewall host reads as booted after the reset; any other host as it reads now (nothing in a run changes it:
    // a scenario whose run steps could is the last on its lab, which is not left warm), read beside the reset.
    const others = [...this.lab.hosts.values()].filter((h) => !this.#booted.has(h.name));
    // Both settle before a failure is thrown: the caller removes the lab, which must not happen under a running reset.
    const [reset, read] = await Promise.allSettled([
      previous
        ? this.#forget(previous).then((forgotten) =>
            everyHost(
              [...this.#booted]
                // The hosts the last scenario left idle are as they booted (#prepare).
                .filter(([name]) => [...previous.cast.values()].includes(name))
                .map(([name, booted]) => this.#reset(this.lab.host(name), booted, previous.scenario, nameIn(previous.cast, name), false, forgotten.get(name)?.saved)),
            ))
        : undefined,
      Promise.all(others.map(async (h) => [h.name, await readHostDigest(h)] as const)),
    ]);
    if (reset.status === "rejected") throw reset.reason;
    if (read.status === "rejected") throw read.reason;
    const peers = read.value;
    const digests = Object.fromEntries([...[...this.#booted].map(([name, booted]) => [name, warmDigest(this.lab.host(name), booted, this.#bootState.get(name)!)] as const), ...peers]);
    const listening = Object.fromEntries([...this.#listening].map(([name, l]) => [name, l.set]));
    // Each host's files as left (what a person changes in one while the lab waits makes it not taken: #adopt).
    const layers = Object.fromEntries((await Promise.all([...this.lab.hosts.values()].map(async (h) => [h.name, await h.writableLayer?.(RESET_ROOTS)] as const))).flatMap(([name, e]) => (e ? [[name, layerDigest(e)]] : [])));
    return await this.lab.park({ shape: this.#shape, listening, digests, layers });
  }

  /**
   * Makes the lab as it was after boot for `scenario` (nothing to do for the
   * first), with the scenario's listeners. Returns the lab under the
   * scenario's names, its listener proofs and each firewall host's counters as
   * of now (by scenario host name): the scenario's counter checks and first
   * probes measure from them; and the rules read with them (a first apply's
   * rollback target). Throws LabNotReusableError when a host is not as it
   * booted after the reset, or its listeners cannot be handed over.
   */
  async prepare(scenario: Scenario): Promise<{ lab: CastLab; proofs: ListenerProof[]; readings: Map<string, CounterReading>; rules: Map<string, LoadedRuleset> }> {
    try {
      return await this.#prepare(scenario);
    } catch (error) {
      this.#reusable = false;
      throw error;
    }
  }

  async #prepare(scenario: Scenario): Promise<{ lab: CastLab; proofs: ListenerProof[]; readings: Map<string, CounterReading>; rules: Map<string, LoadedRuleset> }> {
    const cast = castOf(this.#shape, scenario);
    const lab = new CastLab(this.lab, scenario.hosts, cast);
    const previous = this.#previous;
    this.#previous = { scenario, cast };
    const readings = new Map<string, CounterReading>();
    const rules = new Map<string, LoadedRuleset>();
    const read = (name: string, r: HostRules) => {
      readings.set(name, r.counters);
      rules.set(name, r.loaded);
    };
    const proofs: ListenerProof[] = [];
    const taken = this.#taken;
    const firstRun = previous === undefined && !taken;
    this.#taken = false;
    // A run step that prints counters sees them from zero, as on a fresh lab: every table restored, not only the changed ones.
    const zeroCounters = showsRuleCounters(scenario);
    // The lab hosts the previous scenario used (a scenario of a smaller shape leaves the others idle): every other
    // host is as it booted, reset when its last user handed over, or never used.
    const dirty = new Set(previous ? previous.cast.values() : []);
    const castHosts = new Set(cast.values());
    // Before any rules change: a retransmission between the reset and this would be tracked anew.
    // A lab taken warm (no previous scenario here): what its last run left is not known, so the files are compared too.
    const forgotten = firstRun ? new Map<string, Forgotten>() : await this.#forget(previous);
    // Every host settled before a failure is said (all of their reasons; the lab is not removed under a running reset).
    await everyHost([
      // A host the previous scenario used and this one leaves idle: reset now, so every host but this scenario's
      // listeners is as it booted (an idle host's listeners stay; nothing of this scenario names it).
      ...[...this.#booted]
        .filter(([name]) => dirty.has(name) && !castHosts.has(name))
        .map(([name, booted]) => this.#reset(this.lab.host(name), booted, previous!.scenario, nameIn(previous!.cast, name), false, forgotten.get(name)?.saved)),
      ...[...lab.hosts.values()].map(async (h) => {
        const booted = this.#booted.get(h.base.name);
        let after: HostRules | undefined = booted;
        const listening = this.#listening.get(h.base.name)!;
        const wanted: ListenerSet = { name: h.name, listen: h.spec.listen };
        const same = sameListeners(listening.set, wanted);
        const reset = await (booted && !firstRun
          // A host the previous scenario did not use (idle, or a lab just taken warm that read as it was left a moment
          // ago: #adopt) is as it booted: its conntrack is emptied (the warm-up pings of handoffs since), nothing else to reset.
          ? !dirty.has(h.base.name)
            ? zeroCounters
              ? resetRules(h.base, booted.loaded, { zeroCounters })
              : flushConntrack(h.base).then(() => undefined)
            : this.#reset(h.base, booted, previous!.scenario, nameIn(previous!.cast, h.base.name), zeroCounters, forgotten.get(h.base.name)?.saved)
          : undefined);
        // Unchanged listeners are as the handoff's script found them, or an earlier one while the host was idle (#forget:
        // read where a scenario ran commands of its own, the only way to end a listener; no rule touches a socket).
        const lost = same && this.#lostListener.has(h.base.name);
        if (reset) after = reset;
        // A listener the previous scenario's commands ended (or its background later): set again, as for another scenario's.
        if (same && !lost) {
          proofs.push(...listening.proofs.map((p) => ({ ...p, host: h.name })));
        } else {
          const proven = await this.#handOver(h, listening.set, wanted);
          this.#listening.set(h.base.name, { set: wanted, proofs: proven });
          this.#lostListener.delete(h.base.name);
          proofs.push(...proven);
          // The proofs' loopback packets may have been counted by the boot ruleset: read past them
          // (on a handoff the reading after the warm-up below does).
          if (booted && firstRun) after = await readRules(h.base);
        }
        // Readings are the scenario's firewall hosts' (a host that is none may be played by a lab's firewall host: plan/shape.ts).
        if (after && h.spec.firewall) read(h.name, after);
      }),
    ]);
    // What each host this scenario runs commands of its own on holds as it starts (its listeners' files written): what
    // those write, replace or delete elsewhere than /etc, /run and /tmp makes the lab not reusable at the next handoff
    // (forget.ts compares only such hosts: leftBy's `files`).
    await this.#readLayers([...cast].filter(([name]) => leftBy(scenario, name).files).map(([, labName]) => labName));
    if (!firstRun) {
      // The neighbour caches emptied above are filled again as at lab start, under the rules the hosts booted with;
      // the counters are read past those pings. Before a scenario that prints counters or an iptables-save listing, no
      // empty table is left to count or be printed (a legacy host's reset leaves one the boot ruleset lacks empty, where
      // a fresh lab has none): dropEmptyTables, on every firewall host of the lab it casts.
      await warmNeighbours(this.lab);
      const noEmptyTables = printsEmptyTables(scenario);
      await Promise.all(
        [...lab.hosts.values()].map(async (h) => {
          if (!this.#booted.has(h.base.name)) return;
          // A host that is no firewall (played by a lab's firewall host) has no counters the scenario reads.
          const now = noEmptyTables ? await dropEmptyTables(h.base) : h.spec.firewall ? await readRules(h.base) : undefined;
          if (now && h.spec.firewall) read(h.name, now);
        }),
      );
    }
    return { lab, proofs, readings, rules };
  }

  /** The host's listeners ended and `wanted` started and proven (on the scenario's host, under its name). */
  async #handOver(host: LabHost, before: ListenerSet, wanted: ListenerSet): Promise<ListenerProof[]> {
    try {
      await setListeners(host, before, wanted);
      return (await Promise.all(wanted.listen.map((l) => proveListener(host, l)))).flat();
    } catch (error) {
      throw new LabNotReusableError(`${wanted.name}: its listeners could not be set: ${errorMessage(error)}`, { cause: error });
    }
  }

  /**
   * The rules reset and, side by side, a reading of the rest; then the rest is
   * restored and verified. When the previous scenario applied only iptables /
   * ip6tables to this host (named `previousName` there), the rules reset covers all it can have changed.
   * `zeroCounters`: every table restored, so every counter starts at zero.
   */
  async #reset(host: LabHost, booted: HostRules, previous: Scenario, previousName: string, zeroCounters = false, saved?: Readonly<Record<Family, string>>): Promise<HostRules> {
    try {
      if (!touchesMoreThanIptables(previous, previousName)) return await resetRules(host, booted.loaded, { zeroCounters, now: saved });
      const [after, now] = await Promise.all([resetRules(host, booted.loaded, { flushConntrack: false, zeroCounters, now: saved }), readHostState(host)]);
      await restoreHostState(host, this.#bootState.get(host.name)!, now);
      // After every table of the previous scenario is gone: no flow keeps its NAT mapping (or state) alive through the reset.
      await flushConntrack(host);
      return after;
    } catch (error) {
      if (error instanceof LabNotReusableError) throw shownFor(error, host.name, previousName);
      throw new LabNotReusableError(`${hostShown(host.name, previousName)}: the reset failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Every host's handoff of what `previous` (undefined: a lab just taken warm, whose last run is not known: its files
   * compared too) left (forget.ts), side by side; a host whose declared listeners lost a socket is marked to get them
   * again (#lostListener). Returns, by lab host name, the rules each firewall host the previous scenario used reads
   * then, which its reset starts from (a host whose reading was not all there reads again).
   */
  async #forget(previous: { readonly scenario: Scenario; readonly cast: ReadonlyMap<string, string> } | undefined): Promise<Map<string, Forgotten>> {
    const used = new Set(previous ? previous.cast.values() : []);
    const forgotten = new Map<string, Forgotten>();
    await everyHost([...this.lab.hosts.values()].map(async (h) => {
      const left = previous ? leftBy(previous.scenario, nameIn(previous.cast, h.name)) : { held: false, files: true };
      const listen = this.#listening.get(h.name)!.set.listen;
      const read = await forgetPreviousScenario(h, left, listen, this.#written.get(h.name), { saves: used.has(h.name) && this.#booted.has(h.name) });
      // A listener found without its socket is set again when the host is next cast (it may be left idle now).
      if (read.listening !== undefined && listenersMissingFrom(listen, read.listening).length > 0) this.#lostListener.add(h.name);
      forgotten.set(h.name, read);
    }));
    return forgotten;
  }

  async #readLayers(labHosts: readonly string[]): Promise<void> {
    await Promise.all(labHosts.map(async (name) => {
      const entries = await this.lab.host(name).writableLayer?.(RESET_ROOTS);
      if (entries) this.#written.set(name, entries);
      else this.#written.delete(name);
    }));
  }

  /** The lab for `scenario`, made as it booted (see prepare); released, it stays up for the next. */
  async lease(scenario: Scenario): Promise<LabLease> {
    const { lab, proofs, readings, rules } = await this.prepare(scenario);
    return { lab, proofs, readings, rules, release: async () => {} };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.lab[Symbol.asyncDispose]();
  }
}

/** A firewall host as it booted, in one word: its rules' digest and its network state's (what a warm lab is checked against when taken). */
function warmDigest(host: LabHost, rules: HostRules, state: HostState): string {
  return `${rules.loaded.digest}/${stateDigest(state, host.spec.backend)}`;
}

/** The scenario's name for lab host `labName` under `cast` (scenario name → lab host name). */
function nameIn(cast: ReadonlyMap<string, string>, labName: string): string {
  for (const [name, host] of cast) if (host === labName) return name;
  return labName;
}
