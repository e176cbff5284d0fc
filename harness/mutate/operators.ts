/**
 * Mutation operators (pure): each takes the rule lines a scenario applies
 * (rule-lines.ts) and proposes one-change mutants — delete a rule, ACCEPT↔DROP,
 * DROP↔REJECT, the REJECT type, another port, `-I`→`-A`, the ip6tables twin
 * gone, `-s 127.0.0.1`→`-i lo`, two adjacent rules swapped. A mutant is a list
 * of line edits; mutants.ts turns it into a scenario in memory.
 *
 * Native nftables rulesets: nft-operators.ts proposes each operator's nft
 * mutants (and three of nft's own: move-end, set-element, policy); each
 * operator here returns the iptables proposals followed by the nft ones.
 *
 * Deleting, swapping or `-I`→`-A` of a jump to an empty chain the same source
 * creates is equivalent from the rules alone (ipt-noop.ts), and so is any nft
 * mutant that edits only rules no packet reaches (nft-dead.ts). Two swapped
 * rules that both `-j` to a chain every packet ends in (ipt-ending.ts), or both
 * `-g` to one chain, decide alike; the target chain's rules go with the
 * mutant (`reads`), so a counters check on them has it run (observed-rules.ts).
 *
 * Extension point (other sources): add a line reader in rule-lines.ts for the
 * source kind and proposals here; every operator gets the lines of every
 * source and picks the ones it understands.
 */
import type { Family } from "../model/types.ts";
import { insertIsAppend } from "./chain-length.ts";
import { unreachedReason } from "./nft-dead.ts";
import { NFT_PROPOSALS } from "./nft-operators.ts";
import { noopReason } from "./noop-claims.ts";
import { addsRule, type RuleLine } from "./rule-lines.ts";

export const OPERATOR_NAMES = ["delete", "accept-drop", "drop-reject", "reject-type", "port", "insert-append", "move-end", "drop-v6", "loopback-iface", "swap", "set-element", "policy"] as const;
export type OperatorName = (typeof OPERATOR_NAMES)[number];

/** One line's new words (`null`: the line is gone); swap edits carry the other line's program. */
export interface LineEdit {
  readonly line: RuleLine;
  readonly replacement: { readonly program: string | undefined; readonly words: readonly string[] } | null;
}

export interface Proposal {
  readonly operator: OperatorName;
  readonly edits: readonly LineEdit[];
  /** Rules whose not counting any probed packet in the original run makes the mutant equivalent (empty: no such argument). */
  readonly equivalentIfUnmatched: readonly RuleLine[];
  /** A short tag when one line gives several mutants of one operator (`8081`). */
  readonly tag?: string;
  /** Why the change cannot alter any verdict, known from the rules alone (the run may still kill it through counters). */
  readonly staticEquivalence?: string;
  /** Unchanged rules the static equivalence rests on (a jump target's): a counters check selecting one has the mutant run, not claimed before (observed-rules.ts). */
  readonly reads?: readonly RuleLine[];
}

export interface Operator {
  readonly name: OperatorName;
  /** What it does, for `--help` and the README. */
  readonly summary: string;
  readonly propose: (lines: readonly RuleLine[]) => Proposal[];
}

const TARGET_FLAGS = new Set(["-j", "--jump"]);

function targetIndex(words: readonly string[]): number {
  const i = words.findIndex((w) => TARGET_FLAGS.has(w));
  return i >= 0 && i + 1 < words.length ? i + 1 : -1;
}

function valueIndex(words: readonly string[], flags: readonly string[]): number {
  const i = words.findIndex((w) => flags.includes(w));
  return i >= 0 && i + 1 < words.length ? i + 1 : -1;
}

function replaced(words: readonly string[], index: number, value: string): string[] {
  return words.map((w, i) => (i === index ? value : w));
}

function hasTcp(words: readonly string[]): boolean {
  const i = valueIndex(words, ["-p", "--protocol"]);
  return i >= 0 && (words[i] === "tcp" || words[i] === "6");
}

const PORT_UNREACHABLE: Readonly<Record<Family, string>> = { ipv4: "icmp-port-unreachable", ipv6: "icmp6-port-unreachable" };

/** A per-line operator: new words for a rule line, or nothing. */
function perLine(name: OperatorName, summary: string, change: (line: RuleLine) => readonly { words: string[]; tag?: string }[], provable: boolean): Operator {
  return {
    name,
    summary,
    propose: (lines) => lines.filter(addsRule).flatMap((line) =>
      change(line).map((c) => ({
        operator: name,
        edits: [{ line, replacement: { program: line.program, words: c.words } }],
        equivalentIfUnmatched: provable ? [line] : [],
        ...(c.tag ? { tag: c.tag } : {}),
      }))),
  };
}

function swapTarget(from: Readonly<Record<string, string>>) {
  return (line: RuleLine) => {
    const t = targetIndex(line.words);
    const to = t >= 0 ? from[line.words[t]!] : undefined;
    if (to === undefined) return [];
    let words = replaced(line.words, t, to);
    // REJECT options go with REJECT.
    const rw = words.indexOf("--reject-with");
    if (to !== "REJECT" && rw >= 0) words = words.filter((_, i) => i !== rw && i !== rw + 1);
    return [{ words }];
  };
}

function rejectType(line: RuleLine): { words: string[] }[] {
  const t = targetIndex(line.words);
  if (t < 0 || line.words[t] !== "REJECT") return [];
  const rw = valueIndex(line.words, ["--reject-with"]);
  const current = rw >= 0 ? line.words[rw]! : PORT_UNREACHABLE[line.family];
  const isReset = /^tcp-reset$/.test(current);
  if (isReset) return [{ words: replaced(line.words, rw, PORT_UNREACHABLE[line.family]) }];
  // tcp-reset is only valid for -p tcp rules.
  if (!hasTcp(line.words)) return [];
  return [{ words: rw >= 0 ? replaced(line.words, rw, "tcp-reset") : [...line.words, "--reject-with", "tcp-reset"] }];
}

const PORT_FLAGS = new Set(["--dport", "--destination-port", "--sport", "--source-port", "--dports", "--destination-ports", "--sports", "--source-ports"]);

/** Another port for each numeric port a rule names (one mutant per port, lists too): the next one not already in the list. */
function otherPort(line: RuleLine): { words: string[]; tag: string }[] {
  const out: { words: string[]; tag: string }[] = [];
  line.words.forEach((w, i) => {
    if (!PORT_FLAGS.has(w) || line.words[i + 1] === undefined) return;
    const items = line.words[i + 1]!.split(",");
    items.forEach((item, k) => {
      if (!/^\d+$/.test(item)) return;
      const taken = new Set(items);
      let next = Number(item);
      do next = next >= 65535 ? next - 1 : next + 1; while (taken.has(String(next)));
      const list = items.map((x, j) => (j === k ? String(next) : x)).join(",");
      out.push({ words: replaced(line.words, i + 1, list), tag: `${w} ${item}→${next}` });
    });
  });
  return out;
}

function insertToAppend(line: RuleLine): { words: string[] }[] {
  const i = line.words.findIndex((w) => w === "-I" || w === "--insert");
  if (i < 0) return [];
  const hasPosition = /^\d+$/.test(line.words[i + 2] ?? "");
  return [{ words: line.words.flatMap((w, j) => (j === i ? ["-A"] : hasPosition && j === i + 2 ? [] : [w])) }];
}

const LOOPBACK: Readonly<Record<Family, RegExp>> = { ipv4: /^127\.0\.0\.1(\/32)?$/, ipv6: /^::1(\/128)?$/ };
const SOURCE_FLAGS = new Set(["-s", "--source", "--src"]);

function loopbackToInterface(line: RuleLine): { words: string[] }[] {
  const i = line.words.findIndex((w, j) => SOURCE_FLAGS.has(w) && LOOPBACK[line.family].test(line.words[j + 1] ?? "") && line.words[j - 1] !== "!");
  if (i < 0 || line.words.some((w) => w === "-i" || w === "--in-interface")) return [];
  return [{ words: line.words.flatMap((w, j) => (j === i ? ["-i"] : j === i + 1 ? ["lo"] : [w])) }];
}

/** Two rule lines next to each other in one source (no other line of their family between), same family, table, chain and verb. */
function adjacentPairs(lines: readonly RuleLine[]): [RuleLine, RuleLine][] {
  const pairs: [RuleLine, RuleLine][] = [];
  const previous = new Map<string, RuleLine>();
  for (const line of lines) {
    const key = `${line.step}/${line.source}/${line.family}`;
    const prev = previous.get(key);
    previous.set(key, line);
    if (!prev || !addsRule(prev) || !addsRule(line)) continue;
    if (prev.table !== line.table || prev.chain !== line.chain || prev.verb !== line.verb) continue;
    // -I at different positions is not a plain swap.
    if (line.verb === "-I" && positionOf(prev) !== positionOf(line)) continue;
    pairs.push([prev, line]);
  }
  return pairs;
}

function positionOf(line: RuleLine): string {
  const i = line.words.findIndex((w) => w === "-I" || w === "--insert");
  const p = line.words[i + 2] ?? "";
  return /^\d+$/.test(p) ? p : "1";
}

/** The rule that decides first after the lines are applied: for `-A` the first line, for `-I` at one position the second. */
function firstInChain(a: RuleLine, b: RuleLine): RuleLine {
  return a.verb === "-I" ? b : a;
}

function destinationPorts(line: RuleLine): string | undefined {
  const i = valueIndex(line.words, ["--dport", "--destination-port", "--dports", "--destination-ports"]);
  // A negated match (`! --dport 7001`, the older `--dport ! 7001`) matches every other port: none to compare.
  if (i < 0 || line.words[i - 2] === "!" || line.words[i] === "!") return undefined;
  return line.words[i];
}

/** Match modules that keep state or match by rate, count or chance: which packets reach them changes what they match. */
const STATEFUL_MATCHES = new Set(["recent", "limit", "hashlimit", "quota", "quota2", "statistic", "connlimit", "nth", "random"]);

/** Where the rule's first stateful match (STATEFUL_MATCHES) is loaded, or -1. */
function statefulMatchAt(l: RuleLine): number {
  return l.words.findIndex((w, i) => (w === "-m" || w === "--match") && STATEFUL_MATCHES.has(l.words[i + 1] ?? ""));
}

/**
 * The word at `i` is matched before any stateful match of the rule: matches run in the order written (-p, -s, -d, -i
 * and -o first of all), so a stateful match only sees packets that passed the ones before it.
 */
function matchedBeforeStateful(l: RuleLine, i: number): boolean {
  const at = statefulMatchAt(l);
  return at < 0 || (i >= 0 && i < at);
}

/**
 * Why swapping two rules cannot change a verdict: the same decision either way, or no packet matches both. A stateful
 * match (STATEFUL_MATCHES) counts or records every packet that reaches it, so the order changes what it matches: a
 * rule with one is proved only disjoint from the other, by a match before it.
 */
function swapCannotMatter(a: RuleLine, b: RuleLine): string | undefined {
  const noop = noopReason(a) ?? noopReason(b);
  if (noop) return noop;
  const stateful = statefulMatchAt(a) >= 0 || statefulMatchAt(b) >= 0;
  const decision = (l: RuleLine) => {
    const t = targetIndex(l.words);
    const rw = valueIndex(l.words, ["--reject-with"]);
    return t < 0 ? undefined : `${l.words[t]}${rw >= 0 ? ` ${l.words[rw]}` : ""}`;
  };
  const da = decision(a);
  if (!stateful && da !== undefined && ["ACCEPT", "DROP", "REJECT", "RETURN"].includes(da.split(" ")[0]!) && da === decision(b)) {
    return `both rules decide ${da}: whichever matches first, a packet's fate is the same`;
  }
  const pa = destinationPorts(a);
  const pb = destinationPorts(b);
  const portsAt = (l: RuleLine) => valueIndex(l.words, ["--dport", "--destination-port", "--dports", "--destination-ports"]);
  if (pa && pb && matchedBeforeStateful(a, portsAt(a)) && matchedBeforeStateful(b, portsAt(b)) && /^\d+(,\d+)*$/.test(pa) && /^\d+(,\d+)*$/.test(pb) && !pa.split(",").some((p) => pb.split(",").includes(p))) {
    return `the rules match different destination ports (${pa} and ${pb}): no packet matches both`;
  }
  return disjointMatch(a, b) ?? (stateful ? undefined : sameChainTarget(a, b));
}

/** Both rules send a packet to one chain it never comes back from to either rule: `-j` to a chain every packet ends in (ipt-ending.ts), or `-g`. */
function sameChainTarget(a: RuleLine, b: RuleLine): string | undefined {
  if (a.endingJump !== undefined && a.endingJump === b.endingJump) {
    return `both rules jump to ${a.endingJump}, a chain every packet entering ends in (a verdict on every path: no RETURN, nothing falls off its end): whichever matches first, a packet's fate is the same`;
  }
  const ga = plainValue(a, ["-g", "--goto"]);
  if (ga === undefined || ga !== plainValue(b, ["-g", "--goto"])) return undefined;
  return `both rules go to ${ga} (-g: wherever ${ga} leaves a packet, it goes on after the chain that called theirs, not after either rule): whichever matches first, a packet's fate is the same`;
}

/** The rules of the chain `line` jumps to (its ending chain), from its own source: what the swap claim rests on. */
function targetRules(lines: readonly RuleLine[], line: RuleLine): { reads?: readonly RuleLine[] } {
  if (line.endingJump === undefined) return {};
  const reads = lines.filter((l) => l.step === line.step && l.source === line.source && l.family === line.family && l.table === line.table && l.chain === line.endingJump && addsRule(l));
  return reads.length > 0 ? { reads } : {};
}

/** A plain (not negated) match value: `-p tcp`, `-i ens18`, `--ctstate NEW,ESTABLISHED`. */
function plainValue(line: RuleLine, flags: readonly string[]): string | undefined {
  const i = line.words.findIndex((w) => flags.includes(w));
  return i < 0 || line.words[i - 1] === "!" || line.words[i + 1] === "!" ? undefined : line.words[i + 1];
}

/** No packet matches both rules: other protocols, other input interfaces (no wildcard), or disjoint conntrack states. */
function disjointMatch(a: RuleLine, b: RuleLine): string | undefined {
  const protocol = (l: RuleLine) => plainValue(l, ["-p", "--protocol"])?.toLowerCase();
  const [qa, qb] = [protocol(a), protocol(b)];
  if (qa && qb && /^[a-z][a-z0-9-]*$/.test(qa) && /^[a-z][a-z0-9-]*$/.test(qb) && qa !== "all" && qb !== "all" && qa !== qb) {
    return `the rules match different protocols (${qa} and ${qb}): no packet matches both`;
  }
  const iface = (l: RuleLine) => plainValue(l, ["-i", "--in-interface"]);
  const [ia, ib] = [iface(a), iface(b)];
  if (ia && ib && !ia.endsWith("+") && !ib.endsWith("+") && ia !== ib) return `the rules match different input interfaces (${ia} and ${ib}): no packet arrives on both`;
  const states = (l: RuleLine) => (matchedBeforeStateful(l, valueIndex(l.words, ["--ctstate", "--state"])) ? plainValue(l, ["--ctstate", "--state"])?.split(",") : undefined);
  const [sa, sb] = [states(a), states(b)];
  const exclusive = (x: string) => ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"].includes(x); // DNAT/SNAT go with the others
  if (sa && sb && [...sa, ...sb].every(exclusive) && !sa.some((x) => sb.includes(x))) return `the rules match disjoint conntrack states (${sa.join(",")} and ${sb.join(",")}): a packet is in one state only`;
  return undefined;
}

const IPTABLES_OPERATORS: readonly Operator[] = [
  {
    name: "delete",
    summary: "delete one rule (-A/-I line; an nft rule line)",
    propose: (lines) => lines.filter(addsRule).map((line) => {
      const why = noopReason(line);
      return { operator: "delete" as const, edits: [{ line, replacement: null }], equivalentIfUnmatched: [line], ...(why ? { staticEquivalence: why } : {}) };
    }),
  },
  perLine("accept-drop", "ACCEPT ↔ DROP (nft: accept ↔ drop)", swapTarget({ ACCEPT: "DROP", DROP: "ACCEPT" }), true),
  perLine("drop-reject", "DROP ↔ REJECT (REJECT's --reject-with removed; nft: drop ↔ reject, its `with …` removed)", swapTarget({ DROP: "REJECT", REJECT: "DROP" }), true),
  perLine("reject-type", "REJECT --reject-with tcp-reset ↔ icmp(6)-port-unreachable (the default); nft: reject with tcp reset ↔ with icmp/icmpv6/icmpx type port-unreachable", rejectType, true),
  perLine("port", "another port in --dport/--sport/--dports/--sports, nft dport/sport and their inline sets (the next one not in the list)", otherPort, false),
  {
    name: "insert-append",
    summary: "-I CHAIN [n] → -A CHAIN",
    propose: (lines) => lines.filter(addsRule).flatMap((line) => insertToAppend(line).map(({ words }) => {
      const why = insertIsAppend(lines, line)
        ? `the insert is at the end of ${line.chain} anyway (the lines before it leave ${line.chain} on ${line.host} with no rule after that position): -I and -A put the rule in the same place`
        : noopReason(line);
      return { operator: "insert-append" as const, edits: [{ line, replacement: { program: line.program, words } }], equivalentIfUnmatched: [line], ...(why ? { staticEquivalence: why } : {}) };
    })),
  },
  {
    name: "drop-v6",
    summary: "the ip6tables twin gone: every IPv6 rule of an apply step that also has IPv4 rules (nft: every IPv6-only rule of a ruleset that also has IPv4-only rules)",
    propose: (lines) => {
      const steps = [...new Set(lines.map((l) => l.step))];
      return steps.flatMap((step) => {
        const rules = lines.filter((l) => l.step === step && addsRule(l));
        const v6 = rules.filter((l) => l.family === "ipv6");
        if (v6.length === 0 || !rules.some((l) => l.family === "ipv4")) return [];
        return [{ operator: "drop-v6" as const, edits: v6.map((line) => ({ line, replacement: null })), equivalentIfUnmatched: v6 }];
      });
    },
  },
  perLine("loopback-iface", "-s 127.0.0.1 (or ::1) → -i lo; nft: ip saddr 127.0.0.1 (ip6 saddr ::1) → iifname \"lo\"", loopbackToInterface, false),
  {
    name: "swap",
    summary: "swap two adjacent rules of one chain (nft too)",
    propose: (lines) => adjacentPairs(lines).map(([a, b]) => ({
      operator: "swap",
      edits: [
        { line: a, replacement: { program: b.program, words: b.words } },
        { line: b, replacement: { program: a.program, words: a.words } },
      ],
      // Only packets both rules match can change fate; if the one deciding first never matched a probe, none did.
      equivalentIfUnmatched: [firstInChain(a, b)],
      ...(swapCannotMatter(a, b) ? { staticEquivalence: swapCannotMatter(a, b), ...targetRules(lines, a) } : {}),
    })),
  },
];

/** Operators only nftables rulesets have. */
const NFT_ONLY: readonly Pick<Operator, "name" | "summary">[] = [
  { name: "move-end", summary: "nft: move a rule to the end of its chain (its line emptied, `; rule` after the chain's last rule)" },
  { name: "set-element", summary: "nft: remove one element of a set (a named set's `elements = { … }` line, or an inline set in a rule)" },
  { name: "policy", summary: "nft: a filter base chain's policy accept ↔ drop" },
];

/** An nft proposal that edits only rules no packet reaches (nft-dead.ts) is equivalent from the rules alone. */
function withUnreachedClaim(p: Proposal): Proposal {
  const why = p.staticEquivalence === undefined ? unreachedReason(p.edits.map((e) => e.line)) : undefined;
  return why ? { ...p, staticEquivalence: why } : p;
}

/** Every operator, in OPERATOR_NAMES order: iptables proposals, then nft ones. */
export const OPERATORS: readonly Operator[] = OPERATOR_NAMES.map((name) => {
  const ipt = IPTABLES_OPERATORS.find((o) => o.name === name) ?? { ...NFT_ONLY.find((o) => o.name === name)!, propose: () => [] };
  return { name, summary: ipt.summary, propose: (lines) => [...ipt.propose(lines), ...NFT_PROPOSALS[name](lines).map(withUnreachedClaim)] };
});

/** The operators named (all when none are). */
export function selectOperators(names: readonly string[] | undefined): readonly Operator[] {
  if (!names || names.length === 0) return OPERATORS;
  return OPERATORS.filter((o) => names.includes(o.name));
}
