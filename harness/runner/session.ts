/**
 * One scenario against one lab: start hosts, prove listeners, run steps in
 * order, keep every observation. Framework-free (the vitest suite and the
 * benchmarks drive it); results are data for the reporters.
 */
import type Dockerode from "dockerode";
import { FwspecError, LabError } from "../errors.ts";
import { Lab, type StartedLab } from "../lab/lab.ts";
import type { LabRegistry } from "../lab/resources.ts";
import { FAMILIES, type Family, type ProbeSpec, type Protocol } from "../model/types.ts";
import { awaitListening, type ListenerProof, proveListeners } from "../probes/listeners.ts";
import { type PendingProbe, type ProbeResult, resolveTarget, runProbe, runProbeFrom, startProbe } from "../probes/probe.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { type AppliedRules, applyRules } from "../rules/apply.ts";
import { type CounterReading, readCounters, readFamilyCounters } from "../rules/read.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import { counterDeltas, type RuleDelta } from "../rules/delta.ts";
import { describeSelector, findRules } from "../rules/match.ts";
import { decisiveCounts, earlyVerdict } from "../rules/decisive.ts";
import { type ApplyStep, type CounterCheck, type Expectation, type HoldStep, probeFamilies, type RunStep, type Scenario } from "../scenario/model.ts";
import { type CellStatus, compare, explainMismatch, judgeVerdict } from "./evaluate.ts";
import { checkHeld, type HeldConnection, openHeld } from "./held.ts";
import { boundedTest } from "./safe-regex.ts";
import type { SharedLab } from "./shared-lab.ts";
import type { ExecResult } from "../lab/exec.ts";

/** The other family's observation for a single-family expectation. */
export interface ParityObservation {
  readonly family: Family;
  readonly verdict: ProbeResult["verdict"];
  readonly reason: string;
  readonly command: string;
  /** True when the two families gave different verdicts. */
  readonly differs: boolean;
}

export interface RunOutcome {
  readonly step: RunStep;
  readonly result: ExecResult;
  readonly command: string;
  readonly status: CellStatus;
  readonly problems: readonly string[];
}

/** Pure: does a command's result satisfy a run step? Returns what is wrong. */
export function judgeRun(step: RunStep, result: Pick<ExecResult, "exitCode" | "stdout" | "stderr">): string[] {
  const problems: string[] = [];
  const text = `${result.stdout}${result.stderr}`;
  if (step.exit === "nonzero" ? result.exitCode === 0 : result.exitCode !== step.exit) {
    problems.push(`exit status ${result.exitCode}, expected ${step.exit === "nonzero" ? "non-zero" : step.exit}`);
  }
  for (const c of step.contains) if (!text.includes(c)) problems.push(`output does not contain ${JSON.stringify(c)}`);
  for (const c of step.excludes) if (text.includes(c)) problems.push(`output contains ${JSON.stringify(c)}`);
  for (const m of step.matches) if (!boundedTest(m, "m", text)) problems.push(`output does not match /${m}/m`);
  return problems;
}

export interface ExpectationOutcome {
  readonly expectation: Expectation;
  readonly family: Family;
  readonly probe: ProbeResult;
  readonly status: CellStatus;
  readonly explanation?: string;
  /** Rules whose counters moved during this probe (firewall hosts only). */
  readonly decidedBy: readonly RuleDelta[];
  /** Single-family expectations: what the other family did. */
  readonly parity?: ParityObservation;
}

export interface CounterOutcome {
  readonly check: CounterCheck;
  readonly family: Family;
  readonly status: CellStatus;
  readonly message: string;
  readonly packets: number | null;
  readonly bytes: number | null;
  readonly rule: string | null;
}

/**
 * How long a probe waits for an answer before the counters are consulted (ms).
 * TCP answers come from the kernel within a millisecond of the SYN; UDP echoes
 * come from a process. A slow start is covered by reading again (below).
 */
export const GRACE_MS: Readonly<Record<Protocol, number>> = { tcp: 12, http: 12, udp: 300 };

/** Until when (ms after the start) counters are read again while a pending probe has no evidence. */
export const EVIDENCE_WINDOW_MS: Readonly<Record<Protocol, number>> = { tcp: 250, http: 250, udp: 300 };

/** Between two counter readings, how long to wait for the tool to end (ms). */
const POLL_MS = 10;

interface Observation {
  readonly result: ProbeResult;
  readonly decidedBy: readonly RuleDelta[];
}

export interface SessionOptions {
  readonly docker: Dockerode;
  readonly image: string;
  readonly runId?: string;
  readonly registry?: LabRegistry;
  readonly progress?: Progress;
  /** Override every expectation's families (`fwspec run --family`). */
  readonly families?: readonly Family[];
  /** Override the scenario's probe timeout. */
  readonly timeoutSeconds?: number;
  /** End a probe without an answer as soon as a DROP/REJECT rule is seen counting it (default true). */
  readonly decideEarly?: boolean;
  /** Limit for one in-container command in seconds (`fwspec run --command-timeout`). */
  readonly commandTimeoutSeconds?: number;
  /** A lab shared with other scenarios of the same topology: reset before use, not disposed by this session. */
  readonly sharedLab?: SharedLab;
}

export function labNameFor(scenario: Scenario): string {
  const base = scenario.file.split("/").at(-1)?.replace(/\.(ya?ml|ts)$/, "") ?? "scenario";
  const slug = base.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 24).replace(/-+$/, "");
  return slug || "scenario";
}

export class ScenarioSession implements AsyncDisposable {
  readonly scenario: Scenario;
  readonly #options: SessionOptions;
  #lab: StartedLab | undefined;
  /** Counter readings per firewall host: the baseline for the next counters step. */
  readonly #baseline = new Map<string, CounterReading>();
  readonly applied: AppliedRules[] = [];
  listenerProofs: ListenerProof[] = [];
  readonly #held = new Map<string, HeldConnection>();
  /**
   * Per family, the latest counter reading of each firewall host, while it is
   * still current: nothing but this session's probes has sent a packet since.
   * A probe's before-reading is the previous probe's after-reading (or the
   * apply's); run, reboot and hold steps and held-connection checks drop it.
   */
  readonly #latest = new Map<Family, Map<string, SavedRuleset>>();
  /** Families with a held connection retransmitting unanswered data: probes there run to their own timeout. */
  readonly #unattributable = new Set<Family>();

  constructor(scenario: Scenario, options: SessionOptions) {
    this.scenario = scenario;
    this.#options = options;
  }

  get lab(): StartedLab {
    if (!this.#lab) throw new LabError("the scenario's lab is not started");
    return this.#lab;
  }

  get progress(): Progress {
    return this.#options.progress ?? silentProgress;
  }

  familiesOf(expectation: Expectation): readonly Family[] {
    return probeFamilies(expectation, this.#options.families);
  }

  async start(): Promise<void> {
    const o = this.#options;
    if (o.sharedLab) {
      const readings = await o.sharedLab.prepare(this.scenario);
      this.#lab = o.sharedLab.lab;
      this.listenerProofs = [...o.sharedLab.proofs];
      for (const [h, reading] of readings) this.#setBaseline(h, reading);
      return;
    }
    this.#lab = await new Lab({
      name: labNameFor(this.scenario),
      hosts: this.scenario.hosts,
      ...(this.scenario.networks ? { networks: this.scenario.networks } : {}),
      docker: o.docker,
      image: o.image,
      ...(o.runId ? { runId: o.runId } : {}),
      ...(o.registry ? { registry: o.registry } : {}),
      ...(o.commandTimeoutSeconds ? { commandTimeoutSeconds: o.commandTimeoutSeconds } : {}),
      progress: this.progress,
    }).start();
    this.listenerProofs = await proveListeners(this.#lab, this.progress);
    await this.#rebaseline();
  }

  async #rebaseline(hosts: readonly string[] = this.#firewallHosts()): Promise<void> {
    await Promise.all(hosts.map(async (h) => this.#setBaseline(h, await readCounters(this.lab.host(h)))));
  }

  /** A fresh reading: the next counters step measures from it, and so does the next probe. */
  #setBaseline(host: string, reading: CounterReading): void {
    this.#baseline.set(host, reading);
    this.#remember(host, reading);
  }

  #remember(host: string, reading: CounterReading): void {
    for (const family of FAMILIES) {
      const lane = this.#latest.get(family) ?? new Map<string, SavedRuleset>();
      lane.set(host, reading[family]);
      this.#latest.set(family, lane);
    }
  }

  /** Something other than a probe may have sent packets: the next probe reads counters afresh. */
  #forgetReadings(family?: Family): void {
    if (family) this.#latest.delete(family);
    else this.#latest.clear();
  }

  #hostsOnPath(e: Expectation): string[] {
    // A literal address may be any host's: then every firewall host is on the path.
    if (e.to.kind === "address") return this.#firewallHosts();
    const names = new Set([e.from, ...(e.to.kind === "host" ? [e.to.host] : [])]);
    return this.scenario.hosts.filter((h) => h.firewall && (names.has(h.name) || h.router === true)).map((h) => h.name);
  }

  #firewallHosts(): string[] {
    return this.scenario.hosts.filter((h) => h.firewall).map((h) => h.name);
  }

  async apply(step: ApplyStep): Promise<AppliedRules> {
    // Old flows must not bypass new rules, unless the scenario holds a connection on purpose.
    this.#forgetReadings();
    const { applied, counters } = await applyRules(this.lab.host(step.host), step.sources, { flushConntrack: this.#held.size === 0 });
    this.applied.push(applied);
    this.#setBaseline(step.host, counters);
    return applied;
  }

  /** A command on a host, judged against the step's exit status and patterns. */
  async run(step: RunStep): Promise<RunOutcome> {
    const host = this.lab.host(step.host);
    this.#forgetReadings();
    const result = await host.exec(step.command);
    const problems = judgeRun(step, result);
    return { step, result, command: host.repro(step.command), status: problems.length === 0 ? "passed" : "failed", problems };
  }

  /** Reboots a host; its listeners must come back, and its counters start from zero. */
  async reboot(host: string): Promise<void> {
    for (const [name, held] of this.#held) if (held.from.name === host) this.#held.delete(name);
    this.#forgetReadings();
    await this.lab.reboot(host);
    const h = this.lab.host(host);
    // Restored rules may block loopback too: prove the sockets, not reachability.
    await Promise.all(h.spec.listen.map((l) => awaitListening(h, l)));
    if (h.spec.firewall) await this.#rebaseline([host]);
  }

  /** Opens a connection and proves it passes data before anything else happens. */
  async hold(step: HoldStep): Promise<HeldConnection> {
    const from = this.lab.host(step.from);
    const address = resolveTarget(this.lab, { from: step.from, to: step.to, port: step.port, protocol: step.protocol, family: step.family, timeoutSeconds: 1 });
    this.#forgetReadings();
    const held = await openHeld(step.name, from, address, step.port, step.protocol);
    const first = await checkHeld(held, this.#options.timeoutSeconds ?? this.scenario.timeoutSeconds);
    if (first.verdict !== "open") {
      throw new LabError(`held connection ${step.name} does not pass data right after opening: ${first.reason}`, { hint: `reproduce with: ${first.evidence.command}` });
    }
    this.#held.set(step.name, held);
    return held;
  }

  /** One probe for one expectation and family (and its parity probe); never retried. */
  async probe(expectation: Expectation, family: Family): Promise<ExpectationOutcome> {
    return (await this.probeAll([{ expectation, family }]))[0]!;
  }

  /**
   * Probes for many expectations. Probes of one family run one after another
   * (so a counter that moves belongs to the probe in flight); the two families
   * run side by side. Parity probes run in the other family's lane.
   */
  async probeAll(items: readonly { readonly expectation: Expectation; readonly family: Family }[]): Promise<ExpectationOutcome[]> {
    const lanes = new Map<Family, (() => Promise<void>)[]>();
    const enqueue = (family: Family, job: () => Promise<void>) => lanes.set(family, [...(lanes.get(family) ?? []), job]);
    const main = new Map<number, Observation>();
    const parity = new Map<number, Observation>();
    const held = new Map<number, ExpectationOutcome>();
    items.forEach(({ expectation, family }, i) => {
      if (expectation.held !== undefined) {
        enqueue(family, async () => {
          const outcome = await this.#probeHeld(expectation, family);
          held.set(i, outcome);
          // Its data crossed the firewall too: the next probe of this family reads counters afresh.
          this.#forgetReadings(family);
          // Data that got no answer is retransmitted for minutes, counted by whatever
          // dropped it: from now on nothing in this family can be attributed early.
          if (outcome.probe.verdict !== "open") this.#unattributable.add(family);
        });
        return;
      }
      const spec = this.#specOf(expectation, family);
      enqueue(family, async () => void main.set(i, await this.#observe(spec, this.#hostsOnPath(expectation))));
      if (this.familiesOf(expectation).length === 1 && expectation.to.kind !== "address") {
        const other: Family = family === "ipv4" ? "ipv6" : "ipv4";
        enqueue(other, async () => void parity.set(i, await this.#observe({ ...spec, family: other }, this.#hostsOnPath(expectation))));
      }
    });
    await Promise.all([...lanes.values()].map(async (jobs) => {
      for (const job of jobs) await job();
    }));
    return items.map(({ expectation, family }, i) => held.get(i) ?? this.#judge(expectation, family, main.get(i)!, parity.get(i)));
  }

  #specOf(expectation: Expectation, family: Family): ProbeSpec {
    return {
      from: expectation.from,
      to: expectation.to,
      port: expectation.port,
      protocol: expectation.protocol,
      family,
      timeoutSeconds: this.#options.timeoutSeconds ?? this.scenario.timeoutSeconds,
    };
  }

  #judge(expectation: Expectation, family: Family, observed: Observation, other: Observation | undefined): ExpectationOutcome {
    const result = observed.result;
    const parity: ParityObservation | undefined = other
      ? { family: other.result.spec.family, verdict: other.result.verdict, reason: other.result.reason, command: other.result.evidence.command, differs: other.result.verdict !== result.verdict }
      : undefined;
    let status = judgeVerdict(expectation.expected, result.verdict);
    let explanation = status === "passed" ? undefined : explainMismatch(expectation.expected, result.verdict, observed.decidedBy.map((d) => d.rule));
    if (status === "passed" && parity?.differs && this.scenario.parity === "fail") {
      status = "failed";
      explanation = `IPv4/IPv6 parity: ${family} is ${result.verdict} but ${parity.family} is ${parity.verdict} (parity: fail)`;
    }
    return {
      expectation,
      family,
      probe: result,
      status,
      decidedBy: observed.decidedBy,
      ...(explanation ? { explanation } : {}),
      ...(parity ? { parity } : {}),
    };
  }

  /**
   * Runs one probe and keeps the counters of the firewall hosts on its path
   * before and after. Only hosts the packet can cross have rules that can
   * count it: the prober (OUTPUT), the target (INPUT) and routers (FORWARD).
   * With no answer after a short grace, a DROP (or, for TCP, REJECT) rule on
   * the path that counted a packet since the probe began decides the verdict
   * and the tool is stopped; otherwise the tool runs to its own timeout.
   */
  async #observe(spec: ProbeSpec, watch: readonly string[]): Promise<Observation> {
    let address: string;
    try {
      address = resolveTarget(this.lab, spec);
    } catch {
      return { result: await runProbe(this.lab, spec), decidedBy: [] };
    }
    const from = this.lab.host(spec.from);
    // Within a lane the last probe's after-reading is this probe's before-reading.
    const cache = this.#latest.get(spec.family) ?? new Map<string, SavedRuleset>();
    this.#latest.set(spec.family, cache);
    const readAll = async () => {
      const m = new Map(await Promise.all(watch.map(async (h) => [h, await readFamilyCounters(this.lab.host(h), spec.family)] as const)));
      for (const [h, r] of m) cache.set(h, r);
      return m;
    };
    const before = watch.every((h) => cache.has(h)) ? new Map(watch.map((h) => [h, cache.get(h)!] as const)) : await readAll();
    let result: ProbeResult;
    let after: Map<string, SavedRuleset>;
    if (this.#options.decideEarly === false || watch.length === 0 || this.#unattributable.has(spec.family)) {
      result = await runProbeFrom(from, address, spec);
      after = await readAll();
    } else {
      const started = await startProbe(from, address, spec, GRACE_MS[spec.protocol]);
      if ("ended" in started) {
        result = started.ended;
        after = await readAll();
      } else {
        ({ result, after } = await this.#decide(started.pending, before, watch, readAll));
      }
    }
    const decidedBy = [...after].flatMap(([h, reading]) => counterDeltas(before.get(h)!, reading).filter((d) => d.packets > 0));
    return { result, decidedBy };
  }

  /**
   * A pending probe: counters are read until a DROP (or, for TCP, REJECT) rule
   * on the path is seen counting since the probe began, the tool ends, or the
   * evidence window closes; then the tool runs to its own timeout.
   */
  async #decide(
    pending: PendingProbe,
    before: ReadonlyMap<string, SavedRuleset>,
    watch: readonly string[],
    readAll: () => Promise<Map<string, SavedRuleset>>,
  ): Promise<{ result: ProbeResult; after: Map<string, SavedRuleset> }> {
    const spec = pending.spec;
    for (;;) {
      const mid = await readAll();
      const counts = watch.flatMap((h) => decisiveCounts(before.get(h)!, mid.get(h)!).map((c) => ({ ...c, host: h })));
      const early = earlyVerdict(counts, spec.protocol);
      if (early) {
        const ended = await pending.stop();
        if (!("stopped" in ended)) return { result: ended, after: await readAll() }; // an answer came first
        const result: ProbeResult = {
          spec,
          address: pending.address,
          verdict: early.verdict,
          reason: `no answer after ${ended.durationMs} ms while ${early.rules.join(" and ")} counted the packet`,
          evidence: {
            command: pending.command,
            argv: pending.argv,
            exitCode: null,
            stdout: "",
            stderr: ended.stderr,
            durationMs: ended.durationMs,
            stoppedEarly: `stopped after ${ended.durationMs} ms, before its ${spec.timeoutSeconds} s timeout: ${early.verdict === "dropped" ? "a DROP" : "a REJECT"} rule counted its packet and no answer had come`,
          },
        };
        // One watched host: nothing of this probe can count after `mid`. Several (a
        // firewall on each end, routers): a return-path packet may still be on its way.
        return { result, after: watch.length > 1 ? await readAll() : mid };
      }
      if (pending.elapsed() >= EVIDENCE_WINDOW_MS[spec.protocol]) {
        // No evidence: the tool's own timeout decides.
        const result = await pending.wait();
        return { result, after: await readAll() };
      }
      const ended = await pending.poll(POLL_MS);
      if (ended) return { result: ended, after: await readAll() };
    }
  }

  async #probeHeld(expectation: Expectation, family: Family): Promise<ExpectationOutcome> {
    const held = this.#held.get(expectation.held!);
    const spec = { from: expectation.from, to: expectation.to, port: expectation.port, protocol: expectation.protocol, family, timeoutSeconds: this.scenario.timeoutSeconds };
    const check = held
      ? await checkHeld(held, this.#options.timeoutSeconds ?? this.scenario.timeoutSeconds)
      : { verdict: "error" as const, reason: `no held connection named ${expectation.held} is open (was its host rebooted?)`, evidence: { command: "", argv: [], exitCode: null, stdout: "", stderr: "", durationMs: 0 } };
    const probe: ProbeResult = { spec, address: held?.address ?? "", verdict: check.verdict, reason: check.reason, evidence: check.evidence };
    const status = judgeVerdict(expectation.expected, check.verdict);
    return { expectation, family, probe, status, decidedBy: [], ...(status === "passed" ? {} : { explanation: explainMismatch(expectation.expected, check.verdict) }) };
  }

  /** Evaluates one counter check against the deltas since the previous counters step (or apply). */
  async counters(checks: readonly CounterCheck[]): Promise<CounterOutcome[]> {
    const hosts = [...new Set(checks.map((c) => c.host))];
    const now = new Map<string, CounterReading>();
    await Promise.all(hosts.map(async (h) => now.set(h, await readCounters(this.lab.host(h)))));
    const outcomes: CounterOutcome[] = [];
    for (const check of checks) {
      for (const family of check.families) {
        const before = this.#baseline.get(check.host)?.[family];
        const after = now.get(check.host)![family];
        const matches = findRules(after, check.selector);
        const what = describeSelector(check.selector);
        if (matches.length !== 1) {
          outcomes.push({
            check, family, status: "error", packets: null, bytes: null, rule: null,
            message: matches.length === 0
              ? `no ${family} rule on ${check.host} matches ${what}`
              : `${matches.length} ${family} rules on ${check.host} match ${what}; make the selector unique (chain and position, or a comment)`,
          });
          continue;
        }
        const rule = matches[0]!;
        const delta = before ? counterDeltas(before, after).find((d) => d.rule.table === rule.table && d.rule.chain === rule.chain && d.rule.position === rule.position) : undefined;
        const packets = delta?.packets ?? rule.packets;
        const bytes = delta?.bytes ?? rule.bytes;
        const failures: string[] = [];
        if (check.packets && !compare(check.packets, packets)) failures.push(`packets ${packets}, expected ${check.packets.text}`);
        if (check.bytes && !compare(check.bytes, bytes)) failures.push(`bytes ${bytes}, expected ${check.bytes.text}`);
        outcomes.push({
          check, family, packets, bytes, rule: rule.text,
          status: failures.length === 0 ? "passed" : "failed",
          message: failures.length === 0 ? `${rule.text}: +${packets} packets, +${bytes} bytes` : `${rule.text}: ${failures.join("; ")}`,
        });
      }
    }
    for (const [h, reading] of now) this.#setBaseline(h, reading);
    return outcomes;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#options.sharedLab) await this.#lab?.[Symbol.asyncDispose]();
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof FwspecError ? error.report() : (error as Error)?.message ?? String(error);
}
