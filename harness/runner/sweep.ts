/**
 * A sweep expectation in one family on a lab: the ports a rule answering by
 * earlier packets or by the packet's shape can meet probed one by one
 * (sweep-varying.ts), the rest by the batch sweep (probes/sweep/); when the
 * prober's own rules took packets meanwhile, the ports nmap saw answered are
 * asked again alone (sweep-prober.ts: nmap reads answers before them);
 * judged (judge/sweep.ts), and the first MAX_SINGLE ports
 * that broke it probed once more as single probes — their verdict, reason,
 * command and counted rules go into the report, and a single probe that
 * disagrees with the sweep's reading of the same port makes that port an
 * error, never a pass. On nft-based hosts each port's deciding rule comes
 * from the step's trace (withSweepDecisions); each with the line that wrote
 * it, as are the rules the counters named for a broken port (withCountedOrigins).
 */
import { describeDelta } from "../judge/expectation.ts";
import { judgeSweep, sweepDecided } from "../judge/sweep.ts";
import type { RunningLab } from "../lab/types.ts";
import type { ExpectationResult } from "../model/results.ts";
import type { SweepBreak } from "../model/sweep.ts";
import type { Family } from "../model/types.ts";
import type { PlannedProbe } from "../plan/plan.ts";
import { observe } from "../probes/observe.ts";
import { resolveTarget } from "../probes/probe.ts";
import { nmapArgv, portList, readableArgv } from "../probes/sweep/nmap.ts";
import { countedDecision } from "../probes/sweep/resolve.ts";
import { runSweep } from "../probes/sweep/sweep.ts";
import { readFamilyCounters } from "../rules/read.ts";
import { dnatTargets } from "../rules/first-packet.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import { addressBook, addressOwner } from "./addresses.ts";
import { describeVarying, varyingWhy } from "../rules/stateful.ts";
import { SWEEP_SOURCE_PORT } from "../rules/trace-marking.ts";
import { MAX_VARYING_PORTS, notSwept, singleFinding, varyingPorts } from "./sweep-varying.ts";
import { proberTook } from "./sweep-prober.ts";
import { errorMessage } from "../errors.ts";
import { MAX_TRACED_SWEEP, type StepTraces, traceable } from "../probes/trace-step.ts";
import { pathRank } from "../probes/trace-decision.ts";
import type { Decision } from "../model/results.ts";
import type { TraceEvent } from "../rules/trace-events.ts";
import { dnatDestinations } from "../rules/trace-loopback.ts";

/** Broken ports probed again one by one. */
export const MAX_SINGLE = 8;

/** A sweep's result, and the ports that got no answer at all (nmap's no-response: what withSweepDecisions weighs the trace's first-packet rule against). */
export interface SweptExpectation {
  readonly result: ExpectationResult;
  readonly silent: ReadonlySet<number>;
}

/** `invocation`: how the user runs fwspec, for commands in hints (harness/invocation.ts). */
export async function sweepExpectation(lab: RunningLab, p: PlannedProbe, family: Family, early: boolean, sourcePort?: number, readTrace?: () => Promise<ReadonlyMap<string, readonly TraceEvent[]>>, invocation?: string, interfacesKnown = false): Promise<SweptExpectation> {
  const e = p.expectation;
  const sweep = e.sweep!;
  const protocol = e.protocol === "udp" ? "udp" : "tcp";
  const ports = Array.from({ length: sweep.last - sweep.first + 1 }, (_, i) => sweep.first + i);
  const target = e.to.kind === "host" ? lab.host(e.to.host) : undefined;
  const listens = (port: number) => target?.spec.listen.some((l) => l.port === port && (l.protocol === "udp") === (protocol === "udp")) ?? false;
  const from = lab.host(e.from);
  let facts;
  try {
    const onPath = new Map(await Promise.all(p.watch.map(async (h) => [h, await readFamilyCounters(lab.host(h), family)] as const)));
    // The hosts a DNAT on the path sends the ports on to are read too: a REJECT there answered the port, not the kernel
    // (tester 45a: a server's tcp-reset behind a DNAT read as admitted, nothing listening). Only those (reviewer: a host
    // off the path without a DNAT to it made the kernel's resets "cannot tell").
    const sentTo = sentOnHosts([...onPath.values()], p.beyond, addressOwner(addressBook(lab, family)));
    const watch = [...p.watch, ...sentTo];
    await forgetEarlierSweeps(lab, [e.from, ...watch], family, protocol, sourcePort ?? SWEEP_SOURCE_PORT);
    // Ports a rule answering by earlier packets, or by the packet's shape, can meet: probed one by one, not swept (sweep-varying.ts).
    const readings = new Map([...onPath, ...await Promise.all(sentTo.map(async (h) => [h, await readFamilyCounters(lab.host(h), family)] as const))]);
    const single = varyingPorts(readings, sweep.first, sweep.last, protocol, { from: e.from, target: e.to.kind === "host" ? e.to.host : e.to.kind === "localhost" ? e.from : undefined });
    const swept = ports.filter((port) => !single.has(port));
    facts = swept.length > 0
      ? await runSweep(lab, { from: e.from, source: e.source, to: e.to, ports: swept, protocol, family, timeoutSeconds: p.spec.timeoutSeconds, ...(sourcePort !== undefined ? { sourcePort } : {}) }, { watch, early, ...(early && readTrace ? { readTrace } : {}), invocation })
      : { address: targetOrEmpty(lab, { ...p.spec, family }), findings: new Map(), command: "", durationMs: 0, notes: [] };
    if (single.size > 0) {
      const findings = new Map(facts.findings);
      for (const [port, v] of single) findings.set(port, singleFinding(port, await observe(lab, { ...p.spec, port, family }, { watch: p.watch, beyond: p.beyond, latest: new Map(), early, interfacesKnown }), notSwept(v)));
      const first = single.values().next().value!;
      facts = { ...facts, findings: new Map([...findings].sort((a, b) => a[0] - b[0])), notes: [...facts.notes, `${single.size} port(s) probed one by one, not swept (${[...single.keys()].join(", ")}): ${describeVarying(first)} ${varyingWhy(first).replace(/,$/, "")}`] };
    }
    // nmap reads answers before the prober's own rules (sweep-prober.ts): when they took packets meanwhile, its answered ports are asked again.
    // Not for a sweep of the prober itself (its own rules answer it: the target's rules, not the prober's taking answers).
    const self = e.to.kind === "localhost" || (e.to.kind === "host" && e.to.host === e.from);
    const before = self ? undefined : readings.get(e.from);
    const { took, resetsOnly } = before && facts.address !== "" ? proberTook(before, await readFamilyCounters(from, family)) : { took: [], resetsOnly: true };
    if (took.length > 0) {
      const why = `${e.from}'s own rules took packets during the sweep (${took[0]}${took.length > 1 ? ` and ${took.length - 1} more` : ""}), and nmap reads answers before them`;
      // Rules that take only resets cannot have taken a SYN-ACK or an ICMP error.
      const answered = [...facts.findings.values()].filter((f) => (f.verdict === "open" || f.verdict === "refused" || f.verdict === "unreachable") && !single.has(f.port) && (!resetsOnly || f.answer === "reset")).map((f) => f.port);
      const findings = new Map(facts.findings);
      for (const port of answered) {
        findings.set(port, answered.length <= MAX_VARYING_PORTS
          ? singleFinding(port, await observe(lab, { ...p.spec, port, family }, { watch: p.watch, beyond: p.beyond, latest: new Map(), early, interfacesKnown }), `asked again: ${why}`)
          : { port, outcome: "error", verdict: "error", answer: findings.get(port)!.answer, evidence: `${why}: what ${e.from} gets here is not known, and ${answered.length} answered ports are more than the ${MAX_VARYING_PORTS} probed one by one; sweep from a host whose rules take no answers, or a smaller range`, rules: [] });
      }
      if (answered.length > 0) facts = { ...facts, findings, notes: [...facts.notes, `${answered.length} answered port(s) ${answered.length <= MAX_VARYING_PORTS ? "probed again one by one" : "not read"}: ${why}`] };
    }
  } catch (error) {
    const findings = new Map(ports.map((port) => [port, { port, outcome: "error" as const, verdict: "error" as const, answer: "", evidence: errorMessage(error), rules: [] }]));
    facts = { address: "", findings, command: "", durationMs: 0, notes: [`the sweep could not run: ${errorMessage(error)}`] };
  }
  // A sweep that could not run still names its target in the repro command (the address it would have swept).
  const address = facts.address !== "" ? facts.address : targetOrEmpty(lab, { ...p.spec, family });
  const repro = (port: number) => from.repro(readableArgv(nmapArgv(protocol, family, address, [port], { kind: "timeout", seconds: p.spec.timeoutSeconds }, facts.source, sourcePort)));
  const judged = judgeSweep(e, family, facts, listens, repro);
  // Not a UDP port whose ICMP error a single probe's client never sees (dropped, but answered: reviewer), nor one probed alone.
  const silent = new Set([...facts.findings].filter(([, f]) => f.verdict === "dropped" && f.answer === "no-response").map(([port]) => port));
  if (!judged.sweep || judged.sweep.broken.length === 0 || facts.address === "") return { result: judged, silent };
  const broken: SweepBreak[] = [];
  for (const [i, b] of judged.sweep.broken.entries()) {
    if (i >= MAX_SINGLE || b.answer === "") {
      broken.push(b);
      continue;
    }
    const o = await observe(lab, { ...p.spec, port: b.port, family }, { watch: p.watch, beyond: p.beyond, latest: new Map(), early, interfacesKnown });
    const single = { verdict: o.result.verdict, reason: o.result.reason, command: o.result.evidence.command, counted: o.decidedBy.map(describeDelta), ...(o.decision ? { decision: o.decision } : {}) };
    const finding = facts.findings.get(b.port)!;
    const agrees = single.verdict === finding.verdict;
    broken.push({ ...b, single, ...(agrees ? {} : { status: "error" as const, evidence: `${b.evidence}; but a single probe of the port says ${single.verdict} (${single.reason}): the sweep and the single probe disagree` }) });
  }
  const status = broken.some((b) => b.status === "failed") ? "failed" : "error";
  const notes = judged.sweep.broken.length > MAX_SINGLE ? [...judged.sweep.notes, `the first ${MAX_SINGLE} broken ports were probed again one by one`] : judged.sweep.notes;
  return { result: { ...judged, status, sweep: { ...judged.sweep, broken, notes } }, silent };
}

/** `every port` or `5 of 11 port(s) (20-24)`. */
function portsPhrase(ports: readonly number[], count: number): string {
  return ports.length === count ? "every port" : `${ports.length} of ${count} port(s) (${portList(ports)})`;
}

/** Of the hosts off the path (`beyond`), those a DNAT of the path's rulesets sends packets on to: every one when a DNAT's target is not read, none without a DNAT. */
export function sentOnHosts(rulesets: readonly SavedRuleset[], beyond: readonly string[], ownerOf: (address: string) => string | undefined): string[] {
  const targets = rulesets.map(dnatTargets);
  if (targets.some((t) => t.unknown)) return [...beyond];
  const owners = new Set(targets.flatMap((t) => t.addresses).map(ownerOf));
  return beyond.filter((h) => owners.has(h));
}

function targetOrEmpty(lab: RunningLab, spec: PlannedProbe["spec"]): string {
  try {
    return resolveTarget(lab, spec);
  } catch {
    return "";
  }
}

/**
 * A sweep's result with each port's deciding rule from the step's trace
 * (ranges of at most MAX_TRACED_SWEEP ports): grouped by rule, and on each
 * broken port. A larger range, or ports the trace did not see, keep the
 * counters' attribution, and the notes say so. `locate` gives a port's
 * decision the line that wrote its rule, as the session does an
 * observation's (rules/origin.ts locatedDecision).
 */
export interface SweepDecisionOptions {
  /** The line that wrote a decision's rule (rules/origin.ts locatedDecision, as the session locates an observation's). */
  readonly locate?: (d: Decision) => Decision;
  /** Did the port get no answer at all (SweptExpectation.silent)? */
  readonly silentOf?: (port: number) => boolean;
  /** The lab host holding an address: where a DNAT the trace shows sent the ports on to. */
  readonly ownerOf?: (address: string) => string | undefined;
}

export function withSweepDecisions(r: ExpectationResult, p: PlannedProbe, traces: StepTraces, lab: RunningLab, sourcePort: number, options: SweepDecisionOptions = {}): ExpectationResult {
  const { locate = (d: Decision) => d, silentOf = () => false, ownerOf = () => undefined } = options;
  const s = r.sweep;
  const range = p.expectation.sweep;
  if (!s || !range || r.address === "") return r;
  if (!p.watch.some((h) => traceable(lab.host(h)))) return { ...r, sweep: { ...s, attribution: "counters" } };
  const count = range.last - range.first + 1;
  if (count > MAX_TRACED_SWEEP) {
    return { ...r, sweep: { ...s, attribution: "counters", notes: [...s.notes, `${count} ports are more than the ${MAX_TRACED_SWEEP} a sweep traces: each port's rules are the counters' around its batch`] } };
  }
  // A firewall host on the path no trace sees (iptables-legacy): what it did with the ports the trace saw let through is
  // its counters' to say, not the trace's accept (tester 44f: a router's accept was named for ports its server REJECTed).
  // Only hosts after the one whose accept the trace shows (the prober first, routers, the target last): a host before it
  // let the packet through already, and one taking the answer on its way back leaves the port silent (`lost` below).
  const rank = (h: string) => pathRank(h, p.spec);
  const unseen = p.watch.filter((h) => lab.host(h).spec.firewall && !traceable(lab.host(h)));
  // A DNAT the trace shows sending the ports on to another lab host: the trace there looks for the address it was sent to.
  const sentOn = (d: Decision) => dnatDestinations(d.rewrites).flatMap((t) => {
    const host = ownerOf(t.address);
    return host !== undefined && host !== d.host ? [host] : [];
  });
  // Another router ranks alike: which of two comes first is not known, so an untraced one may be after (reviewer).
  const beyond = (d: Decision) => [...unseen.filter((h) => h !== d.host && rank(h) >= Math.max(rank(d.host), 1)), ...sentOn(d)];
  const passed: number[] = [];
  const after = new Set<string>();
  const lost: number[] = [];
  const decisions = new Map<number, Decision>();
  // Located once per rule, not per port (thousands of ports, a long ruleset): ports one rule took differ only in their trace
  // steps, which a sweep does not report.
  const located = new Map<string, Decision>();
  for (let port = range.first; port <= range.last; port++) {
    const d = traces.decisionFor({ ...p.spec, family: r.family, port }, r.address, "sweep", sourcePort);
    if (!d) continue;
    const onward = d.action === "accept" ? beyond(d) : [];
    if (onward.length > 0) {
      passed.push(port);
      for (const h of onward) after.add(h);
      continue;
    }
    // No answer came, though the trace shows the first packet let in or rejected: a rule took its answer or a later packet,
    // which a trace of first packets does not name (tester 44f: an OUTPUT DROP of resets named as the INPUT ACCEPT).
    if (d.action !== "drop" && silentOf(port)) {
      lost.push(port);
      continue;
    }
    const { steps: _steps, ...rule } = d;
    const key = JSON.stringify(rule);
    if (!located.has(key)) located.set(key, locate(d));
    decisions.set(port, located.get(key)!);
  }
  const missing = count - decisions.size - passed.length - lost.length;
  const decided = sweepDecided(decisions);
  const broken = s.broken.map((b) => {
    const d = decided.byPort.get(b.port);
    return d ? { ...b, ...d } : b;
  });
  return {
    ...r,
    sweep: {
      ...s, broken, decided: decided.groups, attribution: decisions.size === count ? "trace" : "counters",
      notes: [
        ...s.notes,
        ...(decisions.size === count ? [`each port's deciding rule from an nftables trace of the sweep's packets`] : []),
        ...(missing > 0 ? [`${missing} of ${count} port(s) left no trace: their rules are the counters' around their batch`] : []),
        ...(passed.length > 0 ? [`${portsPhrase(passed, count)}: let through where the trace saw, on to ${[...after].join(", ")}, where no trace follows them (iptables-legacy, or sent there by a DNAT): their rules are the counters' around their batch`] : []),
        ...(lost.length > 0 ? [`${portsPhrase(lost, count)}: no answer came, though the trace shows the first packet let in or rejected: what took the answer (or a later packet) is not in a trace of first packets; their rules are the counters' around their batch`] : []),
        ...(decisions.size > 0 && decisions.size < count ? [`the other ${decisions.size} port(s)' deciding rule from an nftables trace of the sweep's packets`] : []),
      ],
    },
  };
}

/**
 * A sweep's broken ports with the line that wrote each rule the counters
 * named for them (`… -j REJECT (rules.v4:12)`), found by `locate` as the
 * session finds an observation's; a port the trace did not decide gets its
 * rule's line as its origin when one rule alone counted it; a broken
 * port's single re-probe, its deciding rule's line.
 */
export function withCountedOrigins(r: ExpectationResult, locate: (d: Decision) => Decision): ExpectationResult {
  if (!r.sweep || r.sweep.broken.every((b) => b.rules.length === 0 && !b.single?.decision)) return r;
  const broken = r.sweep.broken.map((b) => {
    // A single re-probe's deciding rule (the counters' first packet) gets its line as an expectation's does.
    const single = b.single?.decision ? { ...b.single, decision: locate(b.single.decision) } : b.single;
    const origins = b.rules.map((name) => {
      const d = countedDecision(name);
      return d ? locate(d).origin : undefined;
    });
    const rules = b.rules.map((name, i) => (origins[i] ? `${name} (${origins[i].shown}:${origins[i].line})` : name));
    const only = b.origin === undefined && origins.length === 1 ? origins[0] : undefined;
    return { ...b, rules, ...(only ? { origin: only } : {}), ...(single ? { single } : {}) };
  });
  return { ...r, sweep: { ...r.sweep, broken } };
}

/**
 * A sweep leaves from a fixed source port (reserved on every lab host), so an earlier sweep of the scenario from the
 * same port is the same flow to conntrack: an answered port's entry (ESTABLISHED for UDP, 30 s and more) would carry
 * this sweep's packet past a rule for new connections added since, where a client's first packet meets that rule.
 * Conntrack is not flushed between steps while a connection is held, nor after a `run` step's rule change: those
 * entries are deleted on the prober and the hosts on the path before the sweep, of its own family only (the other
 * family's sweep from the same port may be running side by side, and conntrack 1.4.7 deletes both without `-f`;
 * `conntrack -D` exits 1 when there are none: not an error; a host without the tool has no entries to carry).
 */
async function forgetEarlierSweeps(lab: RunningLab, hosts: readonly string[], family: Family, protocol: "tcp" | "udp", sourcePort: number): Promise<void> {
  const argv = ["conntrack", "-D", "-f", family, "-p", protocol, "--sport", String(sourcePort)];
  await Promise.all([...new Set(hosts)].map((h) => lab.host(h).exec(argv, { light: true, timeoutSeconds: 5 })));
}
