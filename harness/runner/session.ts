/**
 * One scenario against one lab: start hosts, prove listeners, run steps in
 * order, keep every observation. Framework-free (the vitest suite and the
 * benchmarks drive it); results are data for the reporters.
 */
import type Dockerode from "dockerode";
import { FwspecError, LabError } from "../errors.ts";
import { Lab, type StartedLab } from "../lab/lab.ts";
import type { LabRegistry } from "../lab/resources.ts";
import type { Family } from "../model/types.ts";
import { type ListenerProof, proveListeners } from "../probes/listeners.ts";
import { type ProbeResult, runProbe } from "../probes/probe.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { type AppliedRules, applyRules } from "../rules/apply.ts";
import { type CounterReading, readCounters } from "../rules/counters.ts";
import { counterDeltas, type RuleDelta } from "../rules/delta.ts";
import { describeSelector, findRules } from "../rules/match.ts";
import type { ApplyStep, CounterCheck, Expectation, Scenario } from "../scenario/model.ts";
import { type CellStatus, compare, explainMismatch, judgeVerdict } from "./evaluate.ts";

export interface ExpectationOutcome {
  readonly expectation: Expectation;
  readonly family: Family;
  readonly probe: ProbeResult;
  readonly status: CellStatus;
  readonly explanation?: string;
  /** Rules whose counters moved during this probe (firewall hosts only). */
  readonly decidedBy: readonly RuleDelta[];
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
    return this.#options.families ?? expectation.families;
  }

  async start(): Promise<void> {
    const o = this.#options;
    this.#lab = await new Lab({
      name: labNameFor(this.scenario),
      hosts: this.scenario.hosts,
      docker: o.docker,
      image: o.image,
      ...(o.runId ? { runId: o.runId } : {}),
      ...(o.registry ? { registry: o.registry } : {}),
      progress: this.progress,
    }).start();
    this.listenerProofs = await proveListeners(this.#lab, this.progress);
    await this.#rebaseline();
  }

  async #rebaseline(hosts: readonly string[] = this.#firewallHosts()): Promise<void> {
    await Promise.all(hosts.map(async (h) => this.#baseline.set(h, await readCounters(this.lab.host(h)))));
  }

  #firewallHosts(): string[] {
    return this.scenario.hosts.filter((h) => h.firewall).map((h) => h.name);
  }

  async apply(step: ApplyStep): Promise<AppliedRules> {
    const applied = await applyRules(this.lab.host(step.host), step.sources);
    this.applied.push(applied);
    await this.#rebaseline([step.host]);
    return applied;
  }

  /** One probe for one expectation and family; never retried. */
  async probe(expectation: Expectation, family: Family): Promise<ExpectationOutcome> {
    const fw = this.#firewallHosts();
    const before = new Map<string, CounterReading>();
    await Promise.all(fw.map(async (h) => before.set(h, await readCounters(this.lab.host(h)))));
    const result = await runProbe(this.lab, {
      from: expectation.from,
      to: expectation.to,
      port: expectation.port,
      protocol: expectation.protocol,
      family,
      timeoutSeconds: this.#options.timeoutSeconds ?? this.scenario.timeoutSeconds,
    });
    const decidedBy: RuleDelta[] = [];
    for (const h of fw) {
      const after = await readCounters(this.lab.host(h));
      const prev = before.get(h)!;
      decidedBy.push(...counterDeltas(prev[family], after[family]).filter((d) => d.packets > 0));
    }
    const status = judgeVerdict(expectation.expected, result.verdict);
    return {
      expectation,
      family,
      probe: result,
      status,
      decidedBy,
      ...(status === "passed" ? {} : { explanation: explainMismatch(expectation.expected, result.verdict) }),
    };
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
    for (const [h, reading] of now) this.#baseline.set(h, reading);
    return outcomes;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#lab?.[Symbol.asyncDispose]();
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof FwspecError ? error.report() : (error as Error)?.message ?? String(error);
}
