/**
 * One scenario on a lab it is given (a LabLease): carries out its steps —
 * apply, run, reboot, hold — and runs its planned probes in family lanes and
 * its counter checks, keeping the counter ledger; every result is a check
 * record (model/results.ts). The step order lives in steps.ts.
 */
import { LabError } from "../errors.ts";
import { judgeCounter } from "../judge/counters.ts";
import { judgeExpectation } from "../judge/expectation.ts";
import { runResult } from "../judge/run.ts";
import { settleUdpListeners } from "../lab/prepare.ts";
import type { RunningLab } from "../lab/types.ts";
import type { CounterResult, Decision, ExpectationResult, StepResult } from "../model/results.ts";
import type { Family, ProbeSpec } from "../model/types.ts";
import { type LaneJob, lanes, type PlannedCounter, type PlannedProbe } from "../plan/plan.ts";
import { awaitListening, checkListenersAfterApply, checkListenersAfterStep } from "../probes/listeners.ts";
import { type Observation, observe, packetOf, ruleDecided } from "../probes/observe.ts";
import { replyNeighbourChecked } from "../probes/reply-neighbour.ts";
import { probeVaryingRule } from "../rules/stateful.ts";
import { withTraceDecision } from "../probes/trace-decision.ts";
import { armTraces, type StepTraces, tracedHosts, tracedSpecs } from "../probes/trace-step.ts";
import type { ProbeResult } from "../probes/probe.ts";
import { resolveTarget } from "../probes/probe.ts";
import { literalTarget, unheldResult, unheldTargets } from "../probes/literal-targets.ts";
import { applyRules } from "../rules/apply.ts";
import { locatedDecision, ruleCandidates } from "../rules/origin.ts";
import { countsBothFamilies } from "../rules/nft-saved.ts";
import { hasNative } from "../rules/nft-read.ts";
import { sweepSourcePort } from "../rules/trace-marking.ts";
import { addressBook, addressOwner, commandWithLabAddresses, withLabAddresses } from "./addresses.ts";
import { type CounterReading, type LoadedRuleset, readCounters, readRules } from "../rules/read.ts";
import { iptablesOnly } from "../rules/reset-scope.ts";
import type { ApplyStep, Expectation, HoldStep, RebootStep, RunStep, Scenario } from "../scenario/model.ts";
import { checkHeld, type HeldConnection, type HeldEvidence, openHeld } from "./held.ts";
import { traceEarlyVerdict } from "../probes/trace-early.ts";
import { traceWindowMs } from "../probes/observe-batch.ts";
import type { ArmedTraces } from "../probes/trace-step.ts";
import type { LabLease } from "./lease.ts";
import { CounterLedger } from "./ledger.ts";
import { type SweptExpectation, sweepExpectation, withCountedOrigins, withSweepDecisions } from "./sweep.ts";
import { batchCandidate, laneBatches, mayDecideByTrace, mayRunSideBySide } from "./batches.ts";
import { type BatchReadings, runBatch, withBatchCounters, withOwnCounters } from "./lane-batch.ts";
import { labPathHosts, offPathHosts, pathInterfaces } from "../probes/path-interfaces.ts";
import { sameAddress } from "../probes/answer.ts";
import { asVanished, deadListeners, goneAddresses, unlistenedDnat } from "./vanished.ts";
import { withHairpin } from "./hairpin.ts";
import { leavesNoState } from "../plan/stateless-run.ts";

/** What a probe's first wait goes by: nothing for a matrix placeholder (probes/observe.ts graceMs). */
function expectedOf(e: Expectation): Expectation["expected"] | undefined {
  return e.observeOnly ? undefined : e.expected;
}

export interface SessionOptions {
  /** End a probe without an answer as soon as a DROP/REJECT rule is seen counting it (default true). */
  readonly decideEarly?: boolean | undefined;
  /** The probe timeout in seconds (default: the scenario's). */
  readonly timeoutSeconds?: number | undefined;
  /** Trace each expect step's probes on nft-based hosts (default true; false: counters only). */
  readonly trace?: boolean | undefined;
  /** Run a lane's expected-open probes side by side where the trace attributes their packets (runner/batches.ts). Default false: on the loaded 2-core machine it measured slower (more processes at once), not faster. */
  readonly parallel?: boolean | undefined;
  /** How the user types fwspec, for commands in hints (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
}

export class ScenarioSession implements AsyncDisposable {
  readonly scenario: Scenario;
  readonly lab: RunningLab;
  readonly #lease: LabLease;
  readonly #options: SessionOptions;
  readonly #ledger = new CounterLedger();
  readonly #held = new Map<string, HeldConnection>();
  /**
   * A run step that may change a host (not only traffic or a reading), or an apply with a script or another tool's
   * command, ran on some host: it may have renamed an interface (read again, but not a bridge or bond it made),
   * removed an address, taken a link down, changed routes or left a process that ends a listener later. From then
   * on the interfaces a probe crosses are not known (ObserveOptions.interfacesKnown), and each step's targets are
   * checked for their addresses and, after a refusal, their listeners (vanished.ts).
   */
  #ownCommands = false;
  /** The hosts those commands ran on: a process one left in the background can end a listener there only (its PID namespace). */
  readonly #commandHosts = new Set<string>();
  /** The notes each host's last apply said: the next apply leaving the same says each once (tester 43c: twice for one table). */
  readonly #saidNotes = new Map<string, ReadonlySet<string>>();
  /** The apply steps carried out so far, as applied (lab addresses put in): where a deciding rule was written (rules/origin.ts). */
  readonly #applied: ApplyStep[] = [];
  /** Families with a held connection retransmitting unanswered data: probes there run to their own timeout. */
  readonly #unattributable = new Set<Family>();
  /** Each firewall host's rules as the lease read them, until the first step: an apply that is the first step rolls back to them (no step has run that could change them). */
  #startRules: ReadonlyMap<string, LoadedRuleset> | undefined;

  constructor(scenario: Scenario, lease: LabLease, options: SessionOptions = {}) {
    this.scenario = scenario;
    this.lab = lease.lab;
    this.#lease = lease;
    this.#options = options;
    for (const [h, reading] of lease.readings) this.#ledger.setBaseline(h, reading);
    this.#startRules = lease.rules;
  }

  /** The lease's reading of `host`'s rules while no step has run, then never again. */
  #rulesAtStart(host?: string): LoadedRuleset | undefined {
    const rules = host === undefined ? undefined : this.#startRules?.get(host);
    this.#startRules = undefined;
    return rules;
  }

  get #timeoutSeconds(): number {
    return this.#options.timeoutSeconds ?? this.scenario.timeoutSeconds;
  }

  /** The apply steps carried out so far, in order, with their sources as applied (`{{ web.ipv4 }}` put in: the lines keep their numbers). */
  get applied(): readonly ApplyStep[] {
    return this.#applied;
  }

  async apply(step: ApplyStep, title: string): Promise<StepResult> {
    // Old flows must not bypass new rules, unless the scenario holds a connection on purpose.
    this.#ledger.forget();
    const sources = withLabAddresses(step.sources, this.lab);
    const ownCommands = sources.some((s) => (s.kind === "script" || s.kind === "commands") && !iptablesOnly(s));
    const earlier = this.#commandHosts.has(step.host);
    if (ownCommands) {
      this.#ownCommands = true;
      this.#commandHosts.add(step.host);
    }
    const { applied, counters } = await applyRules(this.lab.host(step.host), sources, { flushConntrack: this.#held.size === 0, invocation: this.#options.invocation, before: this.#rulesAtStart(step.host) });
    // A script or command may have killed a listener (as a run step may): the step's error, not a verdict. Plain
    // iptables / ip6tables lines (rules/reset-scope.ts) start nothing else: no listener to check after them.
    if (ownCommands) await checkListenersAfterApply(this.lab.host(step.host), { earlier });
    this.#applied.push({ ...step, sources });
    this.#ledger.setBaseline(step.host, counters);
    const said = this.#saidNotes.get(step.host) ?? new Set<string>();
    this.#saidNotes.set(step.host, new Set(applied.notes ?? []));
    const notes = (applied.notes ?? []).filter((n) => !said.has(n));
    const warnings = (applied.warnings ?? []).filter((n) => !said.has(n));
    return {
      kind: "step", step: "apply", line: step.location.line, title, status: "passed",
      message: `applied ${applied.sources.join(", ")} on ${applied.host} (ruleset ${applied.loaded.digest.slice(0, 12)})${notes.map((n) => `; note: ${n}`).join("")}`, evidence: { ...applied.loaded, host: step.host },
      ...(warnings.length > 0 ? { notes: warnings } : {}),
    };
  }

  /** A command on a host, judged against the step's exit status and patterns. */
  async run(step: RunStep, title: string): Promise<StepResult> {
    this.#rulesAtStart();
    // One that only sends traffic or reads (plan/stateless-run.ts) changes no interface, address or route.
    const changes = !leavesNoState(step.command);
    // Commands of the scenario ran on this host before this one: what they left in the background may end a listener too.
    const earlier = this.#commandHosts.has(step.host);
    if (changes) {
      this.#ownCommands = true;
      this.#commandHosts.add(step.host);
    }
    const host = this.lab.host(step.host);
    this.#ledger.forget();
    const command = commandWithLabAddresses(step.command, this.lab);
    const result = await host.exec(command);
    // A command that killed or stopped a listener would turn its port into the kernel's answer (or none): the step's error.
    // Beside it, the interface names read anew: the command may have renamed one, which rules, probes' paths
    // (probes/path-interfaces.ts) and sweeps name.
    await Promise.all([checkListenersAfterStep(host, { earlier }), changes ? host.readInterfaces?.() : undefined]);
    // The command may have added addresses (`ip addr add`): the host's UDP listeners answer from them before any probe.
    await settleUdpListeners(host);
    return runResult(step, title, host.repro(command), result);
  }

  /** Reboots a host; its listeners must come back, and its counters start from zero. */
  async reboot(step: RebootStep, title: string): Promise<StepResult> {
    this.#rulesAtStart();
    for (const [name, held] of this.#held) if (held.from.name === step.host) this.#held.delete(name);
    this.#ledger.forget();
    const { bootProblems, bootNotes = [] } = await this.lab.reboot(step.host);
    const h = this.lab.host(step.host);
    // Restored rules may block loopback too: prove the sockets, not reachability.
    await Promise.all(h.spec.listen.map((l) => awaitListening(h, l)));
    const rules = h.spec.firewall ? await readRules(h) : undefined;
    if (rules) this.#ledger.setBaseline(step.host, rules.counters);
    // A persisted ruleset (or pre-up line) the boot could not load fails the step: the checks after it see the host as it came up.
    const booted = bootProblems.length === 0
      ? { status: "passed" as const, message: `${step.host} rebooted; listeners answer again${bootNotes.map((n) => `; note: ${n}`).join("")}`, ...(bootNotes.length > 0 ? { notes: bootNotes } : {}) }
      : { status: "failed" as const, message: `${step.host} rebooted, but its boot reported ${bootProblems.length === 1 ? "a failure" : `${bootProblems.length} failures`}: ${bootProblems.join("; ")}` };
    return { kind: "step", step: "reboot", line: step.location.line, title, ...booted, ...(rules ? { evidence: { ...rules.loaded, host: step.host } } : {}) };
  }

  /** Opens a connection and proves it passes data before anything else happens. */
  async hold(step: HoldStep, title: string): Promise<StepResult> {
    this.#rulesAtStart();
    const from = this.lab.host(step.from);
    const spec = { from: step.from, to: step.to, port: step.port, protocol: step.protocol, family: step.family, timeoutSeconds: 1 };
    if ((await unheldTargets(this.lab, [spec])).size > 0) throw new LabError(unheldResult(spec).reason);
    const address = resolveTarget(this.lab, spec);
    this.#ledger.forget();
    const held = await openHeld(step.name, from, address, step.port, step.protocol);
    const first = await checkHeld(held, this.#timeoutSeconds);
    if (first.verdict !== "open") {
      throw new LabError(`held connection ${step.name} does not pass data right after opening: ${first.reason}`, { hint: `reproduce with: ${first.evidence.command}` });
    }
    this.#held.set(step.name, held);
    return { kind: "step", step: "hold", line: step.location.line, title, status: "passed", message: `holding ${held.protocol} ${held.address}:${held.port} from ${held.from.name}` };
  }

  /** The planned probes of an expect step, each family in its lane (plan.ts), judged; never retried. */
  async probe(probes: readonly PlannedProbe[]): Promise<ExpectationResult[]> {
    this.#rulesAtStart();
    const main = new Map<number, Observation>();
    const parity = new Map<number, Observation>();
    const swept = new Map<number, SweptExpectation>();
    const batched = new Map<string, BatchReadings>();
    const lane = async ([family, jobs]: [Family, LaneJob[]]) => {
      // Identical probes (same trace match) started so far in this lane: all of one key are of this family, so of this lane.
      const started = new Map<string, number>();
      const start = (p: PlannedProbe) => {
        const key = JSON.stringify(armed.match({ ...p.spec, family }) ?? null);
        started.set(key, (started.get(key) ?? 0) + 1);
        return started.get(key)!;
      };
      const owner = addressOwner(addressBook(this.lab, family));
      const sideBySide = (job: LaneJob) => this.#options.parallel === true && mayRunSideBySide(batchCandidate(probes[job.probe]!, job.role, family, armed, owner));
      const barrier = (job: LaneJob) => job.role === "held" || probes[job.probe]!.expectation.sweep !== undefined;
      for (const batch of laneBatches(jobs, sideBySide, barrier)) {
        if (batch.length > 1) {
          for (const j of batch) start(probes[j.probe]!);
          const early = this.#options.decideEarly !== false && !this.#unattributable.has(family);
          const done = await runBatch(this.lab, batch.map((j) => ({ spec: { ...probes[j.probe]!.spec, family }, watch: probes[j.probe]!.watch, expected: expectedOf(probes[j.probe]!.expectation) })), family, this.#ledger.lane(family), armed, early, false, !this.#ownCommands, [...new Set(batch.flatMap((j) => probes[j.probe]!.beyond))]);
          done.forEach(({ observation, readings }, k) => {
            (batch[k]!.role === "main" ? main : parity).set(batch[k]!.probe, observation);
            batched.set(`${batch[k]!.role} ${batch[k]!.probe}`, readings);
          });
          continue;
        }
        const job = batch[0]!;
        const p = probes[job.probe]!;
        const into = job.role === "main" ? main : parity;
        if (job.role === "held") main.set(job.probe, await this.#checkHeld(p, armed));
        else if (p.expectation.sweep) swept.set(job.probe, await this.#sweep(p, family, sweepSourcePort(job.probe), armed));
        else {
          const alike = start(p);
          // Counters cannot attribute in this family (a held connection retransmits), or cannot see the rules (native nftables
          // rules count only with a `counter` statement): the trace can (identical probes only when all were alike).
          const identical = { attributes: (spec: ProbeSpec, watch: readonly string[]) => armed.attributes(spec, watch, undefined, true) };
          if (this.#byTrace(family, p.watch, p.spec.protocol) && mayDecideByTrace(batchCandidate(p, job.role, family, identical, owner))) {
            // A probe alone in a family nothing else counts in: its counters still decide what its trace cannot show (a UDP
            // answer taken; a drop in a chain before the trace's own, tester 44a).
            const fallback = !this.#unattributable.has(family);
            const [done] = await runBatch(this.lab, [{ spec: { ...p.spec, family }, watch: p.watch, expected: expectedOf(p.expectation), alike }], family, this.#ledger.lane(family), armed, true, fallback, !this.#ownCommands, p.beyond);
            // Another connection's packets in the counters: the probe claims only the movement of the rule the trace names.
            if (this.#unattributable.has(family)) batched.set(`${job.role} ${job.probe}`, done!.readings);
            const own = this.#unattributable.has(family) ? done!.observation : withOwnCounters(done!.observation, done!.readings, p.watch, this.#ownCommands ? undefined : labPathHosts(this.lab), offPathHosts(this.lab, family), p.beyond);
            // Alone, and no rule seen taking it (one the trace saw stopped it early): did its target fail to find its way back? (as observe.ts asks: tester 44a)
            into.set(job.probe, own.result.evidence.stoppedEarly !== undefined ? own : { ...own, result: await replyNeighbourChecked(this.lab, own.result, ruleDecided(own.decision)) });
          } else into.set(job.probe, await this.#observe(p, family));
        }
      }
    };
    // An nft `inet` rule counts both families' packets: then the lanes run one after the other, each reading afresh.
    const shared = [...this.lab.hosts.keys()].some((h) => {
      const reading = this.#ledger.baseline(h);
      return reading !== undefined && countsBothFamilies(reading.ipv4);
    });
    // A literal target no host holds is an error, never probed (probes/literal-targets.ts).
    const unheld = await unheldTargets(this.lab, probes.map((p) => p.spec));
    probes.forEach((p, i) => {
      if (unheld.has(literalTarget(p.spec) ?? "")) main.set(i, { result: unheldResult(p.spec), decidedBy: [] });
    });
    // A lab host whose probed address the scenario's own commands took (or its link down): an error, never probed (vanished.ts).
    if (this.#ownCommands) for (const [i, r] of await goneAddresses(this.lab, probes.map((p) => p.spec))) if (!main.has(i)) main.set(i, { result: r, decidedBy: [] });
    const probing = probes.filter((_, i) => !main.has(i));
    const jobs = [...lanes(probes)].map(([family, all]) => [family, all.filter((j) => !main.has(j.probe))] as [Family, LaneJob[]]);
    const armed = await armTraces(this.lab, this.#options.trace === false ? [] : tracedSpecs(probing, (name) => this.#held.get(name)?.address));
    let traces: StepTraces | undefined;
    try {
      if (!shared) await Promise.all(jobs.map(lane));
      else {
        for (const entry of jobs) {
          this.#ledger.forget(entry[0]);
          await lane(entry);
        }
      }
    } finally {
      // The lanes' latest readings are of this step's ruleset: they name its iptables-nft rules (no iptables-save in the collect).
      traces = await armed.collect((h, family) => this.#ledger.lane(family).get(h));
    }
    // The deciding rule with the line that wrote it (rules/origin.ts), before judging: the explanation names it too.
    const candidates = ruleCandidates(this.#applied);
    const locate = (d: Decision) => locatedDecision(d, candidates, this.scenario.file);
    const located = <T extends { readonly decision?: Decision }>(o: T): T => (o.decision ? { ...o, decision: locate(o.decision) } : o);
    const books = { ipv4: addressBook(this.lab, "ipv4"), ipv6: addressBook(this.lab, "ipv6") };
    const ownerOf = (address: string) => [...books.ipv4, ...books.ipv6].find(([, held]) => held.some((a) => sameAddress(a, address)))?.[0];
    const traced = (o: Observation | undefined, key: string, held = false) => {
      if (!o) return o;
      const readings = batched.get(key);
      return located(readings ? withBatchCounters(withTraceDecision(o, traces, held, ownerOf), readings) : withTraceDecision(o, traces, held, ownerOf));
    };
    // A sweep's ports: each one's decision from the trace, or the rules its counters named, with their lines.
    const sweep = (x: SweptExpectation, p: PlannedProbe, i: number) => withCountedOrigins(withSweepDecisions(x.result, p, traces, this.lab, sweepSourcePort(i), { locate, silentOf: (port) => x.silent.has(port), ownerOf }), locate);
    const seen = probes.map((p, i) => [traced(main.get(i), `main ${i}`, p.expectation.held !== undefined), traced(parity.get(i), `parity ${i}`)] as const);
    // A refused probe whose listener the scenario's own commands ended after their step's check, no REJECT rule deciding: an error (vanished.ts).
    const hostOf = (address: string) => {
      const name = ownerOf(address);
      return name === undefined ? undefined : this.lab.host(name);
    };
    const dead = this.#ownCommands ? await deadListeners(this.lab, seen.flat().filter((o): o is Observation => o !== undefined), hostOf) : new Map<Observation, string>();
    // A refusal a DNAT sent on to a lab host's port with no listener declared: no rule refused it, an error too.
    const unlistened = (o: Observation) => unlistenedDnat(o, hostOf);
    // A port forward used from its own network without SNAT: the answer came from elsewhere, no chain dropped it (hairpin.ts).
    const hairpin = (o: Observation) => withHairpin(o, hostOf, this.lab.host(o.result.spec.from));
    const judged = (o: Observation | undefined) => (o && dead.has(o) ? asVanished(o, dead.get(o)!) : o && unlistened(o) ? asVanished(o, unlistened(o)!) : o && hairpin(o));
    const results = probes.map((p, i) => (swept.has(i) ? sweep(swept.get(i)!, p, i) : undefined) ?? judgeExpectation(p.expectation, p.family, judged(seen[i]![0])!, judged(seen[i]![1]), this.scenario.parity, books[p.family]));
    const hosts = tracedHosts(this.lab, probes, traces.named, this.#options.trace === false ? () => false : (p) => tracedSpecs([p], (name) => this.#held.get(name)?.address).length > 0);
    return hosts.length === 0 ? results : results.map((r) => ({ ...r, traced: hosts }));
  }

  /** A sweep (runner/sweep.ts): it reads counters around its own batches, so the lane's next probe reads afresh. */
  async #sweep(p: PlannedProbe, family: Family, sourcePort: number, armed: ArmedTraces): Promise<SweptExpectation> {
    const early = this.#options.decideEarly !== false && !this.#unattributable.has(family);
    // The step traces the sweep's packets (tracedSpecs): silent ports it shows dropped need no counter evidence.
    const traced = this.#options.trace !== false && tracedSpecs([p], () => undefined).length > 0;
    try {
      return await sweepExpectation(this.lab, p, family, early, sourcePort, traced ? () => armed.read(p.watch) : undefined, this.#options.invocation, !this.#ownCommands);
    } finally {
      this.#ledger.forget(family);
    }
  }

  /**
   * Decide a probe from the step's trace: its family's counters cannot attribute, a watched host has native
   * nftables rules, or it is UDP (counters need a 300 ms wait for a slow echo; the trace names its own datagram).
   */
  #byTrace(family: Family, watch: readonly string[], protocol: ProbeSpec["protocol"]): boolean {
    if (this.#options.decideEarly === false) return false;
    return this.#unattributable.has(family) || protocol === "udp" || watch.some((h) => hasNative(this.lab.host(h)));
  }

  #observe(p: PlannedProbe, family: Family): Promise<Observation> {
    const early = this.#options.decideEarly !== false && !this.#unattributable.has(family);
    return observe(this.lab, { ...p.spec, family }, { watch: p.watch, beyond: p.beyond, latest: this.#ledger.lane(family), early, expected: expectedOf(p.expectation), interfacesKnown: !this.#ownCommands });
  }

  /**
   * The step's trace as evidence for a held check (runner/held.ts): while it
   * attributes the held connection's data on every watched host, a DROP rule
   * it shows taking that data ends the check's wait.
   */
  #heldEvidence(p: PlannedProbe, held: HeldConnection, armed: ArmedTraces): HeldEvidence | undefined {
    const spec = p.spec; // as tracedSpecs gives it to the trace
    if (this.#options.decideEarly === false || !armed.attributes(spec, p.watch, held.address)) return undefined;
    // A rule answering by earlier packets (a rate limit, a set it fills) may let the retransmitted data through: wait it out.
    const readings = new Map(p.watch.flatMap((h) => {
      const r = this.#ledger.baseline(h)?.[p.family];
      return r ? [[h, r] as const] : [];
    }));
    if (probeVaryingRule(readings, packetOf({ ...spec, port: held.port }), this.#ownCommands ? undefined : pathInterfaces(labPathHosts(this.lab), spec))) return undefined;
    const match = armed.match(spec, held.address)!;
    return { windowMs: traceWindowMs({ ...spec, timeoutSeconds: this.#timeoutSeconds }), read: async () => traceEarlyVerdict(await armed.read(p.watch), match, spec.protocol) };
  }

  async #checkHeld(p: PlannedProbe, armed: ArmedTraces): Promise<Observation> {
    const name = p.expectation.held!;
    const held = this.#held.get(name);
    const check = held
      ? await checkHeld(held, this.#timeoutSeconds, this.#heldEvidence(p, held, armed))
      : { verdict: "error" as const, reason: `no held connection named ${name} is open (was its host rebooted?)`, evidence: { command: "", argv: [], exitCode: null, stdout: "", stderr: "", durationMs: 0 } };
    // Its data crossed the firewall too: the next probe of this family reads counters afresh.
    this.#ledger.forget(p.family);
    // Data that got no answer is retransmitted for minutes, counted by whatever
    // dropped it: from now on nothing in this family can be attributed early.
    if (check.verdict !== "open") this.#unattributable.add(p.family);
    const result: ProbeResult = { spec: p.spec, address: held?.address ?? "", verdict: check.verdict, reason: check.reason, evidence: check.evidence };
    return { result, decidedBy: [] };
  }

  /** The planned counter checks of a counters step, against the deltas since the previous counters step (or apply): one reading for the whole step. */
  async counters(checks: readonly PlannedCounter[], all: readonly { readonly host: string }[] = checks.map((c) => c.check)): Promise<CounterResult[]> {
    this.#rulesAtStart();
    const hosts = [...new Set(all.map((c) => c.host))];
    const now = new Map<string, CounterReading>(await Promise.all(hosts.map(async (h) => [h, await readCounters(this.lab.host(h))] as const)));
    const results = checks.map((c) => judgeCounter(c.check, c.family, this.#ledger.baseline(c.check.host)?.[c.family], now.get(c.check.host)![c.family], now.get(c.check.host)![c.family === "ipv4" ? "ipv6" : "ipv4"]));
    for (const [h, reading] of now) this.#ledger.setBaseline(h, reading);
    return results;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#lease.release();
  }
}
