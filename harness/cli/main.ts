#!/usr/bin/env node
/** The `fwspec` command. Exit codes: 0 ok, 1 expectations failed, 2 bad input, 3 environment, 4 fwspec's own failure. */
import { Command, CommanderError } from "commander";
import { EXIT, FwspecError, InputError } from "../errors.ts";
import { consoleProgress } from "../progress.ts";
import { oneLine, safeText } from "../text.ts";
import { shellQuote } from "../shell-quote.ts";
import { runSetup } from "../env/setup.ts";
import { connectEngine } from "../env/engine.ts";
import { PACKAGE_ROOT, packageVersion } from "../env/package-root.ts";
import { FAMILIES } from "../model/types.ts";
import { DEFAULT_COMMAND_TIMEOUT_SECONDS, parseCommandTimeout } from "../lab/limits.ts";
import { runCleanup } from "./cleanup.ts";
import { initExample, initFrom } from "./init.ts";
import { renderChecks, runDoctor } from "./doctor.ts";
import { runScenarios, runScenariosWithReport } from "./run.ts";
import { runMutate } from "./mutate.ts";
import { OPERATORS } from "../mutate/operators.ts";
import { recordCommand } from "./record.ts";
import { diffCommand } from "./diff.ts";
import { withMachineFirewallCheck } from "./machine-check.ts";
import { flagNumber, percentFlag } from "./flags.ts";
import { outputOptions } from "./reporters.ts";
import { changeLines, changedVerdicts, runSeed, stabilityOutcome, verdictMap } from "./stability.ts";
import { validateFiles } from "../scenario/validate-files.ts";
import { checkRules } from "../api.ts";
import { checkJumpTargets } from "../runner/rule-syntax.ts";
import { fwspecCommand } from "../invocation.ts";
import { chooseInvocation } from "./invocation.ts";
import { invocationFacts } from "./invocation-facts.ts";
import { watchClosedOutput } from "./closed-output.ts";

function fail(error: unknown): never {
  if (error instanceof FwspecError) {
    process.stderr.write(`fwspec: ${error.report()}\n`);
    process.exit(error.exitCode);
  }
  // fwspec's own failure: one line and a hint, no stack trace (exit 4, distinct from a check's 1).
  const message = String((error as Error)?.message ?? error).split("\n")[0] ?? "";
  process.stderr.write(`fwspec: internal error: ${safeText(message)}\n  hint: this is a fwspec problem, not a verdict; run again, and report it with the command line if it persists\n`);
  process.exit(EXIT.internal);
}

/** `--keep` or `--keep-on-failure` as the API's keep option (not both). */
function keepMode(opts: { keep?: boolean; keepOnFailure?: boolean }): "all" | "failed" | undefined {
  if (opts.keep && opts.keepOnFailure) throw new InputError("use one of --keep and --keep-on-failure", { hint: "--keep keeps every lab, --keep-on-failure those of failed scenarios" });
  return opts.keep ? "all" : opts.keepOnFailure ? "failed" : undefined;
}

/** How this user types fwspec (`npx fwspec` in a project that installed it), from this process's facts: read here, once, and passed down. */
function invocationHere(): string {
  const env = { path: process.env["PATH"], npmCommand: process.env["npm_command"], npmLifecycleEvent: process.env["npm_lifecycle_event"] };
  return chooseInvocation(invocationFacts(PACKAGE_ROOT, process.cwd(), env));
}

const ROOT_HELP = "the project root: files a scenario names may be anywhere inside it (default: the nearest directory with fwspec.config.*, else the git work tree, else the nearest package.json)";

/** The command; every fwspec command line it prints for the user to type starts with `invocation`. */
export function buildProgram(invocation: string = invocationHere()): Command {
  const cmd = (args: string) => fwspecCommand(args, invocation);
  const program = new Command("fwspec")
    .description("Executable specifications for Linux firewalls, proven with real packets in containers.")
    .version(packageVersion(), "-V, --version", "print fwspec's version")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command("setup")
    .description("prepare this machine: find or start a Docker engine (installing docker.io as root on Debian/Ubuntu), build the lab image")
    .option("-q, --quiet", "print only problems")
    .action(async (opts: { quiet?: boolean }) => {
      const progress = opts.quiet ? { step: () => {}, info: () => {} } : consoleProgress();
      const result = await runSetup(progress, process.env, invocation);
      if (!opts.quiet) process.stdout.write(`fwspec setup: ready (lab image ${result.image})\n`);
    });

  program
    .command("run")
    .description("run scenarios (files, directories or globs; default scenarios/) with real containers and packets")
    .argument("[paths...]", "scenario files, directories or globs (default: scenarios/ in the project root)")
    .option("--json <file>", "write the JSON report to <file>")
    .option("--junit <file>", "write a JUnit XML report to <file>")
    .option("--html <file>", "write a self-contained HTML report to <file> (reachability matrices, failures with evidence, parity, rule coverage; opens from a CI artefact without a server)")
    .option("-t, --filter <pattern>", "run only checks whose name matches <pattern> (a regular expression; a counter check kept brings along the probes it counts)")
    .option("--family <family>", "probe this family for every expectation: ipv4, ipv6 or both (a held connection keeps its own)")
    .option("--timeout <seconds>", "probe timeout in whole seconds (overrides the scenarios)")
    .option("--shard <index/count>", "run one shard of the scenario files, e.g. 1/3 (for splitting across CI machines)")
    .option("--labs <n>", "labs running scenarios at the same time, 1 to 16 (default: five, one per two cores beyond ten; the next lab starts ahead of its turn, so one more may be starting; given, scenarios of one lab shape are split so up to that many labs run side by side)")
    .option("--shuffle <seed>", "run the scenarios in the order this seed gives (a whole number; the same seed, the same order) instead of the written one: on a shared lab each follows other scenarios")
    .option("--command-timeout <seconds>", `limit for each command run in a lab host (apply scripts, rule commands, run steps), in whole seconds (default ${DEFAULT_COMMAND_TIMEOUT_SECONDS})`)
    .option("--no-early", "wait out every probe timeout instead of deciding drops from DROP-rule counters")
    .option("--check-rules", "first test every rules file and iptables/ip6tables command in a throw-away lab host (iptables-restore --test): every bad line named, exit 2 before any scenario lab starts (about 1.5 s)")
    .option("--coverage", "rule coverage: list every rule of every firewall host with the checks that took its packets, rules never matched and shadowed rules (also in --json)")
    .option("--coverage-min <percent>", "fail the run (exit 1) when fewer than <percent> of the rules were exercised (implies --coverage)")
    .option("--keep", `leave every scenario's lab running after the run, and print how to step into it (remove this run's with the \`${cmd("cleanup --run ID")}\` it prints; \`${cmd("cleanup --kept")}\` removes every kept and warm lab on the engine)`)
    .option("--keep-on-failure", "leave the labs of scenarios that failed or errored running, and print how to step in and the repro commands")
    .option("--reuse", `take warm labs an earlier --reuse run left (checked unchanged, then handed over as between scenarios) and leave this run's shared labs warm instead of removing them: repeated runs skip lab start (spared 15 minutes, then the next run's sweep or \`${cmd("cleanup")}\` removes them; \`${cmd("cleanup --kept")}\` at once)`)
    .option("--root <dir>", ROOT_HELP)
    .option("--reporter <names>", "console, github (annotations and a job summary in $GITHUB_STEP_SUMMARY), or both as console,github; repeatable (default: console, plus github under GitHub Actions)", (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .addHelpText("after", "\nExit codes: 0 every expectation held, 1 an expectation failed, a scenario errored or coverage fell below --coverage-min,\n2 bad input (nothing started), 3 environment problem (no Docker engine, image build failed),\n4 fwspec's own failure after every check held (e.g. a report file could not be written),\n129/130/143 stopped by SIGHUP/SIGINT/SIGTERM or the launcher gone (the run's containers removed),\n141 its output was closed after every check held.")
    .action(async (paths: string[], opts: { json?: string; junit?: string; html?: string; filter?: string; family?: string; timeout?: string; shard?: string; labs?: string; shuffle?: string; early: boolean; commandTimeout?: string; root?: string; reporter?: string[]; checkRules?: boolean; coverage?: boolean; coverageMin?: string; reuse?: boolean }) => {
      // Strings to numbers only; ranges and meanings are checked once, by the API (checkRunOptions).
      const labs = opts.labs === undefined ? undefined : flagNumber("--labs", opts.labs);
      const shuffle = opts.shuffle === undefined ? undefined : flagNumber("--shuffle", opts.shuffle);
      const timeout = opts.timeout === undefined ? undefined : flagNumber("--timeout", opts.timeout);
      const commandTimeout = opts.commandTimeout === undefined ? undefined : parseCommandTimeout(opts.commandTimeout);
      const keep = keepMode(opts as { keep?: boolean; keepOnFailure?: boolean });
      const coverageMin = opts.coverageMin === undefined ? undefined : percentFlag("--coverage-min", opts.coverageMin);
      const code = await runScenarios(paths, {
        ...(opts.json !== undefined ? { json: opts.json } : {}),
        ...(opts.junit !== undefined ? { junit: opts.junit } : {}),
        ...(opts.html !== undefined ? { html: opts.html } : {}),
        ...(opts.filter ? { filter: opts.filter } : {}),
        ...(opts.family !== undefined ? { family: opts.family as "ipv4" | "ipv6" | "both" } : {}),
        ...(timeout !== undefined ? { timeout } : {}),
        ...(opts.shard !== undefined ? { shard: opts.shard } : {}),
        ...(labs !== undefined ? { labs } : {}),
        ...(shuffle !== undefined ? { shuffle } : {}),
        ...(opts.early === false ? { decideEarly: false } : {}),
        ...(keep ? { keep } : {}),
        ...(opts.reuse ? { reuse: true } : {}),
        ...(commandTimeout ? { commandTimeout } : {}),
        ...(opts.checkRules ? { checkRules: true } : {}),
        ...(opts.coverage ? { coverage: true } : {}),
        ...(coverageMin !== undefined ? { coverageMin } : {}),
        ...(opts.root !== undefined ? { root: opts.root } : {}),
        invocation,
        // The environment and the terminal are read here, once; reports get them as options.
        output: outputOptions(opts.reporter ?? [], { env: process.env, cwd: process.cwd(), ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}) }),
      }, consoleProgress());
      process.exitCode = code;
    });

  const repeat = (v: string, all: string[] | undefined) => [...(all ?? []), v];
  program
    .command("record")
    .description("probe the scenario's flow matrix (every host to every listener, the firewall host's own loopback and address, IPv4 and IPv6) with its rules, and write the observed verdicts as its expectations, each with the rule that decided it")
    .argument("<scenario>", "one scenario file")
    .option("--out <file>", "write a new scenario file (the scenario with the recorded expectations)")
    .option("--update", "replace the scenario's expect step after its last set-up step, keeping comments and every other step")
    .option("--force", "overwrite the --out file if it exists")
    .option("--max-probes <n>", "refuse a matrix of more probes (flows x families) than this (default 400)")
    .option("--timeout <seconds>", "probe timeout in whole seconds (overrides the scenario)")
    .option("--root <dir>", ROOT_HELP)
    .addHelpText("after", "\nExit codes: 0 recorded, 1 a probe failed (that flow is not recorded) or the matrix could not run (nothing written),\n2 bad input, 3 environment problem, 4 the scenario file could not be written (after the lab ran).")
    .action(async (file: string, opts: { out?: string; update?: boolean; force?: boolean; maxProbes?: string; timeout?: string; root?: string }) => {
      process.exitCode = await withMachineFirewallCheck("record", () => recordCommand(file, {
        invocation, out: opts.out, update: opts.update, force: opts.force, root: opts.root,
        maxProbes: opts.maxProbes === undefined ? undefined : flagNumber("--max-probes", opts.maxProbes, 1),
        timeout: opts.timeout === undefined ? undefined : flagNumber("--timeout", opts.timeout),
      }, consoleProgress(), (text) => process.stdout.write(text)));
    });

  program
    .command("diff")
    .description("probe the scenario's flow matrix with two rulesets on equal labs and report only the flows that changed, with the rule that decided each side; a gate for CI")
    .argument("<scenario>", "one scenario file (its topology; its rules files are side b unless --rules-b)")
    .option("--base <rev>", "side a: the scenario's rules files as committed at this git revision (e.g. main, HEAD~1)")
    .option("--rules-a <file>", "side a: this file instead of the scenario's rules file (NAMED=FILE when it reads several); repeatable", repeat)
    .option("--rules-b <file>", "side b: this file instead of the scenario's rules file (NAMED=FILE when it reads several); repeatable", repeat)
    .option("--allow <change>", "accept a change: \"FROM -> TARGET:PORT[/PROTOCOL[4|6]] OLD->NEW\" (no 4/6: both families; blocked and * match several verdicts; open->open: another listener answered or it saw another source); repeatable", repeat)
    .option("--allow-file <file>", "accepted changes, one a line (# comments)")
    .option("--json <file>", "write the diff as JSON to <file>")
    .option("--html <file>", "write the diff as a self-contained HTML page to <file> (opens from a CI artefact without a server)")
    .option("--max-probes <n>", "refuse a matrix of more probes (flows x families) than this (default 400)")
    .option("--timeout <seconds>", "probe timeout in whole seconds (overrides the scenario)")
    .option("--root <dir>", ROOT_HELP)
    .addHelpText("after", "\nExit codes: 0 no flow changed, or every change is allowed; 1 a change not allowed, or a flow that could not be\ncompared (its probe failed on a side); 2 bad input; 3 environment problem; 4 a report (--json, --html) could not be written.")
    .action(async (file: string, opts: { base?: string; rulesA?: string[]; rulesB?: string[]; allow?: string[]; allowFile?: string; json?: string; html?: string; maxProbes?: string; timeout?: string; root?: string }) => {
      process.exitCode = await withMachineFirewallCheck("diff", () => diffCommand(file, {
        ...opts, invocation,
        maxProbes: opts.maxProbes === undefined ? undefined : flagNumber("--max-probes", opts.maxProbes, 1),
        timeout: opts.timeout === undefined ? undefined : flagNumber("--timeout", opts.timeout),
      }, consoleProgress(), (text) => process.stdout.write(text)));
    });

  program
    .command("mutate")
    .description("mutation testing of the scenarios: change one rule at a time (in the lab only), rerun, and report which changes no check notices, with a check that would")
    .argument("[paths...]", "scenario files, directories or globs (default: scenarios/ in the project root)")
    .option("--min-score <percent>", "exit 1 when the mutation score (killed / (killed + survived)) is below this")
    .option("--json <file>", "write the mutation report as JSON")
    .option("--html <file>", "write the mutation report as one self-contained HTML page")
    .option("--operators <names>", `only these operators, comma-separated: ${OPERATORS.map((o) => o.name).join(", ")}`)
    .option("--jobs <n>", "labs at the same time for one scenario's mutants (default 1)")
    .option("--killed", "also list every killed mutant with the check that killed it")
    .option("--run-equivalent", "also run the mutants proven equivalent from the rules and the original run, those beyond the lab's reach, and those the scenario declares equivalent (`mutate.equivalent`); by default they are reported, not run. A kill of one is flagged as contradicting the proof or the declaration")
    .option("--mutant <ids...>", `run only the mutants with these ids, exactly as \`${cmd("mutate")}\` prints them (quote an id with a space); an unknown id is bad input`)
    .option("--only <ids...>", "the same as --mutant")
    .option("--no-early", "wait out every probe timeout instead of deciding drops from DROP-rule counters")
    .option("--root <dir>", ROOT_HELP)
    .addHelpText("after", `\nOperators:\n${OPERATORS.map((o) => `  ${o.name.padEnd(15)} ${o.summary}`).join("\n")}\n\nExit codes: 0 done (and the score reached --min-score), 1 below --min-score or an original\nscenario does not pass, 2 bad input, 3 environment problem, 130 stopped by Ctrl-C (what finished is printed\nwith a PARTIAL score; the run's containers and networks are removed).`)
    .action(async (paths: string[], opts: { minScore?: string; json?: string; html?: string; operators?: string; jobs?: string; root?: string; early: boolean; killed?: boolean; runEquivalent?: boolean; mutant?: string[]; only?: string[] }) => {
      process.exitCode = await runMutate(paths, { ...opts, invocation });
    });

  program
    .command("stability")
    .description("run the scenarios N times and count verdicts that changed between runs (target: 0; exit 1 also when a check errored: nothing was observed there)")
    .argument("[paths...]", "scenario files, directories or globs (default: scenarios/ in the project root)")
    .option("--runs <n>", "how many runs", "20")
    .option("--same-order", "every run in the written order (by default each run after the first takes the order of --shuffle <run - 1>, so on a shared lab a scenario follows other scenarios)")
    .action(async (paths: string[], opts: { runs: string; sameOrder?: boolean }) => {
      const runs = Number(opts.runs);
      if (!Number.isInteger(runs) || runs < 2 || runs > 1000) throw new InputError(`--runs must be a whole number from 2 to 1000, not \`${opts.runs}\``);
      const progress = consoleProgress();
      const maps: Map<string, string>[] = [];
      const started = Date.now();
      let failed = 0;
      let errors = 0;
      let erroredRuns = 0;
      const seedOf = (run: number) => runSeed(run, opts.sameOrder === true);
      for (let i = 1; i <= runs; i++) {
        const seed = seedOf(i);
        const { code, report } = await runScenariosWithReport(paths, { quiet: true, invocation, ...(seed !== undefined ? { shuffle: seed } : {}) }, { step: () => {}, info: () => {} });
        if (!report) throw new FwspecError(`run ${i} produced no report (exit ${code})`);
        maps.push(verdictMap(report));
        failed += report.summary.failed;
        errors += report.summary.errors;
        if (report.summary.errors > 0) erroredRuns++;
        const changes = changedVerdicts(maps).filter((c) => c.run === i);
        progress.step(`run ${i}/${runs}${seed === undefined ? "" : ` (--shuffle ${seed})`}: ${report.scenarios.length} scenarios, ${maps[i - 1]!.size} verdicts, ${report.summary.failed} failed, ${report.summary.errors} errors, ${changes.length} changed since run 1`);
        // Say why, so a flake can be chased rather than just counted.
        for (const sc of report.scenarios.filter((x) => x.status !== "passed")) {
          const why = [...sc.errors, ...sc.steps.filter((x) => x.status !== "passed").map((x) => x.message), ...sc.expectations.filter((x) => x.status !== "passed").map((x) => `${x.text} [${x.family}]: ${x.actual} (${x.reason})`)];
          progress.info(`${sc.status}: ${sc.file}: ${why[0] ?? "no detail"}`);
        }
      }
      const changes = changedVerdicts(maps);
      const rerun = [cmd("run"), shellQuote(paths)].filter((x) => x !== "").join(" ");
      for (const line of changeLines(changes, seedOf, rerun)) process.stdout.write(`${oneLine(line)}\n`);
      const outcome = stabilityOutcome({ runs, verdicts: maps[0]?.size ?? 0, changes: changes.length, failed, errors, erroredRuns, seconds: (Date.now() - started) / 1000 });
      process.stdout.write(`${outcome.line}\n`);
      process.exitCode = outcome.ok ? EXIT.ok : EXIT.failed;
    });

  program
    .command("validate")
    .description("check scenario files without Docker: every problem with file:line:column and a hint")
    .argument("[paths...]", "scenario files, directories or globs (default: scenarios/ in the project root)")
    .option("--root <dir>", ROOT_HELP)
    .option("--rules", "also test every rules file and iptables/ip6tables command with iptables-restore --test / ip6tables-restore --test in a throw-away lab host (needs Docker)")
    .action(async (paths: string[], opts: { root?: string; rules?: boolean }) => {
      const { files, scenarios } = validateFiles(paths, undefined, { root: opts.root, invocation });
      // With --rules, "valid" only once the rules are accepted too (a refused rule exits 2 before it);
      // without, a jump to no chain or target is still found (from the lab image's target list, no Docker).
      if (!opts.rules) checkJumpTargets(scenarios, invocation);
      const check = opts.rules ? await checkRules(scenarios, consoleProgress(), { handleInterrupts: true, invocation }) : undefined;
      const left = check && check.unchecked.length > 0 ? `; ${check.unchecked.length} left to the run, not checked (listed above)` : "";
      const rules = check ? `; ${check.tested} rules file(s) and command list(s) accepted${left}` : "";
      process.stdout.write(`${files.length} scenario file(s) valid${rules}\n`);
    });

  program
    .command("init")
    .description("write a starting point: a working example scenario, rules files, fwspec.config.json and a CI workflow; with --from, a scenario for your ruleset with the verdicts observed in a lab")
    .option("--from <rules.v4>", "an iptables-save / iptables-restore file: propose a scenario for it and observe its verdicts in a lab")
    .option("--v6 <rules.v6>", "the IPv6 rules (ip6tables-save format), with --from")
    .option("--force", "overwrite files init would write that exist (never the config file, the workflow or .npmrc)")
    .action(async (opts: { from?: string; v6?: string; force?: boolean }) => {
      if (opts.v6 !== undefined && opts.from === undefined) throw new InputError("--v6 needs --from (the IPv4 rules)", { hint: cmd("init --from firewall/rules.v4 --v6 firewall/rules.v6") });
      const done = opts.from === undefined ? initExample({ ...opts, invocation }) : await initFrom({ ...opts, invocation, from: opts.from, progress: consoleProgress() });
      process.stdout.write(`${done}\n`);
    });

  program
    .command("doctor")
    .description("check the engine, the lab image and kernel features (ip6tables, legacy backend, conntrack), each with a fix")
    .action(async () => {
      const checks = await runDoctor(invocation);
      process.stdout.write(renderChecks(checks));
      process.exitCode = checks.every((c) => c.ok) ? EXIT.ok : EXIT.environment;
    });

  program
    .command("cleanup")
    .description("remove fwspec containers and networks whose run is gone (a live run's, even in another PID namespace, stay), and say what was removed")
    .option("--run <id>", "only the resources of this run id; waits until the run's workers stop creating any")
    .option("--all", "every fwspec container and network on this engine, also those of live runs")
    .option("--kept", `only the labs \`${cmd("run --keep")}\` / \`--keep-on-failure\` left running (other runs spare them for 24 hours) and the warm labs \`${cmd("run --reuse")}\` left (15 minutes), not one a live run has taken`)
    .option("--dry-run", "only list what would be removed (the orphans; with --kept, the kept labs; with --run ID, that run's resources) and the kept labs")
    .action(async (opts: { run?: string; all?: boolean; dryRun?: boolean; kept?: boolean }) => {
      const outcome = await runCleanup(await connectEngine(undefined, invocation), { ...opts, invocation });
      process.stdout.write(outcome.text);
      if (outcome.error) throw outcome.error;
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  watchClosedOutput();
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.badInput);
    }
    fail(error);
  }
}

if (import.meta.main) await main(process.argv.slice(2));
