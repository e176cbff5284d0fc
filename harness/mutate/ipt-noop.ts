/**
 * No-op jumps of an iptables source (pure): a rule of exactly `-j C` (a
 * `-t TABLE` and `-m comment --comment …` aside) to a user chain C that the
 * same source creates — `:C - [0:0]` in a restore file's table, `-N C` in a
 * script or command list — and adds no rule to. A packet jumping into an
 * empty chain comes straight back, untouched: deleting the rule, swapping it
 * with a neighbour or `-I`→`-A` cannot change a verdict, nor any other
 * rule's packet count (classify.ts then calls the mutant equivalent; a counter
 * check on the jump itself still kills its deletion).
 *
 * Only empty chains. A chain whose rules are all RETURNs, LOGs or jumps to
 * empty chains changes no verdict either, but every iptables rule counts the
 * packets it sees: without the jump into it, its rules count fewer, and a
 * counter check selecting one of them (`-A ufw-logging-deny … -j LOG`) would
 * fail. Such a mutant can be killed, so it is not claimed (nft-noop.ts can
 * claim nested no-op chains: an nft rule of only `jump C` has no counter).
 * RETURN rules with matches could also change shared state (`-m recent
 * --set`, a named `-m hashlimit`), which is one more reason to leave them out.
 * `-g C` is never claimed: to an empty chain it ends the calling chain.
 *
 * A chain is known empty only when the source says everything done to its
 * table: every line of a script or command list is an iptables/ip6tables
 * command (or a comment, `set -e`), no line of a restore file's table was left
 * unread, the table appears once in a restore file, C is created once, and no
 * command flushes, deletes, renames or otherwise changes chains of that table
 * (`-F`, `-X`, `-D`, `-R`, `-E`, …). A script that runs with `sh -e` and a
 * command list stop at the first failure, so a `-N` that succeeded made C
 * empty; iptables-restore (without --noflush) starts its tables afresh.
 * Whether anything else may write the chain (another apply source, a reboot,
 * a run step) is noop-claims.ts's question.
 */
import type { Family } from "../model/types.ts";
import type { RuleLine } from "./rule-lines.ts";

/** What one source does to one family's table. */
interface TableFacts {
  /** User chains created, and how often. */
  readonly created: Map<string, number>;
  /** Chains a rule is added to. */
  readonly filled: Set<string>;
  /** Something else was done to the table, or a line of it was not read. */
  opaque: boolean;
}

/** Commands that change no chain's rules: a built-in chain's policy, counters zeroed, checks and listings. */
const HARMLESS = new Set(["-P", "--policy", "-Z", "--zero", "-C", "--check", "-L", "--list", "-S", "--list-rules"]);
const CREATE = new Set(["-N", "--new-chain"]);
/** Every iptables command (one per invocation): any but `-A`/`-I`, `-N` and HARMLESS changes chains. */
const COMMANDS = new Set([...HARMLESS, ...CREATE, "-A", "--append", "-I", "--insert", "-D", "--delete", "-R", "--replace", "-F", "--flush", "-X", "--delete-chain", "-E", "--rename-chain"]);
/** Lines around a script's commands that change nothing (rules/syntax-lines.ts reads scripts the same way). */
const NEUTRAL = /^(#.*|set(\s+[-+][a-z]+)*)?$/;

class Tables {
  private readonly facts = new Map<string, TableFacts>();

  of(key: string): TableFacts {
    const f = this.facts.get(key) ?? { created: new Map(), filled: new Set(), opaque: false };
    this.facts.set(key, f);
    return f;
  }

  has(key: string): boolean {
    return this.facts.has(key);
  }

  /** One iptables line's effect on its table. */
  note(facts: TableFacts, line: RuleLine): void {
    if (line.verb !== undefined && line.chain !== undefined) {
      facts.filled.add(line.chain);
      return;
    }
    const commands = line.words.flatMap((w, i) => (COMMANDS.has(w) ? [i] : []));
    const [at] = commands;
    const chain = at !== undefined && CREATE.has(line.words[at]!) ? line.words[at + 1] : undefined;
    if (commands.length !== 1) facts.opaque = true;
    else if (chain !== undefined) facts.created.set(chain, (facts.created.get(chain) ?? 0) + 1);
    else if (!HARMLESS.has(line.words[at!]!)) facts.opaque = true;
  }

  /** `family table chain` of each user chain created once in a table nothing else was done to: its rules are the source's lines. */
  known(): Set<string> {
    const out = new Set<string>();
    for (const [key, f] of this.facts) {
      if (f.opaque) continue;
      for (const [chain, n] of f.created) if (n === 1) out.add(`${key} ${chain}`);
    }
    return out;
  }

  /** The known chains the source adds no rule to. */
  empty(): Set<string> {
    return new Set([...this.known()].filter((key) => !this.facts.get(key.slice(0, key.lastIndexOf(" ")))!.filled.has(key.slice(key.lastIndexOf(" ") + 1))));
  }
}

/** A source's user chains: the ones whose every rule it shows (`known`), and those of them it leaves empty. */
export interface UserChains {
  readonly known: ReadonlySet<string>;
  readonly empty: ReadonlySet<string>;
}

function userChains(tables: Tables): UserChains {
  return { known: tables.known(), empty: tables.empty() };
}

/** The user chains of a restore file (`lines`: its lines as rule-lines.ts read them). */
export function restoreUserChains(family: Family, content: string, lines: readonly RuleLine[]): UserChains {
  const tables = new Tables();
  const byIndex = new Map(lines.map((l) => [l.index, l]));
  let facts: TableFacts | undefined;
  for (const [index, raw] of content.split("\n").entries()) {
    const text = raw.trim();
    if (text === "" || text.startsWith("#")) continue;
    const header = /^\*(\S+)$/.exec(text);
    const line = byIndex.get(index);
    if (header) {
      const key = `${family} ${header[1]}`;
      const again = tables.has(key);
      facts = tables.of(key);
      facts.opaque ||= again; // a table restored twice in one file
    } else if (text === "COMMIT") facts = undefined;
    else if (facts !== undefined) {
      const declared = /^:(\S+)\s+(\S+)/.exec(text);
      if (declared) {
        if (declared[2] === "-") facts.created.set(declared[1]!, (facts.created.get(declared[1]!) ?? 0) + 1);
      } else if (line === undefined) facts.opaque = true;
      else tables.note(facts, line);
    }
  }
  return userChains(tables);
}

/**
 * The user chains a script or command list creates. `commands`: how many
 * commands the list has (undefined for a script: `content` then); a command or
 * script line that is not an iptables/ip6tables line makes every table unknown.
 */
export function commandUserChains(lines: readonly RuleLine[], source: { commands: number } | { content: string }): UserChains {
  const read = new Set(lines.map((l) => l.index));
  const others = "commands" in source
    ? Array.from({ length: source.commands }, (_, i) => i).some((i) => !read.has(i))
    : source.content.split("\n").some((raw, i) => !read.has(i) && !NEUTRAL.test(raw.trim()));
  const tables = new Tables();
  if (others) return userChains(tables);
  for (const l of lines) tables.note(tables.of(`${l.family} ${l.table}`), l);
  return userChains(tables);
}

/** The words of an `-A|-I CHAIN [n] …` rule after its chain (and position), `-t` and `-m comment --comment` left out; undefined for other lines. */
export function ruleBody(words: readonly string[]): string[] | undefined {
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-t" || w === "--table") i++;
    else if (w === "-m" && words[i + 1] === "comment" && words[i + 2] === "--comment") i += 3;
    else rest.push(w);
  }
  const at = ["-A", "--append"].includes(rest[0] ?? "") ? 2 : ["-I", "--insert"].includes(rest[0] ?? "") ? (/^\d+$/.test(rest[2] ?? "") ? 3 : 2) : -1;
  return at > 0 && rest.length >= at ? rest.slice(at) : undefined;
}

/** The chain a rule of exactly `-A|-I CHAIN [n] -j C` jumps to (`-t`, `-m comment --comment` aside), or undefined. */
export function plainJumpTarget(words: readonly string[]): string | undefined {
  const body = ruleBody(words);
  return body?.length === 2 && (body[0] === "-j" || body[0] === "--jump") ? body[1] : undefined;
}

/** The lines with `noopJump` set on each plain jump to one of the source's empty chains. */
export function withNoopJumps(lines: readonly RuleLine[], empty: ReadonlySet<string>): RuleLine[] {
  if (empty.size === 0) return [...lines];
  return lines.map((l) => {
    const target = plainJumpTarget(l.words);
    return target !== undefined && empty.has(`${l.family} ${l.table} ${target}`) ? { ...l, noopJump: target } : l;
  });
}
