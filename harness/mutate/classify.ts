/**
 * A mutant's outcome from its run and the original's (pure):
 * - killed: some check failed (the first failed check is named), or a counter
 *   check names a rule the mutant no longer has;
 * - error: no check failed but the run errored (not killed; listed apart);
 * - equivalent: every check held, and the change provably cannot alter a
 *   verdict: from the rules alone (two swapped rules decide the same, or match
 *   different ports; `-I 1` into an empty chain is `-A`; an nft `jump` to chains
 *   with no rule that acts, nft-noop.ts), or because it cannot alter a
 *   probed flow: the rules it touches counted no probed packet (main or parity
 *   probe) in the original run and the change only matters for packets they
 *   match (delete, target and REJECT-type swaps, `-I`→`-A`, the ip6tables twin
 *   gone, a swap whose first-deciding rule never matched). Not claimed when
 *   packets outside probes could have reached the rule (held connections in the
 *   family that the rule could match, `run` steps that may send traffic),
 *   nor when the mutant removes or moves a rule that a later positional
 *   command (`-D INPUT 1`) counts on (positional.ts);
 * - survived: every check held; with a suggested check (suggest.ts);
 * - unreachable (decided in run.ts, reach.ts): beyond the lab's reach.
 * Score = killed / (killed + survived); errors, equivalents and unreachable ones are outside it.
 */
import type { CheckResult, CounterResult } from "../model/results.ts";
import type { ScenarioReport } from "../report/model.ts";
import type { HoldStep, Scenario } from "../scenario/model.ts";
import type { Mutant } from "./mutants.ts";
import type { RuleLine } from "./rule-lines.ts";
import { lineKey, ruleKey } from "./rule-keys.ts";
import { rulesObserved } from "./observed-rules.ts";
import { removedBeforeLooked, transientIpv4Tracking } from "./lab-equivalence.ts";
import { isNftLine, matchesProbeDirectionOnly, matchesTcp, matchesUdp, type NftRuleLine } from "./nft-lines.ts";
import { shiftedPositional } from "./positional.ts";
import { sendsNoPackets, sendsOnlyIcmpEcho } from "./run-programs.ts";
import { suggestCheck } from "./suggest.ts";

/**
 * The words an equivalence gives when it holds only because no probe reached
 * the changed rule: a check that reaches the rule would tell (the summary
 * counts these apart; isUnprobed).
 */
export const UNPROBED = "no probed packet";

/** An equivalent mutant that is equivalent only because no probe reached the rule it changes. */
export function isUnprobed(o: Pick<MutantOutcome, "status" | "detail">): boolean {
  return o.status === "equivalent" && o.detail.includes(` ${UNPROBED} `);
}

/** `unreachable`: beyond the lab's reach (reach.ts): the changed rule matches only packets no lab carries; not run, not scored. */
export type MutantStatus = "killed" | "survived" | "equivalent" | "unreachable" | "error";

export interface MutantOutcome {
  readonly id: string;
  readonly operator: string;
  readonly status: MutantStatus;
  readonly changes: Mutant["changes"];
  /** killed: the check that failed; error: what errored; equivalent, unreachable: why; survived: the suggested check. */
  readonly detail: string;
  /** false: proven equivalent from the rules and the original run, or beyond the lab's reach, so not run (run.ts). */
  readonly ran?: false;
  /** Proven equivalent before running, run anyway (`--run-equivalent`), and not killed: the proof held. */
  readonly checkedClaim?: true;
  /** Proven equivalent before running, run anyway, and killed: the proof was wrong (a bug in fwspec); with `declared`, the scenario's declaration was wrong. */
  readonly contradicts?: true;
  /** The scenario declares it equivalent (`mutate.equivalent`, declared.ts): `ran: false` unless run anyway. */
  readonly declared?: true;
  /** fwspec claimed it beyond the lab's reach (reach.ts): `unreachable` and not run, or run anyway and checked (a kill contradicts). */
  readonly reach?: true;
}

/** The first failed check, in words. */
function failedCheck(results: readonly CheckResult[]): string | undefined {
  for (const r of results) {
    if (r.status !== "failed") continue;
    // Same verdict but failed: a strict refusal or `parity: fail`; the explanation says how.
    if (r.kind === "expectation") return `\`${r.text}\` [${r.family}] (line ${r.line}): ${r.actual === r.expected && r.explanation ? r.explanation : `${r.actual}, expected ${r.expected}`}`;
    if (r.kind === "counter") return `counter check (line ${r.line}) ${r.selector} [${r.family}]: ${r.message}`;
    return `${r.step} step (line ${r.line}) ${r.title}: ${r.message.split("\n")[0]}`;
  }
  return undefined;
}

function resultsOf(report: ScenarioReport): CheckResult[] {
  return [...report.steps, ...report.expectations, ...report.counters];
}

function firstError(report: ScenarioReport): string {
  const cell = resultsOf(report).find((r) => r.status === "error");
  const text = report.errors[0] ?? (cell ? (cell.kind === "expectation" ? `\`${cell.text}\` [${cell.family}]: ${cell.reason}` : cell.kind === "counter" ? cell.message : cell.message) : "error");
  // `nft -c rejected FILE:` is followed by the line and nft's reason: a mutant that is no valid ruleset says why.
  const [first, second] = text.split("\n");
  return first!.endsWith(":") && second ? `${first} ${second.trim()}` : first!;
}

const DECIDED = /^(ipv4|ipv6) (\S+) (\S+) #\d+ (.*) \(\+\d+ packets\)$/;
/** A native nft rule: its table is `family name`. */
const NFT_DECIDED = /^(?:ipv4|ipv6) (\S+ \S+) (\S+) #(\d+) .* \(\+\d+ packets\)$/;

/** `family table chain key` of each rule that counted a probe (main or parity) in the run (nft rules: `nft table chain #position`). */
export function countedRules(report: ScenarioReport): Set<string> {
  const keys = new Set<string>();
  for (const e of report.expectations) {
    for (const d of [...e.decidedBy, ...(e.parity?.decidedBy ?? [])]) {
      const n = NFT_DECIDED.exec(d);
      if (n) {
        keys.add(`nft ${n[1]} ${n[2]} #${n[3]}`);
        continue;
      }
      const m = DECIDED.exec(d);
      if (!m) continue;
      const key = ruleKey(m[1] as "ipv4" | "ipv6", `-t ${m[2]} ${m[4]}`);
      if (key) keys.add(key);
    }
  }
  return keys;
}

/** Per nft-based host, the rules any step's trace named, and whether every step's trace there was complete. */
export interface TracedRules {
  readonly complete: boolean;
  readonly keys: ReadonlySet<string>;
}

/** The run's traces per host (ExpectationResult.traced, one record per expect step), joined: complete only if every step's was. */
export function tracedRules(report: ScenarioReport): Map<string, TracedRules> {
  const out = new Map<string, { complete: boolean; keys: Set<string> }>();
  for (const e of report.expectations) {
    for (const t of e.traced ?? []) {
      const host = out.get(t.host) ?? { complete: true, keys: new Set<string>() };
      host.complete &&= t.complete;
      for (const k of t.rules) host.keys.add(k);
      out.set(t.host, host);
    }
  }
  return out;
}

/**
 * A counter-less nft rule no trace named, on a host where every probe that crossed it was traced and read whole:
 * it matched no probe's packet towards its target; and it can match no other packet of a probe (an answer, an ICMP
 * error, neighbour discovery: nothing of that is traced) when it names only TCP or UDP ports below any probe's
 * source port (nft-lines.ts matchesProbeDirectionOnly).
 */
function tracedNone(line: NftRuleLine, traced: ReadonlyMap<string, TracedRules>): boolean {
  if (line.nft.role !== "rule" || line.nft.position === undefined || !matchesProbeDirectionOnly(line.words)) return false;
  const host = traced.get(line.host);
  return host !== undefined && host.complete && !host.keys.has(`nft ${line.table} ${line.chain} #${line.nft.position}`);
}

/** A plain (not negated) option value of an iptables rule: `-p tcp`, `-i lo`. */
export function plainFlag(words: readonly string[], names: readonly string[]): string | undefined {
  const i = words.findIndex((w) => names.includes(w));
  return i < 0 || words[i - 1] === "!" || words[i + 1] === "!" ? undefined : words[i + 1];
}

/** The rule matches only TCP or only UDP packets (`-p tcp`, nft `tcp dport …`): never an ICMP packet. */
export function tcpOrUdpOnly(line: RuleLine): boolean {
  if (isNftLine(line)) return matchesTcp(line.words) || matchesUdp(line.words);
  return ["tcp", "udp", "6", "17"].includes(plainFlag(line.words, ["-p", "--protocol"])?.toLowerCase() ?? "");
}

/**
 * Could a held connection's packets (no probe's, so not in `counted`) match the rule? No when the rule names
 * another protocol (`-p icmp` and a TCP hold), or `-i lo` while the hold comes from a peer; else assume yes.
 */
function heldMayMatch(line: RuleLine, hold: HoldStep): boolean {
  const flag = (names: readonly string[]) => plainFlag(line.words, names);
  const protocol = flag(["-p", "--protocol"]);
  if (protocol !== undefined && /^[a-z][a-z0-9-]*$/.test(protocol) && protocol !== "all" && protocol !== hold.protocol) return false;
  if (flag(["-i", "--in-interface"]) === "lo" && hold.to.kind !== "localhost") return false;
  return true;
}

/** Why the mutant cannot change a probed flow, or undefined. `traced`: the original run's traces (tracedRules). */
export function equivalence(mutant: Mutant, scenario: Scenario, counted: ReadonlySet<string>, traced: ReadonlyMap<string, TracedRules> = new Map()): string | undefined {
  if (mutant.staticEquivalence) return mutant.staticEquivalence;
  if (mutant.equivalentIfUnmatched.length === 0) return undefined;
  const families = new Set(mutant.equivalentIfUnmatched.map((l) => l.family));
  const holds = scenario.steps.filter((s): s is HoldStep => s.kind === "hold" && families.has(s.family));
  const held = mutant.equivalentIfUnmatched.some((l) => holds.some((h) => heldMayMatch(l, h)));
  // A run step may send packets the rules count; a ping only ICMP, which a TCP- or UDP-only rule cannot match.
  const noisy = scenario.steps.some((s) => s.kind === "run" && !sendsNoPackets(s.command) && !(sendsOnlyIcmpEcho(s.command) && mutant.equivalentIfUnmatched.every(tcpOrUdpOnly)));
  if (held || noisy) return undefined;
  const unmatched = (l: RuleLine): "counted" | "traced" | undefined => {
    const k = lineKey(l);
    if (k !== undefined) return counted.has(k) ? undefined : "counted";
    return isNftLine(l) && !l.nft.counts && tracedNone(l, traced) ? "traced" : undefined;
  };
  const how = mutant.equivalentIfUnmatched.map(unmatched);
  if (how.some((h) => h === undefined)) return undefined;
  const rules = mutant.equivalentIfUnmatched.map((l) => `\`${l.text.trim()}\``).join(", ");
  if (how.every((h) => h === "counted")) return `${rules} counted ${UNPROBED} in the original run (main or parity probe), and this change only matters for packets it matches`;
  const hosts = [...new Set(mutant.equivalentIfUnmatched.map((l) => l.host))].join(", ");
  return `${rules} ${how.length === 1 ? "has" : "have"} no counter and no trace named ${how.length === 1 ? "it" : "them"}: traced ${UNPROBED} in the original run (every probe crossing ${hosts} traced there; ${how.length === 1 ? "it matches" : "they match"} only TCP/UDP to ports below any probe's source port, so no answer), and this change only matters for packets ${how.length === 1 ? "it matches" : "they match"}`;
}

/**
 * A counter check that held on the original (which passed) but names no rule, or several, in the mutant: the
 * mutation deleted or changed its rule, so the check cannot hold — a kill, not an error. Only when nothing but
 * such checks errored (a failed apply leaves every counter check unresolved for another reason).
 */
function lostCounterRule(report: ScenarioReport): string | undefined {
  const errored = resultsOf(report).filter((r) => r.status === "error");
  if (errored.length === 0 || errored.some((r) => r.kind !== "counter" || r.packets !== null)) return undefined;
  if (report.errors.some((e) => !errored.some((r) => r.kind === "counter" && r.message === e))) return undefined;
  const c = errored[0] as CounterResult;
  return `counter check (line ${c.line}) ${c.selector} [${c.family}]: the mutant has no such rule (${c.message})`;
}

/**
 * Why no packet's fate can differ in the mutant, known from the rules, the scenario and the original run, or
 * undefined. Never when the mutant moves a rule a later positional command counts on (positional.ts): that
 * command then acts on another rule, which no reason about the changed rule covers.
 */
function equivalentReason(mutant: Mutant, scenario: Scenario, counted: ReadonlySet<string>, traced: ReadonlyMap<string, TracedRules>): string | undefined {
  if (shiftedPositional(mutant, scenario) !== undefined) return undefined;
  return equivalence(mutant, scenario, counted, traced) ?? removedBeforeLooked(mutant, scenario) ?? transientIpv4Tracking(mutant, scenario);
}

/** The reason when the mutant need not run at all: no packet's fate differs and no check reads its changed rules; or undefined. */
export function equivalentBeforeRun(mutant: Mutant, scenario: Scenario, counted: ReadonlySet<string>, traced: ReadonlyMap<string, TracedRules> = new Map()): string | undefined {
  // No packet's fate changes, but a check that reads the changed rules themselves could still fail: run it.
  if (rulesObserved(mutant, scenario)) return undefined;
  return equivalentReason(mutant, scenario, counted, traced);
}

export function classifyMutant(mutant: Mutant, report: ScenarioReport, scenario: Scenario, counted: ReadonlySet<string>, traced: ReadonlyMap<string, TracedRules> = new Map()): MutantOutcome {
  const base = { id: mutant.id, operator: mutant.operator, changes: mutant.changes };
  // A mutant nft refuses to load tests nothing, whatever failed after it.
  const error = report.status === "error" ? firstError(report) : undefined;
  if (error !== undefined && /^nft -c rejected /.test(error)) return { ...base, status: "error", detail: `the mutant is no valid ruleset (not counted as killed): ${error}` };
  const killedBy = failedCheck(resultsOf(report)) ?? lostCounterRule(report);
  if (killedBy) return { ...base, status: "killed", detail: killedBy };
  if (error !== undefined) return { ...base, status: "error", detail: error };
  // It ran and every check held (those reading its rules too): the packet argument alone makes it equivalent.
  const why = equivalentReason(mutant, scenario, counted, traced);
  if (why) return { ...base, status: "equivalent", detail: why };
  const key = lineKey(mutant.lines[0]!);
  return { ...base, status: "survived", detail: suggestCheck(mutant, scenario, key !== undefined && counted.has(key)) };
}

/** killed / (killed + survived) in percent; undefined when there is nothing to score. */
export function mutationScore(outcomes: readonly { status: MutantStatus }[]): number | undefined {
  const killed = outcomes.filter((o) => o.status === "killed").length;
  const survived = outcomes.filter((o) => o.status === "survived").length;
  return killed + survived === 0 ? undefined : (100 * killed) / (killed + survived);
}
