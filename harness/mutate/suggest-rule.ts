/**
 * What a suggestion reads from one rule line (pure): its destination and
 * source ports, protocol, the verdict a probe it decides observes, whether it
 * is a loopback rule, and how a counters check names it. iptables words and
 * nft words alike (nft-lines.ts).
 */
import { REJECT_VERDICTS } from "../rules/decisive.ts";
import { type RuleLine } from "./rule-lines.ts";
import { isNftLine, type NftRuleLine, rejectArgs, verdictIndex } from "./nft-lines.ts";

function valueOf(words: readonly string[], flags: readonly string[]): string | undefined {
  const i = words.findIndex((w) => flags.includes(w));
  return i >= 0 ? words[i + 1] : undefined;
}

/** The first numeric destination port a rule names. */
export function rulePort(line: RuleLine): number | undefined {
  if (isNftLine(line)) {
    const v = valueOf(line.words, ["dport"]);
    const first = v === "{" ? line.words[line.words.indexOf("dport") + 2]?.replace(/,$/, "") : v;
    return first && /^\d+$/.test(first) ? Number(first) : undefined;
  }
  const v = valueOf(line.words, ["--dport", "--destination-port", "--dports", "--destination-ports"]);
  const first = v?.split(",")[0]?.split(":")[0];
  return first && /^\d+$/.test(first) ? Number(first) : undefined;
}

export function ruleProtocol(line: RuleLine): string | undefined {
  if (isNftLine(line)) return line.words.find((w, i) => (w === "tcp" || w === "udp") && ["dport", "sport"].includes(line.words[i + 1] ?? ""));
  return valueOf(line.words, ["-p", "--protocol"]);
}

/** What a probe the rule decides observes. */
export function verdictOf(line: RuleLine, strict = false): string {
  if (isNftLine(line)) return nftVerdictOf(line, strict);
  const target = valueOf(line.words, ["-j", "--jump"]);
  if (target === "DROP") return "dropped";
  if (target === "REJECT") {
    // What the client reports for the rule's answer (decisive.ts): a port unreachable or reset is `refused`, a prohibited or another unreachable `unreachable`.
    const answer = valueOf(line.words, ["--reject-with"]);
    if (answer !== undefined && REJECT_VERDICTS[answer] === "unreachable") return "unreachable";
    return strict ? `refused:${answer === "tcp-reset" ? "rst" : "icmp"}` : "refused";
  }
  return "open";
}

/** What a probe an nft rule decides observes: a reset or port-unreachable is `refused`, another ICMP error `unreachable`. */
function nftVerdictOf(line: NftRuleLine, strict: boolean): string {
  const v = verdictIndex(line.words);
  if (line.words[v] === "drop") return "dropped";
  if (line.words[v] !== "reject") return "open";
  const [s, e] = rejectArgs(line.words, v);
  const args = line.words.slice(s, e).join(" ");
  if (args === "with tcp reset") return strict ? "refused:rst" : "refused";
  return args === "" || /port-unreachable$/.test(args) ? (strict ? "refused:icmp" : "refused") : "unreachable";
}

export function isLoopbackRule(line: RuleLine): boolean {
  if (isNftLine(line)) return line.words.some((w, i) => (["iifname", "iif"].includes(w) && /^"?lo"?$/.test(line.words[i + 1] ?? "")) || (w === "saddr" && /^(127\.0\.0\.1|::1)(\/\d+)?$/.test(line.words[i + 1] ?? "")));
  return line.words.some((w, i) => (w === "-i" && line.words[i + 1] === "lo") || ((w === "-s" || w === "--source") && /^(127\.0\.0\.1|::1)(\/\d+)?$/.test(line.words[i + 1] ?? "")));
}

/** The rule as a counters check names it: the words after the program, without `-t filter`. */
export function counterRule(line: RuleLine): string {
  return line.words.join(" ").replace(/^-t filter /, "").replace(/^-I (\S+)( \d+)?/, "-A $1");
}

/**
 * An nft rule as a counters check names it: by its table and comment (the table also picks the family the check
 * reads: an ip6 table's rules are not in the IPv4 reading), else by its text in table and chain (a handle is known
 * only once loaded).
 */
export function nftCounterSelector(line: NftRuleLine): string {
  const i = line.words.indexOf("comment");
  const comment = i >= 0 ? line.words[i + 1] : undefined;
  return comment ? `table: ${line.table}, comment: ${comment}` : `table: ${line.table}, chain: ${line.chain}, rule: "${line.words.join(" ").replace(/"/g, '\\"')}"`;
}

/** The source ports a rule matches when they are fixed numbers (`--sport 67`, `--sports 67,68`, `udp sport 547`; not negated, no range): no probe sends from them. */
export function fixedSourcePort(line: RuleLine): string | undefined {
  const flags = isNftLine(line) ? ["sport"] : ["--sport", "--source-port", "--sports", "--source-ports"];
  const i = line.words.findIndex((w) => flags.includes(w));
  const v = i < 0 ? undefined : line.words[i + 1];
  return v !== undefined && line.words[i - 1] !== "!" && /^\d+(,\d+)*$/.test(v) ? v : undefined;
}

/** The first source port a rule names (`--sport 547`, `udp sport 547`). */
export function sourcePort(line: RuleLine): string | undefined {
  return valueOf(line.words, isNftLine(line) ? ["sport"] : ["--sport", "--source-port", "--sports", "--source-ports"]);
}
