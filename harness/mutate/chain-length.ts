/**
 * How many rules a chain holds when a rule line runs (pure), from the lines
 * before it: `-A`/`-I` add one, `-D` removes one, `-F` empties, a reboot or a
 * restore file makes it unknown. Used to prove `-I CHAIN n` → `-A CHAIN`
 * equivalent when the insert is at the chain's end anyway (an empty chain and
 * `-I 1`, the usual case).
 */
import type { RuleLine } from "./rule-lines.ts";

function optionValue(words: readonly string[], flags: readonly string[]): { index: number; value: string | undefined } | undefined {
  const index = words.findIndex((w) => flags.includes(w));
  return index < 0 ? undefined : { index, value: words[index + 1] };
}

function sameChainState(a: RuleLine, b: RuleLine): boolean {
  return a.host === b.host && a.family === b.family && a.table === b.table;
}

/** Rules in `line`'s chain just before it runs; undefined when that cannot be known from the lines. */
export function chainLengthBefore(lines: readonly RuleLine[], line: RuleLine): number | undefined {
  if (line.afterReboot || line.chain === undefined || line.kind === "restore") return undefined;
  let count = 0;
  for (const l of lines) {
    if (l === line) return count;
    if (!sameChainState(l, line)) continue;
    if (l.kind === "restore") return undefined;
    const w = l.words;
    if (optionValue(w, ["-A", "--append", "-I", "--insert"])?.value === line.chain) count++;
    else if (optionValue(w, ["-D", "--delete"])?.value === line.chain) count = Math.max(0, count - 1);
    else {
      const flush = optionValue(w, ["-F", "--flush"]);
      if (flush && (flush.value === undefined || flush.value.startsWith("-") || flush.value === line.chain)) count = 0;
    }
  }
  return undefined;
}

/** Does `-I CHAIN n` put the rule at the chain's end here (so `-A` is the same)? */
export function insertIsAppend(lines: readonly RuleLine[], line: RuleLine): boolean {
  const i = line.words.findIndex((w) => w === "-I" || w === "--insert");
  if (i < 0) return false;
  const n = /^\d+$/.test(line.words[i + 2] ?? "") ? Number(line.words[i + 2]) : 1;
  return chainLengthBefore(lines, line) === n - 1;
}
