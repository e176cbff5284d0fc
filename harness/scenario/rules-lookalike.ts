/**
 * A file given where a scenario is expected that is a firewall rules file
 * (`fwspec validate firewall/rules.v4`), pure: what it looks like, by its first
 * line that is neither blank nor a comment (or its `#!` line), and what to do
 * instead. No scenario starts like any of these: each is an error as YAML, or
 * a top level that is no mapping, so this never refuses a scenario.
 */
import { shellQuote } from "../shell-quote.ts";
import path from "node:path";
import { fwspecCommand } from "../invocation.ts";

export type RulesKind = "iptables-save" | "nft" | "script";

export interface RulesLookalike {
  readonly kind: RulesKind;
  /** 1-based line of the telling text. */
  readonly line: number;
  /** That line, trimmed. */
  readonly text: string;
}

const IPTABLES_SAVE = [/^\*[a-z]+$/, /^:\S+ \S+ \[\d+:\d+\]$/, /^-[AIDRNPX] \S/, /^--(append|insert) \S/];
const NFT = [/^flush ruleset\b/, /^(table|add table|add chain|add rule|add set|add map|add element|insert rule|delete table) \S/, /^define \S+ = /, /^include "/];
const COMMANDS = /^(sudo\s+)?(iptables|ip6tables|iptables-legacy|ip6tables-legacy|iptables-nft|ip6tables-nft|iptables-restore|ip6tables-restore|nft|ufw|firewall-cmd)\s/;

/** The kind the first telling line shows, if any. */
function kindOf(line: string): RulesKind | undefined {
  if (line.startsWith("#!")) return /\bnft\b/.test(line) ? "nft" : "script";
  if (IPTABLES_SAVE.some((re) => re.test(line))) return "iptables-save";
  if (NFT.some((re) => re.test(line))) return "nft";
  return COMMANDS.test(line) ? "script" : undefined;
}

/** What `text` looks like when it is a rules file rather than a scenario; undefined when it may be a scenario. */
export function rulesLookalike(text: string): RulesLookalike | undefined {
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || (line.startsWith("#") && !(i === 0 && line.startsWith("#!")))) continue;
    const kind = kindOf(line);
    return kind === undefined ? undefined : { kind, line: i + 1, text: line };
  }
  return undefined;
}

const LOOKS: Readonly<Record<RulesKind, string>> = {
  "iptables-save": "an iptables-save / iptables-restore rules file",
  nft: "an nftables ruleset",
  script: "a shell script of firewall commands",
};

/** The message for `found` in a file. */
export function lookalikeMessage(found: RulesLookalike): string {
  return `this is not a fwspec scenario: it looks like ${LOOKS[found.kind]} (\`${found.text.length > 60 ? `${found.text.slice(0, 60)}…` : found.text}\`)`;
}

/**
 * What to do with the rules file `shown` (as the user named it): make a
 * scenario for it, or name it in one. `root`: the project root and the file
 * from there; `init --from` runs at the root, so the command names the file
 * from it, after a `cd` when the folder fwspec runs in is another.
 */
export function lookalikeHint(found: RulesLookalike, shown: string, invocation?: string, root?: { readonly dir: string; readonly file: string }, cwd: string = process.cwd()): string {
  const then = "and pass the scenario (fwspec validate and run take scenario files; `validate --rules` tests the rules files they name)";
  if (found.kind === "nft") return `name it in a scenario's apply step, \`apply: { host: server, nft: <its path from the scenario> }\`, ${then}`;
  if (found.kind === "script") return `name it in a scenario's apply step, \`- apply: <its path from the scenario>\` (run with sh -e on the firewall host), ${then}`;
  const v6 = /v6|ip6/i.test(path.basename(shown));
  const named = root ? root.file : shown;
  const cd = root && path.resolve(root.dir) !== path.resolve(cwd) ? `cd ${shellQuote([root.dir])} && ` : "";
  const init = `${cd}${fwspecCommand(v6 ? `init --from <your IPv4 rules> --v6 ${named}` : `init --from ${named}`, invocation)}`;
  return `to make a scenario for it, run \`${init}\` (it observes its verdicts in a lab); or name it in a scenario's apply step, \`apply: { host: server, restore: { ${v6 ? "ipv6" : "ipv4"}: <its path from the scenario> } }\`, ${then}`;
}
