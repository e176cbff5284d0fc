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

/** The same line of the same source (lines are read afresh by each caller). */
export function sameLine(a: RuleLine, b: RuleLine): boolean {
  return a.step === b.step && a.source === b.source && a.index === b.index;
}

function sameChainState(a: RuleLine, b: RuleLine): boolean {
  return a.host === b.host && a.family === b.family && a.table === b.table;
}

/** Rules in `line`'s chain just before it runs; undefined when that cannot be known from the lines. */
export function chainLengthBefore(lines: readonly RuleLine[], line: RuleLine): number | undefined {
  if (line.afterReboot || line.chain === undefined || line.kind === "restore") return undefined;
  let count = 0;
  for (const l of lines) {
    if (sameLine(l, line)) return count;
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

/**
 * The line that removes `line`'s rule by position (`-D CHAIN n`) or by a flush
 * before any step after the rule's own apply step looks at the host (`expect`,
 * `counters`, `run`, `hold`, `reboot`); undefined when it stays, or when that
 * cannot be known. A change to such a rule that keeps the rule's place (its
 * target, port, source) cannot be seen by any check.
 */
export function removedUnseen(lines: readonly RuleLine[], line: RuleLine, firstLookingStep: number): RuleLine | undefined {
  if (line.afterReboot || line.chain === undefined || line.kind === "restore") return undefined;
  const chain: RuleLine[] = [];
  let seen = false;
  for (const l of lines) {
    if (l.step >= firstLookingStep) return undefined;
    if (!sameChainState(l, line)) continue;
    if (l.kind === "restore") return undefined;
    const w = l.words;
    seen ||= sameLine(l, line);
    const add = optionValue(w, ["-A", "--append", "-I", "--insert"]);
    if (add?.value === line.chain) {
      const n = w[add.index] === "-A" || w[add.index] === "--append" ? chain.length + 1 : /^\d+$/.test(w[add.index + 2] ?? "") ? Number(w[add.index + 2]) : 1;
      chain.splice(n - 1, 0, l);
      continue;
    }
    const del = optionValue(w, ["-D", "--delete"]);
    if (del?.value === line.chain) {
      const n = w[del.index + 2];
      // By its text: a changed rule would no longer be the one deleted; only a delete by position is blind to the change.
      if (n === undefined || !/^\d+$/.test(n)) {
        const spec = w.slice(del.index + 2).join(" ");
        const i = chain.findIndex((r) => ruleSpec(r) === spec);
        if (i < 0 || sameLine(chain[i]!, line)) return undefined;
        chain.splice(i, 1);
        continue;
      }
      const [removed] = chain.splice(Number(n) - 1, 1);
      if (removed && sameLine(removed, line)) return l;
      continue;
    }
    const flush = optionValue(w, ["-F", "--flush"]);
    if (flush && (flush.value === undefined || flush.value.startsWith("-") || flush.value === line.chain)) {
      if (seen && chain.some((r) => sameLine(r, line))) return l;
      chain.length = 0;
    }
  }
  return undefined;
}

function ruleSpec(l: RuleLine): string {
  const w = l.words;
  const i = w.findIndex((x) => x === "-A" || x === "--append" || x === "-I" || x === "--insert");
  const skip = w[i] === "-I" || w[i] === "--insert" ? (/^\d+$/.test(w[i + 2] ?? "") ? 3 : 2) : 2;
  return w.slice(i + skip).join(" ");
}
