/**
 * Decisive counts: which DROP or REJECT rules (or DROP chain policies) counted
 * packets between two readings, and what a REJECT's answer means to the prober.
 * Pure; the session uses it to end a probe early when a packet is seen consumed.
 */
import type { Family, Protocol, Verdict } from "../model/types.ts";
import type { SavedRuleset } from "./saved.ts";
import { nftRejectAnswer } from "./nft-listing.ts";
import { tokenizeRule } from "./tokenize.ts";
import type { Refusal } from "../model/types.ts";

export interface DecisiveCount {
  readonly family: Family;
  readonly table: string;
  readonly chain: string;
  /** Rule position in its chain; null for the chain's policy. */
  readonly position: number | null;
  readonly kind: "DROP" | "REJECT";
  /** The rule text, or `policy DROP` for a chain policy. */
  readonly text: string;
  readonly packets: number;
  /** Bytes counted in the same interval (set by decisiveCounts; sweeps check packet sizes with it). */
  readonly bytes?: number;
}

/** DROP/REJECT rules and DROP policies whose packet counters went up (rules paired by table, chain, position, text). */
export function decisiveCounts(before: SavedRuleset, after: SavedRuleset): DecisiveCount[] {
  if (before.family !== after.family) return [];
  const out: DecisiveCount[] = [];
  const earlier = new Map(before.rules.map((r) => [`${r.table}\0${r.chain}\0${r.position}\0${r.text}`, r]));
  for (const rule of after.rules) {
    if (rule.target !== "DROP" && rule.target !== "REJECT") continue;
    const old = earlier.get(`${rule.table}\0${rule.chain}\0${rule.position}\0${rule.text}`);
    // A rule that is new, moved or was zeroed cannot be attributed to one probe.
    if (!old || rule.packets < old.packets) continue;
    const packets = rule.packets - old.packets;
    if (packets > 0) out.push({ family: after.family, table: rule.table, chain: rule.chain, position: rule.position, kind: rule.target, text: rule.text, packets, bytes: rule.bytes - old.bytes });
  }
  const chains = new Map(before.chains.map((c) => [`${c.table}\0${c.chain}`, c]));
  for (const chain of after.chains) {
    if (chain.policy !== "DROP") continue;
    const old = chains.get(`${chain.table}\0${chain.chain}`);
    if (!old || old.policy !== "DROP" || chain.packets < old.packets) continue;
    const packets = chain.packets - old.packets;
    if (packets > 0) out.push({ family: after.family, table: chain.table, chain: chain.chain, position: null, kind: "DROP", text: "policy DROP", packets, bytes: chain.bytes - old.bytes });
  }
  return out;
}

/** What a TCP prober's connect() reports for each REJECT answer (the errno classify.ts reads). */
export const REJECT_VERDICTS: Readonly<Record<string, Verdict>> = {
  "tcp-reset": "refused",
  "icmp-port-unreachable": "refused",
  "icmp6-port-unreachable": "refused",
  "port-unreach": "refused",
  "icmp-net-unreachable": "unreachable",
  "icmp-host-unreachable": "unreachable",
  "icmp-net-prohibited": "unreachable",
  "icmp-host-prohibited": "unreachable",
  "icmp-admin-prohibited": "unreachable",
  "icmp6-no-route": "unreachable",
  "no-route": "unreachable",
  "icmp6-adm-prohibited": "unreachable",
  "adm-prohibited": "unreachable",
  "icmp6-addr-unreachable": "unreachable",
  "addr-unreach": "unreachable",
  "icmp-proto-unreachable": "unreachable",
  "icmp-proto-unreach": "unreachable",
  "icmp6-policy-fail": "unreachable",
  "policy-fail": "unreachable",
  "icmp6-reject-route": "unreachable",
  "reject-route": "unreachable",
};

/**
 * The verdict a TCP probe gets from a REJECT rule, from its --reject-with
 * (default: port unreachable). Undefined when the rule is not a REJECT or its
 * answer is not one classify.ts knows (then the probe is waited out).
 */
/** The refusal a REJECT rule sends, from its --reject-with (default: port unreachable). */
export function refusalOfRule(tokens: readonly string[]): Refusal | undefined {
  const j = tokens.findIndex((t) => t === "-j" || t === "--jump");
  if (j < 0 || tokens[j + 1] !== "REJECT") return undefined;
  const w = tokens.indexOf("--reject-with", j);
  const type = w < 0 ? "icmp-port-unreachable" : tokens[w + 1] ?? "";
  if (type === "tcp-reset") return "tcp-reset";
  return /^(icmp6?-)?port-unreach(able)?$/.test(type) ? "icmp-port-unreachable" : undefined;
}

function refusalOfText(ruleText: string): Refusal | undefined {
  try {
    return refusalOfRule(tokenizeRule(ruleText));
  } catch {
    return undefined;
  }
}

export function rejectVerdict(ruleText: string): Verdict | undefined {
  if (!/^\s*-A\s/.test(ruleText)) return nftRejectVerdict(ruleText);
  let tokens: string[];
  try {
    tokens = tokenizeRule(ruleText);
  } catch {
    return undefined;
  }
  const j = tokens.findIndex((t) => t === "-j" || t === "--jump");
  if (j < 0 || tokens[j + 1] !== "REJECT") return undefined;
  const w = tokens.indexOf("--reject-with", j);
  if (w < 0) return "refused";
  return REJECT_VERDICTS[tokens[w + 1] ?? ""];
}

/** nft's reject types (`reject with icmpx admin-prohibited`, `with tcp reset`, bare `reject`: port unreachable) as the prober sees them. */
const NFT_REJECT_VERDICTS: Readonly<Record<string, Verdict>> = {
  "port-unreachable": "refused",
  "net-unreachable": "unreachable",
  "host-unreachable": "unreachable",
  "net-prohibited": "unreachable",
  "host-prohibited": "unreachable",
  "admin-prohibited": "unreachable",
  "no-route": "unreachable",
  "addr-unreachable": "unreachable",
  "prot-unreachable": "unreachable",
  "policy-fail": "unreachable",
  "reject-route": "unreachable",
};

/** The verdict a TCP probe gets from a native nft rule's `reject` as `nft list ruleset` prints it. */
export function nftRejectVerdict(ruleText: string): Verdict | undefined {
  const answer = nftRejectAnswer(ruleText, "ipv4");
  if (answer === undefined) return undefined;
  return answer === "tcp reset" ? "refused" : NFT_REJECT_VERDICTS[answer.split(" ")[1] ?? ""];
}

export interface EarlyVerdict {
  readonly verdict: Verdict;
  /** A REJECT's verdict: how it answers (tcp-reset or ICMP port unreachable), when the rules agree. */
  readonly refusal?: Refusal;
  /** The rules that decided, for the reason line: "server: ipv4 filter INPUT #2 -A INPUT … -j DROP (+1)". */
  readonly rules: readonly string[];
}

/**
 * The verdict a probe without an answer gets from what consumed its packet:
 * `dropped` when only DROP rules or policies counted; for TCP, the REJECT's
 * answer when only REJECT rules counted and they agree, and it is an ICMP error
 * (which the client may take as soft and wait on; observe.ts stoppedEarly
 * reads whether it came back). Anything else (nothing counted, DROP and REJECT
 * both, an unknown REJECT answer, a TCP reset, which ends the client by itself
 * when it arrives) is undecided: the probe is then waited out.
 */
export function earlyVerdict(counts: readonly (DecisiveCount & { readonly host: string })[], protocol: Protocol): EarlyVerdict | undefined {
  if (counts.length === 0) return undefined;
  const rules = counts.map((c) => `${c.host}: ${c.family} ${c.table} ${c.chain} ${c.position === null ? "policy DROP" : `#${c.position} ${c.text}`} (+${c.packets})`);
  if (counts.every((c) => c.kind === "DROP")) return { verdict: "dropped", rules };
  if (protocol === "udp" || !counts.every((c) => c.kind === "REJECT")) return undefined;
  // A TCP reset ends the client by itself when it arrives; one the client has not reported is one that did not arrive
  // (an output rule or a router dropped it): the client's own end decides, never the rule that sent it.
  if (counts.some((c) => /--reject-with\s+tcp-reset|\breject with tcp reset\b/.test(c.text))) return undefined;
  const verdicts = new Set(counts.map((c) => rejectVerdict(c.text)));
  const [verdict] = verdicts;
  if (verdicts.size !== 1 || verdict === undefined) return undefined;
  const refusals = new Set(counts.map((c) => refusalOfText(c.text)));
  const [refusal] = refusals;
  return { verdict, rules, ...(verdict === "refused" && refusals.size === 1 && refusal ? { refusal } : {}) };
}
