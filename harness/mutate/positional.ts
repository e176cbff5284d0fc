/**
 * Later commands that address a rule by its position (pure). `iptables -D
 * INPUT 3`, `-R INPUT 1 …`, `-Z INPUT 2` and `-I INPUT 2 …` act on whatever
 * rule sits at that position when they run. A mutant that removes or moves an
 * iptables rule (delete, `-I`→`-A`, swap, the ip6tables twin gone) changes
 * which rule sits there for every later such command on that host, family,
 * table and chain: it then deletes, replaces or zeroes another rule, inserts
 * elsewhere, or fails. Such a mutant changes more than its own rule, so
 * neither an equivalence proof nor a beyond-reach claim resting on that rule
 * alone holds (classify.ts, reach.ts): it is run and judged by its checks.
 *
 * Conservative: any positional command after the changed line counts, whatever
 * its number (only `-I CHAIN 1`, which puts its rule first whatever the chain
 * holds, does not), in apply steps (command lists, scripts, restore files) and
 * in `run` steps. Operators that change a rule in its place (target, port,
 * REJECT type, `-i lo`) move no rule; nft rules have no iptables positions.
 */
import type { Family } from "../model/types.ts";
import { commandFamily } from "../rules/syntax-lines.ts";
import type { Scenario } from "../scenario/model.ts";
import { sameLine } from "./chain-length.ts";
import type { OperatorName } from "./operators.ts";
import type { Mutant } from "./mutants.ts";
import { isNftLine } from "./nft-lines.ts";
import { type RuleLine, scenarioRuleLines } from "./rule-lines.ts";

/** Operators that remove or move a rule: the rules after it in its chain change position. */
const MOVES_RULES: ReadonlySet<OperatorName> = new Set(["delete", "insert-append", "swap", "drop-v6"]);

/** Commands that take a rule number after the chain: the least number that depends on the chain's rules. */
const POSITIONAL: Readonly<Record<string, number>> = {
  "-D": 1, "--delete": 1, "-R": 1, "--replace": 1, "-Z": 1, "--zero": 1, "-I": 2, "--insert": 2,
};

/** Where a command acts: host, family, table and chain. */
interface Place {
  readonly host: string;
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
}

/** The chain and table of a command whose rule number depends on the chain's rules (`-D INPUT 3`), or undefined. */
export function positionalChain(words: readonly string[], table = "filter"): { table: string; chain: string } | undefined {
  let chain: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === "-t" || w === "--table") && words[i + 1] !== undefined) table = words[++i]!;
    else if (chain === undefined && POSITIONAL[w] !== undefined && words[i + 1] !== undefined) {
      const n = words[i + 2];
      if (n !== undefined && /^\d+$/.test(n) && Number(n) >= POSITIONAL[w]!) chain = words[i + 1];
      else return undefined;
      i += 2;
    }
  }
  return chain === undefined ? undefined : { table, chain };
}

function samePlace(a: Place, b: Place): boolean {
  return a.host === b.host && a.family === b.family && a.table === b.table && a.chain === b.chain;
}

/**
 * The first positional command after one of the mutant's changed rules, on its host, family, table and chain,
 * as written (`iptables -D INPUT 1`, file:line or the run step's line), when the mutant moves rules; else undefined.
 */
export function shiftedPositional(mutant: Mutant, scenario: Scenario, lines: readonly RuleLine[] = scenarioRuleLines(scenario)): string | undefined {
  if (!MOVES_RULES.has(mutant.operator)) return undefined;
  for (const changed of mutant.lines) {
    if (isNftLine(changed) || changed.chain === undefined) continue;
    const place: Place = { host: changed.host, family: changed.family, table: changed.table, chain: changed.chain };
    const from = lines.findIndex((l) => sameLine(l, changed));
    for (const l of from < 0 ? [] : lines.slice(from + 1)) {
      if (isNftLine(l)) continue;
      const at = positionalChain(l.words, l.table);
      if (at && samePlace(place, { host: l.host, family: l.family, ...at })) return `${l.text.trim()} (${l.file.split("/").at(-1)}:${l.line})`;
    }
    for (const step of scenario.steps.slice(changed.step + 1)) {
      if (step.kind !== "run" || step.host !== changed.host || commandFamily(step.command) !== changed.family) continue;
      const at = positionalChain(step.command.slice(1));
      if (at && samePlace(place, { host: step.host, family: changed.family, ...at })) return `${step.command.join(" ")} (the run step on line ${step.location.line})`;
    }
  }
  return undefined;
}
