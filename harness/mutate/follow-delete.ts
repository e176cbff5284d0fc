/**
 * A later `-D CHAIN <rule>` that deletes, by its text, the rule a mutant
 * changes (pure). The mutant stands for the scenario having written another
 * rule, so the delete follows it: it names the changed text, or goes with a
 * deleted rule. Left as written, it would find nothing to delete and the
 * mutant would end as an error (the apply rolled back) instead of being
 * judged by the scenario's checks.
 *
 * Followed only where it is unambiguous: iptables commands and script lines;
 * the first later line of the same host, program, table and chain that names
 * the rule's text is a `-D` by text (not by position); no identical rule is
 * added, and the chain is not flushed, in between; no reboot lies between; and
 * no other rule of the changed text is added to that chain before the delete.
 */
import type { LineEdit } from "./operators.ts";
import type { RuleLine } from "./rule-lines.ts";

const OPS: Readonly<Record<string, "-A" | "-I" | "-D">> = { "-A": "-A", "--append": "-A", "-I": "-I", "--insert": "-I", "-D": "-D", "--delete": "-D" };
const FLUSH = new Set(["-F", "--flush", "-X", "--delete-chain"]);

/** A rule command's parts: the words naming table, operation and chain (`head`, in order), and the rule's own words (`spec`). */
export interface RuleCommand {
  readonly table: string;
  readonly op: "-A" | "-I" | "-D" | undefined;
  readonly chain: string | undefined;
  /** `-D CHAIN n` / `-I CHAIN n`: the position given. */
  readonly position: string | undefined;
  readonly head: readonly string[];
  readonly spec: readonly string[];
  /** `-F [CHAIN]` / `-X [CHAIN]`: the chain (undefined: every chain of the table). */
  readonly flushes?: { readonly chain: string | undefined };
}

export function ruleCommand(words: readonly string[]): RuleCommand {
  let table = "filter";
  let op: RuleCommand["op"];
  let chain: string | undefined;
  let position: string | undefined;
  let flushes: RuleCommand["flushes"];
  const head: string[] = [];
  const spec: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if ((w === "-t" || w === "--table") && words[i + 1] !== undefined) {
      table = words[++i]!;
      head.push(w, table);
    } else if (op === undefined && flushes === undefined && OPS[w] && words[i + 1] !== undefined) {
      op = OPS[w];
      chain = words[++i]!;
      head.push(w, chain);
      if (op !== "-A" && /^\d+$/.test(words[i + 1] ?? "")) position = words[++i]!;
    } else if (op === undefined && flushes === undefined && FLUSH.has(w)) {
      const next = words[i + 1];
      flushes = { chain: next !== undefined && !next.startsWith("-") ? next : undefined };
    } else spec.push(w);
  }
  return { table, op, chain, position, head, spec, ...(flushes ? { flushes } : {}) };
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((w, i) => w === b[i]);

/** Does `line` add, on `rule`'s host, family, table and chain, a rule of `text`'s words? */
function twin(line: RuleLine, rule: RuleLine, text: RuleCommand): boolean {
  if (line.host !== rule.host || line.family !== rule.family) return false;
  const c = ruleCommand(line.words);
  return (c.op === "-A" || c.op === "-I") && c.table === text.table && c.chain === text.chain && same(c.spec, text.spec);
}

/**
 * The edit of the later `-D` that deletes `edit`'s rule by its text, made to
 * follow the change; none when there is no such delete, when it is ambiguous,
 * or when the change leaves the rule's text as it was (`-I 1` → `-A`).
 */
export function followingDelete(lines: readonly RuleLine[], edit: LineEdit): LineEdit[] {
  const rule = edit.line;
  if (rule.kind !== "commands" && rule.kind !== "script") return [];
  const before = ruleCommand(rule.words);
  if (before.op === "-D" || before.op === undefined) return [];
  const after = edit.replacement === null ? null : ruleCommand(edit.replacement.words);
  // Operators change a rule's words, never its table or chain.
  if (after && (after.op === "-D" || after.op === undefined || after.table !== before.table || after.chain !== before.chain)) return [];
  if (after && same(after.spec, before.spec)) return [];
  const at = lines.findIndex((l) => l.step === rule.step && l.source === rule.source && l.index === rule.index);
  if (at < 0) return [];
  for (const [k, later] of lines.entries()) {
    if (k <= at) continue;
    if (later.host !== rule.host || later.family !== rule.family) continue;
    if (later.afterReboot !== rule.afterReboot) return [];
    const c = ruleCommand(later.words);
    if (c.table !== before.table) continue;
    if (c.flushes) {
      if (c.flushes.chain === undefined || c.flushes.chain === before.chain) return [];
      continue;
    }
    if (c.chain !== before.chain || !same(c.spec, before.spec)) continue;
    // The rule's text again: a delete of it by text is ours; an identical rule added first makes it ambiguous.
    if (c.op !== "-D" || c.position !== undefined) return [];
    if (later.program !== rule.program || (later.kind !== "commands" && later.kind !== "script")) return [];
    if (after === null) return [{ line: later, replacement: null }];
    // Another rule of the changed text in that chain before the delete: the delete could take that one.
    if (lines.slice(0, k).some((l, i) => i !== at && twin(l, rule, after))) return [];
    return [{ line: later, replacement: { program: later.program, words: [...c.head, ...after.spec] } }];
  }
  return [];
}
