/**
 * `fwspec diff <scenario> (--base REV | --rules-a FILE | --rules-b FILE …)`:
 * the scenario's flow matrix with two rulesets on equal labs, and only the
 * flows that changed (diff/run.ts, diff/render.ts). Side a: the rules files
 * at git revision REV (`--base`), or `--rules-a` files; side b: `--rules-b`
 * files, or the files as they are. A gate: exit 0 when nothing changed or
 * every change is allowed (`--allow`, `--allow-file`), 1 when a change is
 * not allowed or a flow could not be compared, 2 bad input, 4 when the JSON
 * report could not be written (and nothing else failed).
 */
import path from "node:path";
import { type AllowEntry, checkAllowHosts, parseAllow, parseAllowFile } from "../diff/allow.ts";
import { atRevision, filesAtRevision } from "../diff/git-rev.ts";
import { diffStatus, withBaseRevision } from "../diff/model.ts";
import { renderDiff, renderDiffJson } from "../diff/render.ts";
import { noRulesFile, readReplacements, replacementsOf, ruleFilesOf, withRuleFiles } from "../diff/rule-files.ts";
import { diffScenarios } from "../diff/run.ts";
import { renderDiffHtml } from "../report/html.ts";
import { checkRunOptions, refuseOverwrites } from "../api.ts";
import { EXIT, type ExitCode, InputError } from "../errors.ts";
import { rulesFileProblem } from "../scenario/rules-file-kind.ts";
import { shellQuote } from "../lab/exec.ts";
import type { Progress } from "../progress.ts";
import { failureWords, readTextFileSync } from "../scenario/read-file.ts";
import type { Scenario } from "../scenario/model.ts";
import { oneScenario } from "./one-scenario.ts";
import { askedReports, refuseReportPaths, writeReportFile } from "./report-files.ts";
import { fwspecCommand } from "../invocation.ts";

export interface DiffCliOptions {
  readonly base?: string | undefined;
  readonly rulesA?: readonly string[] | undefined;
  readonly rulesB?: readonly string[] | undefined;
  readonly allow?: readonly string[] | undefined;
  readonly allowFile?: string | undefined;
  readonly json?: string | undefined;
  /** Write the diff view as a self-contained HTML page (report/html.ts). */
  readonly html?: string | undefined;
  readonly maxProbes?: number | undefined;
  readonly timeout?: number | undefined;
  readonly root?: string | undefined;
  /** How the user types fwspec, for the command lines printed (cli/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
}

interface Side {
  readonly scenario: Scenario;
  readonly label: string;
}

function rel(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

async function sideA(scenario: Scenario, opts: DiffCliOptions): Promise<Side> {
  const files = ruleFilesOf(scenario);
  if (opts.base !== undefined) {
    if ((opts.rulesA ?? []).length > 0) throw new InputError("--base and --rules-a both name side a; use one", { hint: "--base REV: the rules files as committed at REV; --rules-a FILE: other files" });
    if (files.length === 0) throw noRulesFile(scenario, `--base ${opts.base}`, opts.invocation);
    // Failures name the committed file (`rules.v4@main:4`), whose lines may differ from the working tree's.
    const names = new Map(files.map((f) => [f, atRevision(f, opts.base!)]));
    const contents = await filesAtRevision(opts.base, files);
    refuseUnloadableAt(opts.base, scenario, contents);
    return { scenario: withRuleFiles(scenario, contents, names), label: `${files.map(rel).join(", ")} at ${opts.base}` };
  }
  return side(scenario, opts.rulesA ?? [], "--rules-a", opts.invocation);
}

function side(scenario: Scenario, specs: readonly string[], flag: string, invocation: string | undefined): Side {
  const replacements = replacementsOf(scenario, specs, flag, process.cwd(), invocation);
  const contents = readReplacements(replacements, flag);
  refuseUnloadable(scenario, contents, flag, (target) => {
    const file = rel(replacements.get(target) ?? target);
    return { shown: file, pasted: shellQuote([file]) };
  });
  const files = ruleFilesOf(scenario);
  const label = files.length === 0 && replacements.size === 0 ? "the scenario's rules" : files.map((f) => (replacements.has(f) ? rel(replacements.get(f)!) : rel(f))).join(", ");
  // Titles and failures name the file applied on this side, not the one it replaces.
  return { scenario: withRuleFiles(scenario, contents, replacements), label };
}

/**
 * A replacement file its apply step could not load as it loads the file it replaces (CR LF line endings, another kind
 * of rules file, a table without COMMIT): InputError before any lab starts, as `validate` says it of a scenario's own
 * file (tester 42a: a CR LF file was a raw nft error after the labs started). `named` says how each file is shown, how
 * a command names it, and (for a file read at a git revision, which cannot be fixed in place) what to do instead.
 */
function refuseUnloadable(scenario: Scenario, contents: ReadonlyMap<string, string>, flag: string, named: (target: string) => { shown: string; pasted: string; hint?: (fix: string) => string }): void {
  // How the scenario's apply steps load each rules file (by path).
  const kinds = new Map(scenario.steps.flatMap((s) => (s.kind === "apply" ? s.sources.flatMap((src) => (src.kind === "commands" ? [] : [[src.path, src.kind] as const])) : [])));
  for (const [target, content] of contents) {
    const as = kinds.get(target);
    const name = named(target);
    const problem = as === undefined ? undefined : rulesFileProblem(content, name.shown, as, name.pasted);
    if (problem) throw new InputError(`${flag}: ${problem.message}`, { hint: name.hint ? name.hint(problem.hint) : problem.hint });
  }
}

/**
 * The same of the files as committed at `rev` (`--base`): the hint writes one out as a file to fix and give as
 * `--rules-a`, with paths from the folder fwspec runs in, as git show (`REV:./PATH`) and --rules-a read them.
 */
function refuseUnloadableAt(rev: string, scenario: Scenario, contents: ReadonlyMap<string, string>): void {
  const others = contents.size > 1 ? ` (write out the scenario's other rules files at ${rev} alike, and give each as another --rules-a NAMED=FILE: side a is then those copies)` : "";
  refuseUnloadable(scenario, contents, `--base ${rev}`, (target) => {
    const here = rel(target);
    const copy = path.join(path.dirname(here), `old-${path.basename(here)}`);
    return {
      shown: rel(atRevision(target, rev)),
      pasted: shellQuote([copy]),
      hint: (fix) => `as committed it cannot be loaded; write it out (\`git show ${shellQuote([`${rev}:./${here}`])} > ${shellQuote([copy])}\`), fix that copy (${fix}), then give it as ${shellQuote(["--rules-a", `${here}=${copy}`])} instead of --base${others}`,
    };
  });
}

export function allowEntries(opts: DiffCliOptions): AllowEntry[] {
  const entries = (opts.allow ?? []).map((a) => parseAllow(a));
  if (opts.allowFile === undefined) return entries;
  const read = readTextFileSync(path.resolve(opts.allowFile));
  // An empty allow file is the natural start of a CI gate (tester 45b): no change allowed yet.
  if (!read.ok && read.failure.kind === "empty") return entries;
  if (!read.ok) throw new InputError(`--allow-file ${opts.allowFile}: cannot read it (${failureWords(read.failure)})`, { hint: "one allow entry a line, e.g. `client -> server:8080/tcp4 open->dropped`" });
  return [...entries, ...parseAllowFile(read.text, opts.allowFile)];
}

export async function diffCommand(file: string, opts: DiffCliOptions, progress: Progress, print: (text: string) => void): Promise<ExitCode> {
  if (opts.base === undefined && (opts.rulesA ?? []).length === 0 && (opts.rulesB ?? []).length === 0) {
    throw new InputError("fwspec diff needs two rulesets: --base REV, or --rules-a FILE and/or --rules-b FILE", { hint: `${fwspecCommand(`diff ${shellQuote([file])} --base main`, opts.invocation)}   (the scenario's rules files as committed on main, against the working tree)` });
  }
  checkRunOptions({ ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}), ...(opts.invocation !== undefined ? { invocation: opts.invocation } : {}) }, "diff");
  refuseReportPaths(askedReports({ "--json": opts.json, "--html": opts.html }));
  const allow = allowEntries(opts);
  const { scenario } = oneScenario(file, "diff", opts.root, opts.invocation);
  checkAllowHosts(allow, scenario);
  const a = await sideA(scenario, opts);
  const b = side(scenario, opts.rulesB ?? [], "--rules-b", opts.invocation);
  // Never the scenario, its rules or the files given for either side (tester 44e: --json firewall/rules.v6 replaced it).
  refuseOverwrites(askedReports({ "--json": opts.json, "--html": opts.html }), [scenario, a.scenario, b.scenario], opts.invocation, "diff", opts.allowFile !== undefined ? [{ file: opts.allowFile, what: "allow file" }] : []);
  const diffed = await diffScenarios(a.scenario, b.scenario, {
    progress, handleInterrupts: true, allow, labels: { a: a.label, b: b.label },
    ...(opts.invocation !== undefined ? { invocation: opts.invocation } : {}),
    ...(opts.maxProbes !== undefined ? { maxProbes: opts.maxProbes } : {}),
    ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
  });
  const result = opts.base === undefined ? diffed : withBaseRevision(diffed, opts.base);
  print(renderDiff(result));
  const unwritten = opts.json === undefined ? undefined : writeReportFile("JSON", opts.json, renderDiffJson(result));
  const unwrittenHtml = opts.html === undefined ? undefined : writeReportFile("HTML", opts.html, renderDiffHtml([result], { baseDir: process.cwd() }));
  for (const e of [unwritten, unwrittenHtml]) if (e) process.stderr.write(`fwspec: ${e.report()}\n`);
  const status = diffStatus(result);
  // Rules the tools refused: bad input (exit 2, as `run --check-rules` and `init`), not a change.
  if (status === "error" && (result.refused?.length ?? 0) > 0) return EXIT.badInput;
  if (status === "changed" || status === "error") return EXIT.failed;
  return unwritten || unwrittenHtml ? EXIT.internal : EXIT.ok;
}
