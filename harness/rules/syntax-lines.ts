/**
 * The pure half of the rule syntax check (runner/rule-syntax.ts runs the
 * tools): which lines of a scenario's rules get tested, and how the tools'
 * answers map back to file lines.
 *
 * - restore files: `iptables-restore --test` stops at the first error and says
 *   `Error occurred at line: N` (or `line N failed`); N is a line of the input
 *   as given. The runner blanks that line (an empty line keeps every other
 *   line's number, so N is always the file's own line) and tests again, until
 *   the file passes, the error names a line that is not a rule line (then the
 *   rest of the file cannot be tested line by line), or MAX_ERRORS_PER_FILE.
 * - commands, and scripts made of nothing but iptables/ip6tables lines: each
 *   command runs on its own in the throw-away host, in the scenario's step
 *   order (so every bad one is seen), and only a usage error (exit 2: unknown
 *   option, bad address, no such match/target/chain) counts as bad syntax;
 *   exit 1 is about the ruleset's state (no such rule to delete, chain
 *   exists, index too big) and is left to the run itself.
 *   A script with anything else in it (shell syntax, other programs) is not
 *   checked: its iptables lines may depend on what the rest does.
 * - `nft` commands in a command list run the same way (for real, in order);
 *   nft exits 1 for any error, so its message tells: a missing table, chain
 *   or rule, a file it cannot open, something that already exists or a
 *   kernel that cannot (`No such file or directory`, `File exists`, `Could
 *   not process rule`, `Operation not supported`) is state, left to the run;
 *   anything else (`syntax error, unexpected …`, `Could not resolve
 *   service`) is the command itself.
 */
import type { Backend, Family } from "../model/types.ts";
import type { RuleSource, Scenario, SourceLocation } from "../scenario/model.ts";
import { splitCommand } from "../scenario/shellwords.ts";

/** Bad lines reported per file (and test runs per file) at most. */
export const MAX_ERRORS_PER_FILE = 20;

/** The input line (1-based) a restore tool's stderr names, if any. */
export function restoreErrorLine(stderr: string): number | undefined {
  // `--test`'s words; the legacy load's; iptables-nft's load (`line 4: RULE_APPEND failed (Invalid argument): …`, a kernel refusal).
  const m = /Error occurred at line: (\d+)/.exec(stderr) ?? /\bline (\d+) failed/.exec(stderr) ?? /^line (\d+): [A-Z_]+ failed\b/m.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

/** The tool's own words: without the help pointer, the line report and blank lines, on one line. */
export function toolMessage(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim())
    .filter((l) => l !== "" && !/^Try `/.test(l) && !/^Error occurred at line: \d+$/.test(l) && !/^\S+-restore: line \d+ failed$/.test(l));
  return lines.join("; ") || "rejected (no message)";
}

/** A rule line of restore input (`-A`, `-I`, `-N` …): a line that can be blanked and tested again. */
export function isRuleLine(line: string | undefined): boolean {
  return line !== undefined && /^\s*-/.test(line);
}

/** `content` with line `n` (1-based) made empty: every other line keeps its number. */
export function blankLine(content: string, n: number): string {
  const lines = content.split("\n");
  if (n >= 1 && n <= lines.length) lines[n - 1] = "";
  return lines.join("\n");
}

/** The text of line `n` (1-based). */
export function lineAt(content: string, n: number): string | undefined {
  return content.split("\n")[n - 1];
}

const TOOL_FAMILY: Readonly<Record<string, Family>> = { iptables: "ipv4", ip6tables: "ipv6" };

/** The family of an iptables/ip6tables command; undefined for any other program. */
export function commandFamily(argv: readonly string[]): Family | undefined {
  return TOOL_FAMILY[argv[0] ?? ""];
}

/** What checks a listed command: its family's iptables tool, or nft; undefined for any other program. */
function checkedTool(argv: readonly string[]): Family | "nft" | undefined {
  return argv[0] === "nft" ? "nft" : commandFamily(argv);
}

/** nft's messages about the ruleset's (or the kernel's) state rather than the command: left to the run. */
const NFT_STATE = /No such file or directory|File exists|Device or resource busy|Could not process rule|Operation not supported|Could not open file/;

/** A failed `nft` command's problem in nft's words (its first line, without `Error: `), or undefined for a state error. */
export function nftCommandProblem(stderr: string): string | undefined {
  const first = stderr.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? "";
  if (NFT_STATE.test(first)) return undefined;
  return first.replace(/^Error:\s*/, "") || "rejected (no message)";
}

export interface NumberedCommand {
  /** 1-based line in its file. */
  readonly line: number;
  readonly argv: readonly string[];
  /** The iptables tool's family, or `nft`. */
  readonly family: Family | "nft";
}

/** Lines a script may have around its rules without changing what they mean. */
const NEUTRAL = /^(#.*|set(\s+[-+][a-z]+)*)?$/;

/**
 * A script's iptables/ip6tables and nft commands with their lines, when every
 * other line is empty, a comment or `set -e`-like; undefined when the script
 * is anything more (then it is not checked line by line). Shell syntax inside
 * single quotes is literal (nft's `'{ type filter hook input priority 0; }'`).
 */
export function scriptCommands(content: string): NumberedCommand[] | undefined {
  const read = scriptLines(content);
  return "commands" in read ? read.commands : undefined;
}

/** A script's commands (scriptCommands), or its first line that makes it more than that. */
function scriptLines(content: string): { readonly commands: NumberedCommand[] } | { readonly opaque: { readonly line: number; readonly text: string } } {
  const commands: NumberedCommand[] = [];
  const lines = content.split("\n");
  for (const [i, raw] of lines.entries()) {
    const text = raw.trim();
    if (NEUTRAL.test(text)) continue;
    const opaque = { opaque: { line: i + 1, text } };
    if (/[$`;&|<>\\(){}*?]/.test(text.replace(/'[^']*'/g, "''"))) return opaque;
    const split = splitCommand(text);
    if (!split.ok) return opaque;
    const family = checkedTool(split.argv);
    if (!family) return opaque;
    commands.push({ line: i + 1, argv: split.argv, family });
  }
  return { commands };
}

/**
 * Does this rules source run only rules tools (iptables, ip6tables, nft) or
 * load a rules file? Then it sends no traffic; a script with shell syntax or
 * another program, or a command list with another program, may.
 */
export function rulesOnly(source: RuleSource): boolean {
  if (source.kind === "restore" || source.kind === "nft") return true;
  if (source.kind === "commands") return source.commands.every((c) => checkedTool(c) !== undefined);
  return "commands" in scriptLines(withStandIns(source.content));
}

/** A restore file to test with `<family tool>-<backend>-restore --test`, then load (later commands may use its chains). */
export interface RestoreJob {
  readonly kind: "restore";
  readonly backend: Backend;
  readonly family: Family;
  readonly file: string;
  readonly content: string;
}

/** iptables/ip6tables and nft commands to run one by one, in order, each with where it was written. */
export interface CommandsJob {
  readonly kind: "commands";
  readonly backend: Backend;
  readonly commands: readonly (NumberedCommand & { readonly file: string })[];
}

/** An nftables ruleset file to check with `nft -c -f`, then load (later files may add to its tables). */
export interface NftJob {
  readonly kind: "nft";
  readonly file: string;
  /** With stand-ins for placeholders (what nft checks). */
  readonly content: string;
  /** As written: nft's column on a line that held a placeholder counts in the stand-in's line, not this one. */
  readonly written: string;
}

/** Empty tables: a scenario's start, or a reboot. */
export interface ResetJob {
  readonly kind: "reset";
}

/** A rules source the check leaves to the run (its errors show only there), where and why. */
export interface UncheckedJob {
  readonly kind: "unchecked";
  readonly file: string;
  readonly line?: number | undefined;
  readonly why: string;
}

export type SyntaxJob = RestoreJob | CommandsJob | NftJob | ResetJob | UncheckedJob;

/**
 * What to run in the check host, in order: per scenario, its rules in step
 * order on tables emptied at its start and at each reboot, so a command sees
 * the chains earlier steps made. After a source that cannot be checked (a
 * script with shell syntax or other programs, a command list with other
 * programs) the scenario's later commands are not checked either (they may
 * rely on what it did); its restore files still are (they stand alone).
 */
/**
 * Lab-address placeholders (`{{ db.ipv4 }}`, `{{ lan.ipv6 }}`) have no value
 * before a lab exists: each is tested as a plain address of its family, which
 * is valid wherever an address or a subnet may stand (`-s X`, `-s X/25`); an
 * interface name (`{{ gw.wan.interface }}`) as `eth0`.
 */
export function withStandIns(text: string): string {
  return text.replace(/\{\{\s*[^{}]*?\.(ipv4|ipv6|interface)\s*\}\}/g, (_m, what: string) => (what === "ipv4" ? "198.18.0.1" : what === "ipv6" ? "2001:db8::1" : "eth0"));
}

export function syntaxJobs(scenarios: readonly Scenario[]): SyntaxJob[] {
  const jobs: SyntaxJob[] = [];
  for (const scenario of scenarios) {
    jobs.push({ kind: "reset" });
    let opaque = false;
    for (const step of scenario.steps) {
      if (step.kind === "reboot") {
        jobs.push({ kind: "reset" });
        opaque = false;
      }
      if (step.kind !== "apply") continue;
      const backend = scenario.hosts.find((h) => h.name === step.host)?.backend ?? "nft";
      for (const source of step.sources) {
        if (source.kind === "restore") {
          jobs.push({ kind: "restore", backend, family: source.family, file: source.path, content: withStandIns(source.content) });
          continue;
        }
        if (source.kind === "nft") {
          jobs.push({ kind: "nft", file: source.path, content: withStandIns(source.content), written: source.content });
          continue;
        }
        const read = source.kind === "script" ? scriptSource(source.path, withStandIns(source.content)) : listedCommands(source, step.location);
        if ("unchecked" in read) {
          jobs.push(read.unchecked);
          opaque = true;
        } else if (opaque && read.commands.length > 0) jobs.push({ kind: "unchecked", file: read.commands[0]!.file, line: read.commands[0]!.line, why: "after a source that was not checked" });
        else if (read.commands.length > 0) jobs.push({ kind: "commands", backend, commands: read.commands });
      }
    }
  }
  return jobs;
}

type SourceRead = { readonly commands: CommandsJob["commands"] } | { readonly unchecked: UncheckedJob };

/** A script's commands, or why it is left to the run. */
function scriptSource(file: string, content: string): SourceRead {
  const read = scriptLines(content);
  if ("commands" in read) return { commands: read.commands.map((c) => ({ ...c, file })) };
  return { unchecked: { kind: "unchecked", file, line: read.opaque.line, why: `shell syntax or another program: \`${read.opaque.text}\`` } };
}

/** An apply step's command list, when every command is iptables/ip6tables or nft; else its first other program. */
function listedCommands(source: Extract<RuleSource, { kind: "commands" }>, fallback: SourceLocation): SourceRead {
  const families = source.commands.map(checkedTool);
  const other = families.findIndex((f) => f === undefined);
  if (other >= 0) {
    const where = source.locations?.[other] ?? fallback;
    return { unchecked: { kind: "unchecked", file: where.file, line: where.line, why: `\`${source.commands[other]![0] ?? ""}\` is not iptables, ip6tables or nft` } };
  }
  return {
    commands: source.commands.map((argv, i) => {
      const where = source.locations?.[i] ?? fallback;
      return { line: where.line, argv: argv.map(withStandIns), family: families[i]!, file: where.file };
    }),
  };
}

/** The backend's own binary for a family's tool: `iptables-legacy`, `ip6tables-nft-restore` … */
export function backendTool(family: Family, backend: Backend, restore: boolean): string {
  return `${family === "ipv4" ? "iptables" : "ip6tables"}-${backend}${restore ? "-restore" : ""}`;
}

/** The built-in nat chains each NAT target may be used from (the kernel refuses the others when the rule is loaded). */
const NAT_CHAINS: Readonly<Record<string, readonly string[]>> = {
  MASQUERADE: ["POSTROUTING"],
  SNAT: ["POSTROUTING", "INPUT"],
  DNAT: ["PREROUTING", "OUTPUT"],
  REDIRECT: ["PREROUTING", "OUTPUT"],
};

/**
 * Why the kernel refuses a restore file's NAT rule in that built-in chain
 * (`-A PREROUTING … -j MASQUERADE`: `--test` passes it, the load does not),
 * in words; undefined for any other line (a user chain: where it is jumped
 * from decides).
 */
export function natPlacement(line: string): string | undefined {
  const m = /^\s*-[AI]\s+(\S+)\b.*\s-j\s+(MASQUERADE|SNAT|DNAT|REDIRECT)\b/.exec(line);
  if (!m) return undefined;
  const [, chain, target] = m;
  const allowed = NAT_CHAINS[target!]!;
  if (!["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"].includes(chain!) || allowed.includes(chain!)) return undefined;
  return `${target} works only in nat ${allowed.join(" and ")}, not ${chain} (the kernel refuses it when the rules are loaded; \`--test\` does not try)`;
}
