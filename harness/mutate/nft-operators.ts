/**
 * The mutation operators on native nftables lines (nft-lines.ts), pure: the
 * iptables operator set where it has an nft meaning (delete a rule,
 * accept↔drop, drop↔reject, `reject with tcp reset`↔port-unreachable, another
 * port, swap two adjacent rules, `ip saddr 127.0.0.1`/`ip6 saddr ::1`→
 * `iifname "lo"`, the IPv6 twin gone) and three of nft's own: move a rule to
 * the end of its chain, remove one element of a set, a base chain's policy
 * accept↔drop. Verdict changes are proposed only in filter chains on the
 * input/forward/output hooks or regular chains (where nft accepts `reject`).
 * operators.ts joins each to the iptables operator of the same name. Deleting,
 * swapping or moving a `jump` to a chain with no rule that acts, or a rule of
 * such a chain, is equivalent from the rules alone (nft-noop.ts).
 */
import type { LineEdit, OperatorName, Proposal } from "./operators.ts";
import { isNftLine, matchesTcp, type NftRuleLine, ownVerdictIndex, rejectArgs, verdictIndex } from "./nft-lines.ts";
import type { RuleLine } from "./rule-lines.ts";
import { noopReason } from "./noop-claims.ts";

type Change = { words: string[]; tag?: string };

const rulesOf = (lines: readonly RuleLine[]): NftRuleLine[] => lines.filter(isNftLine).filter((l) => l.nft.role === "rule");

/** A chain where accept, drop and reject are all valid verdicts. */
function verdictChain(l: NftRuleLine): boolean {
  if (l.nft.chainType === undefined) return true;
  return l.nft.chainType === "filter" && ["input", "forward", "output"].includes(l.nft.hook ?? "");
}

function edit(line: RuleLine, words: readonly string[] | null): LineEdit {
  return { line, replacement: words === null ? null : { program: undefined, words } };
}

function perRule(operator: OperatorName, change: (l: NftRuleLine) => Change[], provable: boolean, lines: readonly RuleLine[]): Proposal[] {
  return rulesOf(lines).flatMap((line) => change(line).map((c) => ({
    operator, edits: [edit(line, c.words)], equivalentIfUnmatched: provable ? [line] : [], ...(c.tag ? { tag: c.tag } : {}),
  })));
}

function acceptDrop(l: NftRuleLine): Change[] {
  const v = verdictIndex(l.words);
  const to = l.words[v] === "accept" ? "drop" : l.words[v] === "drop" ? "accept" : undefined;
  if (!to || !verdictChain(l)) return [];
  return [{ words: l.words.map((w, i) => (i === v ? to : w)) }];
}

function dropReject(l: NftRuleLine): Change[] {
  // The rule's own verdict: a verdict map holds no reject (nft refuses `17 : reject`).
  const v = ownVerdictIndex(l.words);
  if (v < 0 || !verdictChain(l)) return [];
  if (l.words[v] === "drop") return [{ words: l.words.map((w, i) => (i === v ? "reject" : w)) }];
  if (l.words[v] !== "reject") return [];
  const [, e] = rejectArgs(l.words, v);
  return [{ words: [...l.words.slice(0, v), "drop", ...l.words.slice(e)] }];
}

const PORT_UNREACHABLE: Readonly<Record<string, readonly string[]>> = {
  ip: ["with", "icmp", "type", "port-unreachable"],
  ip6: ["with", "icmpv6", "type", "port-unreachable"],
};

function rejectType(l: NftRuleLine): Change[] {
  const v = verdictIndex(l.words);
  if (v < 0 || l.words[v] !== "reject") return [];
  const [s, e] = rejectArgs(l.words, v);
  const args = l.words.slice(s, e).join(" ");
  const to = args === "with tcp reset" ? (Object.hasOwn(PORT_UNREACHABLE, l.nft.tableFamily) ? PORT_UNREACHABLE[l.nft.tableFamily]! : ["with", "icmpx", "type", "port-unreachable"]) : matchesTcp(l.words) ? ["with", "tcp", "reset"] : undefined;
  if (!to) return [];
  return [{ words: [...l.words.slice(0, s), ...to, ...l.words.slice(e)] }];
}

/** The items of `{ a, b }` starting at words[open]; [items, index of `}`]. */
export function setItems(words: readonly string[], open: number): [string[], number] | undefined {
  const close = words.indexOf("}", open);
  if (words[open] !== "{" || close < 0) return undefined;
  return [words.slice(open + 1, close).join(" ").split(",").map((x) => x.trim()).filter((x) => x !== ""), close];
}

export function setWords(items: readonly string[]): string[] {
  return ["{", ...items.map((x, i) => (i < items.length - 1 ? `${x},` : x))];
}

function nextPort(port: number, taken: ReadonlySet<string>): number {
  let next = port;
  do next = next >= 65535 ? next - 1 : next + 1; while (taken.has(String(next)));
  return next;
}

/** Another port for each numeric `dport`/`sport` value (one mutant per port, inline sets too). */
function otherPort(l: NftRuleLine): Change[] {
  const out: Change[] = [];
  l.words.forEach((w, i) => {
    if (w !== "dport" && w !== "sport") return;
    const value = l.words[i + 1] ?? "";
    if (/^\d+$/.test(value)) {
      const next = nextPort(Number(value), new Set([value]));
      out.push({ words: l.words.map((x, j) => (j === i + 1 ? String(next) : x)), tag: `${w} ${value}→${next}` });
      return;
    }
    const set = setItems(l.words, i + 1);
    if (!set) return;
    const [items, close] = set;
    items.forEach((item, k) => {
      if (!/^\d+$/.test(item)) return;
      const next = nextPort(Number(item), new Set(items));
      const changed = items.map((x, j) => (j === k ? String(next) : x));
      out.push({ words: [...l.words.slice(0, i + 1), ...setWords(changed), ...l.words.slice(close)], tag: `${w} ${item}→${next}` });
    });
  });
  return out;
}

const LOOPBACK = new Map([["ip", /^127\.0\.0\.1(\/32)?$/], ["ip6", /^::1(\/128)?$/]]);

function loopbackToInterface(l: NftRuleLine): Change[] {
  if (l.words.some((w) => w === "iifname" || w === "iif")) return [];
  const i = l.words.findIndex((w, j) => LOOPBACK.get(w)?.test(l.words[j + 2] ?? "") === true && l.words[j + 1] === "saddr");
  if (i < 0) return [];
  return [{ words: [...l.words.slice(0, i), "iifname", '"lo"', ...l.words.slice(i + 3)] }];
}

/** One element out of each set of two or more: named sets' `elements = { … }` lines and inline sets in rules. */
function setElementProposals(lines: readonly RuleLine[]): Proposal[] {
  const out: Proposal[] = [];
  for (const l of lines.filter(isNftLine)) {
    l.words.forEach((w, open) => {
      if (w !== "{" || l.nft.role === "policy") return;
      const set = setItems(l.words, open);
      if (!set) return;
      const [items, close] = set;
      if (items.length < 2 && l.nft.role === "rule") return;
      items.forEach((item, k) => {
        const rest = items.filter((_, j) => j !== k);
        const words = rest.length === 0 ? null : [...l.words.slice(0, open), ...setWords(rest), ...l.words.slice(close)];
        out.push({ operator: "set-element", edits: [edit(l, words)], equivalentIfUnmatched: l.nft.role === "rule" ? [l] : [], tag: `-${item}` });
      });
    });
  }
  return out;
}

/** Rules of one chain written by one source, in order. */
function chains(lines: readonly RuleLine[]): NftRuleLine[][] {
  const by = new Map<string, NftRuleLine[]>();
  for (const l of rulesOf(lines)) {
    const key = `${l.step}/${l.source}/${l.table}/${l.chain}`;
    by.set(key, [...(by.get(key) ?? []), l]);
  }
  return [...by.values()];
}

/**
 * Words of statements beyond plain matches, a counter and one verdict: they change state (`meta mark set`,
 * `ct mark set`, `add @s`, `update @s`, NAT, `log`), or match by rate, count or chance (`limit`, `quota`,
 * `ct count`, `numgen`, `meter`), so which packets reach the rule, and in what order, matters.
 */
const STATEMENT_WORDS = new Set([
  "set", "add", "update", "delete", "log", "limit", "quota", "count", "numgen", "meter", "notrack", "dnat", "snat",
  "masquerade", "redirect", "queue", "dup", "fwd", "synproxy", "tproxy", "flow", "secmark", "expectation", "xt",
]);

/** Where the rule's first statement word is (STATEMENT_WORDS), or -1; `ct status dnat`/`{ snat, dnat }` are matches. */
function statementAt(l: RuleLine): number {
  let statusValue = false;
  return l.words.findIndex((w, i) => {
    const prev = l.words[i - 1];
    if (prev === "status") statusValue = w === "{";
    else if (statusValue && w === "}") statusValue = false;
    return STATEMENT_WORDS.has(w) && prev !== "status" && !statusValue;
  });
}

/** Whether the rule has a statement other than plain matches, a counter and a verdict. */
function hasStatement(l: RuleLine): boolean {
  return statementAt(l) >= 0;
}

/** The word at `i` is a match every packet a statement of the rule sees has passed: it comes before the first statement. */
function matchedBeforeStatements(l: RuleLine, i: number): boolean {
  const first = statementAt(l);
  return i >= 0 && (first < 0 || i < first);
}

/** The families' match comes before any statement: from the table (ip, ip6), or `meta nfproto`, `ip …`, `ip6 …` in the rule. */
function familiesBeforeStatements(l: RuleLine): boolean {
  if (!isNftLine(l) || !hasStatement(l) || ["ip", "ip6"].includes(l.nft.tableFamily)) return true;
  return matchedBeforeStatements(l, l.words.findIndex((w) => w === "nfproto" || w === "ip" || w === "ip6"));
}

/** `accept`, `drop`, `reject with …`: what a rule does with the packets it matches; undefined for jumps, rules without a verdict, and rules with a statement besides (STATEMENT_WORDS). */
function decision(l: RuleLine): string | undefined {
  if (hasStatement(l)) return undefined;
  if (l.jumpVerdict !== undefined) return l.jumpVerdict; // a jump to a chain that gives every packet one verdict (nft-dead.ts)
  const v = ownVerdictIndex(l.words);
  if (v < 0) return undefined;
  // A goto never comes back to its chain: two gotos to one chain decide alike. A jump decides only into a chain every
  // packet ends in (nft-dead.ts): from one that returns or falls off its end, the walk goes on after the jumping rule.
  if (l.words[v] === "goto") return l.words[v + 1] === undefined ? undefined : `goto ${l.words[v + 1]}`;
  if (l.words[v] === "jump") return l.endingJump === undefined ? undefined : `jump ${l.endingJump}`;
  if (!["accept", "drop", "reject"].includes(l.words[v]!)) return undefined;
  const [s, e] = rejectArgs(l.words, v);
  return [l.words[v], ...l.words.slice(s, e)].join(" ");
}

/** Statements that match nothing (a counter, a log line) and take the next word as their argument. */
const NO_MATCH = new Set(["counter", "log"]);
const WITH_ARGUMENT = new Set(["name", "prefix", "level", "packets", "bytes"]);

/** The rule takes every packet that reaches it: no match before its verdict (only counters and log statements). */
function unconditional(l: RuleLine): boolean {
  const v = verdictIndex(l.words);
  if (v < 0 || decision(l) === undefined) return false;
  for (let i = 0; i < v; i++) {
    if (WITH_ARGUMENT.has(l.words[i]!)) i++;
    else if (!NO_MATCH.has(l.words[i]!)) return false;
  }
  return true;
}

/** Why deleting `l` changes no verdict: the rule right after it in its chain takes every packet and decides the same. */
function deleteCannotMatter(chain: readonly NftRuleLine[], l: NftRuleLine): string | undefined {
  const next = chain[chain.indexOf(l) + 1];
  // `add/insert rule` commands: the file's order need not be the chain's.
  if (!next || /\S/.test(l.prefix + next.prefix) || !unconditional(next) || decision(next) !== decision(l)) return undefined;
  return `the next rule, \`${next.text.trim()}\`, takes every packet that reaches it and decides the same (\`${decision(l)}\`)`;
}

function destinationPorts(l: RuleLine): string[] | undefined {
  const i = l.words.indexOf("dport");
  const v = l.words[i + 1];
  if (i < 0 || v === undefined) return undefined;
  if (/^\d+$/.test(v)) return [v];
  // A verdict map's keys (`dport vmap { 22 : accept, 80 : drop }`): only those ports get a verdict from it.
  const map = v === "vmap" ? setItems(l.words, i + 2)?.[0].map((x) => x.split(":")[0]!.trim()) : undefined;
  const set = map ?? setItems(l.words, i + 1)?.[0];
  return set && set.length > 0 && set.every((x) => /^\d+$/.test(x)) ? set : undefined;
}

/**
 * Why exchanging the order of two rules cannot change a verdict, or undefined. A statement (STATEMENT_WORDS) acts on
 * every packet that reaches it, so the order changes what it does: a rule with one is proved only disjoint from the
 * other, by a match that comes before its statements.
 */
export function orderCannotMatter(a: RuleLine, b: RuleLine): string | undefined {
  const noop = noopReason(a) ?? noopReason(b);
  if (noop) return noop;
  const before = (l: RuleLine, i: number) => !hasStatement(l) || matchedBeforeStatements(l, i);
  if (isNftLine(a) && isNftLine(b) && familiesBeforeStatements(a) && familiesBeforeStatements(b) && !a.nft.families.some((f) => b.nft.families.includes(f))) return `the rules match different families (${a.nft.families.join(",")} and ${b.nft.families.join(",")}): no packet matches both`;
  const da = decision(a);
  if (da !== undefined && da === decision(b)) return `both rules decide \`${da}\`: whichever matches first, a packet's fate is the same`;
  const pa = destinationPorts(a);
  const pb = destinationPorts(b);
  if (pa && pb && before(a, a.words.indexOf("dport")) && before(b, b.words.indexOf("dport")) && !pa.some((p) => pb.includes(p))) return `the rules match different destination ports (${pa.join(",")} and ${pb.join(",")}): no packet matches both`;
  const sa = ctStates(a);
  const sb = ctStates(b);
  const ctAt = (l: RuleLine) => l.words.findIndex((w, j) => w === "ct" && l.words[j + 1] === "state");
  if (sa && sb && before(a, ctAt(a)) && before(b, ctAt(b)) && !sa.some((x) => sb.includes(x))) return `the rules match disjoint conntrack states (${sa.join(",")} and ${sb.join(",")}): a packet is in one state only`;
  return undefined;
}

/** `ct state established` / `ct state { established, related }`, when every state is one a packet has alone (not dnat/snat). */
function ctStates(l: RuleLine): string[] | undefined {
  const i = l.words.findIndex((w, j) => w === "ct" && l.words[j + 1] === "state");
  const v = i < 0 ? undefined : l.words[i + 2];
  if (v === undefined || v === "!=") return undefined;
  const states = v === "{" ? setItems(l.words, i + 2)?.[0] : [v];
  return states?.every((x) => ["new", "established", "related", "invalid", "untracked"].includes(x)) ? states : undefined;
}

/** The rules of the ending chain both rules jump to, from their source: what a `jump` swap claim rests on (observed-rules.ts). */
function jumpTargetRules(lines: readonly RuleLine[], a: RuleLine, b: RuleLine): { reads?: readonly RuleLine[] } {
  if (a.endingJump === undefined || a.endingJump !== b.endingJump || a.jumpVerdict !== undefined) return {};
  const reads = rulesOf(lines).filter((l) => l.step === a.step && l.source === a.source && l.table === a.table && l.chain === a.endingJump);
  return reads.length > 0 ? { reads } : {};
}

function swapProposals(lines: readonly RuleLine[]): Proposal[] {
  return chains(lines).flatMap((chain) => chain.slice(1).map((b, i) => {
    const a = chain[i]!;
    const why = orderCannotMatter(a, b);
    return { operator: "swap" as const, edits: [edit(a, b.words), edit(b, a.words)], equivalentIfUnmatched: [a], ...(why ? { staticEquivalence: why, ...jumpTargetRules(lines, a, b) } : {}) };
  }));
}

/** A rule moved to the end of its chain: its line emptied, the chain's last rule line followed by `; <rule>`. */
function moveEndProposals(lines: readonly RuleLine[]): Proposal[] {
  return chains(lines).flatMap((chain) => {
    const last = chain.at(-1)!;
    if (/\S/.test(last.prefix)) return []; // `add rule …` commands: one command a line
    return chain.slice(0, -1).map((r, i) => {
      const after = chain.slice(i + 1);
      const reasons = after.map((b) => orderCannotMatter(r, b));
      const lastWords = [...last.words.slice(0, -1), `${last.words.at(-1)!};`, ...r.words];
      return {
        operator: "move-end" as const, edits: [edit(r, null), edit(last, lastWords)], equivalentIfUnmatched: [r],
        ...(reasons.every((x) => x !== undefined) ? { staticEquivalence: `for every rule it moves behind: ${[...new Set(reasons)].join("; ")}` } : {}),
      };
    });
  });
}

/** Every IPv6-only rule of a source that also has IPv4-only rules (separate ip/ip6 tables, or twins in an inet table). */
function dropV6Proposals(lines: readonly RuleLine[]): Proposal[] {
  const bySource = new Map<string, NftRuleLine[]>();
  for (const l of rulesOf(lines)) bySource.set(`${l.step}/${l.source}`, [...(bySource.get(`${l.step}/${l.source}`) ?? []), l]);
  return [...bySource.values()].flatMap((rules) => {
    const only = (f: string) => rules.filter((l) => l.nft.families.length === 1 && l.nft.families[0] === f);
    const v6 = only("ipv6");
    if (v6.length === 0 || only("ipv4").length === 0) return [];
    return [{ operator: "drop-v6" as const, edits: v6.map((l) => edit(l, null)), equivalentIfUnmatched: v6 }];
  });
}

function policyProposals(lines: readonly RuleLine[]): Proposal[] {
  return lines.filter(isNftLine).filter((l) => l.nft.role === "policy" && verdictChain(l)).flatMap((l) => {
    const i = l.words.indexOf("policy");
    const m = /^(accept|drop)(;?)$/.exec(l.words[i + 1] ?? "");
    if (!m) return [];
    const to = `${m[1] === "accept" ? "drop" : "accept"}${m[2]}`;
    const last = chains(lines).find((c) => c[0]!.step === l.step && c[0]!.source === l.source && c[0]!.table === l.table && c[0]!.chain === l.chain)?.at(-1);
    // A goto from a base chain to a chain that falls off its end comes back to this policy (a jump only decides into an ending chain).
    const why = last && !/\S/.test(last.prefix) && unconditional(last) && (last.words[verdictIndex(last.words)] !== "goto" || last.jumpVerdict !== undefined) ? `the chain's last rule, \`${last.text.trim()}\`, takes every packet that reaches it: the policy is never used` : undefined;
    return [{ operator: "policy" as const, edits: [edit(l, l.words.map((w, j) => (j === i + 1 ? to : w)))], equivalentIfUnmatched: [], ...(why ? { staticEquivalence: why } : {}) }];
  });
}

/** The nft proposals of each operator (operators without an nft meaning propose none). */
export const NFT_PROPOSALS: Readonly<Record<OperatorName, (lines: readonly RuleLine[]) => Proposal[]>> = {
  "delete": (lines) => chains(lines).flatMap((chain) => chain.map((l) => {
    const why = deleteCannotMatter(chain, l) ?? noopReason(l);
    return { operator: "delete" as const, edits: [edit(l, null)], equivalentIfUnmatched: [l], ...(why ? { staticEquivalence: why } : {}) };
  })),
  "accept-drop": (lines) => perRule("accept-drop", acceptDrop, true, lines),
  "drop-reject": (lines) => perRule("drop-reject", dropReject, true, lines),
  "reject-type": (lines) => perRule("reject-type", rejectType, true, lines),
  "port": (lines) => perRule("port", otherPort, false, lines),
  "insert-append": () => [],
  "move-end": moveEndProposals,
  "drop-v6": dropV6Proposals,
  "loopback-iface": (lines) => perRule("loopback-iface", loopbackToInterface, false, lines),
  "swap": swapProposals,
  "set-element": setElementProposals,
  "policy": policyProposals,
};
