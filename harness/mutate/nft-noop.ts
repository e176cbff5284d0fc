/**
 * No-op chains of an nft file (pure): a regular (not base) chain whose every
 * rule is exactly `jump C` or `goto C` to a no-op chain — an empty regular
 * chain is one. A packet entering it comes back to where it would have gone
 * anyway, untouched: `jump C` to a no-op chain does nothing wherever it
 * stands, so deleting it, swapping it with a neighbour or moving it to the end
 * of its chain cannot change a verdict. `goto C` is not claimed as a rule (it
 * leaves its own chain), only inside a no-op chain, where whatever it skips
 * does nothing either. Rules with a match, a counter, a log or any other
 * statement are not read: the chain holding one is no no-op. A chain is known
 * only when every line of it was read as a rule, it was declared in the file
 * and nothing else may write to it (withoutUnknownNoops); a cycle is no no-op.
 */
import type { Scenario } from "../scenario/model.ts";
import type { NftRuleLine } from "./nft-lines.ts";
import type { RuleLine } from "./rule-lines.ts";

/** What a file says of one chain of a table. */
export interface ChainFacts {
  /** A base chain (`type … hook …`): its end is its policy, not a return. */
  readonly base: boolean;
  /** Every line inside its block(s) was read as a rule (no statement over several lines, none with `;`). */
  readonly whole: boolean;
  /** Its rules' words, from its blocks and `add rule` commands. */
  readonly rules: readonly (readonly string[])[];
}

/** The no-op chains among one table's chains (by name). */
export function noopChains(chains: ReadonlyMap<string, ChainFacts>): Set<string> {
  const known = new Map<string, boolean>();
  const noop = (name: string): boolean => {
    const seen = known.get(name);
    if (seen !== undefined) return seen;
    known.set(name, false); // a cycle back here is no no-op
    const c = chains.get(name);
    const is = c !== undefined && !c.base && c.whole && c.rules.every((w) => w.length === 2 && (w[0] === "jump" || w[0] === "goto") && noop(w[1]!));
    known.set(name, is);
    return is;
  };
  return new Set([...chains.keys()].filter(noop));
}

/** The chain a rule of exactly `jump C` names, when C is a no-op chain. */
export function noopJumpTarget(words: readonly string[], noop: ReadonlySet<string>): string | undefined {
  return words.length === 2 && words[0] === "jump" && noop.has(words[1]!) ? words[1] : undefined;
}

/** Why deleting the rule, or moving it anywhere in its chain, cannot change a verdict, or undefined. */
export function noopReason(line: RuleLine): string | undefined {
  const nft = (line as Partial<NftRuleLine>).nft;
  if (nft?.noopJump !== undefined) return `\`jump ${nft.noopJump}\` leads only to chains with no rule that acts: a no-op wherever it stands`;
  if (nft?.noopChain) return `\`${line.chain}\` has no rule that acts (only jumps or gotos to chains with none): without this rule, or with its rules in another order, it still does nothing`;
  return undefined;
}

/** Programs a `run` step may use without writing a firewall rule (`ip … exec` runs anything: not one). */
const RULELESS_PROGRAMS = new Set(["ip", "ping", "ping6", "ss", "cat", "true", "sleep", "conntrack", "sysctl"]);

function mayWriteRules(command: readonly string[]): boolean {
  return !RULELESS_PROGRAMS.has(command[0] ?? "") || command.includes("exec");
}

/**
 * No-op claims hold only for what one file wrote: a host with another apply source (which may add rules to the
 * chain), a `run` step that may write rules (nft, a shell, …) or a reboot keeps none.
 */
export function withoutUnknownNoops(lines: readonly RuleLine[], scenario: Scenario): RuleLine[] {
  const unsure = new Set<string>();
  const sources = new Map<string, number>();
  for (const s of scenario.steps) {
    if (s.kind === "apply") sources.set(s.host, (sources.get(s.host) ?? 0) + s.sources.length);
    if ((s.kind === "run" && mayWriteRules(s.command)) || s.kind === "reboot") unsure.add(s.host);
  }
  for (const [host, n] of sources) if (n > 1) unsure.add(host);
  return lines.map((l) => {
    const info = (l as Partial<NftRuleLine>).nft;
    if ((info?.noopJump === undefined && !info?.noopChain) || !unsure.has(l.host)) return l;
    const { noopJump: _, noopChain: __, ...nft } = info;
    return { ...l, nft };
  });
}
