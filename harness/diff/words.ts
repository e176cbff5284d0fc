/**
 * The words every `fwspec diff` report uses (render only, pure): what each
 * side of a change observed — its verdict, or for a flow open on both sides
 * whose answer changed `open (answered by web:80, saw internet)` — and the
 * note for an allow entry that matched no change (`allow entry not probed:
 * … is not in the flow matrix: ENTRY` or `allow entry matched no change:
 * ENTRY`), each side's rule with the line that wrote it, and the note for
 * rules that differ while no flow changed. The console (render.ts) and the HTML report (report/html.ts) say
 * the same; each neutralises or escapes the text itself.
 */
import { laterPacketsWords, noRuleReason } from "./deciding.ts";
import { answerChanged, type DiffResult, type FlowChange, type FlowSide, refusalChanged } from "./model.ts";

/** `open (answered by web:80, saw internet)`: a side of an answer change. */
function answered(side: FlowSide): string {
  return side.answer ? `${side.verdict} (answered by ${side.answer.host}:${side.answer.port}, saw ${side.answer.saw})` : side.verdict;
}

/** What side a and side b observed: both verdicts, or for an answer change who answered and the source it saw. */
export function changeWords(c: Pick<FlowChange, "a" | "b">): readonly [string, string] {
  if (refusalChanged(c.a, c.b)) return [refusedHow(c.a), refusedHow(c.b)];
  return answerChanged(c.a, c.b) ? [answered(c.a), answered(c.b)] : [c.a.verdict, c.b.verdict];
}

/** `refused:rst` or `refused:icmp`, as an expectation writes it: a side of a refusal change. */
function refusedHow(side: FlowSide): string {
  return side.refusal === "tcp-reset" ? "refused:rst" : side.refusal === "icmp-port-unreachable" ? "refused:icmp" : side.verdict;
}

/**
 * A side's deciding rule on its host with the line that wrote it (`server:
 * … -j DROP (rules.sh:3)`), and whether it took the answer rather than the
 * first packet; undefined when no rule was named.
 */
export function sideRule(side: FlowSide): string | undefined {
  if (!side.rule) return undefined;
  return `${side.host ? `${side.host}: ` : ""}${side.rule}${side.where ? ` (${side.where})` : ""}${side.answerTaken ? ", which took its answer on the way back" : ""}`;
}

/** What decided a side, in words: its rule; else the DROP for later packets that took what followed its first packet; else why no rule counted it. */
export function sideWords(side: FlowSide): string {
  return sideRule(side) ?? (side.later ? laterPacketsWords(side.later) : noRuleReason(side.verdict, side.unwatched === true));
}

/**
 * A changed flow's side against the other: when the other side's rule took
 * the answer on its way back, this side (open) also names what let its answer
 * in (a rule for a connection's later packets the change removed or moved).
 */
export function sideWordsAgainst(side: FlowSide, other: FlowSide): string {
  const back = answerCameBackBy(side, other);
  const nat = natAgainst(side, other);
  return `${sideWords(side)}${back ? `; its answer came back by ${back}` : ""}${nat ? `; ${nat}` : ""}`;
}

/**
 * The NAT rules that rewrote this side's first packet, when they are not the other side's (tester 45b: a removed
 * MASQUERADE or an added DNAT behind a change was named nowhere but in the JSON); undefined when both sides agree.
 */
export function natAgainst(side: FlowSide, other: FlowSide): string | undefined {
  const mine = side.rewrites ?? [];
  const theirs = other.rewrites ?? [];
  if (mine.length === theirs.length && mine.every((r, i) => r.replace(/ \[handle \d+\]$/, "") === theirs[i]!.replace(/ \[handle \d+\]$/, ""))) return undefined;
  return mine.length > 0 ? `rewritten by ${mine.join("; ")}` : "no NAT rule rewrote it";
}

/** The rule that let this side's answer back in, when the other side's rule took the answer (else undefined). */
export function answerCameBackBy(side: FlowSide, other: FlowSide): string | undefined {
  return other.answerTaken ? side.answerPassed : undefined;
}

/** The note for rules that differ while no flow of the matrix changed, or undefined. */
export function unseenChangeNote(d: Pick<DiffResult, "rulesDiffer" | "changes" | "rulesets" | "redecided" | "problems">): string | undefined {
  // A side whose set-up failed loaded nothing to compare: its problem says so.
  if (!d.rulesDiffer || d.changes.length > 0 || !d.rulesets || d.problems.length > 0) return undefined;
  const short = (xs: readonly string[]) => xs.map((x) => x.slice(0, 12)).join(", ");
  const moved = d.redecided?.length ?? 0;
  if (moved > 0) return `the rules loaded differ (a: ${short(d.rulesets.a)}, b: ${short(d.rulesets.b)}); no verdict changed, but ${moved} flow(s) are decided by another rule (above)`;
  return `the rules loaded differ (a: ${short(d.rulesets.a)}, b: ${short(d.rulesets.b)}), but no flow of the matrix told them apart: if the change matters to any traffic, it is traffic the matrix does not send (another source address, a port no host listens on, ICMP …); check such a change with an expectation of its own`;
}

/** One note per allow entry that matched no change, in the order given: not probed (with why), or matched no change. */
export function allowNotes(d: Pick<DiffResult, "unusedAllows" | "unprobedAllows">): string[] {
  return d.unusedAllows.map((u) => {
    const unprobed = d.unprobedAllows?.find((p) => p.entry === u);
    return unprobed ? `allow entry not probed: ${unprobed.why}: ${u}` : `allow entry matched no change: ${u}`;
  });
}

/** How many flows changed of those compared; a diff that compared none because a side had problems says so (not `0 of 0 changed`). */
export function headline(d: DiffResult): string {
  const allowed = d.changes.filter((c) => c.allowed).length;
  if (d.compared === 0 && d.problems.length > 0) return `no flow compared: ${d.problems.length} problem(s), below`;
  // A set-up step that failed (on a side, or both) leaves flows compared on a lab that is not the rules' (tester 44e: read as clean).
  const problems = d.problems.length > 0 ? `; ${d.problems.length} problem(s) below: a set-up step failed, so the flows may not show the rules` : "";
  return `${d.changes.length} of ${d.compared} flow(s) changed${allowed > 0 ? ` (${allowed} allowed)` : ""}${d.errors.length > 0 ? `, ${d.errors.length} not compared (probe error)` : ""}${problems}`;
}
