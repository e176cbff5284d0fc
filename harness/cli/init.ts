/**
 * `fwspec init`: the effects around the pure parts in harness/init/. Without
 * `--from`, writes the working example (init/starter.ts). With `--from
 * rules.v4 [--v6 rules.v6]`, reads the ruleset (rules/saved.ts), proposes a
 * scenario (init/ports.ts, init/propose.ts), probes its flow matrix with
 * `fwspec record`'s recordMatrix, and writes the scenario with the lines
 * record writes as its expectations. Existing files are never overwritten without `--force`;
 * nothing is written when anything fails.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { notAFolder } from "./report-files.ts";
import path from "node:path";
import { recordMatrix } from "../diff/run.ts";
import { FwspecError, InputError } from "../errors.ts";
import { packageVersion } from "../env/package-root.ts";
import { fwspecCommand } from "../invocation.ts";
import { oneLine } from "../text.ts";
import { shellQuote } from "../lab/exec.ts";
import { namedPorts, unnamedTcpPort } from "../init/ports.ts";
import { draftScenario, observedScenario } from "../init/propose.ts";
import type { Proposal } from "../init/propose.ts";
import { CONFIG_FILE, planWrites, schemaPath, starterFiles, supportFiles, WORKFLOW_FILE } from "../init/starter.ts";
import type { FilePlan, PlannedFile } from "../init/starter.ts";
import type { Family } from "../model/types.ts";
import { silentProgress } from "../progress.ts";
import type { Progress } from "../progress.ts";
import { parseSave, SaveFormatError } from "../rules/saved.ts";
import type { SavedRuleset } from "../rules/saved.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { failureWords, readTextFileSync } from "../scenario/read-file.ts";
import { rulesFileProblem } from "../scenario/rules-file-kind.ts";
import { chooseProjectRoot, CONFIG_NAMES, describeRoot } from "../scenario/root.ts";
import { formatSyntaxProblem, RuleSyntaxError } from "../runner/rule-syntax.ts";
import type { SyntaxProblem } from "../runner/rule-syntax.ts";
import { MAX_FIXTURE_BYTES } from "../scenario/schema.ts";

export interface InitOptions {
  /** iptables-save / iptables-restore file for IPv4. */
  readonly from?: string | undefined;
  /** The same for IPv6 (with `from`). */
  readonly v6?: string | undefined;
  readonly force?: boolean | undefined;
  /** The directory to write into (default: the working directory). */
  readonly cwd?: string | undefined;
  readonly progress?: Progress | undefined;
  /** Today, for the review marks. */
  readonly now?: Date | undefined;
  /** How the user types fwspec, for the command lines printed (cli/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
}

/** The scenario `--from` writes. */
export const FROM_SCENARIO = "scenarios/firewall.yaml";

/** Does the planned file exist in `cwd`? Any fwspec.config.* counts as the config file. */
function existsIn(cwd: string): (rel: string) => boolean {
  return (rel) => (rel === CONFIG_FILE ? CONFIG_NAMES.some((n) => existsSync(path.join(cwd, n))) : existsSync(path.join(cwd, rel)));
}

/** The hint for files init will not overwrite: your own rules files call for `init --from`, never --force (it would replace them). */
function conflictHint(conflicts: readonly string[], invocation: string | undefined): string {
  const rules = conflicts.filter((c) => /^firewall\/rules\.v[46]$/.test(c));
  if (rules.length === 0) return conflicts.length === 1 ? "move it away, or pass --force to overwrite it" : "move them away, or pass --force to overwrite them";
  const v4 = rules.find((r) => r.endsWith("v4"));
  const v6 = rules.find((r) => r.endsWith("v6"));
  const from = v4 ? `--from ${v4}${v6 ? ` --v6 ${v6}` : ""}` : `--from <your IPv4 rules> --v6 ${v6}`;
  return `to write a scenario for your own rules, run \`${fwspecCommand(`init ${from}`, invocation)}\`; --force would replace ${rules.join(" and ")} with the example's rules`;
}

function plan(files: readonly PlannedFile[], cwd: string, force: boolean, invocation: string | undefined): FilePlan {
  const p = planWrites(files, existsIn(cwd), force);
  if (p.conflicts.length > 0 && !force) {
    throw new InputError(`fwspec init would overwrite ${p.conflicts.join(", ")}; nothing was written`, { hint: conflictHint(p.conflicts, invocation) });
  }
  // What no write could get past, found before the first file is written: a file where a folder must be, a folder where a file must be.
  const blocked = p.write.flatMap((f) => {
    const abs = path.join(cwd, f.path);
    const file = notAFolder(path.dirname(abs));
    if (file !== undefined) return [`${path.relative(cwd, file)} is a file where ${f.path} needs a folder`];
    return existsSync(abs) && statSync(abs).isDirectory() ? [`${f.path} is a folder`] : [];
  });
  if (blocked.length > 0) {
    throw new InputError(`fwspec init cannot write here: ${[...new Set(blocked)].join("; ")}; nothing was written`, { hint: "move those out of the way (or run init in another folder), then run it again" });
  }
  return p;
}

function write(p: FilePlan, cwd: string, force: boolean): string {
  for (const f of p.write) {
    const abs = path.join(cwd, f.path);
    mkdirSync(path.dirname(abs), { recursive: true });
    // "wx": a file that appeared since the plan is not overwritten either.
    writeFileSync(abs, f.text, { flag: force ? "w" : "wx" });
  }
  return [...p.write.map((f) => `wrote ${f.path}`), ...p.kept.map((k) => `kept ${k} (it exists)`)].join("\n") + packageNote(p, cwd);
}

/**
 * Written into a folder without a package.json: the workflow's `npm ci` and `npx --no-install fwspec`, and the
 * scenarios' `$schema` in node_modules, need fwspec as the project's dev dependency (tester 41a).
 */
function packageNote(p: FilePlan, cwd: string): string {
  if (existsSync(path.join(cwd, "package.json")) || !p.write.some((f) => f.path === WORKFLOW_FILE)) return "";
  return `\nnote: there is no package.json here: ${WORKFLOW_FILE} runs \`npm ci\` and \`npx --no-install fwspec\`, and the scenarios' $schema points into node_modules/fwspec; add fwspec as a dev dependency from a tarball kept in the repository (\`npm init -y && npm install -D ./vendor/fwspec-${packageVersion()}.tgz\`, the tarball from \`npm pack\` of fwspec's checkout) or a git URL, never by its bare name (fwspec is on no package registry: the bare name would install whatever someone else published under it), and commit package.json, package-lock.json and the tarball with them`;
}

/** A rules file, inside `cwd` (the written scenario names it relative to itself), read and parsed. */
function readRules(file: string, family: Family, flag: string, cwd: string, invocation: string | undefined): { rel: string; ruleset: SavedRuleset } {
  const abs = path.resolve(cwd, file);
  const rel = path.relative(cwd, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new InputError(`${flag} ${file} is outside ${cwd}`, { hint: `copy the rules file into the repository (e.g. firewall/rules.v4) and run \`${fwspecCommand("init --from firewall/rules.v4", invocation)}\` there` });
  }
  const read = readTextFileSync(abs, { root: cwd, maxBytes: MAX_FIXTURE_BYTES });
  if (!read.ok) {
    const f = read.failure;
    const why = failureWords(f);
    throw new InputError(`${flag} ${file}: ${why}`, { hint: "name an iptables-save / iptables-restore file, e.g. /etc/iptables/rules.v4 copied into the repository" });
  }
  // CR LF, or a file of another kind (nft, a script): said of the file as typed, before the scenario that would name it exists.
  const wrong = rulesFileProblem(read.text, file, "init");
  if (wrong) throw new InputError(`${flag} ${wrong.message}`, { hint: wrong.hint });
  try {
    return { rel, ruleset: parseSave(read.text, family) };
  } catch (error) {
    if (error instanceof SaveFormatError) throw new InputError(`${flag} ${file}: ${error.message}`, { hint: "the file must be iptables-restore input, as iptables-save writes it" });
    throw error;
  }
}

/** Lines of the user's rules files the tools refuse: each named in its file, and what to do (the scenario was never written). */
export function rulesRefused(problems: readonly SyntaxProblem[], again: string, cwd: string): InputError {
  const files = [...new Set(problems.map((p) => path.relative(cwd, p.file) || p.file))];
  const tools = [...new Set(problems.map((p) => p.tool))].join(", ");
  // Each family's file in its own tool's words (tester 41a: an IPv4 file given as --v6 was told of iptables-restore).
  const restores = [...new Set(problems.map((p) => (p.family === "ipv6" ? "ip6tables-restore" : "iptables-restore")))];
  const must = restores.length === 1 ? `the file must load with ${restores[0]}, as ${restores[0]!.replace("-restore", "-save")} writes it` : "each file must load with its family's tool: iptables-restore for IPv4, ip6tables-restore for IPv6";
  return new InputError(`${problems.length} rule line(s) of ${files.join(" and ")} refused by ${tools}; no scenario lab was started and nothing was written:\n${problems.map((p) => `  ${formatSyntaxProblem(p, cwd)}`).join("\n")}`, {
    hint: `fix the line(s) named above in ${files.join(" and ")} (${must}), then run \`${again}\` again`,
  });
}

/** Why the lab could not observe the rules, without the draft scenario's step and line (it was never written); an apply the tools refused is the rules files' fault (exit 2). */
export function notObserved(problem: string, again: string, invocation?: string): FwspecError {
  const apply = /^step \d+: apply .*? \(line \d+\): (.*)$/s.exec(problem);
  if (apply) {
    return new InputError(`the rules did not load in the lab: ${apply[1]!.replace(/\n  hint: .*$/s, "")}\nnothing was written`, {
      hint: `fix the rules file at the line named above (it must load with iptables-restore on a fresh host), then run \`${again}\` again`,
    });
  }
  return new FwspecError(`the rules could not be observed in a lab: ${problem}; nothing was written`, { hint: `\`${fwspecCommand("doctor", invocation)}\` checks the lab` });
}

/**
 * init writes a project's starting point (its fwspec.config.json marks the
 * root, its workflow goes where GitHub reads it): in a folder inside a project
 * whose root is above (a config, the git work tree, package.json), it would
 * make a second root there (breaking the scenarios under it that name files
 * above) and a workflow nothing runs. Refused; a folder with its own config is
 * a root of its own.
 */
function refuseInsideProject(cwd: string, invocation: string | undefined): void {
  const root = chooseProjectRoot(cwd, (abs) => {
    if (!existsSync(abs)) return undefined;
    return statSync(abs).isDirectory() ? "dir" : "file";
  }, undefined, cwd);
  if (root.reason === "none" || root.dir === cwd) return;
  const where = root.reason === "git" ? describeRoot(root) : `the project at ${describeRoot(root)}`;
  throw new InputError(`fwspec init writes a project's starting point at its root, and this folder is inside ${where}; nothing was written`, {
    hint: `run it there: \`cd ${shellQuote([root.dir])} && ${fwspecCommand("init", invocation)}\`; to make this folder a fwspec project of its own, create an empty fwspec.config.json in it first`,
  });
}

function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** `fwspec init` without --from: the example. Returns what was done, in lines. */
export function initExample(opts: InitOptions = {}): string {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  refuseInsideProject(cwd, opts.invocation);
  const p = plan(starterFiles(opts.invocation), cwd, opts.force === true, opts.invocation);
  return `${write(p, cwd, opts.force === true)}\nnext: ${fwspecCommand("validate", opts.invocation)} && ${fwspecCommand("run", opts.invocation)}`;
}

/** `fwspec init --from`: observe the rules in a lab, then write the scenario. Returns what was done, in lines. */
export async function initFrom(opts: InitOptions & { readonly from: string }): Promise<string> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const force = opts.force === true;
  const progress = opts.progress ?? silentProgress;
  refuseInsideProject(cwd, opts.invocation);
  const v4 = readRules(opts.from, "ipv4", "--from", cwd, opts.invocation);
  const v6 = opts.v6 === undefined ? undefined : readRules(opts.v6, "ipv6", "--v6", cwd, opts.invocation);
  const rulesets = [v4.ruleset, ...(v6 ? [v6.ruleset] : [])];
  const { ports, omitted } = namedPorts(rulesets);
  const scenarioDir = path.posix.dirname(FROM_SCENARIO);
  const proposal: Proposal = {
    scenarioDir, v4: v4.rel, v6: v6?.rel, ports, omitted, unnamed: unnamedTcpPort(rulesets), date: today(opts.now ?? new Date()), schema: schemaPath(scenarioDir),
  };
  const placeholder: PlannedFile = { path: FROM_SCENARIO, text: "", ifExists: "conflict" };
  plan([placeholder, ...supportFiles()], cwd, force, opts.invocation);

  // The written fwspec.config.json makes cwd the root; the draft is checked with that root already.
  const abs = path.join(cwd, FROM_SCENARIO);
  const draftText = draftScenario(proposal);
  const draft = parseScenarioText(draftText, abs, { root: cwd });
  progress.step(`observing ${ports.length + 1} listener(s) on server from remote and from server itself, IPv4 and IPv6 (the flow matrix fwspec record probes)`);
  if (omitted.length > 0) progress.info(`at most ${ports.length} named ports get a listener; left out: ${omitted.map((x) => `${x.protocol}/${x.port}`).join(", ")}`);
  const again = fwspecCommand(`init --from ${opts.from}${opts.v6 === undefined ? "" : ` --v6 ${opts.v6}`}`, opts.invocation);
  // The rules files are tested line by line first (as `run --check-rules`): a line the tools refuse is named in the user's file, exit 2.
  const observed = await recordMatrix(draft, { progress, handleInterrupts: true, checkRules: true, ...(opts.invocation !== undefined ? { invocation: opts.invocation } : {}) }).catch((error: unknown) => {
    throw error instanceof RuleSyntaxError ? rulesRefused(error.problems, again, cwd) : error;
  });
  if (observed.problems.length > 0) throw notObserved(observed.problems[0]!, again, opts.invocation);
  const { text, failed } = observedScenario(proposal, draftText, abs, observed);
  parseScenarioText(text, abs, { root: cwd }); // what is written must validate
  const p = plan([{ ...placeholder, text }, ...supportFiles()], cwd, force, opts.invocation);
  const left = omitted.length > 0 ? `\nleft out (more than ${ports.length} ports): ${omitted.map((x) => `${x.protocol}/${x.port}`).join(", ")}` : "";
  const notRecorded = failed.map((f) => `\nnot recorded: ${f.key}: the probe failed: ${f.side.reason.replace(/\s+/g, " ")}`).join("");
  // Without --v6 the lab host has no IPv6 rules: every IPv6 flow is recorded open, which the real host may not be.
  const openV6 = v6 ? 0 : observed.flows.filter((f) => f.flow.family === "ipv6" && f.side.verdict === "open" && f.flow.to !== "localhost").length;
  const noV6 = openV6 > 0 ? `\nnote: no --v6 rules given, so the lab host had no IPv6 rules and ${openV6} IPv6 flow(s) from other hosts were recorded open (\`/tcp6 open  # no filter chain\`); if the host filters IPv6, pass its ip6tables-save file with --v6; if it does not, that is an open IPv6 path` : "";
  const notes = (observed.notes ?? []).map((n) => `\nnote: ${oneLine(n)}; the recorded verdicts are the lab host's, where those matches never held`).join("");
  return `${write(p, cwd, force)}${left}${notRecorded}${noV6}${notes}\nreview each expectation in ${FROM_SCENARIO} (each names the rule that decided it), then: ${fwspecCommand("run", opts.invocation)}`;
}
