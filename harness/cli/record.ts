/**
 * `fwspec record <scenario> (--out FILE | --update)`: the scenario's topology
 * and rules in a lab, its flow matrix probed (diff/run.ts), and the observed
 * verdicts written as its expectations (record/lines.ts, record/write.ts) —
 * a new scenario file, or the scenario itself with its trailing expect step
 * replaced. Nothing is written when the matrix could not run; a flow whose
 * probe failed is never written as an expectation and makes the exit 1; a
 * file that cannot be written is one line and exit 4.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { flowMatrix, flowTitle } from "../diff/matrix.ts";
import { recordMatrix } from "../diff/run.ts";
import { checkRunOptions, refuseOverwrites } from "../api.ts";
import type { Scenario } from "../scenario/model.ts";
import { EXIT, type ExitCode, FwspecError, InputError } from "../errors.ts";
import { unmatchedCounterChecks } from "../record/counter-checks.ts";
import { shellQuote } from "../lab/exec.ts";
import type { Progress } from "../progress.ts";
import { changedExpectations, keptLines, laterExpectSteps, preciseRefusals, recordedLines, whereFrom } from "../record/lines.ts";
import { defaultFamilies, RECORDED_MARK, recordedScenario } from "../record/write.ts";
import { oneLine } from "../text.ts";
import { parseScenarioText } from "../scenario/load.ts";
import { ScenarioError } from "../scenario/diagnostics.ts";
import { oneScenario } from "./one-scenario.ts";
import { reportPathProblems, writeOutputFile } from "./report-files.ts";
import { fwspecCommand } from "../invocation.ts";

export interface RecordCliOptions {
  readonly out?: string | undefined;
  readonly update?: boolean | undefined;
  readonly force?: boolean | undefined;
  readonly maxProbes?: number | undefined;
  readonly timeout?: number | undefined;
  readonly root?: string | undefined;
  /** How the user types fwspec, for the command lines printed (cli/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
}

/** `web.yaml` → `web.recorded.yaml`: where the hint suggests --out. */
function recordedName(file: string): string {
  return /\.ya?ml$/i.test(file) ? file.replace(/\.ya?ml$/i, ".recorded.yaml") : `${file}.recorded.yaml`;
}

/** Where to write (absolute); `given` is the scenario as the user named it, for hints. */
function target(file: string, given: string, opts: RecordCliOptions, scenario: Scenario): string {
  if ((opts.out === undefined) === (opts.update !== true)) {
    throw new InputError("say where to record: --out FILE (a new scenario) or --update (this scenario's expectations), one of them", { hint: `${fwspecCommand(`record ${shellQuote([given, "--out", recordedName(given)])}`, opts.invocation)}   or: ${fwspecCommand(`record ${shellQuote([given])} --update`, opts.invocation)}` });
  }
  if (opts.update) return file;
  // Empty, an existing folder, under a file: refused as the report flags are (report-files.ts).
  const problems = reportPathProblems([{ flag: "--out", file: opts.out! }]);
  if (problems.length > 0) throw new InputError(problems.join("; "), { hint: `give --out a scenario file, e.g. \`--out ${recordedName(given)}\`; folders that do not exist yet are created` });
  const out = path.resolve(opts.out!);
  if (out === file) throw new InputError(`--out ${opts.out} is the scenario itself`, { hint: "use --update to replace its expectations" });
  // A rules file the scenario loads, --force or not (tester 44e: its hint offered --force, which replaced rules.v4 with YAML).
  refuseOverwrites([{ flag: "--out", file: opts.out! }], [scenario], opts.invocation, "record");
  if (existsSync(out) && !opts.force) throw new InputError(`--out ${opts.out} exists; nothing was written`, { hint: "choose another file, or pass --force to overwrite it" });
  return out;
}

/** What to do after recording: review, then run the recorded file (with the same --root the recording needed, or the run refuses its paths: tester 45b). */
export function nextStep(shown: string, opts: Pick<RecordCliOptions, "root" | "invocation">): string {
  return `review each expectation (the comment names the rule that decided it), then: ${fwspecCommand(`run ${shellQuote([shown, ...(opts.root !== undefined ? ["--root", opts.root] : [])])}`, opts.invocation)}`;
}

/** The file as it would be written, checked before any lab starts (e.g. an --out whose paths would lead out of the project root): a ScenarioError, exit 2. */
function checkTarget(one: ReturnType<typeof oneScenario>, out: string, opts: RecordCliOptions, given: string): void {
  const first = flowMatrix(one.scenario, opts.maxProbes)[0]!;
  try {
    parseScenarioText(recordedScenario(one.text, one.file, out, [{ expectation: `${flowTitle(first)} open`, comment: "" }], RECORDED_MARK, opts.invocation), out, { root: opts.root, invocation: opts.invocation });
  } catch (error) {
    // The file is not written yet: say it is where --out puts it, not at a line of it (tester 45b).
    const outside = error instanceof ScenarioError ? error.diagnostics.find((d) => d.message.includes("is outside the project root")) : undefined;
    if (!outside) throw error;
    const root = outside.message.slice(outside.message.indexOf("is outside the project root, ") + "is outside the project root, ".length);
    throw new InputError(`--out ${oneLine(opts.out!)}: the recorded scenario would be outside its rules files' project root: its own root would be ${root}, so it could not load them; nothing was recorded`, {
      hint: `write it inside the project, e.g. \`--out ${oneLine(recordedName(given))}\`, or give --root DIR covering both (and the same --root when you run it)`,
    });
  }
}

export async function recordCommand(file: string, opts: RecordCliOptions, progress: Progress, print: (text: string) => void): Promise<ExitCode> {
  checkRunOptions({ ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}), ...(opts.invocation !== undefined ? { invocation: opts.invocation } : {}) }, "record");
  const one = oneScenario(file, "record", opts.root, opts.invocation);
  const out = target(one.file, file, opts, one.scenario);
  checkTarget(one, out, opts, file);
  const observed = await recordMatrix(one.scenario, {
    progress, handleInterrupts: true,
    ...(opts.invocation !== undefined ? { invocation: opts.invocation } : {}),
    ...(opts.maxProbes !== undefined ? { maxProbes: opts.maxProbes } : {}),
    ...(opts.timeout !== undefined ? { timeoutSeconds: opts.timeout } : {}),
  });
  if (observed.problems.length > 0) {
    // Rules the tools refused are bad input (exit 2, as `run --check-rules` and `init`); any other problem is the run's.
    const refused = (observed.refused?.length ?? 0) > 0;
    const message = `the flow matrix could not be observed; nothing was written:\n  ${observed.problems.map((p) => p.replaceAll("\n", "\n    ")).join("\n  ")}`;
    if (refused) throw new InputError(message, { hint: `fix each rules line named above; \`${fwspecCommand("validate --rules", opts.invocation)}\` checks them again without recording` });
    throw new FwspecError(message, { hint: `the scenario's set-up steps must pass: try \`${fwspecCommand(`run ${shellQuote([path.relative(process.cwd(), one.file) || one.file])}`, opts.invocation)}\`` });
  }
  // Rule lines named from the folder the scenario is written to (`--out` elsewhere: `../firewall/rules.v4:8` from there).
  const flows = whereFrom(observed.flows, path.dirname(out));
  const recorded = recordedLines(flows, defaultFamilies(one.text), preciseRefusals(one.scenario));
  const { failed } = recorded;
  // What the author wrote that record cannot stand for (a DNAT'd port, answered-by / seen-from …) stays, as written.
  const kept = keptLines(one.scenario, flows);
  const lines = [...recorded.lines, ...kept];
  const text = recordedScenario(one.text, one.file, out, lines, RECORDED_MARK, opts.invocation);
  // What is written must validate; its steps' lines are the ones said below (after --update they moved: reviewer).
  const recordedFile = parseScenarioText(text, out, { root: opts.root });
  const shown = path.relative(process.cwd(), out) || out;
  const unwritten = writeOutputFile(out, text, shown, `make ${shown} writable (check its and its folder's permissions, and \`lsattr\` for the immutable flag) or write elsewhere with --out FILE; then record again`);
  if (unwritten) {
    process.stderr.write(`fwspec: ${unwritten.report()}\n`);
    return unwritten.exitCode;
  }
  const written = recorded.lines.filter((l) => l.expectation !== undefined).length;
  print(`recorded ${written} expectation(s) for ${observed.flows.length} probe(s) of ${oneLine(one.scenario.name)} in ${oneLine(shown)}\n`);
  // Recorded verdicts of rules whose matches never held in the lab (interfaces it lacks) are not the real host's: said.
  for (const n of observed.notes ?? []) print(`note: ${oneLine(n)}\n`);
  for (const k of kept) print(`kept as written: ${k.expectation} (${k.comment.replace(/^kept as written: /, "")})\n`);
  for (const line of laterExpectSteps(recordedFile)) print(`kept as written: the expect step at ${oneLine(shown)}:${line} (record replaces only the first expect step after the last set-up step; a later one, such as a rate limit's sequence, stays)\n`);
  // Counters steps are kept as written and not run here: a check the loaded rules cannot satisfy is said now, not at the next run.
  for (const c of unmatchedCounterChecks(recordedFile, observed.loaded ?? [])) print(`kept as written, will not pass: the counters check at ${oneLine(shown)}:${c.line}: ${oneLine(c.problem)}\n`);
  // What the author expected and the rules do not do: recorded as observed, and said (it may be the intent, and the rules the bug).
  for (const c of changedExpectations(one.scenario, observed.flows)) print(`changed: ${c}\n`);
  for (const f of failed) print(`not recorded: ${f.key}: the probe failed: ${f.side.reason.replace(/\s+/g, " ")}\n`);
  if (failed.length > 0) {
    print(`${failed.length} flow(s) not recorded (probe error): record again, or write their expectations by hand\n`);
    return EXIT.failed;
  }
  print(`${nextStep(shown, opts)}\n`);
  return EXIT.ok;
}
