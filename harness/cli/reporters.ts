/**
 * `fwspec run --reporter console|github`: which outputs a run writes and how
 * (terminal width, the folders file names are relative to), decided once
 * here from the flags and the environment the CLI was started in (the only
 * place GITHUB_ACTIONS, GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE are read;
 * report/ gets them as options), and writing them after a run.
 */
import { InputError, type FwspecError } from "../errors.ts";
import { renderRun } from "../report/console.ts";
import { renderAnnotations, renderSummary } from "../report/github.ts";
import type { RunReport } from "../report/model.ts";
import { DEFAULT_WIDTH } from "../report/wrap.ts";
import { appendReportFile } from "./report-files.ts";

export const REPORTERS = ["console", "github"] as const;
export type Reporter = (typeof REPORTERS)[number];

export interface OutputOptions {
  readonly reporters: readonly Reporter[];
  /** Terminal columns the console report fits. */
  readonly width: number;
  /** Console and JUnit name scenario files relative to this folder (where fwspec was run). */
  readonly baseDir: string;
  /** Annotations and the job summary name files relative to this folder (the Actions workspace). */
  readonly workspace: string;
  /** The job summary file ($GITHUB_STEP_SUMMARY), when there is one. */
  readonly stepSummary?: string;
}

/** What the CLI knows of where it runs: environment variables and the terminal, read once by main.ts. */
export interface Surroundings {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The terminal's columns, when stdout is a terminal that says. */
  readonly columns?: number;
}

/** `--reporter` values (repeatable, comma lists) → the reporters; none given: console, plus github under GitHub Actions. */
export function outputOptions(given: readonly string[], where: Surroundings): OutputOptions {
  // A trailing comma is harmless; an empty name (`--reporter ''`, `console,,github`: often a CI variable that was not set) is said, never read as "the default".
  const names = given.flatMap((g) => g.split(",").map((n) => n.trim()).filter((n, i, all) => !(n === "" && i === all.length - 1 && i > 0)));
  if (names.includes("")) throw new InputError(`--reporter got an empty name (${given.map((g) => `\`${g}\``).join(", ")})`, { hint: `give one or more of ${REPORTERS.join(", ")}, comma-separated: --reporter console,github` });
  for (const n of names) {
    if (!(REPORTERS as readonly string[]).includes(n)) throw new InputError(`--reporter must be one of ${REPORTERS.join(", ")}, not \`${n}\``, { hint: "give --reporter console,github (or the flag twice)" });
  }
  const underActions = where.env["GITHUB_ACTIONS"] === "true";
  const reporters = names.length > 0 ? [...new Set(names as Reporter[])] : underActions ? ["console", "github"] as const : ["console"] as const;
  const summary = where.env["GITHUB_STEP_SUMMARY"];
  return {
    reporters,
    width: where.columns !== undefined && where.columns > 0 ? where.columns : DEFAULT_WIDTH,
    baseDir: where.cwd,
    workspace: where.env["GITHUB_WORKSPACE"] || where.cwd,
    ...(summary ? { stepSummary: summary } : {}),
  };
}

/** Writes the chosen outputs (console report and annotations to stdout, the summary appended to its file); returns a problem writing the summary. */
export function writeOutputs(report: RunReport, o: OutputOptions, stdout: (text: string) => void): FwspecError | undefined {
  if (o.reporters.includes("console")) stdout(renderRun(report, { width: o.width, baseDir: o.baseDir }));
  if (!o.reporters.includes("github")) return undefined;
  stdout(renderAnnotations(report, { baseDir: o.workspace }));
  if (o.stepSummary === undefined) return undefined;
  return appendReportFile("job summary", o.stepSummary, renderSummary(report, { baseDir: o.workspace }));
}
