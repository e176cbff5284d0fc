/**
 * The rule that decided a probe, from the rules whose counters moved while it
 * ran (an expectation result's `decidedBy`, judge/expectation.ts writes them
 * as `ipv4 filter INPUT #2 -A INPUT -p tcp -j ACCEPT (+1 packets)`). Pure.
 * The rule whose target gives the verdict: ACCEPT for `open`, DROP for
 * `dropped`, REJECT for `refused`/`unreachable`; among several, one in an
 * incoming chain (INPUT, FORWARD, a user chain) before OUTPUT; a rule only
 * for the connection's later packets (`--ctstate ESTABLISHED,RELATED`)
 * never (the first packet went by another rule, or the chain's policy).
 */
import type { Decision, RuleHit } from "../model/results.ts";
import type { Verdict } from "../model/types.ts";
import { blankQuoted } from "../rules/nft-canonical.ts";
import { iptablesDports, nftDports } from "../rules/dports.ts";

export interface CountedRule {
  readonly family: string;
  readonly table: string;
  readonly chain: string;
  readonly position: number;
  /** `-A INPUT -p tcp -j ACCEPT`. */
  readonly text: string;
  readonly target: string | undefined;
}

const LINE = /^(ipv4|ipv6) (.+?) (\S+) #(\d+) (.*) \(\+\d+ packets\)$/;


/**
 * The verdict of a rule as `nft -a list ruleset` prints it, in iptables'
 * words (ACCEPT, DROP, REJECT): its verdict statement is its last, but for a
 * `comment "…"` and `# handle N` after it (`limit …`, `log …`, `counter`
 * come before it); a verdict in a set or map (`vmap { 80 : drop }`) is none.
 */
export function nftTarget(text: string): string | undefined {
  const code = blankQuoted(text).replace(/\s+# handle \d+\s*$/, "").replace(/\s+comment ""\s*$/, "").replace(/\{[^{}]*\}/g, "{}").trim();
  return /(?:^|\s)(accept|drop|reject)(?:\s+with\s+(?:tcp\s+reset|(?:icmpx|icmpv6|icmp)\s+(?:type\s+)?\S+))?$/.exec(code)?.[1]?.toUpperCase();
}

/** One `decidedBy` line read back; undefined for a line of another shape. */
export function parseCounted(line: string): CountedRule | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const text = m[5]!;
  // iptables: `-j X`; nft (the rule as `nft -a list ruleset` prints it): its verdict statement.
  const target = /(?:^| )-[jg] (\S+)/.exec(blankQuoted(text))?.[1] ?? nftTarget(text);
  return { family: m[1]!, table: m[2]!, chain: m[3]!, position: Number(m[4]), text, target };
}

const TARGETS: Readonly<Partial<Record<Verdict, readonly string[]>>> = {
  open: ["ACCEPT"],
  dropped: ["DROP"],
  refused: ["REJECT"],
  unreachable: ["REJECT"],
};

const OUTGOING = new Set(["OUTPUT", "POSTROUTING"]);

/** A rule for a connection's later packets only (`--ctstate ESTABLISHED,RELATED`, nft's `ct state established,related` or `{ established, related }`): a probe's first packet never matches it. */
function laterPacketsOnly(text: string): boolean {
  const code = blankQuoted(text);
  const m = /(!\s+)?--(?:ct)?state (\S+)/.exec(code) ?? /(?:^|\s)ct state (!=\s+)?(\{[^}]*\}|\S+)/.exec(code);
  return m !== null && m[1] === undefined && m[2]!.split(/[\s,{}]+/).filter((s) => s !== "").every((s) => /^(ESTABLISHED|RELATED)$/i.test(s));
}

/** `ipv4 filter INPUT #2 -A INPUT -p tcp -j ACCEPT`: the rule as diff and record name it. */
export function ruleName(r: Pick<CountedRule, "family" | "table" | "chain" | "position" | "text">): string {
  return `${r.family} ${r.table} ${r.chain} #${r.position} ${r.text}`;
}

/** A counted rule whose destination ports leave out `port` counted another flow's packets (undefined: not judged). */
function otherPorts(r: CountedRule, port: number | undefined): boolean {
  // Only where packets toward the target pass (INPUT, PREROUTING): a FORWARD or OUTPUT rule may have taken the answer, whose destination is the prober's port.
  if (port === undefined || !/^(?:INPUT|PREROUTING)$/i.test(r.chain)) return false;
  const ranges = / # handle \d+$/.test(r.text) ? nftDports(r.text) : iptablesDports(r.text);
  return ranges !== undefined && !ranges.some(([a, b]) => a <= port && port <= b);
}

/**
 * The rule that decided `verdict`, from the probe's `decidedBy` lines; undefined when none fits (a policy, nothing
 * listening). `port`: the probe's destination port, where no rule rewrote it: a rule for other ports counted
 * another flow's packets meanwhile (a connection's retransmissions), not the probe's.
 */
export function decidingRule(verdict: Verdict, decidedBy: readonly string[], port?: number): string | undefined {
  const targets = TARGETS[verdict];
  if (!targets) return undefined;
  // A rule that counted only the connection's later packets did not decide: the first packet went by another rule, or the policy.
  const candidates = decidedBy.map(parseCounted).filter((r): r is CountedRule => r !== undefined && r.target !== undefined && targets.includes(r.target) && !laterPacketsOnly(r.text) && !otherPorts(r, port));
  const best = [...candidates].sort((x, y) => (OUTGOING.has(x.chain.toUpperCase()) ? 1 : 0) - (OUTGOING.has(y.chain.toUpperCase()) ? 1 : 0))[0];
  return best === undefined ? undefined : ruleName(best);
}

/**
 * For an open probe: the ACCEPT for a connection's later packets
 * (`--ctstate ESTABLISHED,RELATED`, nft `ct state established,related`)
 * that counted, with its host: what let its answer (or what followed it)
 * in. Undefined when none counted.
 */
export function answerAcceptedBy(verdict: Verdict, counted: readonly RuleHit[]): string | undefined {
  if (verdict !== "open") return undefined;
  const hit = counted.find((h) => (/(?:^| )-[jg] (\S+)/.exec(blankQuoted(h.text))?.[1] ?? nftTarget(h.text)) === "ACCEPT" && laterPacketsOnly(h.text));
  return hit === undefined ? undefined : `${hit.host}: ${ruleName(hit)}`;
}

/**
 * The host of the rule resultDecidingRule named (`rule`): its decision's
 * when the decision gives the verdict, else the counted rule's of that name.
 */
export function decidingHost(e: { readonly actual: Verdict; readonly decision?: Decision; readonly counted?: readonly RuleHit[] }, rule: string): string | undefined {
  if (e.decision && ACTIONS[e.actual] === e.decision.action) return e.decision.host;
  return e.counted?.find((h) => ruleName(h) === rule)?.host;
}

/** How diff and record name a later-packets DROP (laterPacketsRule) that took what followed a probe's first packet. */
export function laterPacketsWords(rule: string): string {
  return `${rule} (a rule for a connection's later packets) took what followed its first packet`;
}

/**
 * A DROP for a connection's later packets (`--ctstate ESTABLISHED`) that
 * counted while a probe was `dropped`: no rule took its first packet, this
 * one took its answer or what followed (an ESTABLISHED DROP before the
 * ACCEPT lets the SYN in and drops the rest). Undefined otherwise.
 */
export function laterPacketsRule(verdict: Verdict, decidedBy: readonly string[], port?: number): string | undefined {
  if (verdict !== "dropped") return undefined;
  const taker = decidedBy.map(parseCounted).find((r): r is CountedRule => r !== undefined && r.target === "DROP" && laterPacketsOnly(r.text) && !otherPorts(r, port));
  return taker === undefined ? undefined : ruleName(taker);
}

const ACTIONS: Readonly<Partial<Record<Verdict, Decision["action"]>>> = { open: "accept", dropped: "drop", refused: "reject", unreachable: "reject" };

/** A counted rule is the decision's: by handle when its line names one (native nft), else by its text. */
function sameRule(r: CountedRule, d: Decision): boolean {
  const handle = / # handle (\d+)$/.exec(r.text)?.[1];
  return handle !== undefined ? d.handle !== undefined && Number(handle) === d.handle : r.text === d.rule;
}

/** Is the rule resultDecidingRule names the result's decision (not the counters' guess)? */
export function ruleIsDecision(e: { readonly actual: Verdict; readonly decision?: Decision }): boolean {
  return e.decision !== undefined && ACTIONS[e.actual] === e.decision.action && e.decision.unfiltered !== true;
}

/**
 * The deciding rule of a result: its `decision` (the trace's, or the
 * counters' first rule on the path) when that decision gives the verdict,
 * named as its counter line names it (`ipv4 filter INPUT #2 -A INPUT … -j
 * DROP`), else without a position (`ipv4 inet fw input policy drop`); otherwise the guess from `decidedBy`.
 */
export function resultDecidingRule(e: { readonly actual: Verdict; readonly decidedBy: readonly string[]; readonly decision?: Decision; readonly port?: number }): string | undefined {
  const d = e.decision;
  if (d && ACTIONS[e.actual] === d.action) {
    if (d.unfiltered) return `${d.family} ${d.rule}`;
    const chain = d.path[d.path.length - 1] ?? "";
    // Named as the counters name it (with its position) when its counter moved too: a native nft rule by its
    // handle (its counter line ends `# handle N`, the decision's text does not), an iptables rule by its text.
    const counted = e.decidedBy.map(parseCounted).find((r) => r !== undefined && r.family === d.family && r.table === d.table && r.chain === chain && sameRule(r, d));
    return counted ? ruleName(counted) : `${d.family} ${d.table} ${chain} ${d.rule}`;
  }
  return decidingRule(e.actual, e.decidedBy, portJudged(e));
}

/** The probe's port, unless a rule on its path rewrote ports (a DNAT or REDIRECT counted, or the decision names a rewrite). */
export function portJudged(e: { readonly decidedBy: readonly string[]; readonly decision?: Decision; readonly port?: number }): number | undefined {
  const rewritten = (e.decision?.rewrites?.length ?? 0) > 0 || e.decidedBy.some((l) => /(?:-j (?:DNAT|REDIRECT)|\b(?:dnat|redirect)\b)/.test(blankQuoted(l)));
  return rewritten ? undefined : e.port;
}

/** What it means that no terminal rule counted a probe with this verdict. */
export function noRuleReason(verdict: Verdict, unwatched = false): string {
  if (unwatched) return "no firewall host on its path";
  switch (verdict) {
    case "open":
      return "no rule counted it: the chain policy let it through";
    case "dropped":
      return "no rule counted it: a chain's drop policy, or the answer was lost";
    case "refused":
      return "no rule counted it: nothing listens, or the host's stack refused it";
    default:
      return "no rule counted it";
  }
}
