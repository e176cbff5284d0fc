/**
 * The rule syntax check that `fwspec run` does first and `fwspec validate
 * --rules` does alone: every rules file and iptables/ip6tables or nft command of the
 * scenarios is tested in ONE throw-away lab host (a one-host lab from the
 * given LabProvider: the lab image, NET_ADMIN, its own network namespace on an
 * internal network, labelled like every lab, removed afterwards), with the
 * backend of the host the rules are for. Every bad line is reported as
 * file:line with the tool's message, per family; InputError (exit 2) before
 * any scenario lab starts. Which lines and how tool output maps back to file
 * lines: rules/syntax-lines.ts. Jumps to nothing are also found without a lab
 * (rules/static-jumps.ts: plain `fwspec validate`); with the lab each is named
 * once (withStaticJumps).
 */
import { InputError } from "../errors.ts";
import type { LabHost, LabProvider } from "../lab/types.ts";
import { BACKENDS, FAMILIES, type Family } from "../model/types.ts";
import type { RejectedRuleLine } from "../model/results.ts";
import { columnAsWritten } from "../scenario/placeholders.ts";
import type { Progress } from "../progress.ts";
import { shownPath } from "../shown-path.ts";
import { oneLine } from "../text.ts";
import { nftExcerpt, type NftProblem, nftProblems, nftWhere } from "../rules/nft-file.ts";
import { explainMissingJumps, type ExplainedLine, mayBeMissingJump } from "../rules/missing-jumps.ts";
import { staticMissingJumps } from "../rules/static-jumps.ts";
import { loadableTargets } from "../rules/xtables.ts";
import {
  backendTool, blankLine, type CommandsJob, isRuleLine, lineAt, MAX_ERRORS_PER_FILE, natPlacement, nftCommandProblem, type NftJob, restoreErrorLine, type RestoreJob, type SyntaxJob, syntaxJobs, toolMessage, type UncheckedJob,
} from "../rules/syntax-lines.ts";
import type { Scenario } from "../scenario/model.ts";
import { fwspecCommand } from "../invocation.ts";

export interface SyntaxProblem {
  readonly file: string;
  /** Undefined when the tool named no line. */
  readonly line: number | undefined;
  /** The family whose tool rejected it, or `nft` for an nftables file. */
  readonly family: Family | "nft";
  /** The tool that refused it, as a person runs it: `iptables-restore --test`, `ip6tables`, `nft -c`, `nft` … */
  readonly tool: string;
  readonly message: string;
  /** nft's column, source line and marks (rules/nft-file.ts). */
  readonly column?: number | undefined;
  readonly excerpt?: NftProblem["excerpt"];
  /** A jump to nothing, named in missing-jumps.ts's words (by the lab check, or found without a lab). */
  readonly missingJump?: true;
}

/** The one host of the throw-away lab. */
const CHECKER = "rulecheck";

/** Restore input that empties every table a commands job may touch (user chains too). */
const EMPTY_TABLES = "*filter\nCOMMIT\n*nat\nCOMMIT\n*mangle\nCOMMIT\n*raw\nCOMMIT\n";

/** A restore refusal's jumps to nothing (rules/missing-jumps.ts); the host's target list is read once, only when a refusal may be one. */
function jumpExplainer(host: LabHost, job: RestoreJob): (input: string, stderr: string) => Promise<ExplainedLine[] | undefined> {
  let targets: Promise<ReadonlySet<string> | undefined> | undefined;
  return async (input, stderr) => (mayBeMissingJump(input, stderr) ? explainMissingJumps(input, stderr, await (targets ??= loadableTargets(host, job.family))) : undefined);
}

/** Tests a restore file, one bad line at a time, then loads what passes (later commands may use its chains). */
async function testRestore(host: LabHost, job: RestoreJob): Promise<SyntaxProblem[]> {
  const problems: SyntaxProblem[] = [];
  const tool = backendTool(job.family, job.backend, true);
  const named = `${job.family === "ipv4" ? "iptables" : "ip6tables"}-restore --test`;
  const explain = jumpExplainer(host, job);
  let input = job.content;
  for (let round = 0; ; round++) {
    if (round === MAX_ERRORS_PER_FILE) {
      problems.push({ file: job.file, line: undefined, family: job.family, tool: named, message: `stopped after ${MAX_ERRORS_PER_FILE} bad lines` });
      return problems;
    }
    const r = await host.exec([tool, "--test"], { stdin: input });
    if (r.exitCode === 0) break;
    const line = restoreErrorLine(r.stderr);
    // The legacy backend names a jump to nothing at its line already: said so, with the target meant.
    const jump = (await explain(input, r.stderr))?.find((j) => j.line === line);
    problems.push({ file: job.file, line, family: job.family, tool: named, message: jump?.message ?? toolMessage(r.stderr), ...(jump ? { missingJump: true as const } : {}) });
    // Blanking keeps line numbers; a failure on a non-rule line (a table's COMMIT) ends what can be told line by line.
    if (line === undefined || !isRuleLine(lineAt(input, line))) return problems;
    input = blankLine(input, line);
  }
  return [...problems, ...await loadRestore(host, job, input, explain, problems.length)];
}

/**
 * Loads what passed `--test` (later commands may use its chains). iptables-nft
 * finds a jump to nothing only then, naming the table's COMMIT: each such jump
 * is named at its own line and the load tried again without it; so is a rule
 * line the kernel refuses (a NAT target in a chain it cannot be used from:
 * natPlacement says which). A refusal naming no rule line is left to the run.
 */
async function loadRestore(host: LabHost, job: RestoreJob, passed: string, explain: ReturnType<typeof jumpExplainer>, found: number): Promise<SyntaxProblem[]> {
  const problems: SyntaxProblem[] = [];
  const tool = backendTool(job.family, job.backend, true);
  let input = passed;
  while (found + problems.length < MAX_ERRORS_PER_FILE) {
    const r = await host.exec([tool], { stdin: input });
    if (r.exitCode === 0) break;
    const jumps = await explain(input, r.stderr);
    if (jumps === undefined) {
      // A rule line the kernel refused on load (iptables-nft names it; legacy names the COMMIT: left to the run).
      const line = restoreErrorLine(r.stderr);
      if (line === undefined || !isRuleLine(lineAt(input, line))) break;
      const placed = natPlacement(lineAt(input, line) ?? "");
      problems.push({ file: job.file, line, family: job.family, tool: `${job.family === "ipv4" ? "iptables" : "ip6tables"}-restore`, message: placed ? `${placed}: ${toolMessage(r.stderr)}` : toolMessage(r.stderr) });
      input = blankLine(input, line);
      continue;
    }
    for (const j of jumps) {
      problems.push({ file: job.file, line: j.line, family: job.family, tool: `${job.family === "ipv4" ? "iptables" : "ip6tables"}-restore`, message: j.message, missingJump: true });
      input = blankLine(input, j.line);
    }
  }
  return problems;
}

/** Exit 2 is iptables' PARAMETER_PROBLEM (the command line itself); exit 1 a state the run will judge. */
const USAGE_ERROR = 2;

async function testCommands(host: LabHost, job: CommandsJob): Promise<SyntaxProblem[]> {
  const problems: SyntaxProblem[] = [];
  for (const c of job.commands) {
    if (c.family === "nft") {
      const r = await host.exec(["nft", ...c.argv.slice(1)]);
      const message = r.exitCode === 0 ? undefined : nftCommandProblem(r.stderr);
      if (message !== undefined) problems.push({ file: c.file, line: c.line, family: "nft", tool: "nft", message });
      continue;
    }
    const r = await host.exec([backendTool(c.family, job.backend, false), ...c.argv.slice(1)]);
    if (r.exitCode === USAGE_ERROR) problems.push({ file: c.file, line: c.line, family: c.family, tool: c.family === "ipv4" ? "iptables" : "ip6tables", message: toolMessage(r.stderr) });
  }
  return problems;
}

/**
 * `nft -c -f` on the file (every error nft names, with its line), then loads it when it passes (later files may add to
 * its tables): what only the kernel refuses (a jump loop, a statement its hook does not allow: tester 44a) is the load's.
 */
async function testNft(host: LabHost, job: NftJob): Promise<SyntaxProblem[]> {
  // nft counted columns in the stand-ins' lines: placeholders.ts columnAsWritten.
  const written = job.written.split("\n");
  const named = (stderr: string, tool: string) => nftProblems(stderr, "/dev/stdin").map((p) => ({ file: job.file, family: "nft" as const, tool, ...columnAsWritten(p, written) }));
  const r = await host.exec(["nft", "-c", "-f", "/dev/stdin"], { stdin: job.content });
  if (r.exitCode !== 0) return named(r.stderr, "nft -c");
  const loaded = await host.exec(["nft", "-f", "/dev/stdin"], { stdin: job.content });
  return loaded.exitCode === 0 ? [] : named(loaded.stderr, "nft -f");
}

/** One command empties every backend's tables of both families (fwspec's own constant input, no scenario text). */
const EMPTY_ALL = [
  "sh", "-c", 'for tool in "$@"; do printf %s "$0" | "$tool" || exit 1; done', EMPTY_TABLES,
  ...BACKENDS.flatMap((backend) => FAMILIES.map((family) => backendTool(family, backend, true))),
];

async function emptyTables(host: LabHost): Promise<void> {
  await host.run(["nft", "flush", "ruleset"], "emptying the nftables ruleset of the rule check host");
  await host.run(EMPTY_ALL, "emptying the tables of the rule check host");
}

/** A job the check host runs a tool for (not a reset, not a source left to the run). */
const tested = (j: SyntaxJob): boolean => j.kind !== "reset" && j.kind !== "unchecked";

/** Runs the jobs in one throw-away lab host; every bad line, in job order, each once. */
export async function findSyntaxProblems(jobs: readonly SyntaxJob[], provider: LabProvider, progress?: Progress): Promise<SyntaxProblem[]> {
  if (!jobs.some(tested)) return [];
  await using lab = await provider.start({ name: "rulecheck", hosts: [{ name: CHECKER, firewall: true, backend: "nft", listen: [] }], ...(progress ? { progress } : {}) });
  const host = lab.host(CHECKER);
  await host.assertIsolated();
  const problems = new Map<string, SyntaxProblem>();
  for (const job of jobs) {
    if (job.kind === "unchecked") continue;
    const found = job.kind === "reset" ? (await emptyTables(host), []) : job.kind === "restore" ? await testRestore(host, job) : job.kind === "nft" ? await testNft(host, job) : await testCommands(host, job);
    for (const p of found) problems.set(JSON.stringify([p.file, p.line, p.family, p.message]), p);
  }
  return [...problems.values()];
}

/** `fixtures/rules.v4:6: ipv4: iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"` */
export function formatSyntaxProblem(p: SyntaxProblem, cwd = process.cwd()): string {
  return `${oneLine(shownPath(p.file, cwd))}${nftWhere(p)}: ${p.family}: ${oneLine(p.message)}${nftExcerpt(p, "      ")}`;
}

/** The tools that refused the lines, each once, in the order of the problems: `nft -c`, `iptables-restore --test and iptables`. */
function toolList(problems: readonly SyntaxProblem[]): string {
  const tools = [...new Set(problems.map((p) => p.tool))];
  return tools.length === 1 ? tools[0]! : `${tools.slice(0, -1).join(", ")} and ${tools.at(-1)!}`;
}

/** Bad rule lines: exit 2, each line named. */
export class RuleSyntaxError extends InputError {
  readonly problems: readonly SyntaxProblem[];
  /** `invocation`: how the user types fwspec, for the command the hint names (harness/invocation.ts); `withoutLab`: found without a lab (plain `validate`, a run's scenario); `unstarted`: which lab did not start. */
  constructor(problems: readonly SyntaxProblem[], invocation?: string, withoutLab = false, unstarted = "no scenario lab was started") {
    super(`${problems.length} rule line(s) rejected by ${toolList(problems)} (${unstarted}):\n${problems.map((p) => `  ${formatSyntaxProblem(p)}`).join("\n")}`, {
      hint: withoutLab
        ? `fix each line named above; \`${fwspecCommand("validate", invocation)}\` checks them again, \`${fwspecCommand("validate --rules", invocation)}\` also tests every rule with iptables and nft in a throw-away lab host (needs Docker)`
        : `fix each line named above; \`${fwspecCommand("validate --rules", invocation)}\` checks them again without running any scenario`,
    });
    this.problems = problems;
  }
}

/** What the check did: how many files and command lists it tested, and the sources it left to the run (with why). */
export interface RuleCheck {
  readonly tested: number;
  readonly unchecked: readonly UncheckedJob[];
}

/** `gw.sh:3: not checked: shell syntax or another program: \`WAN=eth0\`` */
export function formatUnchecked(u: UncheckedJob, cwd = process.cwd()): string {
  return `${oneLine(shownPath(u.file, cwd))}${u.line === undefined ? "" : `:${u.line}`}: not checked: ${oneLine(u.why)}`;
}

/** What names a jump to nothing found without a lab (the heading's "rejected by …"). */
const STATIC_TOOL = "the lab image's target list";
/** … and in an nftables file: its own chains, read without nft (rules/nft-static-jumps.ts). */
const STATIC_NFT_TOOL = "the nft file's own chains";

/** The scenarios' jumps to nothing found without a lab (rules/static-jumps.ts), as rule syntax problems. */
export function staticJumpProblems(scenarios: readonly Scenario[]): SyntaxProblem[] {
  return staticMissingJumps(scenarios).map((p) => ({ ...p, tool: p.family === "nft" ? STATIC_NFT_TOOL : STATIC_TOOL, missingJump: true }));
}

/**
 * The lab check's problems with the jumps to nothing found without a lab,
 * each line once: where the lab check named the jump itself, its words stay
 * (they add the tool's); where the tool refused the line in its own words
 * (an iptables command's `Couldn't load target`), the jump is said first;
 * a jump the lab check did not reach is added.
 */
export function withStaticJumps(lab: readonly SyntaxProblem[], found: readonly SyntaxProblem[]): SyntaxProblem[] {
  const at = (p: SyntaxProblem) => JSON.stringify([p.file, p.line, p.family]);
  const mine = new Map<string, SyntaxProblem[]>();
  for (const p of found) mine.set(at(p), [...(mine.get(at(p)) ?? []), p]);
  const told = new Set<string>();
  const merged = lab.map((p) => {
    const same = mine.get(at(p));
    if (same === undefined) return p;
    told.add(at(p));
    // The column of the jump itself where the tool named none.
    const column = p.column ?? same[0]!.column;
    const placed = column === undefined ? p : { ...p, column };
    if (p.missingJump) return placed;
    // nft's ENOENT (with the chain its line names: rules/nft-file.ts) says no more than fwspec's reading; its excerpt stays.
    // Any other word of nft's (a syntax error it stopped at) is the line's first problem: both are said (reviewer 43).
    if (p.family === "nft" && /No such file or directory/.test(p.message)) return { ...p, message: same.map((s) => s.message).join("; "), missingJump: true as const };
    return { ...placed, message: [...same.map((s) => s.message), p.message].join("; "), missingJump: true as const };
  });
  // An nft file nft -c accepted whole has no jump to nothing, whatever fwspec's reading of it says: the lab's word stands.
  const refusedNft = new Set(lab.filter((p) => p.family === "nft").map((p) => p.file));
  return [...merged, ...found.filter((p) => !told.has(at(p)) && (p.family !== "nft" || refusedNft.has(p.file)))];
}

/** Problems as the report keeps them (model/results.ts RejectedRuleLine): where, which tool, its words. */
export function rejectedLines(problems: readonly SyntaxProblem[]): RejectedRuleLine[] {
  return problems.map((p) => ({ file: p.file, line: p.line, ...(p.column !== undefined ? { column: p.column } : {}), family: p.family, tool: p.tool, message: p.message }));
}

/** `fwspec validate` without a lab: RuleSyntaxError (exit 2) naming every jump to nothing it can be sure of. */
export function checkJumpTargets(scenarios: readonly Scenario[], invocation?: string): void {
  const problems = staticJumpProblems(scenarios);
  if (problems.length > 0) throw new RuleSyntaxError(problems, invocation, true);
}

/**
 * `fwspec run` without --check-rules: a scenario's jumps to nothing, found
 * without a lab, as its error (validate's lines and hint), or undefined when
 * it has none. Its apply step would only fail in the lab: the run starts no
 * lab for it and runs the others (run-set.ts).
 */
export function staticJumpError(scenario: Scenario, invocation?: string): string | undefined {
  const problems = staticJumpProblems([scenario]);
  return problems.length === 0 ? undefined : new RuleSyntaxError(problems, invocation, true, "its lab was not started").report();
}

/** Throws RuleSyntaxError naming every bad line of every scenario's rules; starts no lab when there is nothing to test. `invocation` starts the command its hint names. */
export async function checkRuleSyntax(scenarios: readonly Scenario[], provider: LabProvider, progress?: Progress, invocation?: string): Promise<RuleCheck> {
  const jobs = syntaxJobs(scenarios).filter((j, i, all) => j.kind !== "reset" || all[i + 1]?.kind !== "reset");
  const problems = withStaticJumps(await findSyntaxProblems(jobs, provider, progress), staticJumpProblems(scenarios));
  if (problems.length > 0) throw new RuleSyntaxError(problems, invocation);
  const unchecked = jobs.filter((j): j is UncheckedJob => j.kind === "unchecked");
  const count = jobs.filter(tested).length;
  progress?.step(`rule syntax: ${count} rules file(s) and command list(s) accepted${unchecked.length > 0 ? `; ${unchecked.length} left to the run (their errors show only there)` : ""}`);
  for (const u of unchecked) progress?.info(formatUnchecked(u));
  return { tested: count, unchecked };
}
