/**
 * Chains every packet ends in, in an iptables source (pure): a user chain the
 * source creates and shows whole (ipt-noop.ts `known`), with no `-j RETURN`
 * rule, whose every `-g` leads to such a chain too, and with at least one rule
 * that takes every packet reaching it and ends its walk: exactly `-j ACCEPT`,
 * `-j DROP`, `-j REJECT [--reject-with …]`, or `-j`/`-g` to such a chain
 * (`-t` and a comment aside). Whatever its other rules do (they match, count,
 * log, mark, jump to chains that come back), a packet entering it gets a
 * verdict there and never comes back to the rule after the jump.
 *
 * Two rules of one chain that both `-j` to such a chain then decide alike
 * whichever matches first (operators.ts: swap): a packet matching either
 * enters the chain once and ends there. With a RETURN, or a rule falling off
 * the chain's end, it would come back after the rule that jumped — behind the
 * first rule it meets the second, behind the second not the first — and the
 * order would matter. ufw: `ufw-after-input`'s jumps to
 * `ufw-skip-to-policy-input` (`-j DROP`). The claim rests on the source's text,
 * so noop-claims.ts drops it where something else may write the table.
 */
import { ruleBody } from "./ipt-noop.ts";
import { addsRule, type RuleLine } from "./rule-lines.ts";

const VERDICTS = new Set(["ACCEPT", "DROP", "REJECT"]);
const JUMP = new Set(["-j", "--jump"]);
const GOTO = new Set(["-g", "--goto"]);

/** The target of a rule body: `-j X` or `-g X` (the last one given). */
function targetOf(body: readonly string[]): { goto: boolean; to: string } | undefined {
  for (let i = body.length - 2; i >= 0; i--) {
    if (JUMP.has(body[i]!) || GOTO.has(body[i]!)) return { goto: GOTO.has(body[i]!), to: body[i + 1]! };
  }
  return undefined;
}

/** `family table chain` of each known chain every packet entering it ends in. */
export function endingChains(lines: readonly RuleLine[], known: ReadonlySet<string>): Set<string> {
  const bodies = new Map<string, (string[] | undefined)[]>();
  for (const l of lines) {
    const key = `${l.family} ${l.table} ${l.chain}`;
    if (addsRule(l) && known.has(key)) bodies.set(key, [...(bodies.get(key) ?? []), ruleBody(l.words)]);
  }
  const seen = new Map<string, boolean>();
  const ending = (key: string): boolean => {
    const was = seen.get(key);
    if (was !== undefined) return was;
    seen.set(key, false); // a cycle back here ends nothing
    const table = key.slice(0, key.lastIndexOf(" "));
    const rules = bodies.get(key) ?? [];
    const targets = rules.map((b) => (b === undefined ? undefined : targetOf(b)));
    // Exactly `-j|-g X`, or `-j REJECT --reject-with T`: every packet reaching it takes it.
    const endsWalk = (b: readonly string[]): boolean => {
      const jump = JUMP.has(b[0] ?? "");
      if (!(jump || GOTO.has(b[0] ?? "")) || !(b.length === 2 || (jump && b.length === 4 && b[1] === "REJECT" && b[2] === "--reject-with"))) return false;
      return (jump && VERDICTS.has(b[1]!)) || ending(`${table} ${b[1]}`);
    };
    const is = known.has(key) && rules.every((b) => b !== undefined)
      && !targets.some((t) => t?.to === "RETURN")
      && targets.every((t) => t === undefined || !t.goto || ending(`${table} ${t.to}`))
      && rules.some((b) => endsWalk(b!));
    seen.set(key, is);
    return is;
  };
  return new Set([...known].filter(ending));
}

/** The lines with `endingJump` set on each `-j C` (with or without matches) to one of the source's ending chains. */
export function withEndingJumps(lines: readonly RuleLine[], known: ReadonlySet<string>): RuleLine[] {
  const ending = endingChains(lines, known);
  if (ending.size === 0) return [...lines];
  return lines.map((l) => {
    const body = addsRule(l) ? ruleBody(l.words) : undefined;
    const t = body === undefined ? undefined : targetOf(body);
    return t !== undefined && !t.goto && ending.has(`${l.family} ${l.table} ${t.to}`) ? { ...l, endingJump: t.to } : l;
  });
}
