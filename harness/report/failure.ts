/**
 * The one failure formatter: what a failed expectation says (expected vs
 * observed, what it means, the probe, the repro command, its output, how it
 * ended, the rule that decided, the rules that counted it) and how a parity finding reads. The
 * console report, JUnit and vitest lay these lines out; none builds its own.
 */
import { type Decision, type ExpectationResult, nativeTable, type RuleHit } from "../model/results.ts";
import { namedVmap, vmapElement } from "../rules/dports.ts";
import { OUTCOME_LABEL, type PortOutcome, type SweepResult } from "../model/sweep.ts";
import { portList } from "../probes/sweep/nmap.ts";
import { sourceLabel } from "../model/types.ts";
import { rewritten } from "../judge/explain.ts";
import { failedByParity } from "../judge/expectation.ts";
import { REFUSAL_KINDS, REFUSAL_OF_KIND } from "../scenario/refusal.ts";
import type { ParityFinding } from "./model.ts";

const OUTPUT_LINES = 6;

/** `expected dropped, observed open (reason)` and labelled detail lines, each indented by `indent`. */
export function expectationFailure(e: ExpectationResult, indent = "  "): string {
  // A label wider than the column (`port 60080:`) still gets a space before its text.
  const label = (name: string, text: string) => `${indent}${`${name}: `.padEnd(9)}${text.split("\n").join(`\n${indent}${" ".repeat(9)}`)}`;
  if (e.sweep) return sweepFailure(e, e.sweep, label);
  const output = (e.evidence.stderr.trim() || e.evidence.stdout.trim()).split("\n").slice(0, OUTPUT_LINES).join("\n");
  return [
    `${expectationMismatch(e)} (${e.reason})`,
    ...(e.explanation && e.explanation !== e.answerMismatch ? [label("meaning", e.explanation)] : []),
    label("probe", `${sourceLabel(e.from, e.source)} -> ${e.to} (${e.address}) port ${e.port}/${e.protocol} ${e.family}`),
    ...(e.answer ? [label("answer", e.answer)] : []),
    // No command when no probe was sent (a target no host holds, a container gone before it ran).
    label("repro", e.evidence.command || "(none: no probe was sent)"),
    label("output", output || "(none)"),
    endedLine(e, label),
    ...(e.decision ? [label("decided", decidedFor(e, e.decision))] : []),
    label("counted", countedText(e, "no rule or policy on its path counted it")),
  ].join("\n");
}

/**
 * The rules whose counters moved during the probe, or `none`; a held check
 * reads no counters, so it says that instead; nor does a probe a native
 * nftables table decided claim that nothing on its path counted it: there a
 * chain policy has no counter, and a rule counts only with a `counter` statement.
 */
export function countedText(e: ExpectationResult, none: string): string {
  if (e.decidedBy.length > 0) {
    // The counted rules first (e.counted, the same order), each after its host: two firewall hosts' `INPUT #1` read alike otherwise; then the chain policies.
    const hits = e.counted ?? [];
    return [...hits.map((h) => `${h.host ? `${h.host}: ` : ""}${hitText(h)}`), ...e.decidedBy.slice(hits.length)].join("\n");
  }
  if (e.held !== undefined) return "not read for a held check (its data is retransmitted, so counters cannot be attributed to it)";
  return uncountedNative(e.decision) ?? none;
}

/** Why no counter moved when a native nftables table's policy, or rule without a `counter` statement, decided; undefined otherwise. */
function uncountedNative(d: Decision | undefined): string | undefined {
  if (!d || !nativeTable(d.table)) return undefined;
  if (d.policy) return "no counter moved: an nftables chain policy has none, and no rule with a `counter` statement on its path counted it";
  if (!/(?:^|\s)counter(?:\s|$)/.test(d.rule.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return "no counter moved: the deciding nftables rule has no `counter` statement, and no rule with one on its path counted it";
  return undefined;
}

/** `ipv4 inet filter input #7 tcp dport 8081 counter reject with tcp reset # handle 10 (+1 packets)`: a counted rule as `decidedBy` words it. */
export function hitText(h: RuleHit): string {
  return `${h.family} ${h.table} ${h.chain} #${h.position} ${h.text} (+${h.packets} packets)`;
}

/** A sweep's ports per outcome, most first (ties in OUTCOME_LABEL's order): `14 dropped, 1 refused, 1 unreachable`. */
export function sweepCounts(s: SweepResult): string {
  return (Object.keys(OUTCOME_LABEL) as PortOutcome[]).map((o) => [o, s.counts[o] ?? 0] as const).filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]).map(([o, n]) => `${n} ${OUTCOME_LABEL[o]}`).join(", ");
}

/**
 * What a sweep's matrix cell says: its verdict on its range and the ports per
 * outcome (`blocked on 1-1024 except 22: 1021 dropped, 2 open`); failed, how many ports broke it.
 */
export function sweepCell(e: ExpectationResult, s: SweepResult): string {
  const failed = s.broken.filter((b) => b.status === "failed").length;
  const undecided = s.broken.length - failed;
  const breaks = [...(failed > 0 ? [`${failed} port(s) broke it`] : []), ...(undecided > 0 ? [`${undecided} port(s) could not be decided`] : [])];
  return `${expectedWord(e)} on ${s.ports}: ${breaks.length > 0 ? `${breaks.join(", ")} (${sweepCounts(s)})` : sweepCounts(s)}`;
}

/** A sweep: its summary, what the breaks mean, then each broken port with its evidence and a repro command. */
function sweepFailure(e: ExpectationResult, s: SweepResult, label: (name: string, text: string) => string): string {
  const lines = [
    `expected ${expectedWord(e)} on ${s.ports}, observed ${s.summary}`,
    ...(e.explanation ? [label("meaning", e.explanation)] : []),
    label("sweep", `${e.from} -> ${e.to} (${e.address}) ports ${s.ports}/${e.protocol} ${e.family}, ${e.evidence.durationMs} ms; ${s.notes.join("; ")}`),
    // Every port probed alone (none by the batch): each port's repro below is the command.
    ...(s.command !== "" ? [label("repro", s.command)] : []),
    ...(s.decided && s.decided.length > 0 ? [label("decided", s.decided.map((d) => `${d.count === 1 ? "port" : "ports"} ${d.ports}: ${d.decided}`).join("\n"))] : []),
  ];
  // Ports whose words are the same but for the port (a sweep that could not run: tester 44f saw 41 alike) are one entry.
  const words = (b: SweepResult["broken"][number]) => [
    `${b.status === "error" ? "cannot decide" : "broke"}: expected ${b.expected}, observed ${b.observed} (answer ${b.answer || "none"})`,
    `evidence: ${b.evidence}`,
    ...(b.decided ? [`decided: ${b.decided}`] : []),
    ...(b.rules.length > 0 ? [`rules: ${b.rules.join("; ")}`] : []),
    ...(b.single ? [`single probe: ${b.single.verdict} (${b.single.reason}); counted: ${b.single.counted.join("; ") || "no rule"}`, ...(b.single.decision ? [`single probe decided: ${decidedLine(b.single.decision)}`] : []), `repro: ${b.single.command}`] : []),
  ].join("\n");
  const groups: { ports: number[]; text: string; repro: string }[] = [];
  for (const b of s.broken) {
    const text = words(b);
    const last = groups.at(-1);
    if (last && last.text === text && !b.single) last.ports.push(b.port);
    else groups.push({ ports: [b.port], text, repro: b.repro });
  }
  for (const g of groups) {
    const many = g.ports.length > 1;
    lines.push(label(many ? `ports ${portList(g.ports)}` : `port ${g.ports[0]}`, `${g.text}\nrepro: ${g.repro}${many ? ` (port ${g.ports[0]}; the others alike)` : ""}`));
  }
  return lines.join("\n");
}

function endedLine(e: ExpectationResult, label: (name: string, text: string) => string): string {
  if (e.evidence.stoppedEarly) return label("ended", e.evidence.stoppedEarly);
  if (e.evidence.exitCode !== null) return label("exit", `${e.evidence.exitCode} after ${e.evidence.durationMs} ms`);
  return label("ended", e.evidence.durationMs > 0 ? `no exit status after ${e.evidence.durationMs} ms` : "the probe tool did not run");
}

/**
 * The decided line of an expectation: when its first packet was let through
 * and still no answer came, the line says the answer was lost on its way
 * back, which no trace follows (a reply dropped in an output chain or a
 * second forward chain): the rule named let the packet in, it did not drop it.
 * When the answer did come (the target held the connection half-open), a
 * later packet was lost instead: the handshake's last ACK, or what followed.
 */
export function decidedFor(e: Pick<ExpectationResult, "actual"> & Partial<Pick<ExpectationResult, "halfOpen" | "to" | "from" | "port" | "protocol">>, d: Decision): string {
  const line = decidedLine(d, e.port);
  if (e.actual !== "dropped" || d.action !== "accept" || d.answer || d.later || d.held) return line;
  if (d.hairpin) return `${line}; it let the first packet through: ${hairpinWords(d.hairpin, e.from, d.host, e.protocol)}`;
  return e.halfOpen
    ? `${line}; it let the first packet through and the answer came back: a later packet, the handshake's last ACK or what followed, was lost on its way${e.to ? ` to ${e.to}` : ""} (only first packets are traced; look at what takes established packets there${nativeTable(d.table) ? ", a policy drop among them, whose count native nftables chains do not keep" : ""})`
    : `${line}; it let the first packet through: the answer was lost on its way back (answers are not traced; look at the chains its reply crosses: ${replyChains(e.from, d.action === "accept" && d.sentOnTo !== undefined ? `the host at ${d.sentOnTo} (where the DNAT sent it)` : e.to)})`;
}

/** Why no answer came back to a probe a DNAT sent on to a host on the prober's own network (Decision.hairpin). */
export function hairpinWords(target: string, from: string | undefined, router: string, protocol?: string): string {
  const prober = from ?? "the prober";
  const stray = protocol === "udp" ? "its socket does not take it" : "its kernel resets it";
  return `the DNAT sent it to ${target}, on ${prober}'s own network, with no SNAT: ${target} answered ${prober} directly, from its own address, which ${prober}'s connection does not expect (${stray}), so no chain dropped the answer; a port forward used from inside needs that traffic SNATed (masqueraded) on ${router} too (hairpin NAT)`;
}

/**
 * The chains a probe's answer crosses on its way back, wherever the rule that let the probe in was (tester 42b: the
 * hint named `output` on that rule's host, a router or the prober too): out of the target, through any router, into
 * the prober. A probe of the prober's own loopback crosses its output and input only.
 */
export function replyChains(from: string | undefined, to: string | undefined): string {
  if (from !== undefined && (to === "localhost" || to === from)) return `output and input on ${from}`;
  return `output on ${to ?? "the target"}, forward on a router between them, input on ${from ?? "the prober"}`;
}

/** `server ipv4 filter INPUT → ufw-before-input: -A ufw-before-input … (took its first packet; from the counters)`. */
export function decidedLine(d: Decision, port?: number | { readonly verdict: string }): string {
  const what = d.answer ? "took the answer on its way back" : d.later ? "took a later packet of its connection, the handshake's last ACK or what followed" : d.held ? "took the held connection's data" : "took its first packet";
  const how = d.source === "trace" ? "nftables trace" : "counters";
  if (d.unfiltered) return `${d.host} ${d.family} ${d.rule}: it passed ${d.path.length > 0 ? `only ${d.path.join(", ")}` : "no chain of the ruleset"}, so nothing filtered it${rewritten(d)} (${what}; ${how})`;
  const where = d.policy ? `${d.path[0]} ${d.rule}` : `${d.path.join(" → ")}: ${d.rule}`;
  return `${d.host} ${d.family} ${d.table} ${where}${d.handle !== undefined ? ` [handle ${d.handle}]` : ""}${elementFor(d, port)}${d.origin ? `, written at ${d.origin.shown}:${d.origin.line}` : ""}${rewritten(d)} (${what}; ${how})`;
}

/**
 * ` (its element for port 8080: 8080 : drop)`: which element of the rule's port verdict map took the probe
 * (tester 42b: the whole map was named alike for a dropped port and an open one). Not after a rewrite (a DNAT or
 * REDIRECT may have changed the port the map saw).
 */
function elementFor(d: Decision, port: number | { readonly verdict: string } | undefined): string {
  // Not for an answer (the map saw the reply's ports), nor after a rewrite (it may have seen another port).
  if (port === undefined || d.policy || d.answer === true || (d.rewrites?.length ?? 0) > 0) return "";
  // Ports of a sweep grouped by the verdict their elements give.
  if (typeof port !== "number") return ` (its elements for these ports: ${port.verdict})`;
  const element = vmapElement(d.rule, port);
  if (element !== undefined) return ` (its element for port ${port}: ${element})`;
  // A named map: its elements are not in the rule's text; what its element gave the port is the decision's verdict.
  const named = namedVmap(d.rule);
  return named === undefined ? "" : ` (${named}'s element for port ${port}: ${d.action})`;
}

/** The short form: `expected dropped, observed open`; `expected refused:icmp, observed refused:rst` when the refusal kind made the difference. */
export function expectationMismatch(e: ExpectationResult): string {
  if (e.sweep) return `expected ${expectedWord(e)} on ${e.sweep.ports}, ${e.sweep.broken.length} port(s) broke it: ${e.sweep.summary}`;
  // An open probe answered by the wrong listener, or seen from the wrong source: say which part failed.
  if (e.answerMismatch) return `expected ${e.expected}${expectedClauses(e.text)}, observed ${e.actual}: ${e.answerMismatch}`;
  // The verdict held; the other family's did not match it (parity: fail).
  if (failedByParity(e) && e.parity) return `expected ${expectedWord(e)} in both families (parity: fail), observed ${observedWord(e)} over ${e.family} but ${e.parity.verdict} over ${e.parity.family}`;
  return `expected ${expectedWord(e)}, observed ${observedWord(e)}`;
}

/**
 * The expected verdict as the expectation wrote it: `refused:rst` /
 * `refused:icmp` keep their kind (read from the expectation's text, which the
 * scenario grammar renders with it); any other verdict is itself.
 */
export function expectedWord(e: ExpectationResult): string {
  if (e.expected !== "refused") return e.expected;
  const m = /(?:^|\s)refused:(\S+)/.exec(e.text);
  return m && (REFUSAL_KINDS as readonly string[]).includes(m[1]!) ? `refused:${m[1]}` : e.expected;
}

/**
 * The observed verdict, with how a refusal came back when the expectation
 * asked for a kind (`refused:rst`, `refused (its kind not seen)`): else
 * `refused:icmp` against `refused:rst` would read `refused` against `refused`.
 */
export function observedWord(e: ExpectationResult): string {
  if (e.actual !== "refused" || expectedWord(e) === e.expected) return e.actual;
  const kind = REFUSAL_KINDS.find((k) => REFUSAL_OF_KIND[k] === e.refusal);
  return kind ? `refused:${kind}` : "refused (its kind not seen)";
}

/** ` answered-by backend:8080 seen-from router`, as the expectation line says it. */
function expectedClauses(text: string): string {
  const m = /\s(answered-by\s.*|seen-from\s.*)$/.exec(text);
  return m ? ` ${m[1]!.trim()}` : "";
}

/** `parity warning: line 7: a -> b:80 open is open over ipv4 but dropped over ipv6`. */
export function parityLine(p: ParityFinding): string {
  return `parity ${p.severity}: line ${p.line}: ${p.text} is ${p.verdict} over ${p.family} but ${p.otherVerdict} over ${p.otherFamily}`;
}

/** A parity finding's deciding rules, its own family's first, each as the `decided:` line words it (with the line that wrote it); none when no rule was named. */
export function parityDecided(p: ParityFinding): string[] {
  const sides = [[p.decision, p.verdict, p.halfOpen], [p.otherDecision, p.otherVerdict, p.otherHalfOpen]] as const;
  return sides.flatMap(([d, actual, halfOpen]) => (d ? [decidedFor({ actual: actual as ExpectationResult["actual"], from: p.from, to: p.to, port: p.port, ...(halfOpen ? { halfOpen } : {}) }, d)] : []));
}
